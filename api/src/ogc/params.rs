//! Query parameters of the OGC API Features routes, parsed strictly: a
//! parameter the API definition does not declare, a repeated one, or a
//! malformed value is a 400 naming it (Part 1, `/req/core/query-param-unknown`
//! and `/req/core/query-param-invalid`).

use std::collections::HashMap;

use axum::extract::Query;
use axum::http::Uri;
use chrono::{DateTime, NaiveDate, Utc};

use super::crs::OgcCrs;
use crate::ApiError;
use forsyning_geo::Crs;

/// Items per page unless `limit` says otherwise.
pub const DEFAULT_LIMIT: usize = 100;
/// Most items per page; a larger `limit` is served as this many.
pub const MAX_LIMIT: usize = 10_000;
/// Largest `offset` accepted.
const MAX_OFFSET: usize = 100_000_000;

/// Parameters every OGC route accepts: `f=json` (the only encoding).
pub const COMMON: [&str; 1] = ["f"];
/// Parameters of `/items/{featureId}`.
pub const ITEM: [&str; 2] = ["f", "crs"];
/// Parameters of `/items`.
pub const ITEMS: [&str; 7] = [
    "f", "bbox", "bbox-crs", "crs", "datetime", "limit", "offset",
];

fn invalid(name: &str, problem: impl std::fmt::Display) -> ApiError {
    ApiError::field("invalid_parameter", name, problem)
}

/// The query of `uri` as a map, refusing parameters outside `allowed` and
/// repeated ones.
pub fn parse_query(uri: &Uri, allowed: &[&str]) -> Result<HashMap<String, String>, ApiError> {
    let Query(pairs) =
        Query::<Vec<(String, String)>>::try_from_uri(uri).map_err(|e| ApiError::BadRequest {
            code: "invalid_query",
            message: e.body_text(),
        })?;
    let mut out = HashMap::new();
    for (k, v) in pairs {
        if !allowed.contains(&k.as_str()) {
            return Err(ApiError::field(
                "unknown_parameter",
                &k,
                format!(
                    "is not a parameter of this resource; its parameters are {}",
                    allowed.join(", ")
                ),
            ));
        }
        if out.insert(k.clone(), v).is_some() {
            return Err(invalid(&k, "is given more than once"));
        }
    }
    if let Some(f) = out.get("f") {
        if !matches!(f.as_str(), "json" | "geojson") {
            return Err(invalid("f", format!("{f:?}: the only encoding is json")));
        }
    }
    Ok(out)
}

/// A time interval; `None` ends are open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval {
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
}

impl Interval {
    /// Whether this interval and `[start, end]` (open ends `None`) share an instant.
    pub fn intersects(&self, start: Option<DateTime<Utc>>, end: Option<DateTime<Utc>>) -> bool {
        let before_end = match (self.start, end) {
            (Some(a), Some(e)) => a <= e,
            _ => true,
        };
        let after_start = match (self.end, start) {
            (Some(b), Some(s)) => b >= s,
            _ => true,
        };
        before_end && after_start
    }
}

/// One end of a `datetime` value: an RFC 3339 date-time, or a date (its
/// first instant for a start, its last for an end, UTC).
fn instant(s: &str, is_end: bool) -> Result<DateTime<Utc>, ApiError> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
        invalid(
            "datetime",
            format!("{s:?} is not an RFC 3339 date-time (2026-03-07T08:00:00Z) or date"),
        )
    })?;
    let t = if is_end {
        d.and_hms_milli_opt(23, 59, 59, 999)
    } else {
        d.and_hms_opt(0, 0, 0)
    };
    t.map(|t| t.and_utc())
        .ok_or_else(|| invalid("datetime", format!("{s:?} is not a date")))
}

/// `datetime`: an instant, or `start/end` with `..` or nothing for an open end.
pub fn parse_datetime(s: &str) -> Result<Interval, ApiError> {
    let open = |p: &str| p.is_empty() || p == "..";
    let interval = match s.split_once('/') {
        None if open(s) => return Err(invalid("datetime", "an instant cannot be open")),
        None => Interval {
            start: Some(instant(s, false)?),
            end: Some(instant(s, true)?),
        },
        Some((a, b)) => Interval {
            start: (!open(a)).then(|| instant(a, false)).transpose()?,
            end: (!open(b)).then(|| instant(b, true)).transpose()?,
        },
    };
    if let (Some(a), Some(b)) = (interval.start, interval.end) {
        if a > b {
            return Err(invalid("datetime", format!("{s:?} ends before it starts")));
        }
    }
    Ok(interval)
}

/// `bbox`: four numbers (or six, heights ignored) in `bbox-crs`, lower
/// left corner first. Returned as `[min_x, min_y, max_x, max_y]`.
pub fn parse_bbox(s: &str) -> Result<[f64; 4], ApiError> {
    let v: Vec<f64> = s
        .split(',')
        .map(|p| p.trim().parse::<f64>().ok().filter(|x| x.is_finite()))
        .collect::<Option<_>>()
        .ok_or_else(|| {
            invalid(
                "bbox",
                format!("{s:?} must be 4 or 6 comma-separated numbers"),
            )
        })?;
    let b = match v[..] {
        [a, b, c, d] => [a, b, c, d],
        [a, b, _, d, e, _] => [a, b, d, e],
        _ => {
            return Err(invalid(
                "bbox",
                format!("{s:?} has {} numbers; 4 or 6 are needed", v.len()),
            ))
        }
    };
    if b[0] > b[2] || b[1] > b[3] {
        return Err(invalid(
            "bbox",
            format!("{s:?}: the lower left corner must come first (boxes across the antimeridian are not supported)"),
        ));
    }
    Ok(b)
}

/// The parameters of an `/items` request.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemsParams {
    /// `[min_x, min_y, max_x, max_y]` in `bbox_crs`.
    pub bbox: Option<[f64; 4]>,
    pub bbox_crs: OgcCrs,
    /// The CRS of the answer's geometries.
    pub crs: OgcCrs,
    pub datetime: Option<Interval>,
    pub limit: usize,
    pub offset: usize,
}

fn number(q: &HashMap<String, String>, name: &str, min: usize) -> Result<Option<usize>, ApiError> {
    q.get(name)
        .map(|v| {
            v.parse::<usize>()
                .ok()
                .filter(|n| *n >= min && *n <= MAX_OFFSET)
                .ok_or_else(|| invalid(name, format!("{v:?} must be an integer from {min}")))
        })
        .transpose()
}

/// The `crs` parameter (CRS84 by default), of a store in `native`.
pub fn output_crs(q: &HashMap<String, String>, native: Crs) -> Result<OgcCrs, ApiError> {
    q.get("crs")
        .map(|c| OgcCrs::parse(c, native).map_err(|why| invalid("crs", why)))
        .transpose()
        .map(|c| c.unwrap_or(OgcCrs::Crs84))
}

impl ItemsParams {
    /// The parameters of `uri`, for a store in `native`.
    pub fn parse(uri: &Uri, native: Crs) -> Result<Self, ApiError> {
        let q = parse_query(uri, &ITEMS)?;
        let bbox_crs = q
            .get("bbox-crs")
            .map(|c| OgcCrs::parse(c, native).map_err(|why| invalid("bbox-crs", why)))
            .transpose()?;
        let bbox = q.get("bbox").map(|b| parse_bbox(b)).transpose()?;
        if bbox.is_none() && bbox_crs.is_some() {
            return Err(invalid("bbox-crs", "is given without bbox"));
        }
        Ok(Self {
            bbox,
            bbox_crs: bbox_crs.unwrap_or(OgcCrs::Crs84),
            crs: output_crs(&q, native)?,
            datetime: q.get("datetime").map(|d| parse_datetime(d)).transpose()?,
            limit: number(&q, "limit", 1)?
                .unwrap_or(DEFAULT_LIMIT)
                .min(MAX_LIMIT),
            offset: number(&q, "offset", 0)?.unwrap_or(0),
        })
    }

    /// The query string of the same request at another `offset`.
    pub fn query_at(&self, offset: usize) -> String {
        let mut parts = Vec::new();
        if let Some(b) = self.bbox {
            parts.push(format!("bbox={},{},{},{}", b[0], b[1], b[2], b[3]));
            parts.push(format!("bbox-crs={}", self.bbox_crs.uri()));
        }
        if self.crs != OgcCrs::Crs84 {
            parts.push(format!("crs={}", self.crs.uri()));
        }
        if let Some(i) = self.datetime {
            let end = |t: Option<DateTime<Utc>>| {
                t.map_or("..".to_owned(), |t| {
                    t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
                })
            };
            parts.push(format!("datetime={}/{}", end(i.start), end(i.end)));
        }
        parts.push(format!("limit={}", self.limit));
        parts.push(format!("offset={offset}"));
        parts.join("&")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(q: &str) -> Uri {
        format!("/ogc/collections/network/items?{q}")
            .parse()
            .unwrap()
    }

    #[test]
    fn unknown_repeated_and_malformed_parameters_are_refused() {
        for bad in [
            "ooga=booga",
            "limit=unlimited",
            "limit=0",
            "limit=1&limit=2",
            "bbox=1,2,3",
            "bbox=3,0,1,1",
            "bbox=1,2,3,x",
            "crs=EPSG:4326",
            "bbox-crs=http://www.opengis.net/def/crs/EPSG/0/25832",
            "datetime=2026-13-01",
            "datetime=2026-02-01/2026-01-01",
            "f=xml",
            "dateTime=2020-01-01",
        ] {
            let e = ItemsParams::parse(&uri(bad), Crs::STORE).unwrap_err();
            assert!(matches!(e, ApiError::BadRequest { .. }), "{bad}: {e:?}");
        }
    }

    #[test]
    fn parameters_read_as_given_and_next_pages_repeat_them() {
        let p = ItemsParams::parse(&uri(
            "bbox=719000,6189000,0,721000,6191000,10&bbox-crs=%5BEPSG:25832%5D&crs=http://www.opengis.net/def/crs/EPSG/0/25832&limit=20000&datetime=2026-01-01/..",
            ),
            Crs::STORE,
        )
        .unwrap();
        assert_eq!(p.bbox, Some([719000.0, 6189000.0, 721000.0, 6191000.0]));
        assert_eq!((p.bbox_crs, p.crs), (OgcCrs::UTM32, OgcCrs::UTM32));
        assert_eq!(p.limit, MAX_LIMIT);
        let i = p.datetime.unwrap();
        assert_eq!(i.end, None);
        let again = ItemsParams::parse(&uri(&p.query_at(30)), Crs::STORE).unwrap();
        assert_eq!(again, ItemsParams { offset: 30, ..p });
        let d = ItemsParams::parse(&uri(""), Crs::STORE).unwrap();
        assert_eq!(
            (d.limit, d.offset, d.crs),
            (DEFAULT_LIMIT, 0, OgcCrs::Crs84)
        );
    }

    #[test]
    fn intervals_intersect_like_closed_intervals_with_open_ends() {
        let t = |s: &str| Some(DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc));
        let day = parse_datetime("2026-03-07").unwrap();
        assert_eq!(day.start, t("2026-03-07T00:00:00Z"));
        assert!(day.intersects(t("2026-03-07T23:00:00Z"), None));
        assert!(!day.intersects(t("2026-03-08T00:00:00Z"), None));
        assert!(!day.intersects(None, t("2026-03-06T23:59:59Z")));
        assert!(day.intersects(t("2026-01-01T00:00:00Z"), t("2026-03-07T00:00:00Z")));
        let open = parse_datetime("../2026-03-07T08:00:00+01:00").unwrap();
        assert_eq!(open.end, t("2026-03-07T07:00:00Z"));
        assert!(open.intersects(None, None));
        assert!(parse_datetime("..").is_err());
    }
}
