//! Organisations, tokens and the audit log in PostGIS.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use forsyning_model::{
    AuditEntry, AuditRecord, OrgId, Organisation, Role, TokenRecord, GENESIS_HASH,
};
use geo_types::Geometry;
use sqlx::postgres::PgRow;
use sqlx::Row;
use uuid::Uuid;

use super::PostgisStore;
use crate::access::{org_exists, AccessStore};
use crate::codec::{decode_wkb, encode_wkb, truncate_millis};
use crate::StoreError;

fn corrupt(table: &'static str, e: impl std::fmt::Display) -> StoreError {
    StoreError::CorruptRow {
        table,
        reason: e.to_string(),
    }
}

fn read_org(r: &PgRow) -> Result<Organisation, StoreError> {
    let wkb: Option<Vec<u8>> = r.try_get(3)?;
    let boundary = match wkb.map(|w| decode_wkb(&w)).transpose()? {
        Some(Geometry::MultiPolygon(mp)) => Some(mp),
        Some(other) => return Err(corrupt("organisations", format!("boundary {other:?}"))),
        None => None,
    };
    Ok(Organisation {
        id: OrgId::new(r.try_get::<String, _>(0)?).map_err(|e| corrupt("organisations", e))?,
        name: r.try_get(1)?,
        role: Role::from_code(r.try_get(2)?).map_err(|e| corrupt("organisations", e))?,
        boundary,
        created_at: r.try_get(4)?,
    })
}

fn read_token(r: &PgRow) -> Result<TokenRecord, StoreError> {
    Ok(TokenRecord {
        id: r.try_get(0)?,
        org_id: OrgId::new(r.try_get::<String, _>(1)?).map_err(|e| corrupt("api_tokens", e))?,
        label: r.try_get(2)?,
        hash: r.try_get(3)?,
        created_at: r.try_get(4)?,
        revoked_at: r.try_get(5)?,
    })
}

fn read_audit(r: &PgRow) -> Result<AuditEntry, StoreError> {
    let c = |e: std::num::TryFromIntError| corrupt("audit_log", e);
    Ok(AuditEntry {
        seq: u64::try_from(r.try_get::<i64, _>(0)?).map_err(c)?,
        record: AuditRecord {
            at: r.try_get(1)?,
            org_id: r
                .try_get::<Option<String>, _>(2)?
                .map(OrgId::new)
                .transpose()
                .map_err(|e| corrupt("audit_log", e))?,
            token_id: r.try_get(3)?,
            action: r.try_get(4)?,
            dig_request_id: r.try_get(5)?,
            feature_count: u64::try_from(r.try_get::<i64, _>(6)?).map_err(c)?,
            feature_digest: r.try_get(7)?,
        },
        prev_hash: r.try_get(8)?,
        hash: r.try_get(9)?,
    })
}

const ORG_COLUMNS: &str = "id, name, role, ST_AsBinary(boundary), created_at";
const TOKEN_COLUMNS: &str = "id, org_id, label, hash, created_at, revoked_at";

#[async_trait]
impl AccessStore for PostgisStore {
    async fn create_org(&self, org: &Organisation) -> Result<(), StoreError> {
        let boundary = org
            .boundary
            .as_ref()
            .map(|b| encode_wkb(&Geometry::MultiPolygon(b.clone())))
            .transpose()?;
        let done = sqlx::query(&format!(
            "INSERT INTO organisations (id, name, role, boundary, created_at)
             VALUES ($1, $2, $3, ST_Multi(ST_GeomFromWKB($4, {})), $5)
             ON CONFLICT (id) DO NOTHING",
            self.srid
        ))
        .bind(org.id.as_str())
        .bind(&org.name)
        .bind(org.role.code())
        .bind(boundary)
        .bind(truncate_millis(org.created_at))
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(org_exists(&org.id));
        }
        Ok(())
    }

    async fn org(&self, id: &OrgId) -> Result<Option<Organisation>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {ORG_COLUMNS} FROM organisations WHERE id = $1"
        ))
        .bind(id.as_str())
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(read_org).transpose()
    }

    async fn orgs(&self) -> Result<Vec<Organisation>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {ORG_COLUMNS} FROM organisations ORDER BY id"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(read_org).collect()
    }

    async fn insert_token(&self, t: &TokenRecord) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO api_tokens (id, org_id, label, hash, created_at, revoked_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(t.id)
        .bind(t.org_id.as_str())
        .bind(&t.label)
        .bind(&t.hash)
        .bind(truncate_millis(t.created_at))
        .bind(t.revoked_at.map(truncate_millis))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn token_by_hash(&self, hash: &str) -> Result<Option<TokenRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE hash = $1"
        ))
        .bind(hash)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(read_token).transpose()
    }

    async fn revoke_token(&self, id: Uuid, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL",
        )
        .bind(id)
        .bind(truncate_millis(at))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn tokens(&self, org: Option<&OrgId>) -> Result<Vec<TokenRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE $1::text IS NULL OR org_id = $1
             ORDER BY created_at, id"
        ))
        .bind(org.map(|o| o.to_string()))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(read_token).collect()
    }

    async fn append_audit(&self, mut record: AuditRecord) -> Result<AuditEntry, StoreError> {
        record.at = truncate_millis(record.at);
        let mut tx = self.pool.begin().await?;
        let e = append_audit_in(&mut tx, record).await?;
        tx.commit().await?;
        Ok(e)
    }

    async fn audit_log(&self) -> Result<(Vec<AuditEntry>, Option<(u64, String)>), StoreError> {
        let rows = sqlx::query(
            "SELECT seq, at, org_id, token_id, action, dig_request_id, feature_count,
                    feature_digest, prev_hash, hash FROM audit_log ORDER BY seq",
        )
        .fetch_all(&self.pool)
        .await?;
        let entries = rows.iter().map(read_audit).collect::<Result<Vec<_>, _>>()?;
        let head: Option<(i64, String)> =
            sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
                .fetch_optional(&self.pool)
                .await?;
        Ok((entries, head.map(|(s, h)| (s as u64, h))))
    }
}

/// Appends `record` to the audit chain inside `tx` (whose commit makes it
/// durable); the head row's lock serialises appenders.
pub(super) async fn append_audit_in(
    tx: &mut sqlx::PgConnection,
    record: AuditRecord,
) -> Result<AuditEntry, StoreError> {
    // One appender at a time: the head row is the chain's lock.
    sqlx::query("LOCK TABLE audit_head IN EXCLUSIVE MODE")
        .execute(&mut *tx)
        .await?;
    let head: Option<(i64, String)> =
        sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_optional(&mut *tx)
            .await?;
    let (seq, prev) = head.map_or((1, GENESIS_HASH.to_owned()), |(s, h)| (s as u64 + 1, h));
    let e = AuditEntry::chain(seq, record, &prev);
    let r = &e.record;
    sqlx::query(
        "INSERT INTO audit_log (seq, at, org_id, token_id, action, dig_request_id,
            feature_count, feature_digest, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(e.seq as i64)
    .bind(r.at)
    .bind(r.org_id.as_ref().map(|o| o.to_string()))
    .bind(r.token_id)
    .bind(&r.action)
    .bind(r.dig_request_id)
    .bind(r.feature_count as i64)
    .bind(&r.feature_digest)
    .bind(&e.prev_hash)
    .bind(&e.hash)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO audit_head (id, seq, hash) VALUES (1, $1, $2)
         ON CONFLICT (id) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash",
    )
    .bind(e.seq as i64)
    .bind(&e.hash)
    .execute(&mut *tx)
    .await?;
    Ok(e)
}
