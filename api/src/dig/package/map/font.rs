//! Text for both back ends: which characters print, how wide a line is.
//!
//! The PNG draws the public-domain 8×8 bitmap font of `font8x8` (ASCII and
//! Latin-1, so æøåÆØÅ print), proportionally spaced and scaled up; the PDF
//! uses the standard Helvetica fonts with WinAnsiEncoding. The layout
//! measures a line as the wider of the two, so it fits in both.

use font8x8::legacy::{BASIC_LEGACY, LATIN_LEGACY};

/// The character printed for anything neither font has.
pub const REPLACEMENT: char = '?';

/// Rows and columns of a bitmap glyph's cell; the cell is one em.
pub const CELL: u32 = 8;

/// Bitmap rows above the baseline (the eighth row is for descenders).
pub const ASCENT_ROWS: u32 = 7;

/// Columns a space advances.
const SPACE_COLUMNS: u32 = 3;

/// Helvetica's advance widths (1/1000 em) for ASCII 32..=126, from the
/// standard Adobe font metrics.
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667,
    611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500,
    222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];

/// Replaces what neither font can print: typographic dashes and quotes
/// become their ASCII forms, control characters a space, and every other
/// character outside printable ASCII and Latin-1 the [`REPLACEMENT`].
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
            '\u{2018}' | '\u{2019}' | '\u{201A}' => '\'',
            '\u{201C}' | '\u{201D}' | '\u{201E}' => '"',
            '\t' | '\n' | '\r' => ' ',
            ' '..='~' | '\u{A0}'..='\u{FF}' => c,
            _ => REPLACEMENT,
        })
        .collect()
}

/// The 8×8 bitmap of `c` (bit 0 of each row is its leftmost pixel); the
/// replacement glyph for a character outside ASCII and Latin-1.
pub fn glyph(c: char) -> [u8; 8] {
    let code = c as u32;
    match code {
        0x20..=0x7E => BASIC_LEGACY[code as usize],
        0xA0..=0xFF => LATIN_LEGACY[(code - 0xA0) as usize],
        _ => BASIC_LEGACY[REPLACEMENT as usize],
    }
}

/// The columns a glyph occupies: (first, advance). A blank glyph advances
/// a space's width; others their inked width plus one blank column.
pub fn columns(bitmap: &[u8; 8]) -> (u32, u32) {
    let ink = bitmap.iter().fold(0u8, |a, r| a | r);
    if ink == 0 {
        return (0, SPACE_COLUMNS);
    }
    let first = ink.trailing_zeros();
    let last = 7 - ink.leading_zeros();
    (first, last - first + 2)
}

/// Width of `text` in em when drawn with the bitmap font (`bold` adds one
/// column per glyph).
pub fn bitmap_width_em(text: &str, bold: bool) -> f32 {
    let cols: u32 = text
        .chars()
        .map(|c| columns(&glyph(c)).1 + u32::from(bold))
        .sum();
    cols as f32 / CELL as f32
}

/// Width of `text` in em in Helvetica (bold: 10 % wider, an upper bound
/// of Helvetica-Bold); characters beyond ASCII count as 1 em.
pub fn helvetica_width_em(text: &str, bold: bool) -> f32 {
    let units: u32 = text
        .chars()
        .map(|c| match c as u32 {
            code @ 0x20..=0x7E => u32::from(HELVETICA[(code - 0x20) as usize]),
            _ => 1000,
        })
        .sum();
    let em = units as f32 / 1000.0;
    if bold {
        em * 1.1
    } else {
        em
    }
}

/// Width of `text` at `size` (page units per em), the wider of both fonts.
pub fn text_width(text: &str, size: f32, bold: bool) -> f32 {
    size * bitmap_width_em(text, bold).max(helvetica_width_em(text, bold))
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
        let replacement = glyph(REPLACEMENT);
        for c in "æøåÆØÅ".chars() {
            let g = glyph(c);
            assert_ne!(g, [0; 8], "{c} has no ink");
            assert_ne!(g, replacement, "{c} prints as the replacement");
        }
        assert_ne!(glyph('ø'), glyph('o'));
        assert_ne!(glyph('å'), glyph('a'));
        // Outside Latin-1: the replacement glyph, never a panic.
        assert_eq!(glyph('€'), replacement);
        assert_eq!(glyph('\u{1F600}'), replacement);
    }

    #[test]
    fn printable_maps_what_neither_font_has() {
        assert_eq!(printable("Søren – “Ærø”\tvej"), "Søren - \"Ærø\" vej");
        assert_eq!(printable("Ω ≥ 1 €"), "? ? 1 ?");
    }

    #[test]
    fn glyph_columns_by_hand() {
        // 'A' inks columns 0..=5: advance 6 + 1 blank.
        assert_eq!(columns(&glyph('A')), (0, 7));
        // 'i' inks columns 1..=4.
        assert_eq!(columns(&glyph('i')), (1, 5));
        assert_eq!(columns(&glyph(' ')), (0, SPACE_COLUMNS));
        // "Ai" = (7 + 5) columns = 1.5 em; bold adds one column per glyph.
        assert_eq!(bitmap_width_em("Ai", false), 1.5);
        assert_eq!(bitmap_width_em("Ai", true), 1.75);
    }

    #[test]
    fn helvetica_widths_from_the_afm() {
        // H 722, e 556, l 222, l 222, o 556 = 2278.
        assert!((helvetica_width_em("Hello", false) - 2.278).abs() < 1e-6);
        // The layout takes the wider font.
        assert_eq!(text_width("WWW", 10.0, false), 30.0);
        assert!((text_width("iii", 10.0, false) - 10.0 * 15.0 / 8.0).abs() < 1e-4);
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
