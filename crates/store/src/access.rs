use async_trait::async_trait;
use chrono::{DateTime, Utc};
use forsyning_model::{AuditEntry, AuditRecord, OrgId, Organisation, TokenRecord};
use uuid::Uuid;

use crate::StoreError;

/// Organisations, API tokens and the append-only, hash-chained audit log.
///
/// The embedded backend keeps these in an operations database beside the
/// GeoPackage (`<name>-ops.sqlite`), so that audit appends never wait for a
/// long dataset replacement; PostGIS keeps them in the same database.
#[async_trait]
pub trait AccessStore: Send + Sync {
    /// Adds an organisation; an existing id is an error.
    async fn create_org(&self, org: &Organisation) -> Result<(), StoreError>;
    async fn org(&self, id: &OrgId) -> Result<Option<Organisation>, StoreError>;
    async fn orgs(&self) -> Result<Vec<Organisation>, StoreError>;

    /// Stores a token's record (its hash, never the token).
    async fn insert_token(&self, token: &TokenRecord) -> Result<(), StoreError>;
    /// The token whose SHA-256 hash is `hash`, revoked or not.
    async fn token_by_hash(&self, hash: &str) -> Result<Option<TokenRecord>, StoreError>;
    /// Marks a token revoked; `false` when there is no such live token.
    async fn revoke_token(&self, id: Uuid, at: DateTime<Utc>) -> Result<bool, StoreError>;
    async fn tokens(&self, org: Option<&OrgId>) -> Result<Vec<TokenRecord>, StoreError>;

    /// Appends a record to the audit log, chained to the entry before it.
    async fn append_audit(&self, record: AuditRecord) -> Result<AuditEntry, StoreError>;
    /// The whole audit log in order, and the head (last seq and hash) the
    /// store recorded beside it.
    async fn audit_log(&self) -> Result<(Vec<AuditEntry>, Option<(u64, String)>), StoreError>;
}

/// An organisation's id clashes with an existing one.
pub(crate) fn org_exists(id: &OrgId) -> StoreError {
    StoreError::Conflict(format!("organisation {id} exists already"))
}
