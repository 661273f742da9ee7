//! Audit appends.
//!
//! Every disclosure appends an entry and may answer only once the entry is
//! durable (`synchronous = FULL`). Appends are writes of the group commit
//! (`ops_io`): entries that arrive together share one fsync, chained in
//! arrival order.

use std::sync::Arc;

use forsyning_model::{AuditEntry, AuditRecord, GENESIS_HASH};
use rusqlite::{params, Connection, OptionalExtension};

use super::ops::OpsDb;
use super::ops_io::write_ops;
use crate::codec::format_time;
use crate::StoreError;

/// Appends `record` to the chain; returns once it is committed.
pub(super) async fn append(
    ops: &Arc<OpsDb>,
    record: AuditRecord,
) -> Result<AuditEntry, StoreError> {
    write_ops(ops, move |c| chain(c, record)).await
}

/// Chains `record` to the head and inserts it (inside the caller's transaction).
pub(super) fn chain(c: &Connection, record: AuditRecord) -> rusqlite::Result<AuditEntry> {
    let head: Option<(i64, String)> = c
        .prepare_cached("SELECT seq, hash FROM audit_head WHERE id = 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (seq, prev) = head.map_or((1, GENESIS_HASH.to_owned()), |(s, h)| (s as u64 + 1, h));
    let e = AuditEntry::chain(seq, record, &prev);
    let r = &e.record;
    c.prepare_cached(
        "INSERT INTO audit_log (seq, at, org_id, token_id, action, dig_request_id,
            feature_count, feature_digest, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        e.seq as i64,
        format_time(r.at),
        r.org_id.as_ref().map(|o| o.to_string()),
        r.token_id.map(|t| t.to_string()),
        r.action,
        r.dig_request_id.map(|t| t.to_string()),
        r.feature_count as i64,
        r.feature_digest,
        e.prev_hash,
        e.hash
    ])?;
    c.prepare_cached(
        "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
    )?
    .execute(params![e.seq as i64, e.hash])?;
    Ok(e)
}
