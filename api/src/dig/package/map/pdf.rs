//! The PDF back end, through `krilla`: one page, the scene as vector
//! paths (the map clipped to its frame), opacity as krilla sets it, and
//! text in DejaVu Sans embedded as a subset TrueType font, glyph by glyph
//! where [`font::shape`] placed them, so the PDF's lines are as wide as the
//! PNG's and the layout's.

use krilla::color::rgb;
use krilla::geom::{Path, PathBuilder, Point};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule, LineCap, LineJoin, Stroke, StrokeDash};
use krilla::surface::Surface;
use krilla::text::{Font, GlyphId, KrillaGlyph};
use krilla::Document;

use super::font;
use super::scene::{Item, Scene, Shape, Text};
use super::style::Rgba;
use super::MapError;

fn paint(c: Rgba) -> krilla::paint::Paint {
    rgb::Color::new(c.r, c.g, c.b).into()
}

fn opacity(c: Rgba) -> NormalizedF32 {
    NormalizedF32::new(c.a.clamp(0.0, 1.0)).unwrap_or(NormalizedF32::ONE)
}

fn path<'a>(parts: impl IntoIterator<Item = &'a Vec<[f32; 2]>>, closed: bool) -> Option<Path> {
    let mut pb = PathBuilder::new();
    for part in parts {
        let Some((first, rest)) = part.split_first() else {
            continue;
        };
        pb.move_to(first[0], first[1]);
        for p in rest {
            pb.line_to(p[0], p[1]);
        }
        if closed {
            pb.close();
        }
    }
    pb.finish()
}

fn shape(surface: &mut Surface<'_>, s: &Shape) {
    if s.parts.iter().all(|p| p.len() < 2) {
        return;
    }
    if let (Some(fill), Some(p)) = (s.fill, path(&s.parts, true)) {
        surface.set_stroke(None);
        surface.set_fill(Some(Fill {
            paint: paint(fill),
            opacity: opacity(fill),
            rule: if s.even_odd {
                FillRule::EvenOdd
            } else {
                FillRule::NonZero
            },
        }));
        surface.draw_path(&p);
    }
    if let (Some(st), Some(p)) = (s.stroke, path(&s.parts, s.closed)) {
        surface.set_fill(None);
        surface.set_stroke(Some(Stroke {
            paint: paint(st.colour),
            width: st.width,
            miter_limit: 4.0,
            line_cap: if st.round {
                LineCap::Round
            } else {
                LineCap::Butt
            },
            line_join: if st.round {
                LineJoin::Round
            } else {
                LineJoin::Miter
            },
            opacity: opacity(st.colour),
            dash: st.dash.map(|d| StrokeDash {
                array: d.to_vec(),
                offset: 0.0,
            }),
        }));
        surface.draw_path(&p);
    }
}

fn text(surface: &mut Surface<'_>, fonts: &[Font; 2], t: &Text) {
    if t.text.is_empty() {
        return;
    }
    let glyphs: Vec<KrillaGlyph> = font::shape(&t.text, t.bold)
        .into_iter()
        .map(|g| KrillaGlyph {
            glyph_id: GlyphId::new(u32::from(g.glyph.0)),
            text_range: g.range,
            x_advance: g.advance_em,
            x_offset: 0.0,
            y_offset: 0.0,
            y_advance: 0.0,
            location: None,
        })
        .collect();
    surface.set_stroke(None);
    surface.set_fill(Some(Fill {
        paint: paint(t.colour),
        opacity: opacity(t.colour),
        rule: FillRule::NonZero,
    }));
    surface.draw_glyphs(
        Point::from_xy(t.x, t.y),
        &glyphs,
        fonts[usize::from(t.bold)].clone(),
        &t.text,
        t.size,
        false,
    );
}

fn item(surface: &mut Surface<'_>, fonts: &[Font; 2], i: &Item) {
    match i {
        Item::Shape(s) => shape(surface, s),
        Item::Text(t) => text(surface, fonts, t),
    }
}

/// Writes `scene` as a one-page PDF titled `title`.
pub(super) fn render(scene: &Scene, title: &str) -> Result<Vec<u8>, MapError> {
    let load = |bold: bool| {
        Font::new(font::ttf(bold).into(), 0)
            .ok_or_else(|| MapError::Pdf("the embedded font does not load".into()))
    };
    let fonts = [load(false)?, load(true)?];
    let mut doc = Document::new();
    doc.set_metadata(
        Metadata::new()
            .title(title.to_owned())
            .producer("Forsyning".to_owned()),
    );
    let settings = PageSettings::from_wh(scene.page.width, scene.page.height)
        .ok_or_else(|| MapError::Pdf(format!("page size {:?}", scene.page)))?;
    let mut page = doc.start_page_with(settings);
    let mut surface = page.surface();
    let f = scene.frame;
    let frame = [
        [f.x, f.y],
        [f.right(), f.y],
        [f.right(), f.bottom()],
        [f.x, f.bottom()],
    ];
    if let Some(clip) = path(&[frame.to_vec()], true) {
        surface.push_clip_path(&clip, &FillRule::NonZero);
        for i in &scene.map {
            item(&mut surface, &fonts, i);
        }
        surface.pop();
    }
    for i in &scene.overlay {
        item(&mut surface, &fonts, i);
    }
    surface.finish();
    page.finish();
    doc.finish().map_err(|e| MapError::Pdf(format!("{e:?}")))
}

#[cfg(test)]
mod tests {
    use super::super::scene::{Frame, View};
    use super::super::{Page, Scene};
    use super::*;

    fn scene() -> Scene {
        let frame = Frame {
            x: 10.0,
            y: 10.0,
            width: 100.0,
            height: 100.0,
        };
        Scene {
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
        }
    }

    /// The structure `pdffonts` reads: a Type0 font over a CID TrueType
    /// descendant with an embedded FontFile2, and the text's æøå mapped
    /// back to Unicode for search and copy.
    #[test]
    fn the_font_is_embedded_as_truetype() {
        let pdf = render(&scene(), "Gravning ved Søndergade").unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        let has = |needle: &[u8]| pdf.windows(needle.len()).any(|w| w == needle);
        assert!(has(b"/FontFile2"), "an embedded TrueType program");
        assert!(has(b"/CIDFontType2"));
        assert!(has(b"DejaVuSans"));
        assert!(has(b"/ToUnicode"));
        assert!(!has(b"/Helvetica"));
    }
}
