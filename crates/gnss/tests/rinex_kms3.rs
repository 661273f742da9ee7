//! The KMS3 reference-station hour in shared data: the Hatanaka-compressed
//! RINEX 4 observations and the gzipped navigation file are indexed with the
//! values read by hand from their headers and epoch lines.

use chrono::NaiveDate;
use forsyning_gnss::rinex::{index, FileKind};

fn dir() -> Option<std::path::PathBuf> {
    Some(forsyning_fixtures::test_env::shared_data()?.join("gnss/rinex"))
}

#[test]
fn kms3_observation_header_and_span() {
    let Some(d) = dir() else { return };
    let name = "KMS300DNK_R_20221591000_01H_30S_MO.crx";
    let ix = index(name, &std::fs::read(d.join(name)).unwrap()).unwrap();
    assert_eq!(ix.kind, FileKind::Observation);
    assert!(ix.hatanaka && !ix.gzip);
    assert_eq!(ix.version, "4.00");
    assert_eq!(ix.marker_name.as_deref(), Some("KMS3"));
    let r = ix.receiver.as_ref().unwrap();
    assert_eq!(
        (r.number.as_str(), r.kind.as_str(), r.version.as_str()),
        ("3079701", "SEPT POLARX5", "5.4.0-patch1")
    );
    let a = ix.antenna.as_ref().unwrap();
    assert_eq!(
        (a.number.as_str(), a.kind.as_str()),
        ("6200520017", "ASH701945E_M    NONE")
    );
    assert_eq!(
        ix.approx_xyz,
        Some([3516213.4380, 781859.8595, 5246037.9660])
    );
    // Independent check with PROJ's cs2cs (+proj=geocent +ellps=GRS80 to longlat):
    // 12.53624685 E, 55.70467121 N, 64.26339940 m (Copenhagen).
    let [lat, lon, h] = ix.approx_llh.unwrap();
    assert!(
        (lat - 55.70467121).abs() < 1e-8
            && (lon - 12.53624685).abs() < 1e-8
            && (h - 64.2634).abs() < 1e-3,
        "{lat} {lon} {h}"
    );
    assert_eq!(ix.interval_s, Some(30.0));
    let t = |h, m, s| {
        NaiveDate::from_ymd_opt(2022, 6, 8)
            .unwrap()
            .and_hms_opt(h, m, s)
            .unwrap()
    };
    assert_eq!(ix.first_epoch, Some(t(10, 0, 0)));
    // The header claims 120 epochs to 10:59:30 (TIME OF LAST OBS,
    // GFZRNX.NUM_EPOCHS), but the file in shared data is an excerpt: its
    // 1,095 lines hold the first 19 epochs, 10:00:00 to 10:09:00 (checked
    // with an independent Python walk of the differenced epoch lines).
    assert_eq!(ix.header_last_obs, Some(t(10, 59, 30)));
    assert_eq!(ix.last_epoch, Some(t(10, 9, 0)));
    assert_eq!(ix.records, 19);
    assert_eq!(ix.time_system.as_deref(), Some("GPS"));
    let mut sys = ix.systems.clone();
    sys.sort();
    assert_eq!(sys, vec!['C', 'E', 'G', 'J', 'R', 'S']);
}

#[test]
fn kms3_navigation_file_gzipped() {
    let Some(d) = dir() else { return };
    let name = "KMS300DNK_R_20221591000_01H_MN.rnx.gz";
    let ix = index(name, &std::fs::read(d.join(name)).unwrap()).unwrap();
    assert_eq!(ix.kind, FileKind::Navigation);
    assert!(ix.gzip && !ix.hatanaka);
    assert_eq!(ix.version, "4.00");
    // 357 `> EPH` records: C 37, E 111, G 32, J 1, R 24, S 158 (counted with zcat | grep).
    assert_eq!(ix.records, 357);
    let mut sys = ix.systems.clone();
    sys.sort();
    assert_eq!(sys, vec!['C', 'E', 'G', 'J', 'R', 'S']);
    assert!(
        ix.first_epoch.unwrap()
            <= NaiveDate::from_ymd_opt(2022, 6, 8)
                .unwrap()
                .and_hms_opt(10, 0, 0)
                .unwrap()
    );
}

#[test]
fn truncated_and_foreign_input_is_an_error_naming_the_file() {
    let e = index("x.rnx", b"hello\n").unwrap_err().to_string();
    assert!(e.contains("x.rnx") && e.contains("END OF HEADER"), "{e}");
    let hdr = "     2.11           OBSERVATION DATA    M (MIXED)           RINEX VERSION / TYPE\n";
    let e = index("old.rnx", hdr.as_bytes()).unwrap_err().to_string();
    assert!(e.contains("version 2.11"), "{e}");
}
