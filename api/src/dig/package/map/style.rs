//! Colours and line widths of the map. Widths are in page points (1/72 in).
//!
//! The theme colours are Forsyning's own (LER 2 prescribes none); they are
//! chosen to stay apart from each other, from the dig area's purple and from
//! the red of the hazard highlight.

use forsyning_model::{Hazard, Theme};

/// An sRGB colour with opacity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rgba {
    pub r: u8,
    pub g: u8,
    pub b: u8,
    /// 0 (transparent) ..= 1 (opaque).
    pub a: f32,
}

impl Rgba {
    /// An opaque colour.
    pub const fn rgb(r: u8, g: u8, b: u8) -> Self {
        Self { r, g, b, a: 1.0 }
    }

    /// The same colour with opacity `a`.
    pub const fn with_alpha(self, a: f32) -> Self {
        Self { a, ..self }
    }

    /// The opaque colour this one gives over white.
    pub fn over_white(self) -> [u8; 3] {
        let mix = |c: u8| (f32::from(c) * self.a + 255.0 * (1.0 - self.a)).round() as u8;
        [mix(self.r), mix(self.g), mix(self.b)]
    }
}

pub const WHITE: Rgba = Rgba::rgb(255, 255, 255);
/// Text and frame lines.
pub const INK: Rgba = Rgba::rgb(25, 25, 25);
/// Secondary text.
pub const GREY: Rgba = Rgba::rgb(90, 90, 90);

/// The dig polygon's outline; its fill is the same colour, mostly transparent.
pub const DIG_AREA: Rgba = Rgba::rgb(110, 40, 170);
/// Opacity of the dig polygon's fill.
pub const DIG_AREA_FILL_ALPHA: f32 = 0.08;
/// Width of the dig polygon's outline.
pub const DIG_AREA_WIDTH: f32 = 2.2;
/// The buffer's dashed outline.
pub const BUFFER_WIDTH: f32 = 1.0;
/// Dash and gap of the buffer's outline.
pub const BUFFER_DASH: [f32; 2] = [4.0, 3.0];

/// Width of a line feature.
pub const LINE_WIDTH: f32 = 1.6;
/// Side of a component's square marker.
pub const COMPONENT_SIZE: f32 = 4.5;
/// Opacity of an area feature's fill.
pub const AREA_FILL_ALPHA: f32 = 0.18;

/// The colour of a theme's features.
pub fn theme_colour(theme: Theme) -> Rgba {
    match theme {
        Theme::Electricity => Rgba::rgb(235, 125, 0),
        Theme::Gas => Rgba::rgb(190, 160, 0),
        Theme::Water => Rgba::rgb(0, 90, 220),
        Theme::Sewer => Rgba::rgb(125, 75, 30),
        Theme::DistrictHeating => Rgba::rgb(220, 0, 150),
        Theme::Oil => Rgba::rgb(85, 95, 0),
        Theme::Telecom => Rgba::rgb(0, 150, 70),
        Theme::Other => Rgba::rgb(120, 120, 120),
    }
}

/// The English name of a theme on the legend.
pub fn theme_name(theme: Theme) -> &'static str {
    match theme {
        Theme::Electricity => "Electricity",
        Theme::Gas => "Gas",
        Theme::Water => "Water",
        Theme::Sewer => "Sewer",
        Theme::DistrictHeating => "District heating/cooling",
        Theme::Oil => "Oil",
        Theme::Telecom => "Telecom",
        Theme::Other => "Other",
    }
}

/// How a dangerous line is highlighted: a halo of `colour` extending
/// `width` beyond each side of the line, drawn under it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Halo {
    pub colour: Rgba,
    /// Halo on each side of the line, points.
    pub width: f32,
}

/// The halo of a hazard class; `None` for lines that are not dangerous.
pub fn halo(hazard: Option<Hazard>) -> Option<Halo> {
    match hazard? {
        Hazard::NotDangerous => None,
        Hazard::Dangerous => Some(Halo {
            colour: Rgba::rgb(255, 120, 120),
            width: 2.4,
        }),
        Hazard::VeryDangerous => Some(Halo {
            colour: Rgba::rgb(215, 0, 0),
            width: 3.6,
        }),
    }
}

/// The legend's words for a hazard class.
pub fn hazard_name(hazard: Hazard) -> &'static str {
    match hazard {
        Hazard::NotDangerous => "Not dangerous",
        Hazard::Dangerous => "Dangerous",
        Hazard::VeryDangerous => "Very dangerous",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn distance(a: Rgba, b: Rgba) -> i32 {
        [(a.r, b.r), (a.g, b.g), (a.b, b.b)]
            .iter()
            .map(|&(x, y)| (i32::from(x) - i32::from(y)).abs())
            .sum()
    }

    #[test]
    fn symbol_colours_stay_apart() {
        let mut colours: Vec<Rgba> = Theme::ALL.iter().map(|&t| theme_colour(t)).collect();
        colours.push(DIG_AREA);
        colours.extend(
            [Hazard::Dangerous, Hazard::VeryDangerous].map(|h| halo(Some(h)).unwrap().colour),
        );
        for (i, a) in colours.iter().enumerate() {
            for b in &colours[i + 1..] {
                assert!(distance(*a, *b) >= 60, "{a:?} and {b:?} are too close");
            }
        }
        assert!(halo(Some(Hazard::NotDangerous)).is_none());
        assert!(halo(None).is_none());
    }

    #[test]
    fn blending_over_white_by_hand() {
        // 110 * 0.5 + 255 * 0.5 = 182.5 -> 183.
        assert_eq!(DIG_AREA.with_alpha(0.5).over_white(), [183, 148, 213]);
        assert_eq!(DIG_AREA.over_white(), [110, 40, 170]);
    }
}
