//! `forsyning serve` with single sign-on: the binary reads the JWKS file
//! named by `--oidc-jwks` and accepts JWTs of the configured issuer and
//! audience; `--rate-limit`/`--rate-burst` (here through their environment
//! variables) limit each caller. The key pair is made at test time.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::rand::SystemRandom;
use ring::signature::{Ed25519KeyPair, KeyPair};

const ISSUER: &str = "https://login.forsyning.test/realms/ler";

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn forsyning(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_forsyning"))
        .current_dir(dir)
        .args(["--store", "gpkg:s.gpkg"])
        .args(args)
        .output()
        .unwrap()
}

/// An EdDSA JWT for `sub` of `org`, expiring `exp_in` seconds from now.
fn jwt(key: &Ed25519KeyPair, sub: &str, org: &str, exp_in: i64) -> String {
    let now = chrono::Utc::now().timestamp();
    let header = serde_json::json!({"alg": "EdDSA", "typ": "JWT", "kid": "ed-1"});
    let claims = serde_json::json!({"iss": ISSUER, "aud": "forsyning-api", "sub": sub,
                                    "ler_org": org, "iat": now, "exp": now + exp_in});
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let sig = key.sign(input.as_bytes());
    format!("{input}.{}", b64(sig.as_ref()))
}

/// Status line and body of a GET.
fn http_get(addr: &str, path: &str, token: &str) -> (String, String) {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let status = out.lines().next().unwrap_or_default().to_owned();
    let body = out.split("\r\n\r\n").nth(1).unwrap_or_default().to_owned();
    (status, body)
}

/// Starts `serve` on a free port; returns the child, its address and the
/// lines it printed up to "Press Ctrl-C".
fn serve(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (Child, String, Vec<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_forsyning"))
        .current_dir(dir)
        .env("RUST_LOG", "trace")
        .envs(env.iter().copied())
        .args(["--store", "gpkg:s.gpkg", "serve", "--listen", "127.0.0.1:0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = Vec::new();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    loop {
        let mut line = String::new();
        assert!(
            stdout.read_line(&mut line).unwrap() > 0,
            "serve stopped early after {lines:?}"
        );
        lines.push(line.trim_end().to_owned());
        if line.starts_with("Press Ctrl-C") {
            break;
        }
    }
    let addr = lines[0]
        .split("http://")
        .nth(1)
        .expect("the first line names the address")
        .to_owned();
    (child, addr, lines)
}

#[test]
fn serve_accepts_oidc_jwts_and_limits_each_caller() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (id, role) in [("OWN-1", "owner"), ("CON-1", "contractor")] {
        let out = forsyning(
            d,
            &["org", "create", "--id", id, "--name", id, "--role", role],
        );
        assert!(out.status.success(), "{out:?}");
    }
    let issued = forsyning(d, &["token", "issue", "--org", "OWN-1"]);
    assert!(issued.status.success());
    let api_token = String::from_utf8(issued.stdout).unwrap().trim().to_owned();

    let doc = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
    let key = Ed25519KeyPair::from_pkcs8(doc.as_ref()).unwrap();
    let jwks = serde_json::json!({"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": "ed-1",
                                            "use": "sig", "x": b64(key.public_key().as_ref())}]});
    std::fs::write(d.join("jwks.json"), jwks.to_string()).unwrap();

    let (mut child, addr, lines) = serve(
        d,
        &[
            "--oidc-issuer",
            ISSUER,
            "--oidc-audience",
            "forsyning-api",
            "--oidc-jwks",
            "jwks.json",
            "--oidc-org-claim",
            "ler_org",
        ],
        &[("FORSYNING_RATE_LIMIT", "2"), ("FORSYNING_RATE_BURST", "2")],
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("single sign-on") && l.contains(ISSUER)),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.contains("2 requests/s per token, bursts of 2")),
        "{lines:?}"
    );

    let alice = jwt(&key, "alice@vand.dk", "OWN-1", 600);
    let (status, body) = http_get(&addr, "/api/v1/me", &alice);
    assert!(status.contains("200"), "{status} {body}");
    let me: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(me["org_id"], "OWN-1");
    assert_eq!(me["role"], "owner");

    let carl = jwt(&key, "carl@graver.dk", "CON-1", 600);
    let (status, body) = http_get(&addr, "/api/v1/me", &carl);
    assert!(
        status.contains("200") && body.contains("\"contractor\""),
        "{body}"
    );

    let expired = jwt(&key, "alice@vand.dk", "OWN-1", -3600);
    let (status, body) = http_get(&addr, "/api/v1/me", &expired);
    assert!(
        status.contains("401") && body.contains("expired"),
        "{status} {body}"
    );
    let unknown_org = jwt(&key, "eve@x.dk", "NOBODY", 600);
    let (status, body) = http_get(&addr, "/api/v1/me", &unknown_org);
    assert!(
        status.contains("401") && body.contains("not known"),
        "{status} {body}"
    );

    // Alice made one request; her second passes, her third is over the burst.
    assert!(http_get(&addr, "/api/v1/me", &alice).0.contains("200"));
    let (status, _) = http_get(&addr, "/api/v1/me", &alice);
    assert!(status.contains("429"), "{status}");
    // ... while the API token of the same organisation has its own bucket.
    let (status, body) = http_get(&addr, "/api/v1/me", &api_token);
    assert!(
        status.contains("200") && body.contains("OWN-1"),
        "{status} {body}"
    );

    child.kill().unwrap();
    child.wait().unwrap();
    let mut logs = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    for token in [&alice, &expired, &api_token] {
        let secret_part = token.rsplit('.').next().unwrap();
        assert!(!logs.contains(secret_part), "a token is in the log");
    }
}

#[test]
fn serve_refuses_incomplete_or_unusable_oidc_settings() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // The issuer alone: clap names the missing flags.
    let out = forsyning(d, &["serve", "--oidc-issuer", ISSUER]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("--oidc-audience") && err.contains("--oidc-jwks"),
        "{err}"
    );
    // A JWKS with a private key, a missing file, a burst of 0.
    std::fs::write(
        d.join("private.json"),
        r#"{"keys":[{"kty":"OKP","crv":"Ed25519","kid":"k","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A"}]}"#,
    )
    .unwrap();
    for (jwks, want) in [
        ("private.json", "private key material"),
        ("missing.json", "reading the JWKS file missing.json"),
    ] {
        let out = forsyning(
            d,
            &[
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--oidc-issuer",
                ISSUER,
                "--oidc-audience",
                "a",
                "--oidc-jwks",
                jwks,
            ],
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && err.contains(want), "{jwks}: {err}");
        assert!(
            !err.contains("nWGxne"),
            "the private key is not echoed: {err}"
        );
    }
    let out = forsyning(
        d,
        &[
            "serve",
            "--oidc-issuer",
            ISSUER,
            "--oidc-audience",
            " ",
            "--oidc-jwks",
            "private.json",
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && err.contains("--oidc-audience must not be empty"),
        "{err}"
    );
    let out = forsyning(d, &["serve", "--oidc-leeway-s", "86400"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--oidc-leeway-s"));
    let out = forsyning(d, &["serve", "--rate-burst", "0"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--rate-burst"));
}
