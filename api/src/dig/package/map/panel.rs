//! The side panel: title block, legend, owners' answers and contacts, and
//! the notes at its foot. Times print in Danish time.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use chrono_tz::Europe::Copenhagen;
use forsyning_model::{DigResponseType, Hazard, Theme};

use super::scene::{Frame, Item, Present, Stroke, View, BODY_SIZE, TITLE_SIZE};
use super::style::{self, Rgba, GREY, INK, WHITE};
use super::{font, PackageInput};

const LINE: f32 = 1.25;
/// Most lines one text takes; longer text is cut with "...".
const MAX_LINES: usize = 3;
const SWATCH: f32 = 24.0;

/// Writes lines of text down the panel.
struct Cursor<'a> {
    x: f32,
    y: f32,
    width: f32,
    out: &'a mut Vec<Item>,
}

impl Cursor<'_> {
    /// The lines `text` wraps to in the panel, indented by `indent`.
    fn lines(&self, text: &str, size: f32, bold: bool, indent: f32) -> Vec<String> {
        font::wrap_capped(
            &font::printable(text),
            size,
            bold,
            self.width - indent,
            MAX_LINES,
        )
    }

    fn height(&self, text: &str, size: f32, bold: bool, indent: f32) -> f32 {
        self.lines(text, size, bold, indent).len() as f32 * size * LINE
    }

    /// Writes `text` wrapped, `indent` points from the left edge.
    fn write(&mut self, text: &str, size: f32, bold: bool, colour: Rgba, indent: f32) {
        for line in self.lines(text, size, bold, indent) {
            let baseline = self.y + size * 0.95;
            self.out.push(Item::text(
                self.x + indent,
                baseline,
                size,
                bold,
                colour,
                &line,
            ));
            self.y += size * LINE;
        }
    }

    fn gap(&mut self, points: f32) {
        self.y += points;
    }
}

/// The report's CRS as the map's foot names it.
fn crs_name(crs: &str) -> String {
    match crs {
        "EPSG:25832" => "EPSG:25832 (ETRS89 / UTM 32N)".to_owned(),
        "EPSG:28992" => "EPSG:28992 (Amersfoort / RD New)".to_owned(),
        other => other.to_owned(),
    }
}

/// Central European time (CET/CEST), the wall clock of Denmark and the
/// Netherlands alike.
fn danish_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&Copenhagen)
        .format("%Y-%m-%d %H:%M %Z")
        .to_string()
}

/// Draws the panel into `out`; returns the legend's labels.
pub(super) fn draw(
    input: &PackageInput<'_>,
    view: &View,
    present: &Present,
    hazards: &BTreeSet<Hazard>,
    panel: Frame,
    out: &mut Vec<Item>,
) -> Vec<String> {
    let report = input.report;
    let mut c = Cursor {
        x: panel.x,
        y: panel.y,
        width: panel.width,
        out,
    };

    // Title block.
    c.write("Graveforespørgsel", TITLE_SIZE, true, INK, 0.0);
    c.write("Dig request map", BODY_SIZE, true, INK, 0.0);
    c.gap(2.0);
    c.write("Request id", BODY_SIZE, true, INK, 0.0);
    c.write(&report.id.to_string(), BODY_SIZE, false, INK, 0.0);
    let lines = [
        format!(
            "Period: {} to {}",
            danish_time(report.period_from),
            danish_time(report.period_to)
        ),
        format!("Received: {}", danish_time(report.received)),
        format!("Answer deadline: {}", danish_time(report.deadline)),
        format!("Status: {}", report.status.code()),
        format!("Requester: {}, {}", report.requester_id, report.contact),
        format!("Purpose: {}", report.purpose),
    ];
    for l in &lines {
        c.write(l, BODY_SIZE, false, INK, 0.0);
    }
    c.gap(BODY_SIZE * 0.6);

    // Legend.
    c.write("Legend", BODY_SIZE, true, INK, 0.0);
    let mut legend = Vec::new();
    let mut entry = |c: &mut Cursor<'_>, label: String, swatch: Vec<Item>| {
        // The swatch is drawn centred on the middle of the text's x-height.
        let mid = c.y + BODY_SIZE * 0.95 - BODY_SIZE * 0.32;
        for item in swatch {
            c.out.push(shift(item, c.x, mid));
        }
        c.write(&label, BODY_SIZE, false, INK, SWATCH + 8.0);
        legend.push(font::printable(&label));
    };
    entry(
        &mut c,
        "Dig area (graveområde)".into(),
        vec![Item::rect(
            Frame {
                x: 1.0,
                y: -4.0,
                width: SWATCH - 2.0,
                height: 8.0,
            },
            Some(style::DIG_AREA.with_alpha(style::DIG_AREA_FILL_ALPHA)),
            Some(Stroke::solid(style::DIG_AREA, style::DIG_AREA_WIDTH)),
        )],
    );
    if report.buffer_m > 0.0 {
        entry(
            &mut c,
            format!("Buffer {}", super::scene::metres_label(report.buffer_m)),
            vec![Item::line(
                [0.0, 0.0],
                [SWATCH, 0.0],
                Stroke {
                    colour: style::DIG_AREA,
                    width: style::BUFFER_WIDTH,
                    dash: Some(style::BUFFER_DASH),
                    round: false,
                },
            )],
        );
    }
    for &theme in Theme::ALL.iter().filter(|t| present.themes.contains(t)) {
        entry(
            &mut c,
            format!("{} ({})", style::theme_name(theme), theme.ler_term()),
            vec![Item::line(
                [0.0, 0.0],
                [SWATCH, 0.0],
                Stroke::solid(style::theme_colour(theme), style::LINE_WIDTH),
            )],
        );
    }
    for hazard in [Hazard::Dangerous, Hazard::VeryDangerous] {
        let Some(h) = style::halo(Some(hazard)) else {
            continue;
        };
        let mut label = format!("{} ({})", style::hazard_name(hazard), hazard.ler_term());
        if !hazards.contains(&hazard) {
            label.push_str(": none here");
        }
        entry(
            &mut c,
            label,
            vec![
                Item::line(
                    [2.0, 0.0],
                    [SWATCH - 2.0, 0.0],
                    Stroke::solid(h.colour, style::LINE_WIDTH + 2.0 * h.width),
                ),
                Item::line(
                    [2.0, 0.0],
                    [SWATCH - 2.0, 0.0],
                    Stroke::solid(GREY, style::LINE_WIDTH),
                ),
            ],
        );
    }
    if present.components {
        let s = style::COMPONENT_SIZE;
        entry(
            &mut c,
            "Component (manhole, cabinet, valve)".into(),
            vec![Item::rect(
                Frame {
                    x: SWATCH / 2.0 - s / 2.0,
                    y: -s / 2.0,
                    width: s,
                    height: s,
                },
                Some(WHITE),
                Some(Stroke::solid(GREY, 1.3)),
            )],
        );
    }
    if present.areas {
        entry(
            &mut c,
            "Area (e.g. precaution zone)".into(),
            vec![Item::rect(
                Frame {
                    x: 1.0,
                    y: -4.0,
                    width: SWATCH - 2.0,
                    height: 8.0,
                },
                Some(GREY.with_alpha(style::AREA_FILL_ALPHA)),
                Some(Stroke::solid(GREY, 0.8)),
            )],
        );
    }
    if present.streets {
        entry(
            &mut c,
            "Street context (base map)".into(),
            vec![Item::line(
                [0.0, 0.0],
                [SWATCH, 0.0],
                Stroke::solid(super::context::STREET, super::context::STREET_WIDTH * 1.5),
            )],
        );
    }
    c.gap(BODY_SIZE * 0.6);

    // The foot of the panel, kept free of owners.
    let foot = [
        format!(
            "Scale 1:{} printed on A4 landscape. Coordinates {}.",
            round_denominator(view.scale_denominator()),
            crs_name(&input.report.crs)
        ),
        "Positions are indicative: call the owner before digging near dangerous (red) lines."
            .to_owned(),
    ];
    let foot_h: f32 = foot
        .iter()
        .map(|l| c.height(l, BODY_SIZE, false, 0.0))
        .sum();
    let bottom = panel.bottom() - foot_h - 4.0;

    // Owners.
    c.write("Owners (ledningsejere)", BODY_SIZE, true, INK, 0.0);
    let note = match &report.features {
        None => Some("Network features are not shown: you may see the answers only."),
        Some(f) if f.is_empty() && report.owners.is_empty() => {
            Some("No owner has registered interests in the area.")
        }
        Some(f)
            if f.is_empty()
                && report
                    .owners
                    .iter()
                    .all(|o| o.answer == DigResponseType::NoLinesInArea) =>
        {
            Some("No lines in the area (ingen ledninger i graveområde).")
        }
        _ => None,
    };
    if let Some(n) = note {
        c.write(n, BODY_SIZE, false, GREY, 0.0);
    }
    let more_h = BODY_SIZE * LINE;
    let mut overflow = false;
    for (i, o) in report.owners.iter().enumerate() {
        let head = if o.feature_count == 1 {
            format!("{}: 1 feature", o.owner_id)
        } else {
            format!("{}: {} features", o.owner_id, o.feature_count)
        };
        // Owners without a contact get no contact line.
        let contact = o.contact.as_deref().map(|c| format!("Contact: {c}"));
        let need = c.height(&head, BODY_SIZE, true, 0.0)
            + c.height(o.answer_ler, BODY_SIZE, false, 8.0)
            + contact
                .as_deref()
                .map_or(0.0, |l| c.height(l, BODY_SIZE, false, 8.0));
        let last = i + 1 == report.owners.len();
        if c.y + need + if last { 0.0 } else { more_h } > bottom {
            let rest = report.owners.len() - i;
            c.write(
                &format!("+ {rest} more owner(s): see the GML package."),
                BODY_SIZE,
                false,
                GREY,
                0.0,
            );
            overflow = true;
            break;
        }
        c.write(&head, BODY_SIZE, true, INK, 0.0);
        c.write(o.answer_ler, BODY_SIZE, false, INK, 8.0);
        if let Some(l) = &contact {
            c.write(l, BODY_SIZE, false, INK, 8.0);
        }
        c.gap(2.0);
    }

    if !overflow {
        dangerous_lines(&mut c, input, bottom);
    }

    c.y = bottom + 4.0;
    for l in &foot {
        c.write(l, BODY_SIZE, false, GREY, 0.0);
    }
    legend
}

/// The dangerous lines with their safety notes, one line per owner, theme,
/// class and note, as far as the panel has room above `bottom`.
fn dangerous_lines(c: &mut Cursor<'_>, input: &PackageInput<'_>, bottom: f32) {
    let mut groups: Vec<(String, usize)> = Vec::new();
    for f in input.features {
        let Some(h) = f.hazard.filter(|h| h.is_dangerous()) else {
            continue;
        };
        let mut line = format!(
            "{}, {} ({})",
            style::hazard_name(h),
            style::theme_name(f.theme).to_lowercase(),
            f.owner_id
        );
        if let Some(note) = f.safety_note.as_deref().filter(|n| !n.trim().is_empty()) {
            line.push_str(": ");
            line.push_str(note.trim());
        }
        match groups.iter_mut().find(|(l, _)| *l == line) {
            Some((_, n)) => *n += 1,
            None => groups.push((line, 1)),
        }
    }
    if groups.is_empty() {
        return;
    }
    let line_h = BODY_SIZE * LINE;
    let heading = "Dangerous lines (call the owner first)";
    // Room for the heading and the first entry, or nothing.
    let first = c.height(&groups[0].0, BODY_SIZE, false, 8.0) + line_h;
    if c.y + BODY_SIZE * 0.6 + c.height(heading, BODY_SIZE, true, 0.0) + first > bottom {
        return;
    }
    c.gap(BODY_SIZE * 0.6);
    c.write(heading, BODY_SIZE, true, INK, 0.0);
    let total = groups.len();
    for (i, (line, n)) in groups.into_iter().enumerate() {
        let text = if n == 1 {
            line
        } else {
            format!("{line} ({n} lines)")
        };
        let last = i + 1 == total;
        let need = c.height(&text, BODY_SIZE, false, 8.0) + if last { 0.0 } else { line_h };
        if c.y + need > bottom {
            c.write(
                &format!("+ {} more: see the GML package.", total - i),
                BODY_SIZE,
                false,
                GREY,
                8.0,
            );
            return;
        }
        c.write(&text, BODY_SIZE, false, INK, 8.0);
    }
}

/// A legend swatch drawn at `(dx, dy)`.
fn shift(item: Item, dx: f32, dy: f32) -> Item {
    match item {
        Item::Shape(mut s) => {
            for p in &mut s.parts {
                for q in p.iter_mut() {
                    q[0] += dx;
                    q[1] += dy;
                }
            }
            Item::Shape(s)
        }
        Item::Text(mut t) => {
            t.x += dx;
            t.y += dy;
            Item::Text(t)
        }
    }
}

/// A scale denominator to print: two significant digits above 100.
fn round_denominator(n: f64) -> u64 {
    if n < 100.0 {
        return n.round() as u64;
    }
    let step = 10f64.powf(n.log10().floor() - 1.0);
    ((n / step).round() * step) as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn danish_time_in_winter_and_summer() {
        let winter = Utc.with_ymd_and_hms(2026, 12, 1, 7, 0, 0).unwrap();
        assert_eq!(danish_time(winter), "2026-12-01 08:00 CET");
        let summer = Utc.with_ymd_and_hms(2026, 6, 1, 7, 0, 0).unwrap();
        assert_eq!(danish_time(summer), "2026-06-01 09:00 CEST");
    }

    #[test]
    fn denominators_round_to_two_digits() {
        assert_eq!(round_denominator(1417.3), 1400);
        assert_eq!(round_denominator(523.0), 520);
        assert_eq!(round_denominator(87.4), 87);
        assert_eq!(round_denominator(12_649.0), 13_000);
    }
}
