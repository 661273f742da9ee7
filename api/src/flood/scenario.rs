//! The body of `POST /api/v1/flood/jobs`: which scenario to run. Read by
//! hand so that every 400 names the member at fault.

use forsyning_terrain::climate::Climate;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::climate_level::{self, ClimateLevel, LevelQuery};
use crate::ApiError;

/// Most rain a job takes, mm (the Danish 100-year cloudburst is ~100 mm).
pub(crate) const MAX_RAIN_MM: f64 = 1000.0;
/// Levels a sea job takes, metres.
pub(crate) const LEVEL_RANGE_M: std::ops::RangeInclusive<f64> = -100.0..=100.0;

/// A flood scenario, checked and resolved (a climate scenario is a level).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum Scenario {
    /// Even rain of `mm` over the DEM: bluespots fill and spill.
    Rain { mm: f64 },
    /// Sea water up to `level_m` (DVR90) from the DEM's border, through
    /// edge neighbours (and corners when `diagonal`).
    Sea {
        level_m: f64,
        diagonal: bool,
        /// The climate scenario the level comes from, when one was named.
        climate: Option<Box<ClimateLevel>>,
    },
}

impl Scenario {
    /// A short label (the job's `dataset` field).
    pub(crate) fn label(&self) -> String {
        match self {
            Scenario::Rain { mm } => format!("rain {mm} mm"),
            Scenario::Sea {
                level_m,
                climate: None,
                ..
            } => format!("sea {level_m} m"),
            Scenario::Sea {
                level_m,
                climate: Some(c),
                ..
            } => {
                let surge = c
                    .return_period
                    .map(|t| format!(", {t}-year surge"))
                    .unwrap_or_default();
                format!(
                    "sea {level_m:.3} m ({} {} at {}{surge})",
                    c.year, c.scenario, c.station
                )
            }
        }
    }
}

/// The body of `POST /api/v1/flood/jobs`. Unknown members are refused.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FloodJobBody {
    /// `rain` (cloudburst) or `sea` (sea level).
    pub kind: String,
    /// rain: the rain, mm, evenly over the DEM (0 < mm ≤ 1000).
    pub mm: Option<f64>,
    /// sea: the water level, metres DVR90; or give `year`, `scenario` and
    /// `station` (and `return_period`, `quantile`, `rise_station`) as
    /// `/api/v1/flood/climate-level` takes them.
    pub level: Option<f64>,
    pub year: Option<f64>,
    pub scenario: Option<String>,
    pub return_period: Option<f64>,
    pub station: Option<String>,
    pub quantile: Option<f64>,
    pub rise_station: Option<String>,
    /// sea: water also passes between cells touching at a corner (default
    /// false: a dike with a diagonal gap holds).
    pub diagonal: Option<bool>,
}

fn bad(field: &str, problem: impl std::fmt::Display) -> ApiError {
    ApiError::field("invalid_scenario", field, problem)
}

fn refuse_unknown(m: &Map<String, Value>, allowed: &[&str], kind: &str) -> Result<(), ApiError> {
    let mut keys: Vec<&str> = m.keys().map(String::as_str).collect();
    keys.sort_unstable();
    match keys.into_iter().find(|k| !allowed.contains(k)) {
        Some(k) => Err(bad(
            k,
            format!("not a member of a {kind} job; give {}", allowed.join(", ")),
        )),
        None => Ok(()),
    }
}

fn number(m: &Map<String, Value>, k: &str) -> Result<Option<f64>, ApiError> {
    match m.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_f64()
            .filter(|x| x.is_finite())
            .map(Some)
            .ok_or_else(|| bad(k, "must be a number")),
    }
}

fn text(m: &Map<String, Value>, k: &str) -> Result<Option<String>, ApiError> {
    match m.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.trim().to_owned())),
        Some(_) => Err(bad(k, "must be a string")),
    }
}

/// The scenario of a job body; climate scenarios resolved with `climate`
/// (named `table` in the answer).
pub(crate) fn parse(body: &[u8], climate: &Climate, table: &str) -> Result<Scenario, ApiError> {
    let v: Value = serde_json::from_slice(body).map_err(|e| ApiError::BadRequest {
        code: "invalid_body",
        message: format!(
            "the body must be a JSON object such as {{\"kind\":\"rain\",\"mm\":20}}: {e}"
        ),
    })?;
    let Value::Object(m) = v else {
        return Err(ApiError::BadRequest {
            code: "invalid_body",
            message: "the body must be a JSON object such as {\"kind\":\"rain\",\"mm\":20}".into(),
        });
    };
    let kind = text(&m, "kind")?.ok_or_else(|| bad("kind", "required: rain or sea"))?;
    match kind.as_str() {
        "rain" => {
            refuse_unknown(&m, &["kind", "mm"], "rain")?;
            let mm = number(&m, "mm")?.ok_or_else(|| bad("mm", "required: the rain in mm"))?;
            if mm <= 0.0 || mm > MAX_RAIN_MM {
                return Err(bad(
                    "mm",
                    format!("must be more than 0 and at most {MAX_RAIN_MM} mm"),
                ));
            }
            Ok(Scenario::Rain { mm })
        }
        "sea" => {
            let mut allowed = vec!["kind", "level", "diagonal"];
            allowed.extend(climate_level::PARAMETERS);
            refuse_unknown(&m, &allowed, "sea")?;
            let diagonal = match m.get("diagonal") {
                None | Some(Value::Null) => false,
                Some(Value::Bool(b)) => *b,
                Some(_) => return Err(bad("diagonal", "must be true or false")),
            };
            let q = LevelQuery {
                year: number(&m, "year")?,
                scenario: text(&m, "scenario")?,
                return_period: number(&m, "return_period")?,
                station: text(&m, "station")?,
                quantile: number(&m, "quantile")?,
                rise_station: text(&m, "rise_station")?,
            };
            let named = q != LevelQuery::default();
            match (number(&m, "level")?, named) {
                (Some(_), true) => Err(bad(
                    "level",
                    "give a level or a climate scenario (year, scenario, station ...), not both",
                )),
                (None, false) => Err(bad(
                    "level",
                    "give a level (m, DVR90) or a climate scenario: year, scenario and station",
                )),
                (Some(level_m), false) => {
                    if !LEVEL_RANGE_M.contains(&level_m) {
                        return Err(bad(
                            "level",
                            format!(
                                "must be from {} to {} m",
                                LEVEL_RANGE_M.start(),
                                LEVEL_RANGE_M.end()
                            ),
                        ));
                    }
                    Ok(Scenario::Sea {
                        level_m,
                        diagonal,
                        climate: None,
                    })
                }
                (None, true) => {
                    let l = climate_level::resolve(climate, table, &climate_level::checked(q)?)?;
                    Ok(Scenario::Sea {
                        level_m: l.level_m,
                        diagonal,
                        climate: Some(Box::new(l)),
                    })
                }
            }
        }
        other => Err(bad("kind", format!("{other:?} is not rain or sea"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(body: &str) -> String {
        match parse(body.as_bytes(), &Climate::defaults(), "t").unwrap_err() {
            ApiError::BadRequest { message, .. } => message,
            e => panic!("{e:?}"),
        }
    }

    #[test]
    fn bodies() {
        let c = Climate::defaults();
        assert_eq!(
            parse(br#"{"kind":"rain","mm":20}"#, &c, "t").unwrap(),
            Scenario::Rain { mm: 20.0 }
        );
        let s = parse(
            br#"{"kind":"sea","year":2100,"scenario":"ssp245","station":"Gedser"}"#,
            &c,
            "t",
        )
        .unwrap();
        let Scenario::Sea {
            level_m,
            climate: Some(l),
            ..
        } = s
        else {
            panic!("{s:?}")
        };
        assert_eq!(level_m, l.level_m);
        assert!(err(r#"{"kind":"rain"}"#).starts_with("mm:"));
        assert!(err(r#"{"kind":"rain","mm":-1}"#).starts_with("mm:"));
        assert!(err(r#"{"kind":"rain","mm":20,"level":1}"#).starts_with("level:"));
        assert!(err(r#"{"kind":"snow"}"#).starts_with("kind:"));
        assert!(err(r#"{"kind":"sea"}"#).starts_with("level:"));
        assert!(err(r#"{"kind":"sea","level":1,"year":2100}"#).starts_with("level:"));
        assert!(
            err(r#"{"kind":"sea","year":2100,"scenario":"x","station":"Gedser"}"#)
                .starts_with("scenario:")
        );
        assert!(err("[1]").contains("JSON object"));
    }
}
