//! Who is calling: `Authorization: Bearer <token>` resolved to an
//! organisation, or anonymous. API tokens are looked up by their SHA-256
//! hash; a token shaped like a JWT is verified as an OIDC token when single
//! sign-on is configured (see [`crate::oidc`]). Tokens are never logged or
//! stored.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use forsyning_model::{token_hash, OrgId, Organisation};
use uuid::Uuid;

use crate::oidc::{self, OidcConfig};
use crate::{ApiError, AppState};

/// Longest API token accepted (they are 68 characters).
const MAX_API_TOKEN_LEN: usize = 256;

/// The caller of a request.
#[derive(Debug, Clone)]
pub enum Principal {
    Anonymous,
    /// An organisation, by an API token or by single sign-on.
    Org {
        org: Organisation,
        /// The API token's id, or for OIDC callers
        /// [`oidc::audit_token_id`] of the issuer and subject: what the
        /// audit log records as the token.
        token_id: Uuid,
        /// How the caller proved who it is.
        credential: Credential,
    },
}

/// How an organisation's caller authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A Forsyning API token (`fsy_...`).
    ApiToken,
    /// An OIDC JWT from the configured identity provider.
    Oidc {
        /// The token's `sub`.
        subject: String,
    },
}

impl Principal {
    pub fn org(&self) -> Option<&Organisation> {
        match self {
            Principal::Anonymous => None,
            Principal::Org { org, .. } => Some(org),
        }
    }

    pub fn token_id(&self) -> Option<Uuid> {
        match self {
            Principal::Anonymous => None,
            Principal::Org { token_id, .. } => Some(*token_id),
        }
    }

    /// The OIDC subject (`sub`) of a caller who came via single sign-on.
    pub fn oidc_subject(&self) -> Option<&str> {
        match self {
            Principal::Org {
                credential: Credential::Oidc { subject },
                ..
            } => Some(subject),
            _ => None,
        }
    }
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(value) = parts.headers.get(AUTHORIZATION) else {
            state.rate.check("anonymous")?;
            return Ok(Principal::Anonymous);
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.len() <= oidc::MAX_JWT_LEN)
            .ok_or(ApiError::Unauthorized(
                "the Authorization header must be `Bearer <token>`",
            ))?;
        if oidc::looks_like_jwt(token) {
            let Some(config) = state.oidc.as_deref() else {
                return Err(ApiError::Unauthorized(
                    "single sign-on is not configured: use an API token",
                ));
            };
            return oidc_principal(state, config, token).await;
        }
        if token.len() > MAX_API_TOKEN_LEN {
            return Err(ApiError::Unauthorized("unknown or revoked token"));
        }
        let record = state
            .store
            .token_by_hash(&token_hash(token))
            .await?
            .filter(|t| t.revoked_at.is_none())
            .ok_or(ApiError::Unauthorized("unknown or revoked token"))?;
        state.rate.check(&record.id.to_string())?;
        let org = state
            .store
            .org(&record.org_id)
            .await?
            .ok_or(ApiError::Unauthorized(
                "the token's organisation no longer exists",
            ))?;
        Ok(Principal::Org {
            org,
            token_id: record.id,
            credential: Credential::ApiToken,
        })
    }
}

/// The caller of a verified OIDC token: the organisation its claim names,
/// with that organisation's role, as an API token of it would get.
async fn oidc_principal(
    state: &AppState,
    config: &OidcConfig,
    token: &str,
) -> Result<Principal, ApiError> {
    let identity = config
        .verify(token)
        .map_err(|why| ApiError::Unauthorized(why.message()))?;
    let token_id = oidc::audit_token_id(&config.issuer, &identity.subject);
    state.rate.check(&token_id.to_string())?;
    let org_id = OrgId::new(identity.org.as_str()).map_err(|_| {
        ApiError::Unauthorized("the token's organisation claim is not a valid organisation id")
    })?;
    let org = state
        .store
        .org(&org_id)
        .await?
        .ok_or(ApiError::Unauthorized(
            "the token's organisation is not known here",
        ))?;
    tracing::debug!(subject = %identity.subject, %token_id, org = %org.id, "OIDC caller");
    Ok(Principal::Org {
        org,
        token_id,
        credential: Credential::Oidc {
            subject: identity.subject,
        },
    })
}

/// A token bucket per caller (token id, or one for all anonymous callers).
#[derive(Debug)]
pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimiter {
    /// `per_second` sustained requests with bursts of `burst`; 0 disables the limit.
    pub fn new(per_second: f64, burst: f64) -> Self {
        Self {
            per_second,
            burst: burst.max(1.0),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn check(&self, key: &str) -> Result<(), ApiError> {
        if self.per_second <= 0.0 {
            return Ok(());
        }
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() > 100_000 {
            buckets.retain(|_, (_, t)| now.duration_since(*t) < Duration::from_secs(60));
        }
        let (tokens, last) = buckets.entry(key.to_owned()).or_insert((self.burst, now));
        *tokens =
            (*tokens + now.duration_since(*last).as_secs_f64() * self.per_second).min(self.burst);
        *last = now;
        if *tokens < 1.0 {
            return Err(ApiError::TooManyRequests);
        }
        *tokens -= 1.0;
        Ok(())
    }
}
