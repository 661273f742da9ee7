//! Which rules real owners' data trips: every real network file in shared
//! data (both KLIC deliveries, the IMKL examples, INSPIRE Hamburg, the LER 2
//! examples) read and normalised as an upload would be, the problems
//! tallied per rule and severity. Nothing real may be rejected: each
//! feature a real file holds is stored, with warnings where it is odd.
//! The README's table of rules ("What rejects and what warns") quotes the
//! tallies this test prints.

mod imkl_common;

use std::collections::BTreeMap;
use std::fs::File;

use forsyning_ingest::{
    read_delivery, DeliveryLimits, FeatureOutcome, ImklReader, InspireReader, Ler2Reader,
    Normaliser, Severity,
};
use geo_types::{coord, Rect};
use imkl_common::{files, network_dir};

/// Europe in EPSG:25832 (wide): the survey is about the data, not about
/// which service area a server is configured with.
fn europe() -> Rect<f64> {
    Rect::new(
        coord! {x: -2_000_000.0, y: 4_000_000.0},
        coord! {x: 2_000_000.0, y: 8_000_000.0},
    )
}

#[derive(Default, Debug)]
struct Tally {
    features: u64,
    rejected: u64,
    /// (rule code, "error" or "warning") → problems.
    rules: BTreeMap<(String, &'static str), u64>,
}

impl Tally {
    fn add(&mut self, normaliser: &mut Normaliser, mut o: FeatureOutcome) {
        if let Some(crs) = o.crs.clone() {
            normaliser.normalise(&mut o, &crs);
        }
        self.features += 1;
        if !o.is_accepted() {
            self.rejected += 1;
            eprintln!("  rejected {}: {:?}", o.source_id, o.problems);
        }
        for p in &o.problems {
            let sev = match p.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            *self
                .rules
                .entry((p.rule.code().to_owned(), sev))
                .or_default() += 1;
        }
    }
}

fn survey() -> Option<BTreeMap<String, Tally>> {
    let imkl = network_dir("imkl")?;
    let mut out: BTreeMap<String, Tally> = BTreeMap::new();
    let mut n = Normaliser::new(europe());
    for zip in files(&imkl, "Levering_", ".zip") {
        let name = zip.file_name().unwrap().to_string_lossy().into_owned();
        let t = out.entry(name.clone()).or_default();
        read_delivery(
            File::open(&zip).unwrap(),
            Some(&name),
            &DeliveryLimits::default(),
            |e| t.add(&mut n, e.outcome),
        )
        .unwrap();
    }
    let mut xml = files(&imkl, "example-", ".xml");
    xml.extend(files(&imkl, "owner-upload", ".xml"));
    for path in xml {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let t = out.entry(name.clone()).or_default();
        let bytes = std::fs::read(&path).unwrap();
        ImklReader::new(&bytes[..])
            .with_file_name(name)
            .for_each(|o| t.add(&mut n, o))
            .unwrap();
    }
    let inspire = network_dir("inspire")?;
    for path in files(&inspire, "hamburg-", ".gml") {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let t = out.entry(name.clone()).or_default();
        let bytes = std::fs::read(&path).unwrap();
        InspireReader::new(&bytes[..])
            .with_file_name(&name)
            .for_each(|o| t.add(&mut n, o))
            .unwrap();
    }
    let ler2 = network_dir("ler2")?.join("examples");
    for path in files(&ler2, "", ".xml") {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        // The btest_ft_* files are the documents LER's rule tests start
        // from, valid as they are (ler2_rules.rs breaks them on purpose).
        let t = out.entry(name.clone()).or_default();
        let bytes = std::fs::read(&path).unwrap();
        if let Err(e) = Ler2Reader::new(&bytes[..]).for_each(|o| t.add(&mut n, o)) {
            panic!("{name}: {e}");
        }
    }
    Some(out)
}

/// Lines in `xml` that touch or cross themselves, by brute force over the
/// segment pairs of each 2D `gml:posList` of a `gml:LineString` or
/// `gml:LineStringSegment` (the oracle for the reader's sweep).
fn self_touching_pos_lists(xml: &str) -> usize {
    use geo::line_intersection::{line_intersection, LineIntersection};
    let mut n = 0;
    for (at, _) in xml.match_indices("<gml:posList") {
        // The element the posList sits in: the last GML tag before it.
        let before = &xml[..at];
        let parent = before.rfind("<gml:").map_or("", |i| &before[i..]);
        if !parent.starts_with("<gml:LineString") {
            continue;
        }
        let start = at + xml[at..].find('>').unwrap() + 1;
        let end = start + xml[start..].find("</gml:posList>").unwrap();
        let v: Vec<f64> = xml[start..end]
            .split_whitespace()
            .map(|t| t.parse().unwrap())
            .collect();
        let mut pts: Vec<geo_types::Coord<f64>> =
            v.chunks(2).map(|c| coord! {x: c[0], y: c[1]}).collect();
        pts.dedup();
        let segs: Vec<geo_types::Line<f64>> = pts
            .windows(2)
            .map(|w| geo_types::Line::new(w[0], w[1]))
            .collect();
        let closed = pts.len() > 3 && pts[0] == pts[pts.len() - 1];
        let touches = (0..segs.len()).any(|i| {
            (i + 1..segs.len()).any(|j| {
                let ring_ends = closed && i == 0 && j == segs.len() - 1;
                match line_intersection(segs[i], segs[j]) {
                    None => false,
                    Some(LineIntersection::Collinear { intersection })
                        if j == i + 1 || ring_ends =>
                    {
                        intersection.start != intersection.end
                    }
                    Some(_) => j != i + 1 && !ring_ends,
                }
            })
        });
        n += usize::from(touches);
    }
    n
}

#[test]
fn real_files_store_every_feature() {
    let Some(survey) = survey() else { return };
    let mut all: BTreeMap<(String, &str), u64> = BTreeMap::new();
    for (name, t) in &survey {
        eprintln!(
            "{name}: {} features, {} rejected, {:?}",
            t.features, t.rejected, t.rules
        );
        for (k, v) in &t.rules {
            *all.entry(k.clone()).or_default() += v;
        }
    }
    eprintln!("all real files: {all:?}");
    let klic: Vec<_> = survey
        .iter()
        .filter(|(n, _)| n.starts_with("Levering_"))
        .collect();
    assert_eq!(klic.len(), 2, "both KLIC deliveries");
    for (name, t) in klic {
        assert!(t.features > 50, "{name}: {}", t.features);
        assert_eq!(t.rejected, 0, "{name}: a real delivery loses nothing");
    }
    for (name, t) in &survey {
        assert!(t.features > 0, "{name}: read nothing");
        if name == "example_xml_elledning_2024.xml" {
            // LER refuses it too: a line of 2024 without its accuracy
            // classes (nøjagtighedsklasse(Vertikal)Betingelse).
            assert_eq!(t.rejected, 1, "{name}");
            assert_eq!(t.rules.len(), 1, "{name}: {:?}", t.rules);
            continue;
        }
        assert_eq!(t.rejected, 0, "{name}: {:?}", t.rules);
    }
    // Kadaster's owner upload draws 3 lines that meet themselves: each is
    // stored, with a warning, as the brute-force count over its XML finds.
    let imkl = network_dir("imkl").unwrap();
    let xml = std::fs::read_to_string(imkl.join("owner-upload-example-imkl-1.2.xml")).unwrap();
    let oracle = self_touching_pos_lists(&xml);
    assert_eq!(oracle, 3);
    let upload = &survey["owner-upload-example-imkl-1.2.xml"];
    assert_eq!(
        upload
            .rules
            .get(&("self_intersection".to_owned(), "warning")),
        Some(&(oracle as u64))
    );
    for zip in files(&imkl, "Levering_", ".zip") {
        let name = zip.file_name().unwrap().to_string_lossy().into_owned();
        let oracle = self_touching_pos_lists(&delivery_xml(&zip));
        let got = survey[&name]
            .rules
            .get(&("self_intersection".to_owned(), "warning"))
            .copied()
            .unwrap_or(0);
        assert_eq!(got, oracle as u64, "{name}");
    }
}

fn delivery_xml(zip: &std::path::Path) -> String {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(File::open(zip).unwrap()).unwrap();
    let name = z
        .file_names()
        .find(|n| n.contains("GI_gebiedsinformatielevering"))
        .unwrap()
        .to_owned();
    let mut text = String::new();
    z.by_name(&name).unwrap().read_to_string(&mut text).unwrap();
    text
}
