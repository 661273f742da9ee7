//! A small metrics registry rendered in the Prometheus text exposition
//! format (version 0.0.4): counters, gauges and histograms, each a family
//! of series told apart by their labels.
//!
//! Any module feeds it through [`Metrics`] (in `AppState::metrics`):
//!
//! ```
//! let m = forsyning_api::Metrics::new();
//! m.inc("forsyning_tile_cache_hits_total", "Tiles served from the cache.", &[("layer", "network")]);
//! m.set_gauge("forsyning_tile_cache_entries", "Tiles in the cache.", &[], 42.0);
//! assert!(m.render().contains("forsyning_tile_cache_entries 42"));
//! ```
//!
//! A family's kind and help are fixed by its first use; a later use with
//! another kind is ignored (and logged), so a typo cannot break the scrape.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;

/// Latency buckets, seconds: 1 ms to 30 s.
pub const LATENCY_BUCKETS: [f64; 14] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Counter,
    Gauge,
    Histogram,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        }
    }
}

#[derive(Debug, Clone)]
enum Value {
    Number(f64),
    Histogram {
        /// Cumulative counts are computed when rendering; these are per bucket.
        counts: Vec<u64>,
        sum: f64,
        count: u64,
    },
}

#[derive(Debug)]
struct Family {
    help: String,
    kind: Kind,
    /// Sorted label pairs → value.
    series: BTreeMap<Vec<(String, String)>, Value>,
}

/// The registry. Cheap to share (`Arc`); every call takes one short lock.
#[derive(Debug)]
pub struct Metrics {
    families: Mutex<BTreeMap<String, Family>>,
    started_at: chrono::DateTime<chrono::Utc>,
    started: std::time::Instant,
}

impl Default for Metrics {
    fn default() -> Self {
        Self {
            families: Mutex::default(),
            started_at: chrono::Utc::now(),
            started: std::time::Instant::now(),
        }
    }
}

fn labels(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    v.sort();
    v
}

impl Metrics {
    pub fn new() -> Self {
        Self::default()
    }

    /// When this registry (the serving process) started.
    pub fn started_at(&self) -> chrono::DateTime<chrono::Utc> {
        self.started_at
    }

    /// Seconds since this registry (the serving process) started.
    pub fn uptime_s(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    fn with_series(
        &self,
        name: &str,
        help: &str,
        kind: Kind,
        pairs: &[(&str, &str)],
        init: impl FnOnce() -> Value,
        change: impl FnOnce(&mut Value),
    ) {
        let mut families = self.families.lock().unwrap_or_else(|p| p.into_inner());
        let family = families.entry(name.to_owned()).or_insert_with(|| Family {
            help: help.to_owned(),
            kind,
            series: BTreeMap::new(),
        });
        if family.kind != kind {
            tracing::warn!(
                name,
                "metric used as {} and {}",
                family.kind.name(),
                kind.name()
            );
            return;
        }
        change(family.series.entry(labels(pairs)).or_insert_with(init));
    }

    /// Adds 1 to counter `name`.
    pub fn inc(&self, name: &str, help: &str, labels: &[(&str, &str)]) {
        self.add(name, help, labels, 1.0);
    }

    /// Adds `by` (≥ 0; negative amounts are ignored) to counter `name`.
    pub fn add(&self, name: &str, help: &str, labels: &[(&str, &str)], by: f64) {
        if by.is_nan() || by < 0.0 {
            return;
        }
        self.with_series(
            name,
            help,
            Kind::Counter,
            labels,
            || Value::Number(0.0),
            |v| {
                if let Value::Number(n) = v {
                    *n += by;
                }
            },
        );
    }

    /// Sets gauge `name`.
    pub fn set_gauge(&self, name: &str, help: &str, labels: &[(&str, &str)], value: f64) {
        self.with_series(
            name,
            help,
            Kind::Gauge,
            labels,
            || Value::Number(0.0),
            |v| {
                *v = Value::Number(value);
            },
        );
    }

    /// Adds `by` (may be negative) to gauge `name`.
    pub fn add_gauge(&self, name: &str, help: &str, labels: &[(&str, &str)], by: f64) {
        self.with_series(
            name,
            help,
            Kind::Gauge,
            labels,
            || Value::Number(0.0),
            |v| {
                if let Value::Number(n) = v {
                    *n += by;
                }
            },
        );
    }

    /// Records `value` in histogram `name` with [`LATENCY_BUCKETS`] (seconds).
    pub fn observe(&self, name: &str, help: &str, labels: &[(&str, &str)], value: f64) {
        let init = || Value::Histogram {
            counts: vec![0; LATENCY_BUCKETS.len()],
            sum: 0.0,
            count: 0,
        };
        self.with_series(name, help, Kind::Histogram, labels, init, |v| {
            if let Value::Histogram { counts, sum, count } = v {
                if let Some(i) = LATENCY_BUCKETS.iter().position(|b| value <= *b) {
                    counts[i] += 1;
                }
                *sum += value;
                *count += 1;
            }
        });
    }

    /// The value of counter or gauge `name` with exactly `labels`.
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let families = self.families.lock().unwrap_or_else(|p| p.into_inner());
        match families.get(name)?.series.get(&self::labels(labels))? {
            Value::Number(n) => Some(*n),
            Value::Histogram { .. } => None,
        }
    }

    /// The sum of counter or gauge `name` over all its series.
    pub fn total(&self, name: &str) -> f64 {
        let families = self.families.lock().unwrap_or_else(|p| p.into_inner());
        families.get(name).map_or(0.0, |f| {
            f.series
                .values()
                .map(|v| match v {
                    Value::Number(n) => *n,
                    Value::Histogram { .. } => 0.0,
                })
                .sum()
        })
    }

    /// Every family in the text exposition format.
    pub fn render(&self) -> String {
        let families = self.families.lock().unwrap_or_else(|p| p.into_inner());
        let mut out = String::new();
        for (name, f) in families.iter() {
            let _ = writeln!(out, "# HELP {name} {}", escape_help(&f.help));
            let _ = writeln!(out, "# TYPE {name} {}", f.kind.name());
            for (labels, value) in &f.series {
                match value {
                    Value::Number(n) => {
                        let _ =
                            writeln!(out, "{name}{} {}", render_labels(labels, None), number(*n));
                    }
                    Value::Histogram { counts, sum, count } => {
                        let mut cumulative = 0;
                        for (bound, c) in LATENCY_BUCKETS.iter().zip(counts) {
                            cumulative += c;
                            let le = number(*bound);
                            let _ = writeln!(
                                out,
                                "{name}_bucket{} {cumulative}",
                                render_labels(labels, Some(&le))
                            );
                        }
                        let _ = writeln!(
                            out,
                            "{name}_bucket{} {count}",
                            render_labels(labels, Some("+Inf"))
                        );
                        let _ = writeln!(
                            out,
                            "{name}_sum{} {}",
                            render_labels(labels, None),
                            number(*sum)
                        );
                        let _ =
                            writeln!(out, "{name}_count{} {count}", render_labels(labels, None));
                    }
                }
            }
        }
        out
    }
}

fn number(n: f64) -> String {
    if n.is_nan() {
        "NaN".into()
    } else if n.is_infinite() {
        if n > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        }
    } else {
        format!("{n}")
    }
}

fn escape_help(s: &str) -> String {
    s.replace('\\', "\\\\").replace('\n', "\\n")
}

fn escape_value(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn render_labels(labels: &[(String, String)], le: Option<&str>) -> String {
    if labels.is_empty() && le.is_none() {
        return String::new();
    }
    let mut parts: Vec<String> = labels
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", escape_value(v)))
        .collect();
    if let Some(le) = le {
        parts.push(format!("le=\"{le}\""));
    }
    format!("{{{}}}", parts.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative_and_count_everything() {
        let m = Metrics::new();
        for v in [0.0005, 0.003, 0.003, 0.2, 99.0] {
            m.observe("t_seconds", "t", &[("route", "/a")], v);
        }
        let text = m.render();
        assert!(
            text.contains("t_seconds_bucket{route=\"/a\",le=\"0.001\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("t_seconds_bucket{route=\"/a\",le=\"0.005\"} 3\n"),
            "{text}"
        );
        assert!(
            text.contains("t_seconds_bucket{route=\"/a\",le=\"0.25\"} 4\n"),
            "{text}"
        );
        assert!(
            text.contains("t_seconds_bucket{route=\"/a\",le=\"30\"} 4\n"),
            "{text}"
        );
        assert!(
            text.contains("t_seconds_bucket{route=\"/a\",le=\"+Inf\"} 5\n"),
            "{text}"
        );
        assert!(text.contains("t_seconds_count{route=\"/a\"} 5\n"), "{text}");
        assert!(
            text.contains("t_seconds_sum{route=\"/a\"} 99.2065\n"),
            "{text}"
        );
    }

    #[test]
    fn labels_are_escaped_and_kinds_do_not_mix() {
        let m = Metrics::new();
        m.inc("c_total", "c", &[("path", "a\"b\\c\nd")]);
        m.set_gauge("c_total", "c", &[], 5.0);
        let text = m.render();
        assert!(
            text.contains("c_total{path=\"a\\\"b\\\\c\\nd\"} 1\n"),
            "{text}"
        );
        assert!(!text.contains("c_total 5"), "{text}");
        assert_eq!(m.total("c_total"), 1.0);
    }
}
