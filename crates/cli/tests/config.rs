//! `forsyning serve --config FILE`: bad files stop the server at start with
//! the file, line and key; a good file is used, and a flag overrides it.

use std::process::Command;

fn serve(config: &str, extra: &[&str]) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("forsyning.toml");
    std::fs::write(&path, config).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_forsyning"))
        .args(["serve", "--config"])
        .arg(&path)
        .args(extra)
        .env_remove("FORSYNING_LISTEN")
        .env_remove("FORSYNING_RATE_BURST")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn bad_keys_and_values_are_named() {
    let cases = [
        (
            "listen = \"127.0.0.1:0\"\nrate_limt = 5\n",
            "line 2: unknown field `rate_limt`",
        ),
        ("rate_burst = 0\n", "key `rate_burst`: 0 is not in 1..="),
        ("listen = \"nowhere\"\n", "key `listen`: \"nowhere\""),
        (
            "coordination_m = 5000.0\n",
            "key `coordination_m`: 5000 is not in 0..=1000",
        ),
        ("log_format = \"xml\"\n", "key `log_format`: \"xml\" is not"),
        (
            "concurrency = \"many\"\n",
            "line 1: invalid type: string \"many\"",
        ),
        (
            "[oidc]\nissuer = \"https://x\"\n",
            "[oidc]: issuer, audience and jwks come together",
        ),
        ("[oidc]\nleeway = 5\n", "line 2: unknown field `leeway`"),
        (
            "gnss_tcp = \"port 9000\"\n",
            "key `gnss_tcp`: \"port 9000\"",
        ),
        (
            "gnss_retention_days = 0\n",
            "key `gnss_retention_days`: 0 is not in 1..=3650",
        ),
    ];
    for (text, want) in cases {
        let (ok, err) = serve(text, &[]);
        assert!(!ok, "{text}");
        assert!(err.contains("forsyning.toml"), "{err}");
        assert!(err.contains(want), "{text}: {err}");
    }
}

#[test]
fn a_bad_file_fails_even_when_a_flag_overrides_the_key() {
    let (ok, err) = serve("rate_burst = 0\n", &["--rate-burst", "5"]);
    assert!(!ok);
    assert!(err.contains("key `rate_burst`"), "{err}");
}
