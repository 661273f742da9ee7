//! Single sign-on: OIDC JWTs verified against a JWKS. The keys are made at
//! test time (RSA by the `rsa` crate, P-256 and Ed25519 by ring) and the
//! tokens are signed here by hand, independently of the verifier's JWT
//! library; nothing secret is in the repository.

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::Utc;
use forsyning_api::oidc::AUDIT_NAMESPACE;
use forsyning_api::{router, AppState, Jwks, Limits, OidcConfig, RateLimiter};
use forsyning_fixtures::{Town, TownConfig};
use forsyning_model::{verify_chain, Role};
use forsyning_store::{replace_dataset, GpkgStore, Store};
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, Ed25519KeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use rsa::pkcs8::{EncodePublicKey, LineEnding};
use rsa::signature::{SignatureEncoding, Signer as _};
use serde_json::{json, Value};
use uuid::Uuid;

const ISSUER: &str = "https://login.forsyning.test/realms/ler";
const AUDIENCE: &str = "forsyning-api";

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A signing key of the test identity provider.
enum Key {
    Rsa(Box<rsa::RsaPrivateKey>),
    Ec(EcdsaKeyPair),
    Ed(Ed25519KeyPair),
}

struct Signer {
    kid: &'static str,
    key: Key,
}

impl Signer {
    fn rsa() -> Self {
        let key = rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).unwrap();
        Signer {
            kid: "rsa-1",
            key: Key::Rsa(Box::new(key)),
        }
    }

    fn ec() -> Self {
        let rng = SystemRandom::new();
        let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let kp =
            EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, doc.as_ref(), &rng).unwrap();
        Signer {
            kid: "ec-1",
            key: Key::Ec(kp),
        }
    }

    fn ed() -> Self {
        let doc = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
        Signer {
            kid: "ed-1",
            key: Key::Ed(Ed25519KeyPair::from_pkcs8(doc.as_ref()).unwrap()),
        }
    }

    fn alg(&self) -> &'static str {
        match self.key {
            Key::Rsa(_) => "RS256",
            Key::Ec(_) => "ES256",
            Key::Ed(_) => "EdDSA",
        }
    }

    /// The public JWK, as an identity provider publishes it.
    fn jwk(&self) -> Value {
        match &self.key {
            Key::Rsa(k) => {
                use rsa::traits::PublicKeyParts;
                json!({"kty": "RSA", "kid": self.kid, "use": "sig", "alg": "RS256",
                       "n": b64(&k.n().to_bytes_be()), "e": b64(&k.e().to_bytes_be())})
            }
            Key::Ec(k) => {
                let p = k.public_key().as_ref();
                assert_eq!((p.len(), p[0]), (65, 4), "uncompressed P-256 point");
                json!({"kty": "EC", "kid": self.kid, "crv": "P-256",
                       "x": b64(&p[1..33]), "y": b64(&p[33..])})
            }
            Key::Ed(k) => json!({"kty": "OKP", "kid": self.kid, "crv": "Ed25519",
                                 "x": b64(k.public_key().as_ref())}),
        }
    }

    fn sign(&self, message: &[u8]) -> Vec<u8> {
        match &self.key {
            Key::Rsa(k) => rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new((**k).clone())
                .sign(message)
                .to_vec(),
            Key::Ec(k) => k
                .sign(&SystemRandom::new(), message)
                .unwrap()
                .as_ref()
                .to_vec(),
            Key::Ed(k) => k.sign(message).as_ref().to_vec(),
        }
    }

    /// A compact JWS of `claims` with this key's kid and algorithm.
    fn token(&self, claims: &Value) -> String {
        self.token_with_header(
            &json!({"alg": self.alg(), "typ": "JWT", "kid": self.kid}),
            claims,
        )
    }

    fn token_with_header(&self, header: &Value, claims: &Value) -> String {
        let input = signing_input(header, claims);
        let sig = self.sign(input.as_bytes());
        format!("{input}.{}", b64(&sig))
    }
}

fn signing_input(header: &Value, claims: &Value) -> String {
    format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    )
}

/// Claims valid now for `sub` of organisation `org`.
fn claims(sub: &str, org: &str) -> Value {
    let now = Utc::now().timestamp();
    json!({"iss": ISSUER, "aud": AUDIENCE, "sub": sub, "org": org,
           "iat": now, "nbf": now - 5, "exp": now + 600})
}

struct Idp {
    rsa: Signer,
    ec: Signer,
    ed: Signer,
}

impl Idp {
    fn new() -> Self {
        Idp {
            rsa: Signer::rsa(),
            ec: Signer::ec(),
            ed: Signer::ed(),
        }
    }

    fn signers(&self) -> [&Signer; 3] {
        [&self.rsa, &self.ec, &self.ed]
    }

    fn jwks_json(&self) -> String {
        json!({"keys": self.signers().map(Signer::jwk)}).to_string()
    }

    fn config(&self) -> OidcConfig {
        OidcConfig::new(
            ISSUER,
            AUDIENCE,
            Jwks::from_json(&self.jwks_json()).unwrap(),
        )
    }
}

struct World {
    store: Arc<dyn Store>,
    _dir: tempfile::TempDir,
    /// API token headers of owner A and owner B.
    owner_a: String,
    owner_b: String,
    a_ids: BTreeSet<Uuid>,
    b_ids: BTreeSet<Uuid>,
    bbox: String,
}

/// Owner A holds the town's electricity network, owner B its water network.
async fn world() -> World {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn Store> =
        Arc::new(GpkgStore::open(&dir.path().join("o.gpkg")).await.unwrap());
    let town = Town::new(TownConfig::new(11, 400));
    let of = |owner: &str| {
        town.features()
            .filter(|f| f.owner_id.as_str() == owner)
            .collect::<Vec<_>>()
    };
    let (a, b) = (of("SYN-EL"), of("SYN-VAND"));
    assert!(!a.is_empty() && !b.is_empty());
    replace_dataset(store.as_ref(), &common::org("OWN-A"), "network", a.clone())
        .await
        .unwrap();
    replace_dataset(store.as_ref(), &common::org("OWN-B"), "network", b.clone())
        .await
        .unwrap();
    let owner_a = common::org_with_token(store.as_ref(), "OWN-A", Role::Owner).await;
    let owner_b = common::org_with_token(store.as_ref(), "OWN-B", Role::Owner).await;
    common::org_with_token(store.as_ref(), "ADMIN", Role::Admin).await;
    let e = town.extent();
    World {
        store,
        _dir: dir,
        owner_a,
        owner_b,
        a_ids: a.iter().map(|f| f.id).collect(),
        b_ids: b.iter().map(|f| f.id).collect(),
        bbox: format!("{},{},{},{}", e.min().x, e.min().y, e.max().x, e.max().y),
    }
}

fn app(store: Arc<dyn Store>, oidc: Option<OidcConfig>) -> axum::Router {
    let mut state = AppState::new(store).with_rate(RateLimiter::new(0.0, 1.0));
    if let Some(c) = oidc {
        state = state.with_oidc(c);
    }
    router(state, &Limits::default())
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

fn ids(body: &Value) -> BTreeSet<Uuid> {
    body["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().parse().unwrap())
        .collect()
}

#[tokio::test]
async fn a_valid_jwt_sees_exactly_what_the_owners_api_token_sees() {
    let w = world().await;
    let idp = Idp::new();
    let app = app(w.store.clone(), Some(idp.config()));
    let uri = format!("/api/v1/features?limit=10000&bbox={}", w.bbox);

    let (status, by_token) = common::get(&app, &uri, Some(&w.owner_a)).await;
    assert_eq!(status, 200, "{by_token}");
    assert_eq!(ids(&by_token), w.a_ids, "owner A's token sees its network");
    let (_, by_token_b) = common::get(&app, &uri, Some(&w.owner_b)).await;
    assert_eq!(ids(&by_token_b), w.b_ids);

    for signer in idp.signers() {
        let jwt = signer.token(&claims("alice@vand-a.dk", "OWN-A"));
        let (status, me) = common::get(&app, "/api/v1/me", Some(&bearer(&jwt))).await;
        assert_eq!(status, 200, "{}: {me}", signer.alg());
        assert_eq!(
            me,
            json!({"org_id": "OWN-A", "name": "OWN-A", "role": "owner"})
        );
        let (status, body) = common::get(&app, &uri, Some(&bearer(&jwt))).await;
        assert_eq!(status, 200, "{}: {body}", signer.alg());
        assert_eq!(
            body,
            by_token,
            "{}: the JWT's body is the token's",
            signer.alg()
        );

        let jwt_b = signer.token(&claims("bob@vand-b.dk", "OWN-B"));
        let (_, body_b) = common::get(&app, &uri, Some(&bearer(&jwt_b))).await;
        assert_eq!(body_b, by_token_b, "{}: owner B via OIDC", signer.alg());
    }

    // A configured org claim other than `org`.
    let app = crate::app(
        w.store.clone(),
        Some(idp.config().with_org_claim("ler_org")),
    );
    let mut c = claims("alice@vand-a.dk", "OWN-B");
    c["ler_org"] = json!("OWN-A");
    let (status, body) = common::get(&app, &uri, Some(&bearer(&idp.ec.token(&c)))).await;
    assert_eq!(status, 200);
    assert_eq!(body, by_token, "the org comes from the configured claim");
}

/// Expects 401 with the JSON error naming `reason`, and no key material.
async fn refused(app: &axum::Router, idp: &Idp, case: &str, token: &str, reason: &str) {
    let (status, body) = common::get(app, "/api/v1/me", Some(&bearer(token))).await;
    assert_eq!(status, 401, "{case}: {body}");
    assert_eq!(body["error"], "unauthorized", "{case}");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains(reason),
        "{case}: {message:?} should say {reason:?}"
    );
    for s in idp.signers() {
        let jwk = s.jwk();
        for member in ["n", "x", "y"] {
            if let Some(v) = jwk[member].as_str() {
                assert!(
                    !message.contains(&v[..16]),
                    "{case}: key material in {message:?}"
                );
            }
        }
    }
}

#[tokio::test]
async fn refused_jwts_get_401_naming_the_reason() {
    let w = world().await;
    let idp = Idp::new();
    let app = app(w.store.clone(), Some(idp.config()));
    let now = Utc::now().timestamp();
    let good = claims("alice@vand-a.dk", "OWN-A");
    let with = |k: &str, v: Value| {
        let mut c = good.clone();
        c[k] = v;
        c
    };
    let without = |k: &str| {
        let mut c = good.clone();
        c.as_object_mut().unwrap().remove(k);
        c
    };

    // The control: the good claims pass with every key.
    for s in idp.signers() {
        let (status, _) = common::get(&app, "/api/v1/me", Some(&bearer(&s.token(&good)))).await;
        assert_eq!(status, 200, "{}", s.alg());
    }
    // Inside the default 60 s leeway, an expired or early token still passes.
    for c in [with("exp", json!(now - 20)), with("nbf", json!(now + 20))] {
        let (status, body) =
            common::get(&app, "/api/v1/me", Some(&bearer(&idp.ed.token(&c)))).await;
        assert_eq!(status, 200, "within leeway: {body}");
    }

    let ec = &idp.ec;
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "expired",
            ec.token(&with("exp", json!(now - 3600))),
            "expired",
        ),
        (
            "not yet valid",
            ec.token(&with("nbf", json!(now + 3600))),
            "not valid yet",
        ),
        (
            "wrong issuer",
            ec.token(&with("iss", json!("https://evil.test"))),
            "issuer",
        ),
        (
            "wrong audience",
            ec.token(&with("aud", json!("another-app"))),
            "audience",
        ),
        (
            "audience list without us",
            ec.token(&with("aud", json!(["a", "b"]))),
            "audience",
        ),
        ("no exp", ec.token(&without("exp")), "required claim"),
        ("no sub", ec.token(&without("sub")), "required claim"),
        (
            "no org claim",
            ec.token(&without("org")),
            "organisation claim",
        ),
        (
            "org claim not a string",
            ec.token(&with("org", json!(["OWN-A"]))),
            "must be a string",
        ),
        (
            "unknown org",
            ec.token(&with("org", json!("OWN-Z"))),
            "organisation is not known",
        ),
        (
            "invalid org id",
            ec.token(&with("org", json!("no such org!"))),
            "not a valid organisation id",
        ),
        (
            "unknown kid",
            ec.token_with_header(&json!({"alg": "ES256", "kid": "ec-9"}), &good),
            "kid",
        ),
        (
            "no kid with several keys",
            ec.token_with_header(&json!({"alg": "ES256"}), &good),
            "names no key",
        ),
        (
            "RSA kid, EC signature",
            ec.token_with_header(&json!({"alg": "ES256", "kid": "rsa-1"}), &good),
            "algorithm",
        ),
        (
            "Ed25519 key, claimed alg RS256",
            idp.ed
                .token_with_header(&json!({"alg": "RS256", "kid": "ed-1"}), &good),
            "algorithm",
        ),
        (
            "unknown alg",
            ec.token_with_header(&json!({"alg": "ES999", "kid": "ec-1"}), &good),
            "algorithm",
        ),
        (
            "critical extension",
            ec.token_with_header(
                &json!({"alg": "ES256", "kid": "ec-1", "crit": ["exp"], "exp": 1}),
                &good,
            ),
            "critical",
        ),
        (
            "not JSON header",
            format!("bm90IGpzb24.{}", b64(good.to_string().as_bytes())) + ".c2ln",
            "well-formed",
        ),
    ];
    for (case, token, reason) in &cases {
        refused(&app, &idp, case, token, reason).await;
    }

    // Tampered payload: owner A's signature over claims now naming the admin.
    for s in idp.signers() {
        let token = s.token(&good);
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        parts[1] = b64(with("org", json!("ADMIN")).to_string().as_bytes());
        refused(
            &app,
            &idp,
            "tampered payload",
            &parts.join("."),
            "signature",
        )
        .await;
        // One changed byte of the signature.
        let mut sig = URL_SAFE_NO_PAD
            .decode(token.rsplit('.').next().unwrap())
            .unwrap();
        sig[7] ^= 0x20;
        let (head, _) = token.rsplit_once('.').unwrap();
        refused(
            &app,
            &idp,
            "bit-flipped signature",
            &format!("{head}.{}", b64(&sig)),
            "signature",
        )
        .await;
    }

    // alg none: unsigned, with and without a kid, in any spelling.
    for header in [
        json!({"alg": "none"}),
        json!({"alg": "none", "kid": "rsa-1"}),
        json!({"alg": "None", "kid": "ec-1"}),
    ] {
        let unsigned = format!("{}.", signing_input(&header, &with("org", json!("ADMIN"))));
        refused(&app, &idp, "alg none", &unsigned, "alg none").await;
        let with_junk = format!("{unsigned}c2ln");
        refused(
            &app,
            &idp,
            "alg none with a signature",
            &with_junk,
            "alg none",
        )
        .await;
    }

    // The key-confusion attack: HS256 "signed" with the public key's bytes,
    // in every form a verifier might mistake for a secret.
    let Key::Rsa(rsa_key) = &idp.rsa.key else {
        unreachable!()
    };
    let public = rsa_key.to_public_key();
    let pem = public.to_public_key_pem(LineEnding::LF).unwrap();
    let der = public.to_public_key_der().unwrap();
    let jwk_text = idp.rsa.jwk().to_string();
    let ec_point = match &idp.ec.key {
        Key::Ec(k) => k.public_key().as_ref().to_vec(),
        _ => unreachable!(),
    };
    let secrets: [(&str, &[u8]); 4] = [
        ("rsa-1", pem.as_bytes()),
        ("rsa-1", der.as_bytes()),
        ("rsa-1", jwk_text.as_bytes()),
        ("ec-1", &ec_point),
    ];
    for (kid, secret) in secrets {
        for alg in ["HS256", "HS384", "HS512"] {
            let input = signing_input(
                &json!({"alg": alg, "kid": kid}),
                &with("org", json!("ADMIN")),
            );
            let algo = match alg {
                "HS256" => ring::hmac::HMAC_SHA256,
                "HS384" => ring::hmac::HMAC_SHA384,
                _ => ring::hmac::HMAC_SHA512,
            };
            let mac = ring::hmac::sign(&ring::hmac::Key::new(algo, secret), input.as_bytes());
            let forged = format!("{input}.{}", b64(mac.as_ref()));
            refused(
                &app,
                &idp,
                &format!("{alg} with {kid}'s public key"),
                &forged,
                "algorithm",
            )
            .await;
        }
    }

    // A JWT signed by a key the JWKS does not hold, under a known kid.
    let impostor = Signer::ec();
    refused(
        &app,
        &idp,
        "foreign key",
        &impostor.token(&good),
        "signature",
    )
    .await;

    // A leeway beyond an hour is capped (and does not overflow the clock check).
    let lax = crate::app(
        w.store.clone(),
        Some(idp.config().with_leeway(std::time::Duration::MAX)),
    );
    let two_hours_ago = idp.ec.token(&with("exp", json!(now - 7200)));
    refused(
        &lax,
        &idp,
        "expired beyond the cap",
        &two_hours_ago,
        "expired",
    )
    .await;
    let half_hour_ago = idp.ec.token(&with("exp", json!(now - 1800)));
    let (status, _) = common::get(&lax, "/api/v1/me", Some(&bearer(&half_hour_ago))).await;
    assert_eq!(status, 200, "within the capped leeway");

    // Over-long tokens are refused before any parsing.
    let long = format!("{}.{}.{}", "a".repeat(5000), "b".repeat(5000), "c");
    let (status, _) = common::get(&app, "/api/v1/me", Some(&bearer(&long))).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn without_oidc_a_jwt_is_refused() {
    let w = world().await;
    let idp = Idp::new();
    let app = app(w.store.clone(), None);
    let jwt = idp.ed.token(&claims("alice@vand-a.dk", "OWN-A"));
    let (status, body) = common::get(&app, "/api/v1/me", Some(&bearer(&jwt))).await;
    assert_eq!(status, 401, "{body}");
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("single sign-on is not configured"),
        "{body}"
    );
    // API tokens work as before.
    let (status, me) = common::get(&app, "/api/v1/me", Some(&w.owner_a)).await;
    assert_eq!(
        (status.as_u16(), me["org_id"].as_str()),
        (200, Some("OWN-A"))
    );
}

#[tokio::test]
async fn disclosures_via_oidc_are_audited_under_the_subject() {
    let w = world().await;
    let idp = Idp::new();
    let app = app(w.store.clone(), Some(idp.config()));
    let uri = format!("/api/v1/features?limit=10000&bbox={}", w.bbox);
    let (status, _) = common::get(&app, &uri, Some(&w.owner_a)).await;
    assert_eq!(status, 200);
    for sub in ["alice@vand-a.dk", "carl@vand-a.dk", "alice@vand-a.dk"] {
        let jwt = idp.rsa.token(&claims(sub, "OWN-A"));
        let (status, body) = common::get(&app, &uri, Some(&bearer(&jwt))).await;
        assert_eq!(status, 200);
        assert_eq!(ids(&body), w.a_ids);
    }
    let (log, head) = w.store.audit_log().await.unwrap();
    assert_eq!(log.len(), 4);
    assert_eq!(
        verify_chain(&log, head.as_ref().map(|(s, h)| (*s, h.as_str()))),
        Ok(4)
    );
    // The id an auditor computes from a subject: UUIDv5 of `oidc:<iss>#<sub>`.
    let oidc_id =
        |sub: &str| Uuid::new_v5(&AUDIT_NAMESPACE, format!("oidc:{ISSUER}#{sub}").as_bytes());
    let token_ids: Vec<Uuid> = log.iter().map(|e| e.record.token_id.unwrap()).collect();
    assert_eq!(
        token_ids[0].get_version_num(),
        4,
        "the API token's random id"
    );
    assert_eq!(
        token_ids[1..],
        [
            oidc_id("alice@vand-a.dk"),
            oidc_id("carl@vand-a.dk"),
            oidc_id("alice@vand-a.dk")
        ]
    );
    for e in &log {
        assert_eq!(e.record.org_id.as_ref().map(|o| o.as_str()), Some("OWN-A"));
        assert_eq!(e.record.action, "features.read");
        assert_eq!(e.record.feature_count, w.a_ids.len() as u64);
        assert_eq!(
            (e.record.feature_count, e.record.feature_digest.clone()),
            forsyning_model::AuditRecord::digest_ids(w.a_ids.iter().copied())
        );
    }
    // Refused tokens disclose nothing and so write nothing.
    let mut expired = claims("mallory", "OWN-A");
    expired["exp"] = json!(Utc::now().timestamp() - 3600);
    let (status, _) = common::get(&app, &uri, Some(&bearer(&idp.rsa.token(&expired)))).await;
    assert_eq!(status, 401);
    assert_eq!(w.store.audit_log().await.unwrap().0.len(), 4);
}

#[tokio::test]
async fn each_oidc_subject_has_its_own_rate_limit() {
    let w = world().await;
    let idp = Idp::new();
    let app = router(
        AppState::new(w.store.clone())
            .with_rate(RateLimiter::new(2.0, 2.0))
            .with_oidc(idp.config()),
        &Limits::default(),
    );
    let alice = bearer(&idp.ed.token(&claims("alice@vand-a.dk", "OWN-A")));
    let bob = bearer(&idp.ed.token(&claims("bob@vand-a.dk", "OWN-A")));
    let mut codes = Vec::new();
    for auth in [&alice, &alice, &alice, &bob, &w.owner_a] {
        codes.push(common::get(&app, "/api/v1/me", Some(auth)).await.0.as_u16());
    }
    assert_eq!(codes, [200, 200, 429, 200, 200]);
    // A fresh token of the same subject shares the subject's bucket.
    let alice_again = bearer(&idp.rsa.token(&claims("alice@vand-a.dk", "OWN-A")));
    let (status, body) = common::get(&app, "/api/v1/me", Some(&alice_again)).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["error"], "rate_limited");
}
