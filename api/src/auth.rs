//! Who is calling: `Authorization: Bearer <token>` resolved to an
//! organisation, or anonymous. Tokens are looked up by their SHA-256 hash;
//! the token itself is never logged or stored.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use forsyning_model::{token_hash, Organisation};
use uuid::Uuid;

use crate::{ApiError, AppState};

/// The caller of a request.
#[derive(Debug, Clone)]
pub enum Principal {
    Anonymous,
    Org { org: Organisation, token_id: Uuid },
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
            .filter(|t| !t.is_empty() && t.len() <= 256)
            .ok_or(ApiError::Unauthorized(
                "the Authorization header must be `Bearer <token>`",
            ))?;
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
        })
    }
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
