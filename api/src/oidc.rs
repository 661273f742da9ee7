//! Single sign-on: OIDC ID/access tokens (JWTs) verified against a JWKS
//! that the deployment configures. The binary reads the JWKS file; this
//! module only parses its text.
//!
//! A token is accepted when its signature verifies with the JWKS key its
//! `kid` names, its `alg` is one the key allows (never `none`, never an
//! HMAC algorithm: the keys are public), and its `iss`, `aud`, `exp` and
//! `nbf` hold. Its organisation claim (`org` by default) names the
//! organisation whose role the caller gets.

use std::fmt;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;
use uuid::Uuid;

/// The default name of the claim that holds the organisation id.
pub const DEFAULT_ORG_CLAIM: &str = "org";

/// The default clock skew allowed on `exp` and `nbf`.
pub const DEFAULT_LEEWAY: Duration = Duration::from_secs(60);

/// The largest leeway honoured; more is capped to this.
pub const MAX_LEEWAY: Duration = Duration::from_secs(3600);

/// Longest JWT accepted, bytes.
pub const MAX_JWT_LEN: usize = 8 * 1024;

/// The UUID namespace of OIDC callers in the audit log (see [`audit_token_id`]).
pub const AUDIT_NAMESPACE: Uuid = Uuid::from_u128(0x6f69_6463_2d66_6f72_7379_6e69_6e67_0001);

/// The `token_id` the audit log records for a caller who came via OIDC:
/// UUIDv5 in [`AUDIT_NAMESPACE`] of `oidc:<issuer>#<subject>`. The same
/// subject always gets the same id, and an auditor who knows a subject can
/// compute it; it never collides with an API token's random (v4) id.
pub fn audit_token_id(issuer: &str, subject: &str) -> Uuid {
    Uuid::new_v5(
        &AUDIT_NAMESPACE,
        format!("oidc:{issuer}#{subject}").as_bytes(),
    )
}

/// Whether a bearer token has the shape of a JWT (three base64url parts
/// separated by dots, the last possibly empty) rather than of an API token.
pub fn looks_like_jwt(token: &str) -> bool {
    let b64url = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    let parts: Vec<&str> = token.split('.').collect();
    parts.len() == 3
        && !parts[0].is_empty()
        && !parts[1].is_empty()
        && parts.iter().all(|p| b64url(p))
}

/// A problem with the configured JWKS: the server must not start with it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JwksError {
    #[error("the JWKS is not JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("the JWKS must be a JSON object with a `keys` array")]
    NoKeysArray,
    #[error("the JWKS holds no signature key")]
    Empty,
    #[error("JWKS key {index}{}: {problem}", kid_suffix(.kid))]
    Key {
        index: usize,
        kid: Option<String>,
        problem: String,
    },
    #[error("JWKS keys {first} and {second} share the kid {kid:?}")]
    DuplicateKid {
        kid: String,
        first: usize,
        second: usize,
    },
}

fn kid_suffix(kid: &Option<String>) -> String {
    kid.as_ref()
        .map(|k| format!(" (kid {k:?})"))
        .unwrap_or_default()
}

/// One public key of the JWKS and the algorithms it verifies.
#[derive(Clone)]
struct VerifyKey {
    kid: Option<String>,
    algorithms: Vec<Algorithm>,
    key: DecodingKey,
}

/// The public signature keys of the identity provider.
#[derive(Clone)]
pub struct Jwks {
    keys: Vec<VerifyKey>,
}

impl fmt::Debug for Jwks {
    /// Key ids and algorithms only: never key material.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.keys.iter().map(|k| (&k.kid, &k.algorithms)))
            .finish()
    }
}

/// Members of a JWK that only private or symmetric keys have.
const SECRET_MEMBERS: [&str; 7] = ["d", "p", "q", "dp", "dq", "qi", "k"];

impl Jwks {
    /// Parses a JWKS document (RFC 7517 §5). Keys marked for encryption
    /// (`"use": "enc"`) are skipped; symmetric keys and keys holding
    /// private parts are refused, as are unsupported key types and curves.
    pub fn from_json(text: &str) -> Result<Self, JwksError> {
        let doc: Value = serde_json::from_str(text)?;
        let list = doc
            .get("keys")
            .and_then(Value::as_array)
            .ok_or(JwksError::NoKeysArray)?;
        let mut keys: Vec<VerifyKey> = Vec::new();
        let mut indices: Vec<usize> = Vec::new();
        for (index, raw) in list.iter().enumerate() {
            let kid = raw.get("kid").and_then(Value::as_str).map(str::to_owned);
            let err = |problem: String| JwksError::Key {
                index,
                kid: kid.clone(),
                problem,
            };
            if raw.get("kty").and_then(Value::as_str) == Some("oct") {
                return Err(err(
                    "symmetric keys (kty oct) are refused: OIDC tokens are verified with public keys"
                        .into(),
                ));
            }
            if let Some(m) = SECRET_MEMBERS.iter().find(|m| raw.get(**m).is_some()) {
                return Err(err(format!(
                    "holds private key material (member {m:?}); publish only public keys"
                )));
            }
            let jwk: Jwk = serde_json::from_value(raw.clone())
                .map_err(|e| err(format!("not a supported public JWK: {e}")))?;
            if matches!(jwk.common.public_key_use, Some(PublicKeyUse::Encryption)) {
                continue;
            }
            let algorithms = algorithms_of(&jwk).map_err(err)?;
            let key = DecodingKey::from_jwk(&jwk).map_err(|e| err(e.to_string()))?;
            if let Some(k) = &kid {
                if let Some(pos) = keys.iter().position(|o| o.kid.as_ref() == Some(k)) {
                    return Err(JwksError::DuplicateKid {
                        kid: k.clone(),
                        first: indices[pos],
                        second: index,
                    });
                }
            }
            keys.push(VerifyKey {
                kid,
                algorithms,
                key,
            });
            indices.push(index);
        }
        if keys.is_empty() {
            return Err(JwksError::Empty);
        }
        Ok(Self { keys })
    }

    /// Number of signature keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether there is no key (never true for a parsed JWKS).
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The key ids, for the start-up message (keys without one are skipped).
    pub fn kids(&self) -> Vec<&str> {
        self.keys.iter().filter_map(|k| k.kid.as_deref()).collect()
    }

    /// The key a token's `kid` names; without a kid, the only key.
    fn select(&self, kid: Option<&str>) -> Result<&VerifyKey, OidcRejection> {
        match kid {
            Some(kid) => self
                .keys
                .iter()
                .find(|k| k.kid.as_deref() == Some(kid))
                .ok_or(OidcRejection::UnknownKid),
            None if self.keys.len() == 1 => Ok(&self.keys[0]),
            None => Err(OidcRejection::NoKid),
        }
    }
}

/// The signature algorithms a public JWK verifies: its `alg` when it names
/// one, else those of its key type and curve.
fn algorithms_of(jwk: &Jwk) -> Result<Vec<Algorithm>, String> {
    use Algorithm::*;
    let family: Vec<Algorithm> = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => vec![RS256, RS384, RS512, PS256, PS384, PS512],
        AlgorithmParameters::EllipticCurve(p) => match p.curve {
            EllipticCurve::P256 => vec![ES256],
            EllipticCurve::P384 => vec![ES384],
            ref c => return Err(format!("curve {c:?} is not supported for kty EC")),
        },
        AlgorithmParameters::OctetKeyPair(p) => match p.curve {
            EllipticCurve::Ed25519 => vec![EdDSA],
            ref c => return Err(format!("curve {c:?} is not supported for kty OKP")),
        },
        AlgorithmParameters::OctetKey(_) => {
            return Err("symmetric keys (kty oct) are refused".into())
        }
    };
    let Some(alg) = jwk.common.key_algorithm else {
        return Ok(family);
    };
    let named = match alg {
        KeyAlgorithm::RS256 => RS256,
        KeyAlgorithm::RS384 => RS384,
        KeyAlgorithm::RS512 => RS512,
        KeyAlgorithm::PS256 => PS256,
        KeyAlgorithm::PS384 => PS384,
        KeyAlgorithm::PS512 => PS512,
        KeyAlgorithm::ES256 => ES256,
        KeyAlgorithm::ES384 => ES384,
        KeyAlgorithm::EdDSA => EdDSA,
        other => {
            return Err(format!(
                "alg {other} is not a public-key signature algorithm"
            ))
        }
    };
    if !family.contains(&named) {
        return Err(format!("alg {alg} does not fit the key's type or curve"));
    }
    Ok(vec![named])
}

/// How this deployment accepts OIDC tokens.
#[derive(Debug, Clone)]
pub struct OidcConfig {
    /// The `iss` every token must carry, e.g. `https://login.example.dk/realms/ler`.
    pub issuer: String,
    /// The `aud` every token must include (the client id of this API).
    pub audience: String,
    /// The identity provider's public keys.
    pub jwks: Jwks,
    /// The claim that holds the caller's organisation id.
    pub org_claim: String,
    /// Clock skew allowed on `exp` and `nbf` (at most [`MAX_LEEWAY`]).
    pub leeway: Duration,
}

/// Who a verified token says the caller is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcIdentity {
    /// The `sub` claim.
    pub subject: String,
    /// The organisation claim's value (not yet checked against the store).
    pub org: String,
}

/// Why a JWT was refused. Messages name the reason and never key material.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum OidcRejection {
    Malformed,
    AlgNone,
    AlgorithmMismatch,
    CriticalHeader,
    UnknownKid,
    NoKid,
    BadSignature,
    Expired,
    NotYetValid,
    WrongIssuer,
    WrongAudience,
    MissingClaim,
    MissingOrgClaim,
    OrgClaimNotString,
}

impl OidcRejection {
    /// The reason as a static message, for the 401 body.
    pub fn message(self) -> &'static str {
        use OidcRejection::*;
        match self {
            Malformed => "the token is not a well-formed JWT",
            AlgNone => "unsigned tokens (alg none) are refused",
            AlgorithmMismatch => "the token's algorithm is not one its key allows",
            CriticalHeader => {
                "the token has critical header extensions this server does not understand"
            }
            UnknownKid => "no key of the configured JWKS has the token's kid",
            NoKid => "the token names no key (kid) and the JWKS holds several",
            BadSignature => "the token's signature does not verify",
            Expired => "the token has expired",
            NotYetValid => "the token is not valid yet (nbf)",
            WrongIssuer => "the token's issuer is not the configured one",
            WrongAudience => "the token's audience does not include this API",
            MissingClaim => "the token lacks a required claim (exp, iss, aud, sub)",
            MissingOrgClaim => "the token lacks the organisation claim",
            OrgClaimNotString => "the token's organisation claim must be a string",
        }
    }
}

impl fmt::Display for OidcRejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for OidcRejection {}

impl OidcConfig {
    /// A configuration with the default organisation claim and leeway.
    pub fn new(issuer: impl Into<String>, audience: impl Into<String>, jwks: Jwks) -> Self {
        Self {
            issuer: issuer.into(),
            audience: audience.into(),
            jwks,
            org_claim: DEFAULT_ORG_CLAIM.to_owned(),
            leeway: DEFAULT_LEEWAY,
        }
    }

    /// This configuration reading the organisation from claim `name`.
    pub fn with_org_claim(mut self, name: impl Into<String>) -> Self {
        self.org_claim = name.into();
        self
    }

    /// This configuration allowing `leeway` of clock skew.
    pub fn with_leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway;
        self
    }

    /// Verifies `token` now: header, key, signature, then claims.
    pub fn verify(&self, token: &str) -> Result<OidcIdentity, OidcRejection> {
        if token.len() > MAX_JWT_LEN || !looks_like_jwt(token) {
            return Err(OidcRejection::Malformed);
        }
        let header_part = token.split('.').next().unwrap_or_default();
        let header: Value = URL_SAFE_NO_PAD
            .decode(header_part)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .filter(Value::is_object)
            .ok_or(OidcRejection::Malformed)?;
        let alg = header
            .get("alg")
            .and_then(Value::as_str)
            .ok_or(OidcRejection::Malformed)?;
        if alg.eq_ignore_ascii_case("none") {
            return Err(OidcRejection::AlgNone);
        }
        if header.get("crit").is_some() {
            return Err(OidcRejection::CriticalHeader);
        }
        let kid = match header.get("kid") {
            None => None,
            Some(Value::String(k)) => Some(k.as_str()),
            Some(_) => return Err(OidcRejection::Malformed),
        };
        let key = self.jwks.select(kid)?;
        let alg: Algorithm = alg.parse().map_err(|_| OidcRejection::AlgorithmMismatch)?;
        if !key.algorithms.contains(&alg) {
            return Err(OidcRejection::AlgorithmMismatch);
        }
        let mut v = Validation::new(alg);
        v.set_issuer(&[&self.issuer]);
        v.set_audience(&[&self.audience]);
        v.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        v.validate_nbf = true;
        v.leeway = self.leeway.min(MAX_LEEWAY).as_secs();
        let data = jsonwebtoken::decode::<Value>(token, &key.key, &v).map_err(rejection)?;
        let subject = data
            .claims
            .get("sub")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or(OidcRejection::MissingClaim)?
            .to_owned();
        let org = match data.claims.get(&self.org_claim) {
            None | Some(Value::Null) => return Err(OidcRejection::MissingOrgClaim),
            Some(Value::String(s)) => s.clone(),
            Some(_) => return Err(OidcRejection::OrgClaimNotString),
        };
        Ok(OidcIdentity { subject, org })
    }
}

fn rejection(e: jsonwebtoken::errors::Error) -> OidcRejection {
    use jsonwebtoken::errors::ErrorKind as K;
    match e.kind() {
        K::InvalidSignature | K::Crypto(_) | K::InvalidEcdsaKey | K::InvalidRsaKey(_) => {
            OidcRejection::BadSignature
        }
        K::ExpiredSignature => OidcRejection::Expired,
        K::ImmatureSignature => OidcRejection::NotYetValid,
        K::InvalidIssuer => OidcRejection::WrongIssuer,
        K::InvalidAudience => OidcRejection::WrongAudience,
        K::MissingRequiredClaim(_) => OidcRejection::MissingClaim,
        K::InvalidAlgorithm | K::InvalidAlgorithmName | K::MissingAlgorithm => {
            OidcRejection::AlgorithmMismatch
        }
        _ => OidcRejection::Malformed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 7515 appendix A.3: an ES256 JWS over a P-256 key, published with its JWK.
    const A3_JWK: &str = r#"{"kty":"EC","crv":"P-256",
        "x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
        "y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}"#;

    #[test]
    fn jwt_shape_is_told_from_api_tokens() {
        assert!(looks_like_jwt("eyJh.eyJz.c2ln"));
        assert!(
            looks_like_jwt("eyJh.eyJz."),
            "an unsigned JWT is still a JWT"
        );
        assert!(!looks_like_jwt(
            "fsy_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
        ));
        assert!(!looks_like_jwt("a.b"));
        assert!(!looks_like_jwt("a.b.c.d"));
        assert!(!looks_like_jwt(".b.c"));
        assert!(!looks_like_jwt("a+b.c.d"), "base64url only");
    }

    #[test]
    fn audit_ids_are_v5_per_issuer_and_subject() {
        let a = audit_token_id("https://idp", "alice");
        // Python: uuid.uuid5(UUID("6f696463-2d66-6f72-7379-6e696e670001"), "oidc:https://idp#alice")
        assert_eq!(a.to_string(), "a6eaadad-1065-5c83-9199-41a264889b89");
        assert_eq!(a.get_version_num(), 5);
        assert_eq!(a, audit_token_id("https://idp", "alice"));
        assert_ne!(a, audit_token_id("https://idp", "bob"));
        assert_ne!(a, audit_token_id("https://other", "alice"));
    }

    #[test]
    fn jwks_refuses_secrets_and_keeps_public_keys() {
        let one = format!(r#"{{"keys":[{A3_JWK}]}}"#);
        let jwks = Jwks::from_json(&one).unwrap();
        assert_eq!(jwks.len(), 1);
        assert_eq!(jwks.keys[0].algorithms, [Algorithm::ES256]);

        let private = r#"{"keys":[{"kty":"EC","crv":"P-256","kid":"k1",
            "x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
            "y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
            "d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"}]}"#;
        let e = Jwks::from_json(private).unwrap_err().to_string();
        assert!(
            e.contains("key 0") && e.contains("\"k1\"") && e.contains("private key material"),
            "{e}"
        );
        // ... and the message carries no key material.
        assert!(!e.contains("jpsQ"), "{e}");

        let oct = r#"{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}"#;
        assert!(Jwks::from_json(oct)
            .unwrap_err()
            .to_string()
            .contains("symmetric"));

        let hs_alg = r#"{"keys":[{"kty":"EC","crv":"P-256","alg":"HS256",
            "x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
            "y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}"#;
        assert!(Jwks::from_json(hs_alg)
            .unwrap_err()
            .to_string()
            .contains("not a public-key signature algorithm"));

        let wrong_curve_alg = r#"{"keys":[{"kty":"EC","crv":"P-256","alg":"ES384",
            "x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
            "y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}"#;
        assert!(Jwks::from_json(wrong_curve_alg)
            .unwrap_err()
            .to_string()
            .contains("does not fit"));

        let enc_only = r#"{"keys":[{"kty":"RSA","use":"enc","n":"AQAB","e":"AQAB"}]}"#;
        assert!(matches!(Jwks::from_json(enc_only), Err(JwksError::Empty)));
        assert!(matches!(
            Jwks::from_json(r#"{"nokeys":[]}"#),
            Err(JwksError::NoKeysArray)
        ));
        assert!(matches!(Jwks::from_json("{"), Err(JwksError::Json(_))));

        let dup = r#"{"keys":[
            {"kty":"OKP","crv":"Ed25519","kid":"a","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
            {"kty":"OKP","crv":"Ed25519","kid":"a","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}"#;
        assert!(matches!(
            Jwks::from_json(dup),
            Err(JwksError::DuplicateKid {
                first: 0,
                second: 1,
                ..
            })
        ));
    }

    #[test]
    fn rfc7515_es256_example_passes_the_signature_check() {
        // The RFC's token (A.3.1) has iss "joe", no aud, exp 1300819380 (2011):
        // a correct signature must get past the signature check and fail on claims.
        let token = "eyJhbGciOiJFUzI1NiJ9\
            .eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ\
            .DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
        let jwks = Jwks::from_json(&format!(r#"{{"keys":[{A3_JWK}]}}"#)).unwrap();
        let cfg = OidcConfig::new("joe", "forsyning", jwks);
        // Required `aud` and `sub` are missing: the claims check fails, not the signature.
        assert_eq!(cfg.verify(token), Err(OidcRejection::MissingClaim));
        // One changed character of the signature, and it is the signature that fails.
        let sig_at = token.rfind('.').unwrap() + 10;
        let mut bad = token.to_owned();
        let flipped = if &bad[sig_at..=sig_at] == "A" {
            "B"
        } else {
            "A"
        };
        bad.replace_range(sig_at..=sig_at, flipped);
        assert_eq!(cfg.verify(&bad), Err(OidcRejection::BadSignature));
    }
}
