//! Notifications: webhooks signed with HMAC-SHA256, delivered from the
//! store's persisted outbox with retries and backoff.
//!
//! The store writes an event per matched owner in the same transaction as
//! the change (a new dig request, a completed one), so a crash or a restart
//! loses none: the [`Dispatcher`] picks up whatever is pending when it starts.
//! A proximity alert of a GNSS device is a `proximity.alert` event of the
//! device's organisation (a contractor, usually), written with the stored
//! alert in the same way; no other organisation gets it.
//!
//! Routes (the organisation itself, an owner or a contractor, or an admin):
//! - `PUT /api/v1/owners/{org}/webhook` with `{"url": "https://..."}`
//!   registers the owner's webhook and returns its signing secret, once.
//! - `GET /api/v1/owners/{org}/webhook`, `DELETE /api/v1/owners/{org}/webhook`.
//! - `GET /api/v1/owners/{org}/events?limit=N`: the owner's events, newest
//!   first, with their delivery state.
//!
//! Each delivery is a `POST` of the event's JSON with the headers
//! `Forsyning-Event` (e.g. `dig_request.received`), `Forsyning-Delivery` (the
//! event id; the same on every retry, so receivers can drop duplicates) and
//! `Forsyning-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
//!
//! Secrets are not stored: a secret is the HMAC of the server's webhook key
//! (a file only the binary reads) and the webhook's random salt, so a copy
//! of the database cannot forge a delivery. Registering again rotates it.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::{Json, Router};
use chrono::{DateTime, Duration, Utc};
use forsyning_model::{OrgId, Role};
use forsyning_store::{Attempt, OutboxEvent, Store, StoreError, Webhook};
use futures::StreamExt;
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::auth::Principal;
use crate::{ApiError, AppState};

type HmacSha256 = Hmac<Sha256>;

/// Deliveries the dispatcher has under way at once.
pub const PARALLEL_DELIVERIES: usize = 16;

/// The server's webhook key, from which every owner's signing secret is derived.
#[derive(Clone)]
pub struct WebhookKey(Arc<Vec<u8>>);

impl std::fmt::Debug for WebhookKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookKey(..)")
    }
}

/// Why a webhook key was refused.
#[derive(Debug, thiserror::Error)]
#[error("the webhook key must hold at least 32 bytes (it has {0})")]
pub struct ShortKey(usize);

impl WebhookKey {
    /// A key of at least 32 bytes (e.g. `head -c 32 /dev/urandom > key`).
    pub fn new(bytes: Vec<u8>) -> Result<Self, ShortKey> {
        if bytes.len() < 32 {
            return Err(ShortKey(bytes.len()));
        }
        Ok(Self(Arc::new(bytes)))
    }

    /// The signing secret of `hook`, lower-case hex.
    pub fn secret(&self, hook: &Webhook) -> String {
        let mut mac = HmacSha256::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(b"forsyning-webhook\0");
        mac.update(hook.owner_id.as_str().as_bytes());
        mac.update(b"\0");
        mac.update(hook.salt.as_bytes());
        hex(&mac.finalize().into_bytes())
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The `Forsyning-Signature` header value of `body` sent at unix time `t`.
pub fn signature(secret: &str, t: i64, body: &[u8]) -> String {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("t={t},v1={}", hex(&mac.finalize().into_bytes()))
}

/// When to try again and when to give up.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// The delay after the first failure; it doubles after each one.
    pub first_delay: Duration,
    pub max_delay: Duration,
    /// Attempts in all before an event is given up.
    pub max_attempts: u32,
    /// How long one `POST` may take.
    pub timeout: StdDuration,
    /// How long a claimed event stays with this dispatcher before another may take it.
    pub lease: Duration,
}

impl Default for RetryPolicy {
    /// 30 s, 1 min, 2 min, ... up to 1 h between attempts; 12 attempts
    /// (about 6 hours) in all; 10 s per attempt.
    fn default() -> Self {
        Self {
            first_delay: Duration::seconds(30),
            max_delay: Duration::hours(1),
            max_attempts: 12,
            timeout: StdDuration::from_secs(10),
            lease: Duration::seconds(60),
        }
    }
}

impl RetryPolicy {
    /// The delay after the `failures`-th failure (1-based).
    pub fn delay(&self, failures: u32) -> Duration {
        let factor = 1i32
            .checked_shl(failures.saturating_sub(1))
            .unwrap_or(i32::MAX);
        self.first_delay
            .checked_mul(factor)
            .map_or(self.max_delay, |d| d.min(self.max_delay))
    }
}

/// Posts pending events to the owners' webhooks.
#[derive(Debug, Clone)]
pub struct Dispatcher {
    store: Arc<dyn Store>,
    key: WebhookKey,
    policy: RetryPolicy,
    client: reqwest::Client,
}

impl Dispatcher {
    pub fn new(store: Arc<dyn Store>, key: WebhookKey, policy: RetryPolicy) -> Self {
        let client = reqwest::Client::builder()
            .timeout(policy.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("forsyning/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default();
        Self {
            store,
            key,
            policy,
            client,
        }
    }

    /// Handles every event due at `now` (in batches of 50, up to
    /// [`PARALLEL_DELIVERIES`] at a time, so one slow receiver does not hold
    /// up the rest and the attempts share commits); returns how many it
    /// handled.
    pub async fn run_once(&self, now: DateTime<Utc>) -> Result<usize, StoreError> {
        let mut handled = 0;
        loop {
            let events = self.store.claim_events(now, self.policy.lease, 50).await?;
            if events.is_empty() {
                return Ok(handled);
            }
            let outcomes: Vec<Result<(), StoreError>> = futures::stream::iter(events)
                .map(|event| async move {
                    let attempt = self.attempt(&event, now).await?;
                    self.store.record_attempt(event.id, &attempt).await
                })
                .buffer_unordered(PARALLEL_DELIVERIES)
                .collect()
                .await;
            for outcome in outcomes {
                outcome?;
                handled += 1;
            }
        }
    }

    async fn attempt(
        &self,
        event: &OutboxEvent,
        now: DateTime<Utc>,
    ) -> Result<Attempt, StoreError> {
        let Some(hook) = self.store.webhook(&event.owner_id).await? else {
            return Ok(Attempt::Skip {
                at: now,
                reason: format!("{} has no webhook", event.owner_id),
            });
        };
        let secret = self.key.secret(&hook);
        let body = event.payload.clone().into_bytes();
        let sent = Utc::now().timestamp();
        let result = self
            .client
            .post(&hook.url)
            .header("content-type", "application/json")
            .header("forsyning-event", event.kind.code())
            .header("forsyning-delivery", event.id.to_string())
            .header("forsyning-signature", signature(&secret, sent, &body))
            .body(body)
            .send()
            .await;
        let error = match result {
            Ok(res) if res.status().is_success() => return Ok(Attempt::Delivered { at: now }),
            Ok(res) => format!("{} answered {}", hook.url, res.status()),
            Err(e) => format!("{}: {}", hook.url, without_url(&e)),
        };
        let failures = event.attempts + 1;
        tracing::warn!(event = %event.id, owner = %event.owner_id, attempt = failures, %error, "webhook delivery failed");
        Ok(if failures >= self.policy.max_attempts {
            Attempt::GiveUp { at: now, error }
        } else {
            Attempt::Retry {
                at: now,
                error,
                next: now + self.policy.delay(failures),
            }
        })
    }

    /// Runs until `shutdown` resolves, looking for due events every `every`.
    pub async fn run(self, every: StdDuration, shutdown: impl std::future::Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = &mut shutdown => return,
                _ = tick.tick() => {
                    if let Err(e) = self.run_once(Utc::now()).await {
                        tracing::error!(error = %e, "webhook dispatcher");
                    }
                }
            }
        }
    }
}

/// A transport error's text without the URL reqwest adds (we add it once).
fn without_url(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    if let Some(url) = e.url() {
        text = text.replace(&format!(" for url ({url})"), "");
    }
    if let Some(source) = std::error::Error::source(e) {
        text = format!("{text}: {source}");
    }
    text
}

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/owners/{org}/webhook",
            put(register).get(show).delete(remove),
        )
        .route("/api/v1/owners/{org}/events", get(events))
}

/// Whether organisations of `role` get events: owners (dig requests) and
/// contractors (their devices' proximity alerts).
fn receives_events(role: Role) -> bool {
    matches!(role, Role::Owner | Role::Contractor)
}

/// The organisation itself (an owner or a contractor) or an admin; 404 for
/// an unknown organisation (admins only learn that).
async fn owner_in_charge(state: &AppState, p: &Principal, org: &str) -> Result<OrgId, ApiError> {
    let caller = p
        .org()
        .ok_or(ApiError::Unauthorized("webhooks need a token"))?;
    let owner = OrgId::new(org).map_err(|_| ApiError::NotFound)?;
    match caller.role {
        Role::Admin => {
            let known = state.store.org(&owner).await?;
            match known {
                Some(o) if receives_events(o.role) => Ok(owner),
                _ => Err(ApiError::NotFound),
            }
        }
        role if receives_events(role) && caller.id == owner => Ok(owner),
        _ => Err(ApiError::Forbidden(
            "only the organisation itself or an admin manages its webhook",
        )),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RegisterBody {
    url: String,
}

/// A webhook as the API shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct HookView {
    #[schema(value_type = String)]
    owner_id: OrgId,
    url: String,
    created_at: DateTime<Utc>,
    /// Only in the answer to a registration.
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
    signature: &'static str,
}

const SIGNATURE_DOC: &str =
    "Forsyning-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, \"<t>.<body>\")>";

fn check_url(url: &str) -> Result<(), ApiError> {
    let parsed =
        reqwest::Url::parse(url).map_err(|e| ApiError::field("invalid_webhook", "url", e))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err(ApiError::field(
            "invalid_webhook",
            "url",
            "must be an http:// or https:// address with a host",
        ));
    }
    if url.len() > 2048 {
        return Err(ApiError::field(
            "invalid_webhook",
            "url",
            "longer than 2048 characters",
        ));
    }
    Ok(())
}

#[utoipa::path(put, path = "/api/v1/owners/{org}/webhook", tag = "Webhooks", params(("org" = String, Path, description = "The owner")), request_body = crate::openapi::WebhookBodyDoc, responses((status = 200, description = "The webhook with its signing secret (shown once)", body = HookView), (status = 400, description = "Malformed request (the message names the field)", body = crate::openapi::ErrorBody), (status = 401, description = "No or a bad token", body = crate::openapi::ErrorBody), (status = 403, description = "The caller's role may not do this", body = crate::openapi::ErrorBody), (status = 404, description = "Not found, or not the caller's to see", body = crate::openapi::ErrorBody), (status = 503, description = "Not configured or not ready", body = crate::openapi::ErrorBody)), security(("bearer" = [])))]
async fn register(
    State(state): State<AppState>,
    p: Principal,
    Path(org): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<HookView>, ApiError> {
    let owner = owner_in_charge(&state, &p, &org).await?;
    let Some(key) = state.webhook_key.clone() else {
        return Err(ApiError::Unavailable(
            "webhooks are not configured on this server (serve --webhook-key-file)".into(),
        ));
    };
    let body: RegisterBody = serde_json::from_slice(&body?)
        .map_err(|e| ApiError::field("invalid_webhook", "body", e))?;
    check_url(&body.url)?;
    let mut salt = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut salt);
    let hook = Webhook {
        owner_id: owner,
        url: body.url,
        salt: hex(&salt),
        created_at: Utc::now(),
    };
    state.store.set_webhook(&hook).await?;
    Ok(Json(HookView {
        secret: Some(key.secret(&hook)),
        owner_id: hook.owner_id,
        url: hook.url,
        created_at: hook.created_at,
        signature: SIGNATURE_DOC,
    }))
}

#[utoipa::path(get, path = "/api/v1/owners/{org}/webhook", tag = "Webhooks", params(("org" = String, Path, description = "The owner")), responses((status = 200, description = "The webhook, without its secret", body = HookView), (status = 401, description = "No or a bad token", body = crate::openapi::ErrorBody), (status = 403, description = "The caller's role may not do this", body = crate::openapi::ErrorBody), (status = 404, description = "Not found, or not the caller's to see", body = crate::openapi::ErrorBody)), security(("bearer" = [])))]
async fn show(
    State(state): State<AppState>,
    p: Principal,
    Path(org): Path<String>,
) -> Result<Json<HookView>, ApiError> {
    let owner = owner_in_charge(&state, &p, &org).await?;
    let hook = state
        .store
        .webhook(&owner)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(HookView {
        owner_id: hook.owner_id,
        url: hook.url,
        created_at: hook.created_at,
        secret: None,
        signature: SIGNATURE_DOC,
    }))
}

#[utoipa::path(delete, path = "/api/v1/owners/{org}/webhook", tag = "Webhooks", params(("org" = String, Path, description = "The owner")), responses((status = 204, description = "Removed"), (status = 401, description = "No or a bad token", body = crate::openapi::ErrorBody), (status = 403, description = "The caller's role may not do this", body = crate::openapi::ErrorBody), (status = 404, description = "Not found, or not the caller's to see", body = crate::openapi::ErrorBody)), security(("bearer" = [])))]
async fn remove(
    State(state): State<AppState>,
    p: Principal,
    Path(org): Path<String>,
) -> Result<StatusCode, ApiError> {
    let owner = owner_in_charge(&state, &p, &org).await?;
    if state.store.remove_webhook(&owner).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EventsQuery {
    limit: Option<u32>,
}

#[utoipa::path(get, path = "/api/v1/owners/{org}/events", tag = "Webhooks", params(("org" = String, Path, description = "The owner"), ("limit" = Option<u32>, Query, description = "1..=1000, default 100")), responses((status = 200, description = "The owner's webhook events, newest first, with their delivery state", body = [Object]), (status = 400, description = "Malformed request (the message names the field)", body = crate::openapi::ErrorBody), (status = 401, description = "No or a bad token", body = crate::openapi::ErrorBody), (status = 403, description = "The caller's role may not do this", body = crate::openapi::ErrorBody), (status = 404, description = "Not found, or not the caller's to see", body = crate::openapi::ErrorBody)), security(("bearer" = [])))]
async fn events(
    State(state): State<AppState>,
    p: Principal,
    Path(org): Path<String>,
    query: Result<Query<EventsQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<serde_json::Value>>, ApiError> {
    let owner = owner_in_charge(&state, &p, &org).await?;
    let Query(q) = query.map_err(|e| ApiError::field("invalid_query", "query", e.body_text()))?;
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let events = state.store.events(Some(&owner), limit).await?;
    Ok(Json(
        events
            .into_iter()
            .map(|e| {
                // The payload as JSON, not as a string of JSON.
                let mut v = serde_json::to_value(e).unwrap_or(serde_json::Value::Null);
                if let Some(text) = v.get("payload").and_then(|p| p.as_str()) {
                    let parsed = serde_json::from_str(text).unwrap_or(serde_json::Value::Null);
                    v["payload"] = parsed;
                }
                v
            })
            .collect(),
    ))
}
