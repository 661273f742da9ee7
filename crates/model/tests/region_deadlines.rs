//! Answer deadlines per region: KLIC's rule on Dutch working days (hand-
//! computed cases across the Dutch holidays), and the region form of LER's
//! rule against the Danish implementation in `deadline`.

use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Europe::{Amsterdam, Copenhagen};
use forsyning_model::{deadline, Region};

/// Amsterdam wall-clock time to UTC.
fn ams(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Amsterdam
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

fn nl(received: DateTime<Utc>) -> DateTime<Utc> {
    Region::netherlands().answer_deadline(received)
}

#[test]
fn one_working_day_on_ordinary_days() {
    assert_eq!(
        nl(ams(2025, 3, 11, 15, 0)),
        ams(2025, 3, 12, 15, 0),
        "Tuesday → Wednesday"
    );
    assert_eq!(
        nl(ams(2025, 3, 14, 15, 0)),
        ams(2025, 3, 17, 15, 0),
        "Friday → Monday"
    );
    assert_eq!(
        nl(ams(2025, 3, 15, 10, 0)),
        ams(2025, 3, 18, 0, 0),
        "Saturday: counting starts Monday 00:00, due at the end of Monday"
    );
}

#[test]
fn across_dutch_holidays() {
    assert_eq!(
        nl(ams(2025, 4, 17, 10, 0)),
        ams(2025, 4, 22, 10, 0),
        "Goede Vrijdag and Tweede Paasdag 2025"
    );
    assert_eq!(
        nl(ams(2025, 4, 18, 11, 0)),
        ams(2025, 4, 23, 0, 0),
        "received on Goede Vrijdag: due at the end of Tuesday"
    );
    assert_eq!(
        nl(ams(2026, 4, 24, 12, 0)),
        ams(2026, 4, 28, 12, 0),
        "Koningsdag Monday 27 April 2026"
    );
    assert_eq!(
        nl(ams(2026, 5, 4, 9, 30)),
        ams(2026, 5, 6, 9, 30),
        "Bevrijdingsdag Tuesday 5 May 2026"
    );
    assert_eq!(
        nl(ams(2026, 5, 13, 16, 0)),
        ams(2026, 5, 18, 16, 0),
        "Hemelvaartsdag 14 May 2026 and the Friday declared equal to a holiday"
    );
    assert_eq!(
        nl(ams(2026, 5, 22, 8, 0)),
        ams(2026, 5, 26, 8, 0),
        "Tweede Pinksterdag 25 May 2026"
    );
    assert_eq!(
        nl(ams(2025, 12, 24, 17, 0)),
        ams(2025, 12, 29, 17, 0),
        "both Christmas days 2025"
    );
    assert_eq!(
        nl(ams(2025, 12, 31, 10, 0)),
        ams(2026, 1, 5, 10, 0),
        "Nieuwjaarsdag and 2 January 2026 (declared equal)"
    );
    assert_eq!(
        nl(ams(2025, 12, 23, 10, 0)),
        ams(2025, 12, 24, 10, 0),
        "Christmas Eve is a working day"
    );
}

#[test]
fn across_daylight_saving_changes() {
    // DST starts Sunday 30 March 2025 at 02:00 CET.
    assert_eq!(
        nl(ams(2025, 3, 28, 14, 0)),
        Utc.with_ymd_and_hms(2025, 3, 31, 12, 0, 0).unwrap(),
        "Friday 14:00 CET → Monday 14:00 CEST"
    );
    assert_eq!(
        nl(ams(2025, 3, 29, 12, 0)),
        Utc.with_ymd_and_hms(2025, 3, 31, 22, 0, 0).unwrap(),
        "Saturday → end of Monday, 24:00 CEST"
    );
    // DST ends Sunday 26 October 2025.
    assert_eq!(
        nl(ams(2025, 10, 24, 9, 0)),
        Utc.with_ymd_and_hms(2025, 10, 27, 8, 0, 0).unwrap(),
        "Friday 09:00 CEST → Monday 09:00 CET"
    );
}

#[test]
fn denmark_region_is_lers_rule() {
    // Every 7 minutes of 2023–2025 (Store Bededag, Easter, Christmas, DST):
    // the region's generic rule must agree with the Danish implementation.
    let dk = Region::denmark();
    let mut t = Copenhagen
        .with_ymd_and_hms(2023, 1, 1, 0, 0, 0)
        .unwrap()
        .with_timezone(&Utc);
    let end = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let mut n = 0;
    while t < end {
        assert_eq!(dk.answer_deadline(t), deadline::answer_deadline(t), "{t}");
        t += Duration::minutes(7);
        n += 1;
    }
    assert!(n > 200_000);
}

#[test]
fn a_region_file_with_a_bad_key_names_file_and_key() {
    let text =
        include_str!("../../../deploy/regions/netherlands.toml").replace("days = 1", "days = 0");
    let e = Region::from_toml(&text, "nl.toml").unwrap_err().to_string();
    assert!(e.starts_with("nl.toml: deadline.days"), "{e}");
    let text = include_str!("../../../deploy/regions/denmark.toml").replace("crs = ", "crz = ");
    let e = Region::from_toml(&text, "dk.toml").unwrap_err().to_string();
    assert!(e.contains("dk.toml") && e.contains("crz"), "{e}");
    let text = include_str!("../../../deploy/regions/denmark.toml")
        .replace("\"Europe/Copenhagen\"", "\"Europe/Atlantis\"");
    let e = Region::from_toml(&text, "dk.toml").unwrap_err().to_string();
    assert!(e.contains("time_zone"), "{e}");
}

#[test]
fn built_in_regions() {
    let nl = Region::builtin("netherlands").unwrap();
    assert_eq!(
        (nl.srid, nl.crs_urn().as_str()),
        (28992, "urn:ogc:def:crs:EPSG::28992")
    );
    assert_eq!(nl.package_format, forsyning_model::PackageFormat::Imkl20);
    let dk = Region::builtin("denmark").unwrap();
    assert_eq!(dk.srid, 25832);
    assert_eq!(dk.dig_limits.service_area, dk.service_area);
    assert!(Region::builtin("atlantis").is_none());
}
