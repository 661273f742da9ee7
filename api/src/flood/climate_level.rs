//! `GET /api/v1/flood/climate-level`: a climate scenario as a water level.
//! The figures come from the server's climate table (the built-in defaults
//! of `forsyning_terrain::climate`, or `serve --climate FILE`); every 400
//! names the parameter at fault and what the table has instead.

use std::collections::HashMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::Json;
use forsyning_terrain::climate::{Climate, ScenarioQuery};
use serde::{Deserialize, Serialize};

use crate::{ApiError, AppState};

/// What to compute a level for, as the query string or a job body names it.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct LevelQuery {
    pub year: Option<f64>,
    pub scenario: Option<String>,
    pub return_period: Option<f64>,
    pub station: Option<String>,
    pub quantile: Option<f64>,
    pub rise_station: Option<String>,
}

/// The parameters of a level, in the query string and in a sea job's body.
pub(crate) const PARAMETERS: [&str; 6] = [
    "year",
    "scenario",
    "return_period",
    "station",
    "quantile",
    "rise_station",
];

/// A scenario level: surge + rise, with what it was computed from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ClimateLevel {
    /// The water level, metres: `surge_m + rise_m`, taken as DVR90.
    pub level_m: f64,
    /// `DVR90`: the level's datum (the surge figures' own datum is `surge_datum`).
    pub vertical_datum: String,
    /// Sea-level rise, metres, since the middle of the figures' reference period.
    pub rise_m: f64,
    /// Storm-surge return level, metres (0 for mean sea level).
    pub surge_m: f64,
    /// The surge figure's vertical reference as its source states it.
    pub surge_datum: String,
    pub year: f64,
    /// The scenario as the table names it (e.g. `SSP5-8.5` for `ssp585`).
    pub scenario: String,
    /// The quantile of the rise used (0.5 = median).
    pub quantile: f64,
    /// Storm-surge return period, years; absent: mean sea level.
    pub return_period: Option<f64>,
    /// The station of the surge.
    pub station: String,
    /// The station (or region) of the rise.
    pub rise_station: String,
    /// The figures' sources.
    pub sources: Vec<String>,
    /// The climate table: `built-in defaults` or the configured file.
    pub table: String,
}

fn missing(field: &str, example: &str) -> ApiError {
    ApiError::field(
        "missing_parameter",
        field,
        format!("required, e.g. {field}={example}"),
    )
}

fn norm(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Letters and digits only, lower case: `ssp585` names `SSP5-8.5`.
fn alnum(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn distinct<'a>(names: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut v: Vec<&str> = names.collect();
    v.sort_unstable();
    v.dedup();
    v
}

fn listed(v: &[&str]) -> String {
    v.join(", ")
}

/// The level `q` asks for, from `climate` (named `table`); a 400 naming
/// the parameter that the table cannot answer.
pub(crate) fn resolve(
    climate: &Climate,
    table: &str,
    q: &LevelQuery,
) -> Result<ClimateLevel, ApiError> {
    let year = q.year.ok_or_else(|| missing("year", "2100"))?;
    let asked = q
        .scenario
        .as_deref()
        .ok_or_else(|| missing("scenario", "ssp585"))?;
    let station_in = q
        .station
        .as_deref()
        .ok_or_else(|| missing("station", "Kobenhavn"))?;
    let scenarios = distinct(climate.rise.iter().map(|r| r.scenario.as_str()));
    let scenario = scenarios
        .iter()
        .copied()
        .find(|s| alnum(s) == alnum(asked))
        .ok_or_else(|| {
            ApiError::field(
                "unknown_scenario",
                "scenario",
                format!(
                    "{asked:?} is not in the climate table; it has {}",
                    listed(&scenarios)
                ),
            )
        })?;
    let stations = distinct(
        climate
            .rise
            .iter()
            .map(|r| r.station.as_str())
            .chain(climate.surge.iter().map(|s| s.station.as_str())),
    );
    let station = stations
        .iter()
        .copied()
        .find(|s| norm(s) == norm(station_in))
        .ok_or_else(|| {
            ApiError::field(
                "unknown_station",
                "station",
                format!(
                    "{station_in:?} is not in the climate table; it has {}",
                    listed(&stations)
                ),
            )
        })?;
    let (rise_field, rise_in) = match q.rise_station.as_deref() {
        Some(r) => ("rise_station", r),
        None => ("station", station),
    };
    let rise_stations = distinct(climate.rise.iter().map(|r| r.station.as_str()));
    let rise_station = rise_stations
        .iter()
        .copied()
        .find(|s| norm(s) == norm(rise_in))
        .ok_or_else(|| {
            let hint = if rise_field == "station" {
                "; give rise_station"
            } else {
                ""
            };
            ApiError::field(
                "unknown_station",
                rise_field,
                format!(
                    "the climate table has no sea-level rise at {rise_in:?}{hint} (one of {})",
                    listed(&rise_stations)
                ),
            )
        })?;
    let rows: Vec<_> = climate
        .rise
        .iter()
        .filter(|r| r.station == rise_station && r.scenario == scenario)
        .collect();
    if rows.is_empty() {
        let there = distinct(
            climate
                .rise
                .iter()
                .filter(|r| r.station == rise_station)
                .map(|r| r.scenario.as_str()),
        );
        return Err(ApiError::field(
            "unknown_scenario",
            "scenario",
            format!(
                "{scenario} has no figures at {rise_station}; it has {}",
                listed(&there)
            ),
        ));
    }
    let mut quantiles: Vec<f64> = rows.iter().map(|r| r.quantile).collect();
    quantiles.sort_by(f64::total_cmp);
    quantiles.dedup();
    let quantile = match q.quantile {
        Some(v) if quantiles.contains(&v) => v,
        Some(v) => {
            return Err(ApiError::field(
                "invalid_quantile",
                "quantile",
                format!("{scenario} at {rise_station} lists the quantiles {quantiles:?}, not {v}"),
            ))
        }
        None if quantiles.contains(&0.5) => 0.5,
        None if quantiles.len() == 1 => quantiles[0],
        None => {
            return Err(ApiError::field(
                "missing_parameter",
                "quantile",
                format!(
                    "{scenario} at {rise_station} has no median; choose one of the quantiles {quantiles:?}"
                ),
            ))
        }
    };
    climate
        .rise(rise_station, scenario, Some(quantile), year)
        .map_err(|e| ApiError::field("year_out_of_range", "year", e))?;
    if let Some(t) = q.return_period {
        let surge_stations = distinct(climate.surge.iter().map(|s| s.station.as_str()));
        if !surge_stations.contains(&station) {
            return Err(ApiError::field(
                "unknown_station",
                "station",
                format!(
                    "the climate table has no storm-surge return levels at {station} (it has them at {}); leave out return_period for mean sea level",
                    listed(&surge_stations)
                ),
            ));
        }
        climate
            .surge(station, t)
            .map_err(|e| ApiError::field("return_period_out_of_range", "return_period", e))?;
    }
    let l = climate
        .level(&ScenarioQuery {
            year,
            scenario,
            quantile: Some(quantile),
            return_period_years: q.return_period,
            station,
            rise_station: Some(rise_station),
        })
        .map_err(|e| ApiError::BadRequest {
            code: "no_scenario",
            message: e.to_string(),
        })?;
    Ok(ClimateLevel {
        level_m: l.level_m,
        vertical_datum: "DVR90".into(),
        rise_m: l.rise_m,
        surge_m: l.surge_m,
        surge_datum: l.datum,
        year,
        scenario: scenario.to_owned(),
        quantile,
        return_period: q.return_period,
        station: station.to_owned(),
        rise_station: rise_station.to_owned(),
        sources: l.sources,
        table: table.to_owned(),
    })
}

/// A finite number, or a 400 naming `field`.
pub(crate) fn number(field: &str, v: &str) -> Result<f64, ApiError> {
    v.trim()
        .parse::<f64>()
        .ok()
        .filter(|x| x.is_finite())
        .ok_or_else(|| {
            ApiError::field("invalid_parameter", field, format!("{v:?} is not a number"))
        })
}

fn check_ranges(q: &LevelQuery) -> Result<(), ApiError> {
    if let Some(t) = q.return_period {
        if t <= 0.0 {
            return Err(ApiError::field(
                "invalid_parameter",
                "return_period",
                "must be more than 0 years",
            ));
        }
    }
    if let Some(v) = q.quantile {
        if !(0.0..=1.0).contains(&v) {
            return Err(ApiError::field(
                "invalid_parameter",
                "quantile",
                "must be from 0 to 1",
            ));
        }
    }
    Ok(())
}

/// The query string's parameters as a [`LevelQuery`]; unknown ones are refused.
fn from_query(params: &HashMap<String, String>) -> Result<LevelQuery, ApiError> {
    let mut unknown: Vec<&str> = params
        .keys()
        .map(String::as_str)
        .filter(|k| !PARAMETERS.contains(k))
        .collect();
    unknown.sort_unstable();
    if let Some(k) = unknown.first() {
        return Err(ApiError::field(
            "unknown_parameter",
            k,
            format!("not a parameter; give {}", PARAMETERS.join(", ")),
        ));
    }
    let num = |k: &str| params.get(k).map(|v| number(k, v)).transpose();
    let text = |k: &str| params.get(k).map(|v| v.trim().to_owned());
    let q = LevelQuery {
        year: num("year")?,
        scenario: text("scenario"),
        return_period: num("return_period")?,
        station: text("station"),
        quantile: num("quantile")?,
        rise_station: text("rise_station"),
    };
    check_ranges(&q)?;
    Ok(q)
}

/// Checks a job body's level parameters as the query string's are checked.
pub(crate) fn checked(q: LevelQuery) -> Result<LevelQuery, ApiError> {
    check_ranges(&q)?;
    Ok(q)
}

#[utoipa::path(get, path = "/api/v1/flood/climate-level", tag = "Flood",
    params(
        ("year" = f64, Query, description = "Year of the sea-level rise, e.g. 2100 (no extrapolation beyond the table)"),
        ("scenario" = String, Query, description = "Emission scenario as the table names it, punctuation and case ignored: `ssp585` is SSP5-8.5, `rcp45` RCP4.5"),
        ("station" = String, Query, description = "Station of the storm surge and, unless `rise_station`, of the rise"),
        ("return_period" = Option<f64>, Query, description = "Storm-surge return period, years; absent: mean sea level (surge 0)"),
        ("quantile" = Option<f64>, Query, description = "Quantile of the rise (default: the median, or the only one listed)"),
        ("rise_station" = Option<String>, Query, description = "Take the rise from this station or region (e.g. `Denmark`)"),
    ),
    responses(
        (status = 200, description = "The level (m, DVR90) = surge + rise, with its parts and sources", body = ClimateLevel),
        (status = 400, description = "A parameter is missing, malformed or not in the climate table (the message names it)", body = crate::openapi::ErrorBody),
    ))]
pub(crate) async fn level(
    State(state): State<AppState>,
    query: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Result<Json<ClimateLevel>, ApiError> {
    let Query(params) = query.map_err(|e| ApiError::BadRequest {
        code: "invalid_query",
        message: e.body_text(),
    })?;
    let q = from_query(&params)?;
    let f = &state.flood;
    Ok(Json(resolve(&f.climate, &f.climate_source, &q)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(year: f64, scenario: &str, station: &str) -> LevelQuery {
        LevelQuery {
            year: Some(year),
            scenario: Some(scenario.into()),
            station: Some(station.into()),
            ..LevelQuery::default()
        }
    }

    fn field_of(e: ApiError) -> String {
        match e {
            ApiError::BadRequest { message, .. } => message.split(':').next().unwrap().into(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn aliases_and_the_parameter_at_fault() {
        let c = Climate::defaults();
        let mut ok = q(2100.0, "ssp585", "kobenhavn");
        ok.quantile = Some(0.83);
        let l = resolve(&c, "t", &ok).unwrap();
        assert_eq!(
            (l.scenario.as_str(), l.station.as_str()),
            ("SSP5-8.5", "Kobenhavn")
        );
        assert_eq!(l.level_m, l.rise_m);
        // SSP5-8.5 has no median at the gauges.
        let e = resolve(&c, "t", &q(2100.0, "ssp585", "Kobenhavn")).unwrap_err();
        assert_eq!(field_of(e), "quantile");
        let e = resolve(&c, "t", &q(2100.0, "ssp999", "Kobenhavn")).unwrap_err();
        assert_eq!(field_of(e), "scenario");
        let e = resolve(&c, "t", &q(2100.0, "ssp245", "Atlantis")).unwrap_err();
        assert_eq!(field_of(e), "station");
        let e = resolve(&c, "t", &q(2300.0, "ssp245", "Kobenhavn")).unwrap_err();
        assert_eq!(field_of(e), "year");
        let mut surge = q(2100.0, "ssp245", "Kobenhavn");
        surge.return_period = Some(100.0);
        assert_eq!(field_of(resolve(&c, "t", &surge).unwrap_err()), "station");
        let mut hesnaes = q(2100.0, "ssp245", "Hesnæs");
        hesnaes.return_period = Some(100.0);
        assert_eq!(field_of(resolve(&c, "t", &hesnaes).unwrap_err()), "station");
        hesnaes.rise_station = Some("Gedser".into());
        let l = resolve(&c, "t", &hesnaes).unwrap();
        assert!((l.level_m - l.rise_m - 1.62).abs() < 1e-12, "{l:?}");
        hesnaes.return_period = Some(1000.0);
        assert_eq!(
            field_of(resolve(&c, "t", &hesnaes).unwrap_err()),
            "return_period"
        );
    }
}
