//! Tokens are shown once, stored only as a hash, and never logged.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Duration;

fn forsyning(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_forsyning"))
        .current_dir(dir)
        .args(["--store", "gpkg:s.gpkg"])
        .args(args)
        .output()
        .unwrap()
}

fn http_get(addr: &str, path: &str, token: &str) -> String {
    use std::io::Write;
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn token_lifecycle_and_no_clear_text_anywhere() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert!(forsyning(
        d,
        &["org", "create", "--id", "OWN-1", "--name", "Vand A/S", "--role", "owner"]
    )
    .status
    .success());
    let bad = forsyning(
        d,
        &[
            "org", "create", "--id", "X", "--name", "x", "--role", "king",
        ],
    );
    assert!(!bad.status.success() && String::from_utf8_lossy(&bad.stderr).contains("king"));
    let issued = forsyning(d, &["token", "issue", "--org", "OWN-1", "--label", "gis"]);
    assert!(issued.status.success());
    let token = String::from_utf8(issued.stdout).unwrap().trim().to_owned();
    assert!(token.starts_with("fsy_") && token.len() == 68, "{token}");

    // Serve with debug logging and call with the token.
    let mut child = Command::new(env!("CARGO_BIN_EXE_forsyning"))
        .current_dir(d)
        .env("RUST_LOG", "trace")
        .args(["--store", "gpkg:s.gpkg", "serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 200];
    let n = stdout.read(&mut first).unwrap();
    let line = String::from_utf8_lossy(&first[..n]).to_string();
    let addr = line
        .split("http://")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned();
    let me = http_get(&addr, "/api/v1/me", &token);
    assert!(me.contains("200 OK") && me.contains("\"OWN-1\""), "{me}");
    let wrong = http_get(&addr, "/api/v1/me", "fsy_not_a_token");
    assert!(wrong.contains("401"), "{wrong}");
    std::thread::sleep(Duration::from_millis(200));
    child.kill().unwrap();
    child.wait().unwrap();
    let mut logs = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    assert!(
        logs.contains("/api/v1/me"),
        "the request was logged: {logs}"
    );
    assert!(
        !logs.contains(&token) && !logs.contains("fsy_not_a_token"),
        "tokens must not be logged"
    );

    // Nowhere in the store files in clear.
    for entry in std::fs::read_dir(d).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(
            !bytes.windows(token.len()).any(|w| w == token.as_bytes()),
            "token in clear on disk"
        );
    }

    let list = forsyning(d, &["token", "list"]);
    let text = String::from_utf8_lossy(&list.stdout).to_string();
    assert!(text.contains("gis") && text.contains("live") && !text.contains(&token));
    let id = text.split('\t').next().unwrap().to_owned();
    assert!(forsyning(d, &["token", "revoke", &id]).status.success());
    assert!(String::from_utf8_lossy(&forsyning(d, &["token", "list"]).stdout).contains("revoked"));
    assert!(
        !forsyning(d, &["token", "revoke", &id]).status.success(),
        "revoking twice is an error"
    );
}
