//! Conformance with gpsd: for every receiver log in shared data with a `.chk`
//! (gpsd's own regression output), our fixes must agree with gpsd's TPV
//! records: lat/lon to the 9 printed decimals, altHAE/altMSL within 1 mm, mode
//! and status equal, for at least 99 % of the TPV records overall. Each TPV
//! is tied to the sentence gpsd reported it after (the `.chk` echoes every
//! NMEA sentence before the JSON it caused), so a mismatch names its line.

use std::collections::HashMap;
use std::path::Path;

use forsyning_gnss::nmea::decode_bytes;
use forsyning_gnss::Fix;
use serde_json::Value;

struct Tpv {
    line: usize,
    sentence: String,
    json: Value,
}

/// gpsd's TPVs of one `.chk`, each with the log line of the sentence before it.
fn gpsd_tpvs(log: &str, chk: &str) -> Vec<Tpv> {
    let log_lines: Vec<&str> = log.split('\n').map(|l| l.trim_end()).collect();
    let mut pos = 0usize; // next log line to search from
    let mut last: Option<(usize, String)> = None;
    let mut out = Vec::new();
    for l in chk.lines() {
        let l = l.trim_end();
        if l.starts_with('$') || l.starts_with('!') {
            if let Some(i) = (pos..log_lines.len()).find(|&i| log_lines[i] == l) {
                pos = i + 1;
                last = Some((i + 1, l.to_string()));
            }
        } else if l.starts_with('{') {
            let v: Value = serde_json::from_str(l).unwrap_or(Value::Null);
            if v["class"] == "TPV" {
                let (line, sentence) = last.clone().unwrap_or((0, "(before any sentence)".into()));
                out.push(Tpv { line, sentence, json: v });
            }
        }
    }
    out
}

fn compare(t: &Tpv, f: &Fix) -> Result<(), String> {
    let j = &t.json;
    let mode = j["mode"].as_u64().unwrap_or(0);
    let status = j["status"].as_u64().unwrap_or(0);
    let mut why = Vec::new();
    if u64::from(f.mode.gpsd()) != mode {
        why.push(format!("mode gpsd {mode} ours {}", f.mode.gpsd()));
    }
    if u64::from(f.status) != status {
        why.push(format!("status gpsd {status} ours {}", f.status));
    }
    for (key, ours) in [("lat", f.lat), ("lon", f.lon)] {
        let theirs = j[key].as_f64().map(|v| format!("{v:.9}"));
        let ours = ours.map(|v| format!("{v:.9}"));
        if theirs != ours {
            why.push(format!("{key} gpsd {theirs:?} ours {ours:?}"));
        }
    }
    for (key, ours) in [("altHAE", f.alt_hae), ("altMSL", f.alt_msl)] {
        let theirs = j[key].as_f64();
        let ok = match (theirs, ours) {
            (Some(a), Some(b)) => (a - b).abs() <= 0.001 + 1e-9,
            (None, None) => true,
            _ => false,
        };
        if !ok {
            let hint = if key == "altHAE" && ours.is_none() && f.geoid_sep.is_none() {
                " (no geoid separation in the sentence: gpsd used its built-in geoid table)"
            } else {
                ""
            };
            why.push(format!("{key} gpsd {theirs:?} ours {ours:?}{hint}"));
        }
    }
    if why.is_empty() {
        Ok(())
    } else {
        Err(why.join("; "))
    }
}

#[test]
fn fixes_agree_with_gpsd_tpv() {
    let Some(data) = forsyning_fixtures::test_env::shared_data() else {
        return;
    };
    let dir = data.join("gnss/gpsd");
    let mut logs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "log"))
        .filter(|p| Path::new(&format!("{}.chk", p.display())).exists())
        .collect();
    logs.sort();
    assert!(logs.len() >= 50, "expected the gpsd logs, found {}", logs.len());
    let (mut total, mut agree, mut extra_total, mut malformed_total) = (0usize, 0usize, 0usize, 0usize);
    for log_path in &logs {
        let name = log_path.file_name().unwrap().to_string_lossy().to_string();
        let log_bytes = std::fs::read(log_path).unwrap();
        let chk = std::fs::read_to_string(format!("{}.chk", log_path.display())).unwrap();
        let log_text = String::from_utf8_lossy(&log_bytes);
        let tpvs = gpsd_tpvs(&log_text, &chk);
        let (fixes, report) = decode_bytes(&log_bytes);
        malformed_total += report.malformed_count;
        let mut ours: HashMap<usize, Vec<&Fix>> = HashMap::new();
        for f in &fixes {
            ours.entry(f.line).or_default().push(f);
        }
        let mut used: HashMap<usize, usize> = HashMap::new();
        let mut ok = 0usize;
        for t in &tpvs {
            let k = used.entry(t.line).or_insert(0);
            let mine = ours.get(&t.line).and_then(|v| v.get(*k)).copied();
            *k += 1;
            match mine {
                None => println!(
                    "MISMATCH {name}:{} gpsd reported a TPV after `{}`, we did not",
                    t.line, t.sentence
                ),
                Some(f) => match compare(t, f) {
                    Ok(()) => ok += 1,
                    Err(why) => println!("MISMATCH {name}:{} `{}`: {why}", t.line, t.sentence),
                },
            }
        }
        let extra: usize = ours
            .iter()
            .map(|(l, v)| v.len().saturating_sub(used.get(l).copied().unwrap_or(0)))
            .sum();
        for (l, v) in &ours {
            if v.len() > used.get(l).copied().unwrap_or(0) {
                println!("EXTRA {name}:{l}: we reported a fix where gpsd did not");
            }
        }
        println!(
            "FILE {name}: {ok}/{} TPV agree ({:.1} %), {extra} extra fixes, {} malformed lines",
            tpvs.len(),
            if tpvs.is_empty() { 100.0 } else { 100.0 * ok as f64 / tpvs.len() as f64 },
            report.malformed_count
        );
        total += tpvs.len();
        agree += ok;
        extra_total += extra;
    }
    let pct = 100.0 * agree as f64 / total as f64;
    println!(
        "TOTAL {agree}/{total} TPV agree ({pct:.2} %) over {} logs; {extra_total} extra fixes; {malformed_total} malformed lines reported",
        logs.len()
    );
    assert!(pct >= 99.0, "only {pct:.2} % of gpsd's TPV records agree");
}
