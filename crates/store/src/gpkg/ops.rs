//! The embedded backend's operations database: organisations, API tokens,
//! the audit log, dig requests (`dig` module), the outbox, jobs and GNSS
//! positions (`positions`), in a SQLite file beside the GeoPackage
//! (`<stem>-ops.sqlite`).
//!
//! It is a separate file so that its short transactions (an audit entry per
//! disclosure) never queue behind a long dataset replacement in the GeoPackage.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use forsyning_model::{AuditEntry, AuditRecord, OrgId, Organisation, Role, TokenRecord};
use geo_types::Geometry;
use rusqlite::{params, Connection, OptionalExtension, Row};
use uuid::Uuid;

use super::ops_io::{read_ops, start_checkpointer, write_ops, Readers, WriteQueue};
use crate::access::{org_exists, AccessStore};
use crate::codec::{decode_wkb, encode_wkb, format_time, parse_time, truncate_millis};
use crate::StoreError;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS organisations (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, boundary BLOB,
    created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS api_tokens (
    id TEXT PRIMARY KEY, org_id TEXT NOT NULL REFERENCES organisations (id),
    label TEXT NOT NULL, hash TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL, revoked_at TEXT);
CREATE TABLE IF NOT EXISTS audit_log (
    seq INTEGER PRIMARY KEY, at TEXT NOT NULL, org_id TEXT, token_id TEXT, action TEXT NOT NULL,
    dig_request_id TEXT, feature_count INTEGER NOT NULL, feature_digest TEXT NOT NULL,
    prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1), seq INTEGER NOT NULL, hash TEXT NOT NULL);
CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
";

#[derive(Debug)]
pub(crate) struct OpsDb {
    pub(super) path: PathBuf,
    /// The one connection that writes (see `ops_io`).
    pub(super) writer: Mutex<Connection>,
    pub(super) readers: Readers,
    /// Writes waiting for the next group commit.
    pub(super) queue: WriteQueue,
}

/// `data/forsyning.gpkg` → `data/forsyning-ops.sqlite`.
pub(crate) fn ops_path(gpkg: &Path) -> PathBuf {
    let stem = gpkg
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    gpkg.with_file_name(format!("{stem}-ops.sqlite"))
}

impl OpsDb {
    pub(crate) fn open(gpkg: &Path) -> Result<Arc<Self>, StoreError> {
        let path = ops_path(gpkg);
        let conn = Connection::open(&path).map_err(StoreError::sqlite(&path))?;
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .map_err(StoreError::sqlite(&path))?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(StoreError::sqlite(&path))?;
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(StoreError::sqlite(&path))?;
        // The checkpointer thread (`ops_io`) keeps the WAL short; this is
        // only the backstop should it fall behind.
        conn.pragma_update(None, "wal_autocheckpoint", 16_384)
            .map_err(StoreError::sqlite(&path))?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(StoreError::sqlite(&path))?;
        // Every statement of the write path stays prepared (the default
        // cache of 16 is smaller than the statements a dig request writes).
        conn.set_prepared_statement_cache_capacity(64);
        conn.execute_batch(SCHEMA)
            .map_err(StoreError::sqlite(&path))?;
        conn.execute_batch(super::dig_rows::SCHEMA)
            .map_err(StoreError::sqlite(&path))?;
        conn.execute_batch(super::outbox::SCHEMA)
            .map_err(StoreError::sqlite(&path))?;
        conn.execute_batch(super::operations::SCHEMA)
            .map_err(StoreError::sqlite(&path))?;
        conn.execute_batch(super::positions::SCHEMA)
            .map_err(StoreError::sqlite(&path))?;
        let ops = Arc::new(Self {
            path,
            writer: Mutex::new(conn),
            readers: Readers::default(),
            queue: WriteQueue::default(),
        });
        start_checkpointer(&ops);
        Ok(ops)
    }
}

fn corrupt(table: &'static str) -> impl Fn(String) -> StoreError {
    move |reason| StoreError::CorruptRow { table, reason }
}

type OrgRaw = (String, String, String, Option<Vec<u8>>, String);

fn read_org(r: &Row<'_>) -> rusqlite::Result<OrgRaw> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

fn to_org(raw: OrgRaw) -> Result<Organisation, StoreError> {
    let c = corrupt("organisations");
    let boundary = match raw.3 {
        Some(wkb) => match decode_wkb(&wkb)? {
            Geometry::MultiPolygon(mp) => Some(mp),
            Geometry::Polygon(p) => Some(p.into()),
            other => return Err(c(format!("boundary is not a polygon: {other:?}"))),
        },
        None => None,
    };
    Ok(Organisation {
        id: OrgId::new(raw.0).map_err(|e| c(e.to_string()))?,
        name: raw.1,
        role: Role::from_code(&raw.2).map_err(|e| c(e.to_string()))?,
        boundary,
        created_at: parse_time(&raw.4, "organisations")?,
    })
}

type TokenRaw = (String, String, String, String, String, Option<String>);

fn read_token(r: &Row<'_>) -> rusqlite::Result<TokenRaw> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
    ))
}

fn to_token(raw: TokenRaw) -> Result<TokenRecord, StoreError> {
    let c = corrupt("api_tokens");
    Ok(TokenRecord {
        id: Uuid::parse_str(&raw.0).map_err(|e| c(e.to_string()))?,
        org_id: OrgId::new(raw.1).map_err(|e| c(e.to_string()))?,
        label: raw.2,
        hash: raw.3,
        created_at: parse_time(&raw.4, "api_tokens")?,
        revoked_at: raw.5.map(|t| parse_time(&t, "api_tokens")).transpose()?,
    })
}

type AuditRaw = (
    i64,
    String,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    i64,
    String,
    String,
    String,
);

fn read_audit(r: &Row<'_>) -> rusqlite::Result<AuditRaw> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
    ))
}

fn to_audit(raw: AuditRaw) -> Result<AuditEntry, StoreError> {
    let c = corrupt("audit_log");
    let uuid = |s: Option<String>| {
        s.map(|s| Uuid::parse_str(&s).map_err(|e| c(e.to_string())))
            .transpose()
    };
    Ok(AuditEntry {
        seq: u64::try_from(raw.0).map_err(|e| c(e.to_string()))?,
        record: AuditRecord {
            at: parse_time(&raw.1, "audit_log")?,
            org_id: raw
                .2
                .map(OrgId::new)
                .transpose()
                .map_err(|e| c(e.to_string()))?,
            token_id: uuid(raw.3)?,
            action: raw.4,
            dig_request_id: uuid(raw.5)?,
            feature_count: u64::try_from(raw.6).map_err(|e| c(e.to_string()))?,
            feature_digest: raw.7,
        },
        prev_hash: raw.8,
        hash: raw.9,
    })
}

#[async_trait]
impl AccessStore for super::GpkgStore {
    async fn create_org(&self, org: &Organisation) -> Result<(), StoreError> {
        let boundary = org
            .boundary
            .as_ref()
            .map(|b| encode_wkb(&Geometry::MultiPolygon(b.clone())))
            .transpose()?;
        let (id, name, role, created) = (
            org.id.to_string(),
            org.name.clone(),
            org.role.code(),
            format_time(org.created_at),
        );
        let inserted = write_ops(&self.inner.ops, move |c| {
            c.execute(
                "INSERT INTO organisations (id, name, role, boundary, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (id) DO NOTHING",
                params![id, name, role, boundary, created],
            )
        })
        .await?;
        if inserted == 0 {
            return Err(org_exists(&org.id));
        }
        Ok(())
    }

    async fn org(&self, id: &OrgId) -> Result<Option<Organisation>, StoreError> {
        let id = id.to_string();
        let raw = read_ops(&self.inner.ops, move |c| {
            c.prepare_cached(
                "SELECT id, name, role, boundary, created_at FROM organisations WHERE id = ?1",
            )?
            .query_row(params![id], read_org)
            .optional()
        })
        .await?;
        raw.map(to_org).transpose()
    }

    async fn orgs(&self) -> Result<Vec<Organisation>, StoreError> {
        let raws = read_ops(&self.inner.ops, |c| {
            let mut s = c.prepare(
                "SELECT id, name, role, boundary, created_at FROM organisations ORDER BY id",
            )?;
            let rows = s.query_map([], read_org)?;
            rows.collect::<rusqlite::Result<Vec<_>>>()
        })
        .await?;
        raws.into_iter().map(to_org).collect()
    }

    async fn insert_token(&self, t: &TokenRecord) -> Result<(), StoreError> {
        let t = t.clone();
        write_ops(&self.inner.ops, move |c| {
            c.execute(
                "INSERT INTO api_tokens (id, org_id, label, hash, created_at, revoked_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    t.id.to_string(),
                    t.org_id.as_str(),
                    t.label,
                    t.hash,
                    format_time(t.created_at),
                    t.revoked_at.map(format_time)
                ],
            )
        })
        .await?;
        Ok(())
    }

    async fn token_by_hash(&self, hash: &str) -> Result<Option<TokenRecord>, StoreError> {
        let hash = hash.to_owned();
        let raw = read_ops(&self.inner.ops, move |c| {
            c.prepare_cached(
                "SELECT id, org_id, label, hash, created_at, revoked_at FROM api_tokens WHERE hash = ?1",
            )?
            .query_row(params![hash], read_token)
            .optional()
        })
        .await?;
        raw.map(to_token).transpose()
    }

    async fn revoke_token(&self, id: Uuid, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let n = write_ops(&self.inner.ops, move |c| {
            c.execute(
                "UPDATE api_tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
                params![id.to_string(), format_time(at)],
            )
        })
        .await?;
        Ok(n == 1)
    }

    async fn tokens(&self, org: Option<&OrgId>) -> Result<Vec<TokenRecord>, StoreError> {
        let org = org.map(|o| o.to_string());
        let raws = read_ops(&self.inner.ops, move |c| {
            let mut s = c.prepare(
                "SELECT id, org_id, label, hash, created_at, revoked_at FROM api_tokens
                 WHERE ?1 IS NULL OR org_id = ?1 ORDER BY created_at, id",
            )?;
            let rows = s.query_map(params![org], read_token)?;
            rows.collect::<rusqlite::Result<Vec<_>>>()
        })
        .await?;
        raws.into_iter().map(to_token).collect()
    }

    async fn append_audit(&self, mut record: AuditRecord) -> Result<AuditEntry, StoreError> {
        record.at = truncate_millis(record.at);
        super::audit::append(&self.inner.ops, record).await
    }

    async fn audit_log(&self) -> Result<(Vec<AuditEntry>, Option<(u64, String)>), StoreError> {
        let (raws, head) = read_ops(&self.inner.ops, |c| {
            // One snapshot for the entries and the head.
            let c = c.transaction()?;
            let mut s = c.prepare(
                "SELECT seq, at, org_id, token_id, action, dig_request_id, feature_count,
                        feature_digest, prev_hash, hash FROM audit_log ORDER BY rowid",
            )?;
            let raws = s
                .query_map([], read_audit)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let head: Option<(i64, String)> = c
                .query_row("SELECT seq, hash FROM audit_head WHERE id = 1", [], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()?;
            Ok((raws, head))
        })
        .await?;
        let entries = raws
            .into_iter()
            .map(to_audit)
            .collect::<Result<Vec<_>, _>>()?;
        Ok((entries, head.map(|(s, h)| (s as u64, h))))
    }
}
