//! The checks a dig request must pass before it is matched: each failure
//! names its rule, so the API can answer 4xx with it.

use chrono::{DateTime, Duration, Utc};
use geo::{Area, BoundingRect, Validation};
use geo_types::{Polygon, Rect};

/// Limits of a dig request. The defaults are the ones KLIC uses.
#[derive(Debug, Clone, PartialEq)]
pub struct DigLimits {
    /// Largest width and height of the polygon's bounding box, metres.
    pub max_extent_m: f64,
    /// Largest polygon area, m².
    pub max_area_m2: f64,
    /// Most vertices of the polygon, closing vertex not counted.
    pub max_vertices: usize,
    /// Largest buffer around the polygon, metres.
    pub max_buffer_m: f64,
    /// Longest dig period.
    pub max_period: Duration,
    /// How far in the past a period may start (a request for work already begun).
    pub max_start_in_past: Duration,
    /// Where requests are served, EPSG:25832.
    pub service_area: Rect<f64>,
}

impl DigLimits {
    /// KLIC's limits (500 m × 500 m, 250,000 m², 200 vertices) in `service_area`.
    pub fn klic(service_area: Rect<f64>) -> Self {
        Self {
            max_extent_m: 500.0,
            max_area_m2: 250_000.0,
            max_vertices: 200,
            max_buffer_m: 50.0,
            max_period: Duration::days(366),
            max_start_in_past: Duration::days(30),
            service_area,
        }
    }
}

/// Why a dig request was refused. `code()` is the stable rule name.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DigRuleViolation {
    #[error("the polygon needs at least 3 distinct corners")]
    TooFewVertices,
    #[error("the polygon has {count} vertices; at most {max} are allowed")]
    TooManyVertices { count: usize, max: usize },
    #[error("the polygon is not a valid simple polygon: {0}")]
    NotSimple(String),
    #[error("the polygon's extent is {width:.0} m × {height:.0} m; at most {max:.0} m × {max:.0} m is allowed")]
    ExtentTooLarge { width: f64, height: f64, max: f64 },
    #[error("the polygon's area is {area:.0} m²; at most {max:.0} m² is allowed")]
    AreaTooLarge { area: f64, max: f64 },
    #[error("the polygon lies (partly) outside the service area")]
    OutsideServiceArea,
    #[error("the buffer must be between 0 and {max} m, got {got}")]
    BadBuffer { got: f64, max: f64 },
    #[error("the period is not sane: {0}")]
    BadPeriod(String),
}

impl DigRuleViolation {
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooFewVertices => "too_few_vertices",
            Self::TooManyVertices { .. } => "too_many_vertices",
            Self::NotSimple(_) => "polygon_not_simple",
            Self::ExtentTooLarge { .. } => "extent_too_large",
            Self::AreaTooLarge { .. } => "area_too_large",
            Self::OutsideServiceArea => "outside_service_area",
            Self::BadBuffer { .. } => "invalid_buffer",
            Self::BadPeriod(_) => "invalid_period",
        }
    }
}

/// Checks a dig polygon (EPSG:25832), buffer and period against `limits`.
pub fn check_dig_request(
    polygon: &Polygon<f64>,
    buffer_m: f64,
    period: (DateTime<Utc>, DateTime<Utc>),
    now: DateTime<Utc>,
    limits: &DigLimits,
) -> Result<(), DigRuleViolation> {
    let ring = &polygon.exterior().0;
    let vertices = ring.len().saturating_sub(1);
    if vertices < 3 {
        return Err(DigRuleViolation::TooFewVertices);
    }
    let count = vertices
        + polygon
            .interiors()
            .iter()
            .map(|r| r.0.len().saturating_sub(1))
            .sum::<usize>();
    if count > limits.max_vertices {
        return Err(DigRuleViolation::TooManyVertices {
            count,
            max: limits.max_vertices,
        });
    }
    let s = limits.service_area;
    let coords = || {
        std::iter::once(polygon.exterior())
            .chain(polygon.interiors())
            .flat_map(|r| r.0.iter())
    };
    if coords().any(|c| !c.x.is_finite() || !c.y.is_finite()) {
        return Err(DigRuleViolation::NotSimple(
            "a coordinate is not a finite number".into(),
        ));
    }
    // Every ring (holes too) inside the service area before the validity
    // check: geo's `relate` panics on far-out coordinates (fuzzing found a
    // hole at 7e301 m), and a hole outside its shell is no dig area anyway.
    if coords().any(|c| c.x < s.min().x || c.y < s.min().y || c.x > s.max().x || c.y > s.max().y) {
        return Err(DigRuleViolation::OutsideServiceArea);
    }
    // geo documents that `relate` may panic on some invalid geometries; a
    // request body must get an answer, not a dropped connection.
    let validity =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| polygon.check_validation()));
    match validity {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(DigRuleViolation::NotSimple(e.to_string())),
        Err(_) => {
            return Err(DigRuleViolation::NotSimple(
                "its rings cross or touch in a way that cannot be resolved".into(),
            ))
        }
    }
    let r = polygon
        .bounding_rect()
        .ok_or(DigRuleViolation::TooFewVertices)?;
    let (width, height) = (r.width(), r.height());
    if width > limits.max_extent_m || height > limits.max_extent_m {
        return Err(DigRuleViolation::ExtentTooLarge {
            width,
            height,
            max: limits.max_extent_m,
        });
    }
    let area = polygon.unsigned_area();
    if area > limits.max_area_m2 {
        return Err(DigRuleViolation::AreaTooLarge {
            area,
            max: limits.max_area_m2,
        });
    }
    if !buffer_m.is_finite() || buffer_m < 0.0 || buffer_m > limits.max_buffer_m {
        return Err(DigRuleViolation::BadBuffer {
            got: buffer_m,
            max: limits.max_buffer_m,
        });
    }
    let (from, to) = period;
    if to <= from {
        return Err(DigRuleViolation::BadPeriod(format!(
            "it ends ({to}) before it starts ({from})"
        )));
    }
    if to - from > limits.max_period {
        return Err(DigRuleViolation::BadPeriod(format!(
            "it lasts {} days; at most {} are allowed",
            (to - from).num_days(),
            limits.max_period.num_days()
        )));
    }
    if from < now - limits.max_start_in_past {
        return Err(DigRuleViolation::BadPeriod(format!(
            "it starts more than {} days ago",
            limits.max_start_in_past.num_days()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use geo_types::{coord, polygon, LineString};

    use super::*;

    fn limits() -> DigLimits {
        DigLimits::klic(Rect::new(
            coord! {x: 400_000.0, y: 6_000_000.0},
            coord! {x: 920_000.0, y: 6_450_000.0},
        ))
    }

    fn square(x: f64, y: f64, side: f64) -> Polygon<f64> {
        polygon![(x: x, y: y), (x: x + side, y: y), (x: x + side, y: y + side), (x: x, y: y + side)]
    }

    fn check(p: &Polygon<f64>, buffer: f64) -> Result<(), DigRuleViolation> {
        let now = Utc::now();
        check_dig_request(p, buffer, (now, now + Duration::days(14)), now, &limits())
    }

    fn code(r: Result<(), DigRuleViolation>) -> &'static str {
        r.unwrap_err().code()
    }

    #[test]
    fn a_normal_request_passes() {
        assert_eq!(check(&square(720_000.0, 6_190_000.0, 100.0), 5.0), Ok(()));
        // Exactly at the limits: 500 m × 500 m = 250,000 m².
        assert_eq!(check(&square(720_000.0, 6_190_000.0, 500.0), 0.0), Ok(()));
    }

    #[test]
    fn each_rule_fires() {
        assert_eq!(
            code(check(&square(720_000.0, 6_190_000.0, 501.0), 0.0)),
            "extent_too_large"
        );
        let long = polygon![(x: 720_000.0, y: 6_190_000.0), (x: 720_400.0, y: 6_190_000.0), (x: 720_400.0, y: 6_190_100.0), (x: 720_000.0, y: 6_190_100.0)];
        assert_eq!(check(&long, 0.0), Ok(()), "400 m × 100 m fits");
        let bowtie = polygon![(x: 720_000.0, y: 6_190_000.0), (x: 720_100.0, y: 6_190_100.0), (x: 720_100.0, y: 6_190_000.0), (x: 720_000.0, y: 6_190_100.0)];
        assert_eq!(code(check(&bowtie, 0.0)), "polygon_not_simple");
        let ring: Vec<_> = (0..=201)
            .map(|i| {
                let a = i as f64 / 201.0 * std::f64::consts::TAU;
                coord! {x: 720_000.0 + 100.0 * a.cos(), y: 6_190_000.0 + 100.0 * a.sin()}
            })
            .collect();
        assert_eq!(
            code(check(&Polygon::new(LineString(ring), vec![]), 0.0)),
            "too_many_vertices"
        );
        let line = Polygon::new(
            LineString::from(vec![
                (720_000.0, 6_190_000.0),
                (720_010.0, 6_190_000.0),
                (720_000.0, 6_190_000.0),
            ]),
            vec![],
        );
        assert_eq!(code(check(&line, 0.0)), "too_few_vertices");
        assert_eq!(
            code(check(&square(100_000.0, 100_000.0, 10.0), 0.0)),
            "outside_service_area"
        );
        assert_eq!(
            code(check(&square(720_000.0, 6_190_000.0, 10.0), -1.0)),
            "invalid_buffer"
        );
        assert_eq!(
            code(check(&square(720_000.0, 6_190_000.0, 10.0), 51.0)),
            "invalid_buffer"
        );
        let now = Utc::now();
        let p = square(720_000.0, 6_190_000.0, 10.0);
        let l = limits();
        assert_eq!(
            code(check_dig_request(
                &p,
                0.0,
                (now, now - Duration::days(1)),
                now,
                &l
            )),
            "invalid_period"
        );
        assert_eq!(
            code(check_dig_request(
                &p,
                0.0,
                (now, now + Duration::days(400)),
                now,
                &l
            )),
            "invalid_period"
        );
        let old = now - Duration::days(40);
        assert_eq!(
            code(check_dig_request(&p, 0.0, (old, now), now, &l)),
            "invalid_period"
        );
    }

    #[test]
    fn area_limit_applies_to_irregular_shapes() {
        // Within a 500 m × 500 m extent the area cannot pass 250,000 m², so the
        // area rule only bites when a deployment sets a tighter area limit.
        let mut l = limits();
        l.max_area_m2 = 5_000.0;
        let now = Utc::now();
        let r = check_dig_request(
            &square(720_000.0, 6_190_000.0, 100.0),
            0.0,
            (now, now + Duration::days(1)),
            now,
            &l,
        );
        assert_eq!(code(r), "area_too_large");
    }

    /// Found by `fuzz/run.sh dig_polygon` (2026-12-07): rings with
    /// coordinates near 1e301 m made geo's `relate` (inside
    /// `check_validation`) panic with "topology position conflict". Such a
    /// polygon is outside the service area, and that is checked first.
    #[test]
    fn far_out_rings_are_outside_the_service_area_not_a_panic() {
        let ring = |c: &[(f64, f64)]| {
            let mut v: Vec<_> = c.iter().map(|&(x, y)| coord! {x: x, y: y}).collect();
            v.push(v[0]);
            LineString::new(v)
        };
        let fuzzed = Polygon::new(
            ring(&[
                (724000.0, 6175040.0),
                (724060.0, 6175040.0),
                (7.11e131, 6.17e40),
                (62000.0, 6175100.0),
            ]),
            vec![
                ring(&[
                    (724004.0, 6175040.0),
                    (722030.0, 6170460.0),
                    (7.21e301, 6.170259e31),
                    (362000.0, 6175100.0),
                ]),
                ring(&[
                    (724004.0, 6.175061275e77),
                    (7240005.0, 6175100.0),
                    (724000.0, 6175100.0),
                ]),
                ring(&[
                    (72722030.0, 6170460.0),
                    (7.2404e26, 6.170259e40),
                    (722030.0, 6.0),
                ]),
            ],
        );
        let now = Utc::now();
        let period = (now, now + chrono::TimeDelta::days(1));
        assert_eq!(
            check_dig_request(&fuzzed, 0.0, period, now, &limits()),
            Err(DigRuleViolation::OutsideServiceArea)
        );
        // A hole far outside an otherwise good shell: outside too.
        let shell = ring(&[
            (724000.0, 6175040.0),
            (724060.0, 6175040.0),
            (724060.0, 6175100.0),
            (724000.0, 6175100.0),
        ]);
        let holed = Polygon::new(
            shell.clone(),
            vec![ring(&[(7.21e301, 1.0), (7.22e301, 1.0), (7.22e301, 2.0)])],
        );
        assert_eq!(
            check_dig_request(&holed, 0.0, period, now, &limits()),
            Err(DigRuleViolation::OutsideServiceArea)
        );
        assert_eq!(
            check_dig_request(&Polygon::new(shell, vec![]), 0.0, period, now, &limits()),
            Ok(())
        );
    }
}
