use geo::{BoundingRect, Validation};
use geo_types::{coord, Polygon, Rect};
use serde::{Deserialize, Serialize};

use crate::ModelError;

/// An axis-aligned box in EPSG:25832 metres with finite, ordered corners.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "[f64; 4]", into = "[f64; 4]")]
pub struct Bbox {
    min_x: f64,
    min_y: f64,
    max_x: f64,
    max_y: f64,
}

impl Bbox {
    pub fn new(min_x: f64, min_y: f64, max_x: f64, max_y: f64) -> Result<Self, ModelError> {
        if ![min_x, min_y, max_x, max_y].iter().all(|v| v.is_finite()) {
            return Err(ModelError::InvalidBbox(
                "corners must be finite numbers".into(),
            ));
        }
        if min_x > max_x || min_y > max_y {
            return Err(ModelError::InvalidBbox(format!(
                "min ({min_x}, {min_y}) is not below max ({max_x}, {max_y})"
            )));
        }
        Ok(Self {
            min_x,
            min_y,
            max_x,
            max_y,
        })
    }

    pub fn min_x(&self) -> f64 {
        self.min_x
    }
    pub fn min_y(&self) -> f64 {
        self.min_y
    }
    pub fn max_x(&self) -> f64 {
        self.max_x
    }
    pub fn max_y(&self) -> f64 {
        self.max_y
    }

    /// This box grown by `d` metres on every side.
    pub fn expand(&self, d: f64) -> Self {
        Self {
            min_x: self.min_x - d,
            min_y: self.min_y - d,
            max_x: self.max_x + d,
            max_y: self.max_y + d,
        }
    }

    pub fn intersects(&self, other: &Bbox) -> bool {
        self.min_x <= other.max_x
            && other.min_x <= self.max_x
            && self.min_y <= other.max_y
            && other.min_y <= self.max_y
    }

    pub fn to_rect(&self) -> Rect<f64> {
        Rect::new(
            coord! {x: self.min_x, y: self.min_y},
            coord! {x: self.max_x, y: self.max_y},
        )
    }

    pub fn from_rect(rect: Rect<f64>) -> Result<Self, ModelError> {
        Self::new(rect.min().x, rect.min().y, rect.max().x, rect.max().y)
    }
}

impl TryFrom<[f64; 4]> for Bbox {
    type Error = ModelError;
    fn try_from(v: [f64; 4]) -> Result<Self, Self::Error> {
        Self::new(v[0], v[1], v[2], v[3])
    }
}

impl From<Bbox> for [f64; 4] {
    fn from(b: Bbox) -> Self {
        [b.min_x, b.min_y, b.max_x, b.max_y]
    }
}

/// A valid polygon plus a buffer distance: "everything within `buffer_m` metres
/// of this polygon" (distance 0 inside it). EPSG:25832 metres.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchArea {
    polygon: Polygon<f64>,
    buffer_m: f64,
    bbox: Bbox,
}

impl SearchArea {
    /// Checks that the polygon is valid (OGC simple-feature rules, finite
    /// coordinates) and the buffer is a finite, non-negative number of metres.
    pub fn new(polygon: Polygon<f64>, buffer_m: f64) -> Result<Self, ModelError> {
        if !buffer_m.is_finite() || buffer_m < 0.0 {
            return Err(ModelError::InvalidSearchArea(format!(
                "buffer must be a finite number of metres >= 0, got {buffer_m}"
            )));
        }
        if polygon.exterior().0.len() < 4 {
            return Err(ModelError::InvalidSearchArea(
                "polygon needs at least 3 distinct corners".into(),
            ));
        }
        if let Err(e) = polygon.check_validation() {
            return Err(ModelError::InvalidSearchArea(format!(
                "polygon is not valid: {e}"
            )));
        }
        let rect = polygon
            .bounding_rect()
            .ok_or_else(|| ModelError::InvalidSearchArea("polygon is empty".into()))?;
        let bbox = Bbox::from_rect(rect)?;
        Ok(Self {
            polygon,
            buffer_m,
            bbox,
        })
    }

    pub fn polygon(&self) -> &Polygon<f64> {
        &self.polygon
    }

    pub fn buffer_m(&self) -> f64 {
        self.buffer_m
    }

    /// The polygon's bounding box grown by the buffer: every match lies in it.
    pub fn search_bbox(&self) -> Bbox {
        self.bbox.expand(self.buffer_m)
    }
}

#[cfg(test)]
mod tests {
    use geo_types::polygon;

    use super::*;

    #[test]
    fn bbox_rejects_nan_and_inverted() {
        assert!(Bbox::new(0.0, 0.0, 1.0, 1.0).is_ok());
        assert!(Bbox::new(f64::NAN, 0.0, 1.0, 1.0).is_err());
        assert!(Bbox::new(2.0, 0.0, 1.0, 1.0).is_err());
        let b: Result<Bbox, _> = serde_json::from_str("[0,0,1,1]");
        assert!(b.is_ok());
        let b: Result<Bbox, _> = serde_json::from_str("[1,0,0,1]");
        assert!(b.is_err());
    }

    #[test]
    fn search_area_checks_polygon_and_buffer() {
        let square =
            polygon![(x: 0.0, y: 0.0), (x: 10.0, y: 0.0), (x: 10.0, y: 10.0), (x: 0.0, y: 10.0)];
        let a = SearchArea::new(square.clone(), 2.0).unwrap();
        let b = a.search_bbox();
        assert_eq!(
            [b.min_x(), b.min_y(), b.max_x(), b.max_y()],
            [-2.0, -2.0, 12.0, 12.0]
        );
        assert!(SearchArea::new(square.clone(), -1.0).is_err());
        assert!(SearchArea::new(square, f64::INFINITY).is_err());
        let bowtie =
            polygon![(x: 0.0, y: 0.0), (x: 10.0, y: 10.0), (x: 10.0, y: 0.0), (x: 0.0, y: 10.0)];
        assert!(SearchArea::new(bowtie, 0.0).is_err());
    }
}
