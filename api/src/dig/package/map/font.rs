//! Text for both back ends: which characters print, how wide a line is,
//! and where each glyph goes.
//!
//! Both draw DejaVu Sans (regular and bold), embedded at build time from
//! `api/assets/fonts/` (Bitstream Vera licence, beside the files). The PNG
//! fills the glyph outlines anti-aliased with `tiny-skia`; the PDF embeds a
//! subset of the same font through `krilla`. [`shape`] places the glyphs
//! once (advance widths and the font's kerning pairs), so the two back ends
//! and the layout agree to the point.

use std::ops::Range;
use std::sync::OnceLock;

use ab_glyph::{Font as _, FontRef, GlyphId};

/// DejaVu Sans, regular.
pub static REGULAR_TTF: &[u8] = include_bytes!("../../../../assets/fonts/DejaVuSans.ttf");
/// DejaVu Sans, bold.
pub static BOLD_TTF: &[u8] = include_bytes!("../../../../assets/fonts/DejaVuSans-Bold.ttf");

/// The character printed for anything the font lacks.
pub const REPLACEMENT: char = '?';

/// One of the two faces, parsed once.
pub fn face(bold: bool) -> &'static FontRef<'static> {
    static FACES: OnceLock<[FontRef<'static>; 2]> = OnceLock::new();
    let faces = FACES.get_or_init(|| {
        let parse = |data| FontRef::try_from_slice(data).expect("the embedded DejaVu Sans parses");
        [parse(REGULAR_TTF), parse(BOLD_TTF)]
    });
    &faces[usize::from(bold)]
}

/// The font file of a face, for embedding.
pub fn ttf(bold: bool) -> &'static [u8] {
    if bold {
        BOLD_TTF
    } else {
        REGULAR_TTF
    }
}

/// Font units per em of a face (2048 for DejaVu Sans).
pub fn units_per_em(bold: bool) -> f32 {
    face(bold).units_per_em().unwrap_or(2048.0)
}

/// Replaces what the font cannot print: control characters become a
/// space, and every character without a glyph in both faces the
/// [`REPLACEMENT`].
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => ' ',
            c if c.is_control() => ' ',
            c if face(false).glyph_id(c).0 == 0 || face(true).glyph_id(c).0 == 0 => REPLACEMENT,
            c => c,
        })
        .collect()
}

/// A glyph placed on a line.
#[derive(Debug, Clone, PartialEq)]
pub struct Placed {
    pub glyph: GlyphId,
    /// The bytes of the line's text it shows.
    pub range: Range<usize>,
    /// Where it starts from the line's start, em.
    pub x_em: f32,
    /// How far the pen moves after it (kerning with the next included), em.
    pub advance_em: f32,
}

/// The glyphs of one line of `text`, left to right: one per character,
/// advance widths plus the font's kerning pairs.
pub fn shape(text: &str, bold: bool) -> Vec<Placed> {
    let f = face(bold);
    let upem = units_per_em(bold);
    let ids: Vec<(usize, char, GlyphId)> = text
        .char_indices()
        .map(|(i, c)| (i, c, f.glyph_id(c)))
        .collect();
    let mut x = 0.0;
    let mut out = Vec::with_capacity(ids.len());
    for (k, &(i, c, id)) in ids.iter().enumerate() {
        let kern = ids
            .get(k + 1)
            .map_or(0.0, |&(_, _, next)| f.kern_unscaled(id, next));
        let advance_em = (f.h_advance_unscaled(id) + kern) / upem;
        out.push(Placed {
            glyph: id,
            range: i..i + c.len_utf8(),
            x_em: x,
            advance_em,
        });
        x += advance_em;
    }
    out
}

/// Width of `text` at `size` (page units per em).
pub fn text_width(text: &str, size: f32, bold: bool) -> f32 {
    size * shape(text, bold).iter().map(|g| g.advance_em).sum::<f32>()
}

/// Splits `text` into lines no wider than `max_width` at `size`, breaking
/// at spaces and inside words longer than a line.
pub fn wrap(text: &str, size: f32, bold: bool, max_width: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let candidate = if line.is_empty() {
            word.to_owned()
        } else {
            format!("{line} {word}")
        };
        if text_width(&candidate, size, bold) <= max_width {
            line = candidate;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        // A word wider than a line is cut where it no longer fits.
        let mut piece = String::new();
        for c in word.chars() {
            piece.push(c);
            if text_width(&piece, size, bold) > max_width && piece.chars().count() > 1 {
                piece.pop();
                lines.push(std::mem::take(&mut piece));
                piece.push(c);
            }
        }
        line = piece;
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// [`wrap`], keeping at most `max_lines` lines; when text is cut, the last
/// line ends in "...".
pub fn wrap_capped(
    text: &str,
    size: f32,
    bold: bool,
    max_width: f32,
    max_lines: usize,
) -> Vec<String> {
    let mut lines = wrap(text, size, bold, max_width);
    if lines.len() > max_lines.max(1) {
        lines.truncate(max_lines.max(1));
        if let Some(last) = lines.last_mut() {
            while !last.is_empty() && text_width(&format!("{last}..."), size, bold) > max_width {
                last.pop();
            }
            last.push_str("...");
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn danish_letters_have_their_own_glyphs() {
        for bold in [false, true] {
            let f = face(bold);
            let ids: Vec<u16> = "æøåÆØÅaoAO".chars().map(|c| f.glyph_id(c).0).collect();
            assert!(ids.iter().all(|&id| id != 0), "{ids:?}");
            let mut unique = ids.clone();
            unique.sort_unstable();
            unique.dedup();
            assert_eq!(unique.len(), ids.len(), "each letter its own glyph");
        }
        assert_eq!(units_per_em(false), 2048.0);
    }

    #[test]
    fn printable_keeps_what_the_font_has() {
        assert_eq!(printable("Søren – “Ærø”\tvej €"), "Søren – “Ærø” vej €");
        // CJK and Devanagari are not in DejaVu Sans.
        assert_eq!(printable("中 \u{915} ok"), "? ? ok");
    }

    #[test]
    fn widths_add_up_and_scale() {
        let glyphs = shape("Hæ", false);
        assert_eq!(glyphs.len(), 2);
        assert_eq!(glyphs[1].range, 1..3, "æ is two bytes");
        assert_eq!(glyphs[1].x_em, glyphs[0].advance_em);
        let w = text_width("Hæ", 10.0, false);
        assert!((text_width("Hæ", 20.0, false) - 2.0 * w).abs() < 1e-4);
        assert!(text_width("iii", 10.0, false) < text_width("WWW", 10.0, false));
        assert!(text_width("Hæ", 10.0, true) > w, "bold is wider");
        // DejaVu Sans: the space advances 651 units of 2048.
        assert!((text_width(" ", 2048.0, false) - 651.0).abs() < 1e-3);
    }

    #[test]
    fn wrap_breaks_at_spaces_and_inside_long_words() {
        let size = 8.0;
        let max = text_width("abcde abcde", size, false);
        assert_eq!(
            wrap("abcde abcde abcde", size, false, max),
            ["abcde abcde", "abcde"]
        );
        let long = "x".repeat(40);
        let lines = wrap(&long, size, false, text_width("xxxxxxxxxx", size, false));
        assert_eq!(lines.len(), 4);
        assert!(lines.iter().all(|l| l.len() == 10));
        assert_eq!(wrap("", size, false, max), [""]);
    }

    #[test]
    fn capped_wrap_ends_in_an_ellipsis() {
        let size = 8.0;
        let max = text_width("abcde abcde", size, false);
        let text = "abcde ".repeat(10);
        let lines = wrap_capped(&text, size, false, max, 2);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0], "abcde abcde");
        assert!(lines[1].ends_with("...") && lines[1].starts_with("abcde"));
        assert!(text_width(&lines[1], size, false) <= max);
        // Short text is untouched.
        assert_eq!(wrap_capped("abcde", size, false, max, 1), ["abcde"]);
    }
}
