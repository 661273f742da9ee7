//! The PNG back end: the scene rasterised with `tiny-skia`; text is the
//! DejaVu Sans outlines filled anti-aliased.

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

/// `t` as one path in pixels: each glyph's outline (font units, y up)
/// scaled to `t.size` points and placed on the baseline.
fn text_path(t: &Text, ppp: f32) -> Option<Path> {
    use ab_glyph::{Font as _, OutlineCurve};
    let f = font::face(t.bold);
    let k = t.size * ppp / font::units_per_em(t.bold);
    let (x0, base) = (t.x * ppp, t.y * ppp);
    let mut pb = PathBuilder::new();
    for g in font::shape(&t.text, t.bold) {
        let Some(outline) = f.outline(g.glyph) else {
            continue;
        };
        let gx = x0 + g.x_em * t.size * ppp;
        let at = |p: ab_glyph::Point| (gx + p.x * k, base - p.y * k);
        let mut last: Option<ab_glyph::Point> = None;
        for curve in &outline.curves {
            let (start, end) = match curve {
                OutlineCurve::Line(a, b) => (*a, *b),
                OutlineCurve::Quad(a, _, b) => (*a, *b),
                OutlineCurve::Cubic(a, _, _, b) => (*a, *b),
            };
            if last != Some(start) {
                if last.is_some() {
                    pb.close();
                }
                let (x, y) = at(start);
                pb.move_to(x, y);
            }
            match curve {
                OutlineCurve::Line(_, b) => {
                    let (x, y) = at(*b);
                    pb.line_to(x, y);
                }
                OutlineCurve::Quad(_, c, b) => {
                    let ((cx, cy), (x, y)) = (at(*c), at(*b));
                    pb.quad_to(cx, cy, x, y);
                }
                OutlineCurve::Cubic(_, c1, c2, b) => {
                    let ((ax, ay), (bx, by), (x, y)) = (at(*c1), at(*c2), at(*b));
                    pb.cubic_to(ax, ay, bx, by, x, y);
                }
            }
            last = Some(end);
        }
        if last.is_some() {
            pb.close();
        }
    }
    pb.finish()
}

fn text(pixmap: &mut Pixmap, t: &Text, ppp: f32, clip: Option<&Mask>) {
    if let Some(path) = text_path(t, ppp) {
        // TrueType contours wind one way round for ink, the other for
        // counters: non-zero.
        pixmap.fill_path(
            &path,
            &paint(t.colour, true),
            FillRule::Winding,
            Transform::identity(),
            clip,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// "Ø" at 20 px: ink in the glyph's box, soft edges (grey levels between
    /// paper and ink), white counter where the O is hollow.
    #[test]
    fn a_glyph_is_filled_anti_aliased() {
        let mut pixmap = Pixmap::new(40, 30).unwrap();
        pixmap.fill(colour(WHITE));
        let t = Text {
            x: 5.0,
            y: 24.0,
            size: 20.0,
            bold: false,
            colour: super::super::style::INK,
            text: "Ø".into(),
        };
        text(&mut pixmap, &t, 1.0, None);
        let reds: Vec<u8> = pixmap
            .pixels()
            .iter()
            .map(|p| p.demultiply().red())
            .collect();
        let dark = reds.iter().filter(|&&r| r < 64).count();
        let grey: std::collections::BTreeSet<u8> = reds
            .iter()
            .copied()
            .filter(|&r| (16..240).contains(&r))
            .collect();
        assert!(dark > 30, "{dark} inked pixels");
        assert!(grey.len() > 10, "anti-aliased edges: {grey:?}");
        // Nothing above the cap height (baseline 24 less 20 px) nor left of x = 5.
        for y in 0..2 {
            for x in 0..40 {
                assert!(reds[y * 40 + x] > 250, "ink at ({x}, {y})");
            }
        }
        // Halfway up, the row crosses ink, paper (the O's counter), ink.
        let w = font::text_width("Ø", 20.0, false);
        let row = &reds[(24 - 7) * 40..(24 - 7) * 40 + 40];
        let inside = &row[6..(5.0 + w) as usize];
        let first = inside.iter().position(|&r| r < 100).unwrap();
        let last = inside.iter().rposition(|&r| r < 100).unwrap();
        assert!(inside[first..last].iter().any(|&r| r > 200), "{row:?}");
    }
}
