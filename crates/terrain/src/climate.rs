//! Climate scenarios as data: sea-level rise per station, scenario and year,
//! and storm-surge return levels per station, from a TOML file that users
//! can replace. The defaults (`data/climate.toml`, compiled in) are the
//! published figures of `../shared/data/climate/` with their sources; the
//! file's header documents the format and the interpolation.

use serde::Deserialize;

use crate::TerrainError;

/// The default scenario file, compiled in.
pub const DEFAULT_TOML: &str = include_str!("../data/climate.toml");

/// One sea-level rise figure (metres, relative to the reference period).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rise {
    /// Tide gauge or region ("Denmark").
    pub station: String,
    /// Latitude, degrees (EPSG:4326), when a gauge.
    pub lat: Option<f64>,
    /// Longitude, degrees (EPSG:4326), when a gauge.
    pub lon: Option<f64>,
    /// Emission scenario ("SSP5-8.5", "RCP4.5", ...).
    pub scenario: String,
    /// Quantile of the projection (0.5 = median).
    pub quantile: f64,
    /// Reference period "YYYY-YYYY"; its midpoint is rise 0.
    pub reference: String,
    /// Year of the figure (a period's midpoint may be fractional).
    pub year: f64,
    /// Rise in metres.
    pub rise_m: f64,
    /// Where the figure comes from.
    pub source: String,
}

/// One storm-surge return level.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Surge {
    /// Station.
    pub station: String,
    /// Return period, years.
    pub return_period_years: f64,
    /// Level, metres, in `datum`.
    pub level_m: f64,
    /// The vertical reference as the source states it.
    pub datum: String,
    /// Where the figure comes from.
    pub source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    rise: Vec<Rise>,
    #[serde(default)]
    surge: Vec<Surge>,
}

/// A scenario table.
#[derive(Debug, Clone, PartialEq)]
pub struct Climate {
    /// Sea-level rise figures.
    pub rise: Vec<Rise>,
    /// Storm-surge return levels.
    pub surge: Vec<Surge>,
}

/// What to compute a level for.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioQuery<'a> {
    /// Year, e.g. 2100.
    pub year: f64,
    /// Scenario name, matched ignoring case and spaces.
    pub scenario: &'a str,
    /// Quantile; `None` = the median if listed, else the only one listed.
    pub quantile: Option<f64>,
    /// Storm-surge return period in years; `None` = mean sea level (0 m).
    pub return_period_years: Option<f64>,
    /// Station of the surge and, unless `rise_station` is set, of the rise.
    pub station: &'a str,
    /// Station (or "Denmark") whose rise to use, when not `station`.
    pub rise_station: Option<&'a str>,
}

/// A level with its parts.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioLevel {
    /// Total level, metres: surge + rise.
    pub level_m: f64,
    /// The rise part, metres.
    pub rise_m: f64,
    /// The surge part, metres (0 for mean sea level).
    pub surge_m: f64,
    /// The surge's vertical datum as its source states it (DVR90 assumed otherwise).
    pub datum: String,
    /// The sources used.
    pub sources: Vec<String>,
}

fn norm(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

fn reference_midpoint(r: &Rise) -> Option<f64> {
    let (a, b) = r.reference.split_once('-')?;
    let (a, b): (f64, f64) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
    Some((a + b) / 2.0)
}

impl Climate {
    /// The compiled-in defaults.
    pub fn defaults() -> Climate {
        Climate::parse(DEFAULT_TOML, "built-in defaults").expect("the default climate file parses")
    }

    /// Parses a scenario file; `source_name` names it in errors.
    pub fn parse(text: &str, source_name: &str) -> Result<Climate, TerrainError> {
        let err = |line: usize, reason: String| TerrainError::Climate {
            source_name: source_name.to_owned(),
            line,
            reason,
        };
        let file: File = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
                .unwrap_or(0);
            err(line, e.message().to_owned())
        })?;
        for (k, r) in file.rise.iter().enumerate() {
            let mid = reference_midpoint(r).ok_or_else(|| {
                err(
                    0,
                    format!(
                        "rise #{}: reference {:?} is not YYYY-YYYY",
                        k + 1,
                        r.reference
                    ),
                )
            })?;
            if r.year <= mid || !r.rise_m.is_finite() || !(0.0..=1.0).contains(&r.quantile) {
                return Err(err(0, format!("rise #{} ({} {}): year must follow the reference, rise be finite, quantile in 0..1", k + 1, r.station, r.scenario)));
            }
        }
        for (k, s) in file.surge.iter().enumerate() {
            if s.return_period_years.is_nan()
                || s.return_period_years <= 0.0
                || !s.level_m.is_finite()
            {
                return Err(err(
                    0,
                    format!(
                        "surge #{} ({}): return period must be > 0 and level finite",
                        k + 1,
                        s.station
                    ),
                ));
            }
        }
        Ok(Climate {
            rise: file.rise,
            surge: file.surge,
        })
    }

    /// Sea-level rise (m) at `station` in `year` under `scenario`.
    pub fn rise(
        &self,
        station: &str,
        scenario: &str,
        quantile: Option<f64>,
        year: f64,
    ) -> Result<(f64, Vec<String>), TerrainError> {
        let what = || format!("rise at {station} under {scenario} in {year}");
        let rows: Vec<&Rise> = self
            .rise
            .iter()
            .filter(|r| norm(&r.station) == norm(station) && norm(&r.scenario) == norm(scenario))
            .collect();
        if rows.is_empty() {
            return Err(TerrainError::NoScenario(format!(
                "{} (no such station and scenario in the file)",
                what()
            )));
        }
        let q = match quantile {
            Some(q) => q,
            None if rows.iter().any(|r| r.quantile == 0.5) => 0.5,
            None => {
                let mut qs: Vec<f64> = rows.iter().map(|r| r.quantile).collect();
                qs.sort_by(f64::total_cmp);
                qs.dedup();
                if qs.len() != 1 {
                    return Err(TerrainError::NoScenario(format!(
                        "{}: choose a quantile of {qs:?}",
                        what()
                    )));
                }
                qs[0]
            }
        };
        let mut pts: Vec<(f64, f64, &str)> = rows
            .iter()
            .filter(|r| r.quantile == q)
            .map(|r| (r.year, r.rise_m, r.source.as_str()))
            .collect();
        if pts.is_empty() {
            return Err(TerrainError::NoScenario(format!(
                "{} at quantile {q}",
                what()
            )));
        }
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mid = reference_midpoint(rows[0]).expect("checked at parse");
        let mut xs = vec![(mid, 0.0, "")];
        xs.extend(pts);
        if year < mid || year > xs[xs.len() - 1].0 {
            return Err(TerrainError::NoScenario(format!(
                "{}: the file covers {mid}..{} (no extrapolation)",
                what(),
                xs[xs.len() - 1].0
            )));
        }
        let j = xs.partition_point(|p| p.0 <= year).clamp(1, xs.len() - 1);
        let (a, b) = (xs[j - 1], xs[j]);
        let t = if b.0 == a.0 {
            1.0
        } else {
            (year - a.0) / (b.0 - a.0)
        };
        let sources = [a.2, b.2]
            .iter()
            .filter(|s| !s.is_empty())
            .map(|s| s.to_string())
            .collect();
        Ok((a.1 + t * (b.1 - a.1), sources))
    }

    /// Storm-surge return level at `station` for `years`, interpolated in ln(T).
    pub fn surge(
        &self,
        station: &str,
        years: f64,
    ) -> Result<(f64, String, Vec<String>), TerrainError> {
        let mut rows: Vec<&Surge> = self
            .surge
            .iter()
            .filter(|s| norm(&s.station) == norm(station))
            .collect();
        rows.sort_by(|a, b| a.return_period_years.total_cmp(&b.return_period_years));
        let what = || format!("{years}-year surge at {station}");
        let (lo, hi) = match (rows.first(), rows.last()) {
            (Some(a), Some(b)) => (a.return_period_years, b.return_period_years),
            _ => {
                return Err(TerrainError::NoScenario(format!(
                    "{} (station not in the file)",
                    what()
                )))
            }
        };
        if years < lo || years > hi {
            return Err(TerrainError::NoScenario(format!(
                "{}: the file lists {lo}..{hi} years",
                what()
            )));
        }
        let j = rows
            .partition_point(|s| s.return_period_years <= years)
            .clamp(1, rows.len())
            .min(rows.len() - 1)
            .max(1);
        let (a, b) = if rows.len() == 1 {
            (rows[0], rows[0])
        } else {
            (rows[j - 1], rows[j])
        };
        let (la, lb) = (a.return_period_years.ln(), b.return_period_years.ln());
        let t = if lb == la {
            0.0
        } else {
            (years.ln() - la) / (lb - la)
        };
        let level = a.level_m + t * (b.level_m - a.level_m);
        Ok((
            level,
            a.datum.clone(),
            vec![a.source.clone(), b.source.clone()],
        ))
    }

    /// "2100, SSP5-8.5, 100-year surge at station X" as a level.
    pub fn level(&self, q: &ScenarioQuery<'_>) -> Result<ScenarioLevel, TerrainError> {
        let (rise, mut sources) = self.rise(
            q.rise_station.unwrap_or(q.station),
            q.scenario,
            q.quantile,
            q.year,
        )?;
        let (surge, datum) = match q.return_period_years {
            Some(t) => {
                let (l, d, s) = self.surge(q.station, t)?;
                sources.extend(s);
                (l, d)
            }
            None => (0.0, "mean sea level".to_owned()),
        };
        sources.dedup();
        Ok(ScenarioLevel {
            level_m: surge + rise,
            rise_m: rise,
            surge_m: surge,
            datum,
            sources,
        })
    }
}
