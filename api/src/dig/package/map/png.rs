//! The PNG back end: the scene rasterised with `tiny-skia`, text in the
//! scaled-up 8×8 bitmap font.

use tiny_skia::{
    Color, FillRule, LineCap, LineJoin, Mask, Paint, Path, PathBuilder, Pixmap, Rect, StrokeDash,
    Transform,
};

use super::font;
use super::scene::{Item, Scene, Shape, Text};
use super::style::{Rgba, WHITE};
use super::{MapError, MapOptions};

fn colour(c: Rgba) -> Color {
    Color::from_rgba8(c.r, c.g, c.b, (c.a.clamp(0.0, 1.0) * 255.0).round() as u8)
}

fn paint(c: Rgba, anti_alias: bool) -> Paint<'static> {
    let mut p = Paint::default();
    p.set_color(colour(c));
    p.anti_alias = anti_alias;
    p
}

/// Renders `scene` at `opts`' size.
pub(super) fn render(scene: &Scene, opts: &MapOptions) -> Result<Vec<u8>, MapError> {
    let mut pixmap = Pixmap::new(opts.width_px, opts.height_px).ok_or(MapError::ImageSize {
        width: opts.width_px,
        height: opts.height_px,
    })?;
    pixmap.fill(colour(WHITE));
    let ppp = opts.px_per_pt();
    let ts = Transform::from_scale(ppp, ppp);

    let f = scene.frame;
    let mut clip = Mask::new(opts.width_px, opts.height_px).ok_or(MapError::ImageSize {
        width: opts.width_px,
        height: opts.height_px,
    })?;
    if let Some(rect) = Rect::from_xywh(f.x, f.y, f.width, f.height) {
        clip.fill_path(&PathBuilder::from_rect(rect), FillRule::Winding, true, ts);
    }
    for item in &scene.map {
        draw(&mut pixmap, item, ts, ppp, Some(&clip));
    }
    for item in &scene.overlay {
        draw(&mut pixmap, item, ts, ppp, None);
    }
    pixmap
        .encode_png()
        .map_err(|e| MapError::Png(e.to_string()))
}

fn draw(pixmap: &mut Pixmap, item: &Item, ts: Transform, ppp: f32, clip: Option<&Mask>) {
    match item {
        Item::Shape(s) => shape(pixmap, s, ts, clip),
        Item::Text(t) => text(pixmap, t, ppp, clip),
    }
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

fn shape(pixmap: &mut Pixmap, s: &Shape, ts: Transform, clip: Option<&Mask>) {
    if let Some(fill) = s.fill {
        let rule = if s.even_odd {
            FillRule::EvenOdd
        } else {
            FillRule::Winding
        };
        if let Some(path) = path(&s.parts, true) {
            pixmap.fill_path(&path, &paint(fill, true), rule, ts, clip);
        }
    }
    if let Some(st) = s.stroke {
        let stroke = tiny_skia::Stroke {
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
            dash: st.dash.and_then(|d| StrokeDash::new(d.to_vec(), 0.0)),
        };
        // All parts in one path: where lines of a style overlap, their
        // pixels are painted once (much faster than line by line).
        if let Some(path) = path(&s.parts, s.closed) {
            pixmap.stroke_path(&path, &paint(st.colour, true), &stroke, ts, clip);
        }
    }
}

/// The bitmap scale of text of `size` points: whole pixels per font pixel
/// when close to a whole number, so glyphs stay crisp.
fn pixel_size(size: f32, ppp: f32) -> f32 {
    let s = size * ppp / font::CELL as f32;
    if (s - s.round()).abs() < 0.2 && s.round() >= 1.0 {
        s.round()
    } else {
        s.max(1.0)
    }
}

fn text(pixmap: &mut Pixmap, t: &Text, ppp: f32, clip: Option<&Mask>) {
    let px = pixel_size(t.size, ppp);
    let top = (t.y * ppp - font::ASCENT_ROWS as f32 * px).round();
    let mut x = (t.x * ppp).round();
    let mut pb = PathBuilder::new();
    for c in t.text.chars() {
        let bitmap = font::glyph(c);
        let (first, advance) = font::columns(&bitmap);
        for (row, bits) in bitmap.iter().enumerate() {
            for col in 0..8u32 {
                if bits >> col & 1 == 0 {
                    continue;
                }
                let cx = x + (col as f32 - first as f32) * px;
                let cy = top + row as f32 * px;
                let w = if t.bold { 2.0 * px } else { px };
                if let Some(r) = Rect::from_xywh(cx, cy, w, px) {
                    pb.push_rect(r);
                }
            }
        }
        x += (advance + u32::from(t.bold)) as f32 * px;
    }
    if let Some(path) = pb.finish() {
        // Overlapping bold pixels must not cancel: non-zero winding.
        pixmap.fill_path(
            &path,
            &paint(t.colour, false),
            FillRule::Winding,
            Transform::identity(),
            clip,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_scale_snaps_to_whole_pixels() {
        let ppp = 1600.0 / super::super::A4_LANDSCAPE_WIDTH;
        assert_eq!(pixel_size(super::super::scene::BODY_SIZE, ppp), 2.0);
        assert_eq!(pixel_size(super::super::scene::TITLE_SIZE, ppp), 3.0);
        // Small images still draw one pixel per font pixel at least.
        assert_eq!(pixel_size(1.0, 1.0), 1.0);
        assert!((pixel_size(12.0, 1.0) - 1.5).abs() < 1e-6);
    }

    #[test]
    fn a_glyph_prints_its_bitmap() {
        let mut pixmap = Pixmap::new(40, 20).unwrap();
        pixmap.fill(colour(WHITE));
        let t = Text {
            x: 2.0,
            y: 9.0,
            size: 8.0,
            bold: false,
            colour: super::super::style::INK,
            text: "Ø".into(),
        };
        text(&mut pixmap, &t, 1.0, None);
        let bitmap = font::glyph('Ø');
        let (first, _) = font::columns(&bitmap);
        // The cell's top row is the baseline less 7 rows: y = 2.
        for (row, bits) in bitmap.iter().enumerate() {
            for col in 0..8u32 {
                let x = 2 + col - first;
                let y = 2 + row as u32;
                let p = pixmap.pixel(x, y).unwrap();
                let inked = bits >> col & 1 == 1;
                assert_eq!(p.red() < 128, inked, "pixel ({x}, {y})");
            }
        }
    }
}
