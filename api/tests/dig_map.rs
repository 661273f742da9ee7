//! The printable map of a dig request (PNG and PDF) against known answers:
//! a pentagon dig area with a 2 m buffer and four features of known themes,
//! one very dangerous and one dangerous. The PNG is read back with the
//! independent `png` decoder and its pixels checked where the transform
//! (asserted on its own) puts the polygon, the lines and the halos; the PDF
//! is rasterised by poppler's `pdftoppm` and its text read by `pdftotext`.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;
use std::time::Instant;

use chrono::{TimeZone, Utc};
use forsyning_api::dig::package::map::{
    layout, render_pdf, render_png, theme_colour, Item, MapError, MapOptions, Page, Rgba, Scene,
    Text, DIG_AREA, DIG_AREA_FILL_ALPHA,
};
use forsyning_api::dig::package::PackageInput;
use forsyning_api::dig::{build_report, DigReport, Disclosure};
use forsyning_fixtures::{Town, TownConfig};
use forsyning_model::{
    AccuracyClass, DatasetId, DigRequest, DigRequestStatus, DigResponse, DigResponseType, Hazard,
    Kind, Measures, NetworkFeature, OrgId, SourceFormat, Status, Theme,
};
use forsyning_store::DigRecord;
use geo::BoundingRect;
use geo_types::{Coord, Geometry, LineString, MultiLineString, Point, Polygon, Rect};
use uuid::Uuid;

const X: f64 = 720_000.0;
const Y: f64 = 6_190_000.0;
const EL_CONTACT: &str = "Kontakt: Søren Ærø, tlf. 12 34 56 78, åben 7-16";

fn org(id: &str) -> OrgId {
    OrgId::new(id).unwrap()
}

fn at(x: f64, y: f64) -> Coord<f64> {
    Coord { x: X + x, y: Y + y }
}

/// The dig area: a pentagon 60 m wide and 55 m tall (local metres).
const PENTAGON: [(f64, f64); 5] = [
    (0.0, 0.0),
    (60.0, 0.0),
    (60.0, 40.0),
    (30.0, 55.0),
    (0.0, 40.0),
];

fn pentagon() -> Polygon<f64> {
    let mut ring: Vec<Coord<f64>> = PENTAGON.iter().map(|&(x, y)| at(x, y)).collect();
    ring.push(ring[0]);
    Polygon::new(LineString(ring), vec![])
}

fn line(points: &[(f64, f64)]) -> Geometry<f64> {
    LineString(points.iter().map(|&(x, y)| at(x, y)).collect()).into()
}

fn feature(n: u128, owner: &str, theme: Theme, hazard: Hazard, g: Geometry<f64>) -> NetworkFeature {
    NetworkFeature {
        id: Uuid::from_u128(n),
        owner_id: org(owner),
        dataset_id: DatasetId(Uuid::nil()),
        version: 1,
        source_id: format!("f{n}"),
        source_format: SourceFormat::Synthetic,
        source_class: "Ledning".into(),
        theme,
        kind: if matches!(g, Geometry::Point(_)) {
            Kind::Component
        } else {
            Kind::CableOrPipe
        },
        status: Some(Status::InOperation),
        hazard: Some(hazard),
        safety_note: None,
        accuracy_xy: AccuracyClass::Le050,
        accuracy_z: AccuracyClass::Unknown,
        drawing_method: None,
        measures: Measures::default(),
        geometry: g,
        heights: None,
        valid_from: Utc.timestamp_opt(0, 0).unwrap(),
        valid_to: None,
    }
}

/// EL-NET: a very dangerous electricity cable across the area at y = 25.
/// VAND-AS: a water pipe at x = 20. GAS-DK: a dangerous gas pipe at
/// x = 45 (y 5..15). TELE-DK: a component at (10, 32).
fn the_features() -> Vec<NetworkFeature> {
    let mut cable = feature(
        1,
        "EL-NET",
        Theme::Electricity,
        Hazard::VeryDangerous,
        line(&[(-10.0, 25.0), (70.0, 25.0)]),
    );
    cable.safety_note = Some("10 kV kabel, påvisning kræves før gravning".into());
    vec![
        cable,
        feature(
            2,
            "VAND-AS",
            Theme::Water,
            Hazard::NotDangerous,
            line(&[(20.0, -10.0), (20.0, 60.0)]),
        ),
        feature(
            3,
            "GAS-DK",
            Theme::Gas,
            Hazard::Dangerous,
            line(&[(45.0, 5.0), (45.0, 15.0)]),
        ),
        feature(
            4,
            "TELE-DK",
            Theme::Telecom,
            Hazard::NotDangerous,
            Point(at(10.0, 32.0)).into(),
        ),
    ]
}

struct Fixture {
    record: DigRecord,
    report: DigReport,
    features: Vec<NetworkFeature>,
}

impl Fixture {
    fn input(&self) -> PackageInput<'_> {
        PackageInput {
            report: &self.report,
            request: &self.record.request,
            features: &self.features,
            context: &[],
        }
    }
}

fn fixture(features: Vec<NetworkFeature>, owners: &[(&str, DigResponseType)]) -> Fixture {
    let received = Utc.with_ymd_and_hms(2026, 11, 30, 8, 15, 0).unwrap();
    let request = DigRequest {
        id: Uuid::from_u128(0x0193_5a7e_4c1d_7000_8000_0000_0000_00aa),
        requester_id: org("CON-AARHUS"),
        polygon: pentagon(),
        buffer_m: 2.0,
        period_from: Utc.with_ymd_and_hms(2026, 12, 1, 7, 0, 0).unwrap(),
        period_to: Utc.with_ymd_and_hms(2026, 12, 14, 16, 0, 0).unwrap(),
        purpose: "Fiberstik og ny vandledning".into(),
        contact: "Jens Ågård, 20 30 40 50".into(),
        status: DigRequestStatus::Answered,
        received_at: received,
    };
    let responses = owners
        .iter()
        .map(|&(o, answer)| DigResponse {
            owner_id: org(o),
            answer,
            deadline: received,
            answered_at: Some(received),
            features_count: features.iter().filter(|f| f.owner_id.as_str() == o).count() as u64,
        })
        .collect();
    let record = DigRecord { request, responses };
    let contacts: BTreeMap<OrgId, String> = [
        (org("EL-NET"), EL_CONTACT.to_owned()),
        (org("VAND-AS"), "Vandvagt 70 10 20 30".to_owned()),
        (org("GAS-DK"), "Gasvagt 70 40 50 60".to_owned()),
    ]
    .into_iter()
    .collect();
    let report = build_report(&record, &contacts, shared(&features), &Disclosure::Full);
    // The feature records in the report's order.
    let by_id: BTreeMap<Uuid, NetworkFeature> = features.into_iter().map(|f| (f.id, f)).collect();
    let features = report
        .features
        .iter()
        .flatten()
        .map(|r| by_id[&r.id].clone())
        .collect();
    Fixture {
        record,
        report,
        features,
    }
}

fn full_fixture() -> Fixture {
    use DigResponseType::*;
    fixture(
        the_features(),
        &[
            ("EL-NET", Delivered),
            ("VAND-AS", Delivered),
            ("GAS-DK", OnSiteMarkingDelivered),
            ("TELE-DK", Delivered),
            ("GRAV-0", NoLinesInArea),
        ],
    )
}

/// A decoded image: width, height and RGB(A) samples.
struct Image {
    width: u32,
    height: u32,
    channels: usize,
    data: Vec<u8>,
}

impl Image {
    fn decode(bytes: &[u8]) -> Image {
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut data = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut data).unwrap();
        assert_eq!(info.bit_depth, png::BitDepth::Eight);
        let channels = match info.color_type {
            png::ColorType::Rgb => 3,
            png::ColorType::Rgba => 4,
            other => panic!("unexpected colour type {other:?}"),
        };
        data.truncate(info.buffer_size());
        Image {
            width: info.width,
            height: info.height,
            channels,
            data,
        }
    }

    /// RGB of pixel (x, y); an RGBA pixel must be opaque.
    fn rgb(&self, x: u32, y: u32) -> [u8; 3] {
        assert!(x < self.width && y < self.height, "({x}, {y}) is outside");
        let i = (y as usize * self.width as usize + x as usize) * self.channels;
        if self.channels == 4 {
            assert_eq!(self.data[i + 3], 255, "pixel ({x}, {y}) is not opaque");
        }
        [self.data[i], self.data[i + 1], self.data[i + 2]]
    }

    /// The pixel at page point `p` (points) when the page is `ppp` pixels per point.
    fn at_page(&self, p: (f64, f64), ppp: f64) -> [u8; 3] {
        self.rgb((p.0 * ppp).floor() as u32, (p.1 * ppp).floor() as u32)
    }

    /// The smallest colour distance to `c` within `r` pixels of page point `p`.
    fn nearest(&self, p: (f64, f64), ppp: f64, r: i64, c: [u8; 3]) -> i32 {
        let (cx, cy) = ((p.0 * ppp).floor() as i64, (p.1 * ppp).floor() as i64);
        let mut best = i32::MAX;
        for y in cy - r..=cy + r {
            for x in cx - r..=cx + r {
                if x >= 0 && y >= 0 && (x as u32) < self.width && (y as u32) < self.height {
                    best = best.min(distance(self.rgb(x as u32, y as u32), c));
                }
            }
        }
        best
    }
}

fn rgb(c: Rgba) -> [u8; 3] {
    [c.r, c.g, c.b]
}

fn distance(a: [u8; 3], b: [u8; 3]) -> i32 {
    a.iter()
        .zip(b)
        .map(|(&x, y)| (i32::from(x) - i32::from(y)).abs())
        .sum()
}

const WHITE: [u8; 3] = [255, 255, 255];
const VERY_DANGEROUS_HALO: [u8; 3] = [215, 0, 0];
const DANGEROUS_HALO: [u8; 3] = [255, 120, 120];

/// The transform must be the documented one: the polygon's bounding box
/// plus buffer and margin, centred in the frame, north up, one scale for
/// both axes, as large as the frame allows.
fn check_transform(scene: &Scene) {
    let v = scene.view;
    let f = scene.frame;
    // Bounding box 60 x 55 m; margin = buffer 2 + max(8 % of 60, 5) = 7 m.
    let (ew, eh) = (60.0 + 14.0, 55.0 + 14.0);
    let scale = (f64::from(f.width) / ew).min(f64::from(f.height) / eh);
    assert!((v.scale - scale).abs() < 1e-9, "{} != {scale}", v.scale);
    assert_eq!(v.centre, at(30.0, 27.5));
    let (px, py) = v.to_page(at(30.0, 27.5));
    assert!((px - f64::from(f.x + f.width / 2.0)).abs() < 1e-6);
    assert!((py - f64::from(f.y + f.height / 2.0)).abs() < 1e-6);
    // North up and isotropic: 10 m east is +10 s in x, 10 m north is -10 s in y.
    let (ex, ey) = v.to_page(at(40.0, 27.5));
    let (nx, ny) = v.to_page(at(30.0, 37.5));
    assert!((ex - px - 10.0 * scale).abs() < 1e-6 && (ey - py).abs() < 1e-9);
    assert!((py - ny - 10.0 * scale).abs() < 1e-6 && (nx - px).abs() < 1e-9);
    // The extent with its margin is inside the frame.
    for (x, y) in [(-7.0, -7.0), (67.0, 62.0)] {
        let (x, y) = v.to_page(at(x, y));
        assert!(f.contains(x as f32 + 1e-3, y as f32) || f.contains(x as f32 - 1e-3, y as f32));
    }
    // The frame lies inside the page, the panel to its right.
    assert!(f.x > 0.0 && f.y > 0.0 && f.right() < scene.panel.x);
    assert!(scene.panel.right() < scene.page.width && f.bottom() < scene.page.height);
}

/// Page point of local metres (x, y).
fn page(scene: &Scene, x: f64, y: f64) -> (f64, f64) {
    scene.view.to_page(at(x, y))
}

#[test]
fn png_shows_polygon_lines_halos_and_a_white_margin() {
    let fx = full_fixture();
    let opts = MapOptions::default();
    let t0 = Instant::now();
    let bytes = render_png(&fx.input(), &opts).unwrap();
    eprintln!("PNG rendered in {:?}", t0.elapsed());
    std::fs::write(
        std::env::temp_dir().join("forsyning-map-example.png"),
        &bytes,
    )
    .unwrap();
    let img = Image::decode(&bytes);
    assert_eq!((img.width, img.height), (1600, 1131));

    let scene = layout(&fx.input(), opts.page().unwrap()).unwrap();
    check_transform(&scene);
    let ppp = f64::from(opts.px_per_pt());

    // The middle of every polygon edge has the polygon's colour.
    for i in 0..PENTAGON.len() {
        let (a, b) = (PENTAGON[i], PENTAGON[(i + 1) % PENTAGON.len()]);
        let mid = page(&scene, (a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0);
        assert_eq!(img.at_page(mid, ppp), rgb(DIG_AREA), "edge {i} at {mid:?}");
    }
    // Inside the polygon, away from every feature: the fill over white.
    let inside = img.at_page(page(&scene, 35.0, 45.0), ppp);
    let fill = DIG_AREA.with_alpha(DIG_AREA_FILL_ALPHA).over_white();
    assert!(distance(inside, fill) <= 3, "{inside:?} vs fill {fill:?}");

    // The water pipe, not dangerous: its theme colour and no halo beside it.
    let water = page(&scene, 20.0, 10.0);
    assert_eq!(img.at_page(water, ppp), rgb(theme_colour(Theme::Water)));
    let beside = (water.0 + 4.0, water.1);
    let d = distance(img.at_page(beside, ppp), fill);
    assert!(d <= 3, "no halo beside the water pipe: {d}");

    // The very dangerous cable: electricity colour on the line, its halo
    // 2.6 pt north and south of it (line half-width 0.8 + half the halo 1.8).
    let el = page(&scene, 50.0, 25.0);
    assert_eq!(img.at_page(el, ppp), rgb(theme_colour(Theme::Electricity)));
    for dy in [-2.6, 2.6] {
        assert_eq!(
            img.at_page((el.0, el.1 + dy), ppp),
            VERY_DANGEROUS_HALO,
            "halo at {dy} pt"
        );
    }
    // And nothing red 10 pt away.
    assert!(distance(img.at_page((el.0, el.1 - 10.0), ppp), fill) <= 3);

    // The dangerous gas pipe: its colour, and the lighter halo 2 pt east
    // (0.8 + half of 2.4).
    let gas = page(&scene, 45.0, 10.0);
    assert_eq!(img.at_page(gas, ppp), rgb(theme_colour(Theme::Gas)));
    assert_eq!(img.at_page((gas.0 + 2.0, gas.1), ppp), DANGEROUS_HALO);

    // The telecom component: a white square outlined in the theme colour.
    let comp = page(&scene, 10.0, 32.0);
    assert_eq!(img.at_page(comp, ppp), WHITE);
    assert_eq!(
        img.nearest(comp, ppp, 6, rgb(theme_colour(Theme::Telecom))),
        0
    );

    // Outside the frame: white margins and the gap before the panel.
    for (x, y) in [(3, 3), (img.width - 3, img.height - 3), (3, img.height / 2)] {
        assert_eq!(img.rgb(x, y), WHITE, "({x}, {y})");
    }
    let gap_x = f64::from(scene.frame.right() + scene.panel.x) / 2.0;
    for y in [0.2, 0.5, 0.8] {
        let p = (gap_x, f64::from(scene.page.height) * y);
        assert_eq!(img.at_page(p, ppp), WHITE, "gap at {p:?}");
    }
    // Inside the frame above the extent, clear of arrow and scale bar: white.
    let top = (
        f64::from(scene.frame.x + scene.frame.width / 2.0),
        f64::from(scene.frame.y) + 20.0,
    );
    assert_eq!(img.at_page(top, ppp), WHITE);
    // The frame border is drawn.
    let border = (
        f64::from(scene.frame.x),
        f64::from(scene.frame.y + scene.frame.height / 2.0),
    );
    assert!(img.nearest(border, ppp, 1, [25, 25, 25]) < 30);

    // The legend: the polygon, the buffer, each theme present, both hazards.
    assert_eq!(
        scene.legend,
        [
            "Dig area (graveområde)",
            "Buffer 2 m",
            "Electricity (el)",
            "Gas (gas)",
            "Water (vand)",
            "Telecom (telekommunikation)",
            "Dangerous (farlig)",
            "Very dangerous (meget farlig)",
            "Component (manhole, cabinet, valve)",
        ]
    );
    // The scale bar is a round length and at most a quarter of the frame.
    let l = scene.scale_bar_m;
    let mantissa = l / 10f64.powf(l.log10().floor());
    assert!(
        [1.0, 2.0, 5.0].iter().any(|m| (mantissa - m).abs() < 1e-9),
        "{l}"
    );
    assert!(l * scene.view.scale <= f64::from(scene.frame.width) / 4.0 + 1e-9);
    assert!(2.0 * l * scene.view.scale > f64::from(scene.frame.width) / 4.0);
}

/// The tool's output, or `None` (after printing why) when it is not
/// installed outside CI; under CI=true a missing tool fails.
fn run(tool: &str, args: &[&str]) -> Option<Vec<u8>> {
    match Command::new(tool).args(args).output() {
        Ok(out) => {
            assert!(
                out.status.success(),
                "{tool} {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            Some(out.stdout)
        }
        Err(e) => {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "{tool} is missing under CI (install poppler-utils): {e}"
            );
            eprintln!("skipping: {tool} is missing ({e}); install poppler-utils");
            None
        }
    }
}

/// Rasterises page 1 of `pdf` at `dpi` and reads its text.
fn poppler(pdf: &[u8], dpi: u32) -> Option<(Image, String)> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("map.pdf");
    std::fs::write(&file, pdf).unwrap();
    let f = file.to_str().unwrap();
    let prefix = dir.path().join("page");
    let dpi = dpi.to_string();
    run(
        "pdftoppm",
        &[
            "-png",
            "-r",
            &dpi,
            "-singlefile",
            f,
            prefix.to_str().unwrap(),
        ],
    )?;
    let image = Image::decode(&std::fs::read(dir.path().join("page.png")).unwrap());
    let text = run("pdftotext", &["-enc", "UTF-8", f, "-"])?;
    let text = String::from_utf8(text).unwrap();
    // Compare words, not line breaks.
    let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
    Some((image, words))
}

#[test]
fn pdf_draws_the_polygon_and_prints_legend_id_and_contacts() {
    let fx = full_fixture();
    let t0 = Instant::now();
    let pdf = render_pdf(&fx.input(), &MapOptions::default()).unwrap();
    eprintln!("PDF rendered in {:?}", t0.elapsed());
    assert!(pdf.starts_with(b"%PDF-"));
    std::fs::write(std::env::temp_dir().join("forsyning-map-example.pdf"), &pdf).unwrap();
    let Some((img, text)) = poppler(&pdf, 50) else {
        return;
    };
    // A4 landscape at 50 dpi: 584.6 x 413.4 px, rounded either way.
    assert!(
        (584..=586).contains(&img.width) && (413..=414).contains(&img.height),
        "{}x{}",
        img.width,
        img.height
    );
    let scene = layout(&fx.input(), Page::A4_LANDSCAPE).unwrap();
    check_transform(&scene);
    let ppp = 50.0 / 72.0;
    let purple = rgb(DIG_AREA);
    for i in 0..PENTAGON.len() {
        let (a, b) = (PENTAGON[i], PENTAGON[(i + 1) % PENTAGON.len()]);
        let mid = page(&scene, (a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0);
        // At 50 dpi the 2.2 pt outline is 1.5 px wide: nearly pure where it runs.
        let d = img.nearest(mid, ppp, 1, purple);
        assert!(
            d <= 60,
            "edge {i}: nearest colour {d} away from the polygon's"
        );
    }
    let fill = DIG_AREA.with_alpha(DIG_AREA_FILL_ALPHA).over_white();
    let inside = img.at_page(page(&scene, 35.0, 45.0), ppp);
    assert!(distance(inside, fill) <= 6, "{inside:?} vs {fill:?}");
    // Outside the polygon, in the frame above the extent: white.
    let top = (
        f64::from(scene.frame.x + scene.frame.width / 2.0),
        f64::from(scene.frame.y) + 20.0,
    );
    assert_eq!(img.at_page(top, ppp), WHITE);
    // The cable's halo is red on the page too.
    let el = page(&scene, 50.0, 25.0);
    assert!(img.nearest(el, ppp, 2, VERY_DANGEROUS_HALO) <= 40);

    for expected in [
        "Graveforespørgsel Dig request map",
        "Legend",
        "Dig area (graveområde)",
        "Buffer 2 m",
        "Electricity (el)",
        "Water (vand)",
        "Gas (gas)",
        "Very dangerous (meget farlig)",
        "Owners (ledningsejere)",
        "01935a7e-4c1d-7000-8000-0000000000aa",
        EL_CONTACT,
        "Contact: Vandvagt 70 10 20 30",
        "ledningsoplysninger udleveret",
        "udtaget til påvisning - ledningsoplysninger udleveret",
        "GRAV-0: 0 features",
        "ingen ledninger i graveområde",
        "Jens Ågård, 20 30 40 50",
        "Period: 2026-12-01 08:00 CET to 2026-12-14 17:00 CET",
        "Dangerous lines (call the owner first)",
        "Very dangerous, electricity (EL-NET): 10 kV kabel, påvisning kræves før gravning",
        "Dangerous, gas (GAS-DK)",
    ] {
        assert!(text.contains(expected), "{expected:?} not in {text:?}");
    }
}

/// The text is a real font, anti-aliased: inside the glyph box of the
/// title (its advance width by the font's cap height, over the baseline)
/// the decoded PNG holds ink, paper and many greys between them, where a
/// bitmap font has two levels.
#[test]
fn png_text_is_anti_aliased() {
    let fx = full_fixture();
    let opts = MapOptions::default();
    let img = Image::decode(&render_png(&fx.input(), &opts).unwrap());
    let scene = layout(&fx.input(), opts.page().unwrap()).unwrap();
    let title = texts(&scene)
        .into_iter()
        .find(|t| t.text.starts_with("Graveforesp"))
        .expect("the title");
    let ppp = f64::from(opts.px_per_pt());
    // DejaVu Sans: cap height 0.729 em; the box stops short of descenders.
    let width = f64::from(forsyning_api::dig::package::map::text_width(
        &title.text,
        title.size,
        title.bold,
    ));
    let (x0, x1) = (f64::from(title.x) * ppp, (f64::from(title.x) + width) * ppp);
    let (y0, y1) = (
        (f64::from(title.y) - 0.729 * f64::from(title.size)) * ppp,
        f64::from(title.y) * ppp,
    );
    let mut levels = std::collections::BTreeSet::new();
    let (mut ink, mut paper) = (0, 0);
    for y in y0.floor() as u32..=y1.ceil() as u32 {
        for x in x0.floor() as u32..=x1.ceil() as u32 {
            let [r, g, b] = img.rgb(x, y);
            assert!(
                r.abs_diff(g) < 8 && g.abs_diff(b) < 8,
                "grey text at ({x}, {y})"
            );
            levels.insert(r);
            ink += usize::from(r < 60);
            paper += usize::from(r > 245);
        }
    }
    assert!(ink > 100 && paper > 100, "ink {ink}, paper {paper}");
    let greys = levels.iter().filter(|&&l| (60..=245).contains(&l)).count();
    assert!(
        greys > 20,
        "{greys} grey levels between ink and paper: {levels:?}"
    );
}

/// `pdffonts` lists DejaVu Sans embedded as a TrueType (CID) font, as a
/// subset, with a ToUnicode map, and no base-14 font.
#[test]
fn pdf_embeds_the_truetype_font() {
    let fx = full_fixture();
    let pdf = render_pdf(&fx.input(), &MapOptions::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("map.pdf");
    std::fs::write(&file, &pdf).unwrap();
    let Some(out) = run("pdffonts", &[file.to_str().unwrap()]) else {
        return;
    };
    let out = String::from_utf8(out).unwrap();
    let fonts: Vec<&str> = out.lines().skip(2).collect();
    assert!(!fonts.is_empty(), "{out}");
    for line in &fonts {
        // name  type  encoding  emb sub uni  object ID
        assert!(line.contains("DejaVuSans"), "{out}");
        assert!(line.contains("CID TrueType"), "{out}");
        let cols: Vec<&str> = line.split_whitespace().collect();
        let n = cols.len();
        assert_eq!(
            &cols[n - 5..n - 2],
            ["yes", "yes", "yes"],
            "emb sub uni: {out}"
        );
    }
    assert!(fonts.iter().any(|l| l.contains("Bold")), "bold face: {out}");
    assert!(!out.contains("Helvetica"), "{out}");
}

/// Street context from a base map layer is drawn in grey beneath the
/// network and named in the legend; without it, the legend says nothing.
#[test]
fn street_context_is_drawn_beneath_in_grey() {
    use forsyning_api::dig::package::map::STREET;
    let fx = full_fixture();
    let opts = MapOptions::default();
    // A street south of the polygon (kerbs 5 and 12 m south, past both
    // sides of the frame), a side street and a building to the east.
    let building = Geometry::Polygon(Polygon::new(
        LineString::from(vec![
            (64.0, 20.0),
            (90.0, 20.0),
            (90.0, 45.0),
            (64.0, 45.0),
            (64.0, 20.0),
        ]),
        vec![],
    ));
    let context = [
        line(&[(-200.0, -5.0), (54.0, -5.0), (54.0, 200.0)]),
        line(&[(-200.0, -12.0), (260.0, -12.0)]),
        line(&[(62.0, 200.0), (62.0, -5.0), (260.0, -5.0)]),
        building,
    ];
    let input = PackageInput {
        context: &context,
        ..fx.input()
    };
    let scene = layout(&input, opts.page().unwrap()).unwrap();
    assert_eq!(scene.legend.last().unwrap(), "Street context (base map)");
    let png = render_png(&input, &opts).unwrap();
    let dir = std::env::temp_dir();
    std::fs::write(dir.join("forsyning-map-streets.png"), &png).unwrap();
    let pdf = render_pdf(&input, &opts).unwrap();
    std::fs::write(dir.join("forsyning-map-streets.pdf"), &pdf).unwrap();
    let img = Image::decode(&png);
    let ppp = f64::from(opts.px_per_pt());
    for x in [-5.0, 10.0, 50.0] {
        let p = page(&scene, x, -5.0);
        assert!(img.nearest(p, ppp, 1, rgb(STREET)) <= 30, "kerb at x {x}");
    }
    // Clipped to the frame: nothing of it in the panel.
    let y = page(&scene, 0.0, -5.0).1;
    let in_panel = (f64::from(scene.panel.x) + 2.0, y);
    assert!(img.nearest(in_panel, ppp, 0, rgb(STREET)) > 30);
    let plain = layout(&fx.input(), opts.page().unwrap()).unwrap();
    assert!(!plain.legend.iter().any(|l| l.contains("Street")));
}

#[test]
fn no_features_still_renders_polygon_legend_and_title() {
    let fx = fixture(Vec::new(), &[("GRAV-0", DigResponseType::NoLinesInArea)]);
    assert_eq!(fx.report.features.as_deref().map(<[_]>::len), Some(0));
    let opts = MapOptions::default();
    let scene = layout(&fx.input(), opts.page().unwrap()).unwrap();
    check_transform(&scene);
    assert_eq!(
        scene.legend,
        [
            "Dig area (graveområde)",
            "Buffer 2 m",
            "Dangerous (farlig): none here",
            "Very dangerous (meget farlig): none here",
        ]
    );
    let img = Image::decode(&render_png(&fx.input(), &opts).unwrap());
    let ppp = f64::from(opts.px_per_pt());
    for i in 0..PENTAGON.len() {
        let (a, b) = (PENTAGON[i], PENTAGON[(i + 1) % PENTAGON.len()]);
        let mid = page(&scene, (a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0);
        assert_eq!(img.at_page(mid, ppp), rgb(DIG_AREA), "edge {i}");
    }
    // No theme colour anywhere in the frame.
    let f = scene.frame;
    let (x0, y0) = ((f64::from(f.x) * ppp) as u32, (f64::from(f.y) * ppp) as u32);
    let (x1, y1) = (
        (f64::from(f.right()) * ppp) as u32,
        (f64::from(f.bottom()) * ppp) as u32,
    );
    for y in (y0 + 2..y1 - 2).step_by(3) {
        for x in (x0 + 2..x1 - 2).step_by(3) {
            let p = img.rgb(x, y);
            for t in Theme::ALL {
                assert_ne!(p, rgb(theme_colour(*t)), "{t:?} at ({x}, {y})");
            }
        }
    }
    let pdf = render_pdf(&fx.input(), &opts).unwrap();
    let Some((img, text)) = poppler(&pdf, 50) else {
        return;
    };
    for expected in [
        "Graveforespørgsel Dig request map",
        "01935a7e-4c1d-7000-8000-0000000000aa",
        "Legend",
        "Dig area (graveområde)",
        "No lines in the area (ingen ledninger i graveområde).",
    ] {
        assert!(text.contains(expected), "{expected:?} not in {text:?}");
    }
    let mid = page(&scene, 30.0, 0.0);
    let scene_pdf = layout(&fx.input(), Page::A4_LANDSCAPE).unwrap();
    let mid_pdf = page(&scene_pdf, 30.0, 0.0);
    assert_ne!(mid, mid_pdf, "the PNG page is not the PDF page here");
    assert!(img.nearest(mid_pdf, 50.0 / 72.0, 1, rgb(DIG_AREA)) <= 60);
}

#[test]
fn features_outside_the_answer_or_bad_input_are_errors() {
    let fx = full_fixture();
    // More feature records than the report discloses.
    let mut extra = fx.features.clone();
    extra.push(fx.features[0].clone());
    let input = PackageInput {
        features: &extra,
        context: &[],
        ..fx.input()
    };
    let err = render_png(&input, &MapOptions::default()).unwrap_err();
    assert!(matches!(err, MapError::Input(_)), "{err}");
    // The report says "no features" (responses only) but records come along.
    let mut hidden = fx.report.clone();
    hidden.features = None;
    let input = PackageInput {
        report: &hidden,
        ..fx.input()
    };
    let err = render_pdf(&input, &MapOptions::default()).unwrap_err();
    assert!(err.to_string().contains("4 feature records for 0"), "{err}");

    // A non-finite coordinate names the feature.
    let mut bad = fx.features.clone();
    bad[1].geometry = line(&[(0.0, 0.0), (f64::NAN, 1.0)]);
    let input = PackageInput {
        features: &bad,
        context: &[],
        ..fx.input()
    };
    let err = render_png(&input, &MapOptions::default()).unwrap_err();
    assert!(
        err.to_string().contains(&bad[1].id.to_string()) && err.to_string().contains("NaN"),
        "{err}"
    );
    // A bad image size.
    for (w, h) in [
        (10, 10),
        (2000, 100),
        (6000, 4000),
        (20_000, 20_000),
        (1000, 3000),
    ] {
        let err = render_png(
            &fx.input(),
            &MapOptions {
                width_px: w,
                height_px: h,
            },
        )
        .unwrap_err();
        assert!(matches!(err, MapError::ImageSize { .. }), "{w}x{h}: {err}");
    }
    // An empty polygon.
    let mut record = fx.record.clone();
    record.request.polygon = Polygon::new(LineString(vec![]), vec![]);
    let input = PackageInput {
        request: &record.request,
        ..fx.input()
    };
    let err = render_pdf(&input, &MapOptions::default()).unwrap_err();
    assert!(matches!(err, MapError::Polygon(_)), "{err}");
}

#[test]
fn thousands_of_features_render_quickly_and_are_clipped() {
    // A dig area as large as KLIC allows (480 x 480 m) in the middle of two
    // generated towns laid over each other (twice a town's density): every
    // feature whose bounding box touches it, many running off the map, all
    // delivered.
    let towns = [11, 12].map(|seed| Town::new(TownConfig::new(seed, 40_000)));
    let e = towns[0].extent();
    let c = e.center();
    let (x0, y0) = (c.x - 240.0, c.y - 240.0);
    let square: Polygon<f64> = Rect::new((x0, y0), (x0 + 480.0, y0 + 480.0)).to_polygon();
    let near = Rect::new((x0 - 2.0, y0 - 2.0), (x0 + 482.0, y0 + 482.0));
    let mut features: Vec<NetworkFeature> = towns
        .iter()
        .flat_map(Town::features)
        .filter(|f| {
            f.geometry.bounding_rect().is_some_and(|b| {
                b.min().x <= near.max().x
                    && b.max().x >= near.min().x
                    && b.min().y <= near.max().y
                    && b.max().y >= near.min().y
            })
        })
        .collect();
    features.sort_by_key(|f| f.id);
    features.dedup_by_key(|f| f.id);
    let n = features.len();
    assert!(n >= 3_000, "only {n} features in the area");
    let owners: BTreeSet<String> = features.iter().map(|f| f.owner_id.to_string()).collect();
    let owners: Vec<(&str, DigResponseType)> = owners
        .iter()
        .map(|o| (o.as_str(), DigResponseType::Delivered))
        .collect();
    let mut fx = fixture(features, &owners);
    fx.record.request.polygon = square.clone();
    fx.report = build_report(
        &fx.record,
        &BTreeMap::new(),
        shared(&fx.features),
        &Disclosure::Full,
    );
    let by_id: BTreeMap<Uuid, NetworkFeature> = fx.features.drain(..).map(|f| (f.id, f)).collect();
    fx.features = fx
        .report
        .features
        .iter()
        .flatten()
        .map(|r| by_id[&r.id].clone())
        .collect();
    assert_eq!(fx.features.len(), n);

    let opts = MapOptions::default();
    let t0 = Instant::now();
    let png = render_png(&fx.input(), &opts).unwrap();
    let png_time = t0.elapsed();
    let t0 = Instant::now();
    let pdf = render_pdf(&fx.input(), &opts).unwrap();
    let pdf_time = t0.elapsed();
    eprintln!(
        "{n} features: PNG {png_time:?} ({} KiB), PDF {pdf_time:?} ({} KiB)",
        png.len() / 1024,
        pdf.len() / 1024
    );
    // About 0.25 s and 0.02 s in the test build on an idle machine (1 s
    // seen with the other tests running on two busy cores); the bound is a
    // guard against regressions that leaves room for a loaded CI box.
    assert!(png_time.as_secs_f64() < 2.5, "PNG took {png_time:?}");
    assert!(pdf_time.as_secs_f64() < 2.5, "PDF took {pdf_time:?}");

    // Every drawn position lies within the frame plus the clip margin.
    let scene = layout(&fx.input(), Page::A4_LANDSCAPE).unwrap();
    let f = scene.frame;
    let mut positions = 0usize;
    for item in &scene.map {
        if let Item::Shape(s) = item {
            for p in s.parts.iter().flatten() {
                positions += 1;
                assert!(
                    p[0] >= f.x - 12.01
                        && p[0] <= f.right() + 12.01
                        && p[1] >= f.y - 12.01
                        && p[1] <= f.bottom() + 12.01,
                    "{p:?} outside the clip"
                );
            }
        }
    }
    assert!(positions > 1000, "only {positions} positions drawn");
    Image::decode(&png);
    if let Some((img, _)) = poppler(&pdf, 50) {
        // Outside the frame the page stays white: nothing leaks past the clip.
        for (x, y) in [(3, 3), (3, img.height / 2), (img.width / 2, img.height - 3)] {
            assert_eq!(img.rgb(x, y), WHITE, "({x}, {y})");
        }
        let gap_x = f64::from(scene.frame.right() + scene.panel.x) / 2.0 * 50.0 / 72.0;
        assert_eq!(img.rgb(gap_x as u32, img.height / 2), WHITE);
    }
}

fn texts(scene: &Scene) -> Vec<&Text> {
    scene
        .overlay
        .iter()
        .filter_map(|i| match i {
            Item::Text(t) => Some(t),
            Item::Shape(_) => None,
        })
        .collect()
}

#[test]
fn areas_and_multilines_are_drawn_and_in_the_legend() {
    use DigResponseType::Delivered;
    let mut features = the_features();
    // A sewer precaution zone, x 36..52, y 30..38, clear of the other features.
    let zone = Polygon::new(
        LineString(vec![
            at(36.0, 30.0),
            at(52.0, 30.0),
            at(52.0, 38.0),
            at(36.0, 38.0),
            at(36.0, 30.0),
        ]),
        vec![],
    );
    let mut area = feature(5, "AFLOEB", Theme::Sewer, Hazard::NotDangerous, zone.into());
    area.kind = Kind::Area;
    features.push(area);
    // District heating as one MultiLineString of two pipes at y = 5 and 10.
    let pipes = MultiLineString(vec![
        LineString(vec![at(5.0, 5.0), at(15.0, 5.0)]),
        LineString(vec![at(5.0, 10.0), at(15.0, 10.0)]),
    ]);
    features.push(feature(
        6,
        "VARME",
        Theme::DistrictHeating,
        Hazard::NotDangerous,
        pipes.into(),
    ));
    let owners =
        ["EL-NET", "VAND-AS", "GAS-DK", "TELE-DK", "AFLOEB", "VARME"].map(|o| (o, Delivered));
    let fx = fixture(features, &owners);
    let opts = MapOptions::default();
    let scene = layout(&fx.input(), opts.page().unwrap()).unwrap();
    for label in [
        "Sewer (afløb)",
        "District heating/cooling (fjernvarme/fjernkøling)",
        "Area (e.g. precaution zone)",
    ] {
        assert!(scene.legend.iter().any(|l| l == label), "{label}");
    }
    let img = Image::decode(&render_png(&fx.input(), &opts).unwrap());
    let ppp = f64::from(opts.px_per_pt());
    // Inside the zone: the sewer colour at 18 % over the dig area's fill.
    let under = DIG_AREA.with_alpha(DIG_AREA_FILL_ALPHA).over_white();
    let sewer = rgb(theme_colour(Theme::Sewer));
    let expected: Vec<u8> = (0..3)
        .map(|i| (0.18 * f64::from(sewer[i]) + 0.82 * f64::from(under[i])).round() as u8)
        .collect();
    let inside = img.at_page(page(&scene, 44.0, 34.0), ppp);
    assert!(
        distance(inside, [expected[0], expected[1], expected[2]]) <= 6,
        "{inside:?} vs {expected:?}"
    );
    // Its outline in the theme colour.
    assert!(img.nearest(page(&scene, 44.0, 30.0), ppp, 1, sewer) <= 30);
    // Both pipes of the MultiLineString.
    let heating = rgb(theme_colour(Theme::DistrictHeating));
    for y in [5.0, 10.0] {
        assert_eq!(img.at_page(page(&scene, 10.0, y), ppp), heating, "y = {y}");
    }
}

#[test]
fn responses_only_shows_no_features_and_says_so() {
    let fx = full_fixture();
    let report = build_report(
        &fx.record,
        &BTreeMap::new(),
        shared(&the_features()),
        &Disclosure::ResponsesOnly,
    );
    assert!(report.features.is_none());
    let input = PackageInput {
        report: &report,
        request: &fx.record.request,
        features: &[],
        context: &[],
    };
    let scene = layout(&input, Page::A4_LANDSCAPE).unwrap();
    let words: Vec<&str> = texts(&scene)
        .iter()
        .flat_map(|t| t.text.split_whitespace())
        .collect();
    assert!(words
        .join(" ")
        .contains("Network features are not shown: you may see the answers only."));
    assert_eq!(scene.legend.len(), 4, "{:?}", scene.legend);
    // Only the dig area and its buffer are on the map.
    assert_eq!(scene.map.len(), 3);
    render_png(&input, &MapOptions::default()).unwrap();
    render_pdf(&input, &MapOptions::default()).unwrap();
}

#[test]
fn long_text_is_cut_to_three_lines() {
    let fx = full_fixture();
    let legend_y = |report: &DigReport| {
        let input = PackageInput {
            report,
            ..fx.input()
        };
        let scene = layout(&input, Page::A4_LANDSCAPE).unwrap();
        let texts = texts(&scene);
        let purpose: Vec<&&Text> = texts
            .iter()
            .filter(|t| t.text.starts_with("Purpose") || t.text.starts_with("graveløs"))
            .collect();
        let legend = texts.iter().find(|t| t.text == "Legend").unwrap().y;
        (
            legend,
            purpose.len(),
            texts.iter().any(|t| t.text.ends_with("...")),
        )
    };
    let (short_y, _, cut) = legend_y(&fx.report);
    assert!(!cut);
    let mut long = fx.report.clone();
    long.purpose = "graveløs ".repeat(400);
    let (long_y, lines, cut) = legend_y(&long);
    assert!(cut, "the purpose must end in ...");
    assert_eq!(lines, 3);
    // The short purpose takes one line, the long one three.
    let line = 8.419 * 1.25;
    assert!(
        (long_y - short_y - 2.0 * line).abs() < 0.01,
        "{long_y} vs {short_y}"
    );
}

/// The features as the store's index hands them out.
fn shared(features: &[NetworkFeature]) -> Vec<std::sync::Arc<NetworkFeature>> {
    features.iter().cloned().map(std::sync::Arc::new).collect()
}
