//! The PDF back end: a one-page PDF 1.4 written by hand, with the scene as
//! vector paths (the map clipped to its frame), opacity through ExtGState,
//! and text in the standard Helvetica fonts with WinAnsiEncoding (whose
//! upper half is Latin-1, so æøå print). The content stream is deflated.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;

use flate2::write::ZlibEncoder;
use flate2::Compression;

use super::scene::{Item, Scene, Shape, Text};
use super::style::Rgba;
use super::MapError;

/// A number as PDF writes it: at most two decimals, no trailing zeros.
fn num(v: f32) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

fn rgb(c: Rgba) -> String {
    format!(
        "{} {} {}",
        num(f32::from(c.r) / 255.0),
        num(f32::from(c.g) / 255.0),
        num(f32::from(c.b) / 255.0)
    )
}

/// A PDF literal string of printable text, one WinAnsi byte a character.
fn literal(text: &str) -> String {
    let mut out = String::from("(");
    for c in text.chars() {
        let code = c as u32;
        match c {
            '(' | ')' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            _ => {
                let byte = if code <= 0xFF { code } else { u32::from(b'?') };
                let _ = write!(out, "\\{byte:03o}");
            }
        }
    }
    out.push(')');
    out
}

/// Opacity levels, each an ExtGState named `/GS<n>`.
#[derive(Default)]
struct Alphas(BTreeMap<u16, usize>);

impl Alphas {
    /// The graphics state for opacity `a` (in thousandths), if not opaque.
    fn name(&mut self, a: f32) -> Option<String> {
        let key = (a.clamp(0.0, 1.0) * 1000.0).round() as u16;
        if key >= 1000 {
            return None;
        }
        let n = self.0.len();
        let n = *self.0.entry(key).or_insert(n);
        Some(format!("/GS{n}"))
    }
}

struct Content<'a> {
    out: String,
    height: f32,
    alphas: &'a mut Alphas,
}

impl Content<'_> {
    fn path(&mut self, s: &Shape) {
        for part in &s.parts {
            let Some((first, rest)) = part.split_first() else {
                continue;
            };
            let _ = write!(
                self.out,
                "{} {} m",
                num(first[0]),
                num(self.height - first[1])
            );
            for p in rest {
                let _ = write!(self.out, " {} {} l", num(p[0]), num(self.height - p[1]));
            }
            self.out.push_str(if s.closed { " h\n" } else { "\n" });
        }
    }

    fn shape(&mut self, s: &Shape) {
        if s.parts.iter().all(|p| p.len() < 2) {
            return;
        }
        if let Some(fill) = s.fill {
            self.out.push_str("q\n");
            if let Some(gs) = self.alphas.name(fill.a) {
                let _ = writeln!(self.out, "{gs} gs");
            }
            let _ = writeln!(self.out, "{} rg", rgb(fill));
            self.path(s);
            self.out
                .push_str(if s.even_odd { "f*\nQ\n" } else { "f\nQ\n" });
        }
        if let Some(st) = s.stroke {
            self.out.push_str("q\n");
            if let Some(gs) = self.alphas.name(st.colour.a) {
                let _ = writeln!(self.out, "{gs} gs");
            }
            let (cap, join) = if st.round { (1, 1) } else { (0, 0) };
            let _ = writeln!(
                self.out,
                "{} RG {} w {cap} J {join} j",
                rgb(st.colour),
                num(st.width)
            );
            if let Some([on, off]) = st.dash {
                let _ = writeln!(self.out, "[{} {}] 0 d", num(on), num(off));
            }
            self.path(s);
            self.out.push_str("S\nQ\n");
        }
    }

    fn text(&mut self, t: &Text) {
        if t.text.is_empty() {
            return;
        }
        let font = if t.bold { "/F2" } else { "/F1" };
        let _ = writeln!(
            self.out,
            "BT {font} {} Tf {} rg {} {} Td {} Tj ET",
            num(t.size),
            rgb(t.colour),
            num(t.x),
            num(self.height - t.y),
            literal(&t.text)
        );
    }

    fn item(&mut self, item: &Item) {
        match item {
            Item::Shape(s) => self.shape(s),
            Item::Text(t) => self.text(t),
        }
    }
}

/// Writes `scene` as a PDF titled `title` (ASCII).
pub(super) fn render(scene: &Scene, title: &str) -> Result<Vec<u8>, MapError> {
    let (w, h) = (scene.page.width, scene.page.height);
    let mut alphas = Alphas::default();
    let mut c = Content {
        out: String::new(),
        height: h,
        alphas: &mut alphas,
    };
    let f = scene.frame;
    let _ = writeln!(
        c.out,
        "q {} {} {} {} re W n",
        num(f.x),
        num(h - f.bottom()),
        num(f.width),
        num(f.height)
    );
    for item in &scene.map {
        c.item(item);
    }
    c.out.push_str("Q\n");
    for item in &scene.overlay {
        c.item(item);
    }
    let content = c.out;
    let mut z = ZlibEncoder::new(Vec::new(), Compression::default());
    z.write_all(content.as_bytes())
        .map_err(|e| MapError::Pdf(e.to_string()))?;
    let stream = z.finish().map_err(|e| MapError::Pdf(e.to_string()))?;

    let gstates: String = alphas
        .0
        .iter()
        .map(|(&a, n)| {
            let a = num(f32::from(a) / 1000.0);
            format!("/GS{n} << /Type /ExtGState /ca {a} /CA {a} >> ")
        })
        .collect();
    let title: String = title
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '?'
            }
        })
        .collect();
    let objects: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {} {}] /Resources << \
             /Font << /F1 4 0 R /F2 5 0 R >> /ExtGState << {gstates}>> >> /Contents 6 0 R >>",
            num(w),
            num(h)
        )
        .into_bytes(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
            .to_vec(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>"
            .to_vec(),
        {
            let mut s = format!(
                "<< /Length {} /Filter /FlateDecode >>\nstream\n",
                stream.len()
            )
            .into_bytes();
            s.extend_from_slice(&stream);
            s.extend_from_slice(b"\nendstream");
            s
        },
        format!("<< /Title {} /Producer (Forsyning) >>", literal(&title)).into_bytes(),
    ];

    let mut pdf = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for (i, body) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        pdf.extend_from_slice(body);
        pdf.extend_from_slice(b"\nendobj\n");
    }
    let xref = pdf.len();
    let mut table = format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for o in offsets {
        let _ = writeln!(table, "{o:010} 00000 n ");
    }
    let _ = write!(
        table,
        "trailer\n<< /Size {} /Root 1 0 R /Info 7 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1
    );
    pdf.extend_from_slice(table.as_bytes());
    Ok(pdf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_strings_by_hand() {
        assert_eq!(num(1.0), "1");
        assert_eq!(num(0.126), "0.13");
        assert_eq!(num(2.5), "2.5");
        assert_eq!(num(-0.001), "0");
        assert_eq!(num(595.28), "595.28");
        assert_eq!(literal("a(b)\\"), "(a\\(b\\)\\\\)");
        // WinAnsi: æ 0xE6 = \346, ø 0xF8 = \370, å 0xE5 = \345.
        assert_eq!(literal("æøå"), "(\\346\\370\\345)");
        assert_eq!(rgb(Rgba::rgb(255, 0, 51)), "1 0 0.2");
    }

    #[test]
    fn alphas_share_graphics_states() {
        let mut a = Alphas::default();
        assert_eq!(a.name(1.0), None);
        assert_eq!(a.name(0.08).as_deref(), Some("/GS0"));
        assert_eq!(a.name(0.18).as_deref(), Some("/GS1"));
        assert_eq!(a.name(0.08).as_deref(), Some("/GS0"));
    }

    #[test]
    fn xref_offsets_point_at_their_objects() {
        use super::super::scene::{Frame, View};
        use super::super::{Page, Scene};
        let frame = Frame {
            x: 10.0,
            y: 10.0,
            width: 100.0,
            height: 100.0,
        };
        let scene = Scene {
            page: Page::A4_LANDSCAPE,
            frame,
            panel: frame,
            view: View {
                centre: geo_types::Coord { x: 0.0, y: 0.0 },
                page_centre: (60.0, 60.0),
                scale: 1.0,
            },
            map: vec![Item::rect(
                frame,
                Some(Rgba::rgb(1, 2, 3).with_alpha(0.5)),
                None,
            )],
            overlay: vec![Item::text(
                20.0,
                30.0,
                10.0,
                false,
                Rgba::rgb(0, 0, 0),
                "Søren",
            )],
            scale_bar_m: 1.0,
            legend: vec![],
        };
        let pdf = render(&scene, "t").unwrap();
        let find = |needle: &[u8]| pdf.windows(needle.len()).position(|w| w == needle).unwrap();
        let last = pdf.windows(10).rposition(|w| w == b"startxref\n").unwrap();
        let tail = std::str::from_utf8(&pdf[last + 10..]).unwrap();
        let startxref: usize = tail.lines().next().unwrap().parse().unwrap();
        assert!(pdf[startxref..].starts_with(b"xref\n0 8\n"));
        let table = std::str::from_utf8(&pdf[startxref..]).unwrap();
        let entries: Vec<&str> = table.lines().skip(3).take(7).collect();
        for (i, e) in entries.iter().enumerate() {
            assert_eq!(e.len(), 19, "entry {e:?} (plus the newline: 20 bytes)");
            let offset: usize = e[..10].parse().unwrap();
            let head = format!("{} 0 obj\n", i + 1);
            assert!(
                pdf[offset..].starts_with(head.as_bytes()),
                "object {}",
                i + 1
            );
        }
        // The stream's /Length is its byte count up to "endstream".
        let at = find(b"/Length ") + 8;
        let len: usize = std::str::from_utf8(&pdf[at..at + 12])
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let start = find(b">>\nstream\n") + 10;
        assert!(pdf[start + len..].starts_with(b"\nendstream"));
    }
}
