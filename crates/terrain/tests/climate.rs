//! Climate scenarios: the defaults carry the shared data's published figures
//! unchanged, levels combine surge and rise, interpolation is as documented,
//! and a user's file replaces the defaults.

use forsyning_terrain::climate::{Climate, ScenarioQuery};

fn q<'a>(year: f64, scenario: &'a str, rp: Option<f64>, station: &'a str) -> ScenarioQuery<'a> {
    ScenarioQuery {
        year,
        scenario,
        quantile: None,
        return_period_years: rp,
        station,
        rise_station: None,
    }
}

#[test]
fn defaults_hold_the_shared_figures() {
    let c = Climate::defaults();
    let Some(shared) = forsyning_fixtures::test_env::shared_data() else {
        return;
    };
    // Every per-gauge figure of the shared CSV is in the defaults.
    let text = std::fs::read_to_string(shared.join("climate/sea-level-2100-by-gauge.csv")).unwrap();
    let mut n = 0;
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let station = f[4];
        let central: f64 = f[8].parse().unwrap();
        let (rise, _) = c.rise(station, "SSP2-4.5", None, 2100.0).unwrap();
        assert_eq!(rise, central, "{station}");
        let high_end: f64 = f[10].parse().unwrap();
        assert_eq!(
            c.rise(station, "ssp5-8.5", Some(0.95), 2100.0).unwrap().0,
            high_end
        );
        n += 1;
    }
    assert_eq!(n, 15);
}

#[test]
fn level_is_surge_plus_rise_with_interpolation() {
    let c = Climate::defaults();
    // Slipshavn: 20-year surge 1.39 m, SSP2-4.5 median rise 0.56 m in 2100.
    let l = c
        .level(&q(2100.0, "SSP2-4.5", Some(20.0), "Slipshavn"))
        .unwrap();
    assert!((l.level_m - 1.95).abs() < 1e-9, "{l:?}");
    assert!(!l.sources.is_empty());
    // Halfway between the reference midpoint (2004.5) and 2100: half the rise.
    let half = c.rise("Slipshavn", "SSP2-4.5", None, 2052.25).unwrap().0;
    assert!((half - 0.28).abs() < 1e-9);
    // Between the 20- and 50-year levels (1.39, 1.40), linear in ln T.
    let (s, _, _) = c.surge("Slipshavn", 30.0).unwrap();
    let t = (30f64.ln() - 20f64.ln()) / (50f64.ln() - 20f64.ln());
    assert!((s - (1.39 + t * 0.01)).abs() < 1e-9);
    // No extrapolation, unknown stations and ambiguous quantiles are errors.
    assert!(c.rise("Slipshavn", "SSP2-4.5", None, 2150.0).is_err());
    assert!(c.surge("Slipshavn", 1000.0).is_err());
    assert!(c
        .level(&q(2100.0, "SSP2-4.5", Some(20.0), "Atlantis"))
        .is_err());
    assert!(c.rise("Gedser", "SSP5-8.5", None, 2100.0).is_err());
    // Mean sea level: no surge.
    let msl = c.level(&q(2100.0, "SSP2-4.5", None, "Gedser")).unwrap();
    assert_eq!(msl.level_m, 0.64);
    // A surge station without its own gauge takes the rise of another.
    let mut lq = q(2090.0, "RCP8.5", Some(20.0), "Lemvig");
    lq.rise_station = Some("Denmark");
    let l = c.level(&lq).unwrap();
    assert!(l.level_m > 1.85);
}

#[test]
fn a_user_file_replaces_the_defaults_and_errors_name_the_line() {
    let text = r#"
[[rise]]
station = "Here"
scenario = "Mine"
quantile = 0.5
reference = "2000-2000"
year = 2050
rise_m = 0.5
source = "me"

[[surge]]
station = "Here"
return_period_years = 100
level_m = 2.0
datum = "DVR90"
source = "me"
"#;
    let c = Climate::parse(text, "mine.toml").unwrap();
    let l = c.level(&q(2025.0, "mine", Some(100.0), "Here")).unwrap();
    assert!((l.level_m - 2.25).abs() < 1e-9);
    let bad = "[[rise]]\nstation = \"x\"\nwhat = 1\n";
    let e = Climate::parse(bad, "bad.toml").unwrap_err().to_string();
    assert!(e.starts_with("bad.toml: line "), "{e}");
}
