//! The printable map of a dig request, as PNG and as PDF.
//!
//! A contractor prints it and takes it to the field: the dig polygon and
//! its buffer, the delivered features coloured by theme with dangerous and
//! very dangerous lines in a red halo, a legend, a scale bar with a round
//! length, a north arrow, the request's title block and the owners'
//! answers and contacts.
//!
//! [`layout`] computes one [`Scene`] (page units are points, 1/72 inch,
//! y down, on an A4 landscape page); [`render_png`] rasterises it with
//! `tiny-skia` and [`render_pdf`] writes it as PDF vector paths through
//! `krilla`, so both show the same thing; text is DejaVu Sans in both
//! (outlines in the PNG, the embedded font in the PDF). Coordinates are EPSG:25832 metres, north up: the
//! map is an affine transform of the polygon + buffer extent (with a
//! margin) into the map frame, keeping the aspect ratio. Everything is
//! clipped to the frame.

mod context;
mod font;
mod panel;
mod pdf;
mod png;
mod scene;
mod style;

use thiserror::Error;
use uuid::Uuid;

use super::PackageInput;

pub use context::{BASEMAP_DATASET, STREET, STREET_FILL};
pub use font::{printable, text_width};
pub use scene::{layout, Frame, Item, Scene, Shape, Stroke, Text, View};
pub use style::{halo, theme_colour, Halo, Rgba, DIG_AREA, DIG_AREA_FILL_ALPHA};

/// Width of an A4 page in landscape, points.
pub const A4_LANDSCAPE_WIDTH: f32 = 841.89;
/// Height of an A4 page in landscape, points.
pub const A4_LANDSCAPE_HEIGHT: f32 = 595.28;

/// Smallest PNG width, pixels (the height may be half of it).
pub const MIN_SIDE_PX: u32 = 400;
/// Largest PNG side, pixels: A4 at 300 dpi fits, and the pixels take at
/// most 100 MB.
pub const MAX_SIDE_PX: u32 = 5_000;

/// How the map is rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MapOptions {
    /// PNG width, pixels. The PNG shows an A4 landscape page's width at this
    /// many pixels (1600 is about 137 dpi); the PDF is always A4 landscape.
    pub width_px: u32,
    /// PNG height, pixels; the page is as tall as this at the same scale.
    pub height_px: u32,
}

impl Default for MapOptions {
    /// 1600 × 1131 pixels: an A4 landscape page at about 137 dpi.
    fn default() -> Self {
        Self {
            width_px: 1600,
            height_px: 1131,
        }
    }
}

impl MapOptions {
    /// Pixels per page point.
    pub fn px_per_pt(&self) -> f32 {
        self.width_px as f32 / A4_LANDSCAPE_WIDTH
    }

    /// The page of the PNG, points: A4 landscape's width, the height of the
    /// options' aspect ratio.
    pub fn page(&self) -> Result<Page, MapError> {
        let (w, h) = (self.width_px, self.height_px);
        let ratio = h as f32 / w.max(1) as f32;
        if !(MIN_SIDE_PX..=MAX_SIDE_PX).contains(&w)
            || !(MIN_SIDE_PX / 2..=MAX_SIDE_PX).contains(&h)
            || !(0.5..=2.0).contains(&ratio)
        {
            return Err(MapError::ImageSize {
                width: w,
                height: h,
            });
        }
        Ok(Page {
            width: A4_LANDSCAPE_WIDTH,
            height: h as f32 / self.px_per_pt(),
        })
    }
}

/// A page's size in points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Page {
    pub width: f32,
    pub height: f32,
}

impl Page {
    /// A4 landscape, the PDF's page.
    pub const A4_LANDSCAPE: Page = Page {
        width: A4_LANDSCAPE_WIDTH,
        height: A4_LANDSCAPE_HEIGHT,
    };
}

/// Why a map could not be made.
#[derive(Debug, Error)]
pub enum MapError {
    #[error(
        "map image size {width}x{height} px: each side must be {MIN_SIDE_PX}..={MAX_SIDE_PX} px \
         (height at least {}) and height/width between 0.5 and 2",
        MIN_SIDE_PX / 2
    )]
    ImageSize { width: u32, height: u32 },
    #[error("the dig polygon cannot be drawn: {0}")]
    Polygon(String),
    #[error("feature {id} cannot be drawn: {reason}")]
    Feature { id: Uuid, reason: String },
    #[error("the package input is inconsistent: {0}")]
    Input(String),
    #[error("PNG encoding failed: {0}")]
    Png(String),
    #[error("PDF writing failed: {0}")]
    Pdf(String),
}

/// The map as a PNG of `opts`' size.
pub fn render_png(input: &PackageInput<'_>, opts: &MapOptions) -> Result<Vec<u8>, MapError> {
    let page = opts.page()?;
    let scene = layout(input, page)?;
    png::render(&scene, opts)
}

/// The map as a one-page A4 landscape PDF with vector paths and text in
/// the embedded DejaVu Sans. `opts` concern the PNG only.
pub fn render_pdf(input: &PackageInput<'_>, _opts: &MapOptions) -> Result<Vec<u8>, MapError> {
    let scene = layout(input, Page::A4_LANDSCAPE)?;
    pdf::render(&scene, &format!("Dig request {}", input.report.id))
}
