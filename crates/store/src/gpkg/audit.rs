//! Audit appends with group commit.
//!
//! Every disclosure appends an entry and may answer only once the entry is
//! durable (`synchronous = FULL`). One fsync per entry would cap a busy
//! server at the disk's fsync rate, so appends that arrive while a commit is
//! under way wait and go together in the next transaction: one fsync for
//! the whole group, entries chained in arrival order. The flushing runs in
//! its own task, so a caller that gives up (a request timeout) never leaves
//! the queue without a flusher.

use std::sync::{Arc, Mutex};

use forsyning_model::{AuditEntry, AuditRecord, GENESIS_HASH};
use rusqlite::{params, Connection, OptionalExtension};
use tokio::sync::oneshot;

use super::ops::{with_ops, OpsDb};
use crate::codec::format_time;
use crate::StoreError;

type Reply = oneshot::Sender<Result<AuditEntry, String>>;

/// Appends waiting for the next commit, and whether a flusher is running.
#[derive(Debug, Default)]
pub(crate) struct AuditQueue {
    state: Mutex<(Vec<(AuditRecord, Reply)>, bool)>,
}

/// Appends `record` to the chain; returns once it is committed.
pub(super) async fn append(
    ops: &Arc<OpsDb>,
    record: AuditRecord,
) -> Result<AuditEntry, StoreError> {
    let (reply, done) = oneshot::channel();
    let lead = {
        let mut s = ops.audit.state.lock().unwrap_or_else(|p| p.into_inner());
        s.0.push((record, reply));
        !std::mem::replace(&mut s.1, true)
    };
    if lead {
        tokio::spawn(flush(ops.clone()));
    }
    done.await
        .map_err(|_| StoreError::Task("the audit writer stopped".into()))?
        .map_err(StoreError::Task)
}

/// Commits groups until the queue is empty.
async fn flush(ops: Arc<OpsDb>) {
    loop {
        let group = {
            let mut s = ops.audit.state.lock().unwrap_or_else(|p| p.into_inner());
            if s.0.is_empty() {
                s.1 = false;
                return;
            }
            std::mem::take(&mut s.0)
        };
        let (records, replies): (Vec<_>, Vec<_>) = group.into_iter().unzip();
        match with_ops(&ops, move |c| write_group(c, records)).await {
            Ok(entries) => {
                for (reply, e) in replies.into_iter().zip(entries) {
                    let _ = reply.send(Ok(e));
                }
            }
            Err(e) => {
                let why = format!("audit append: {e}");
                for reply in replies {
                    let _ = reply.send(Err(why.clone()));
                }
            }
        }
    }
}

/// Chains and inserts `records` in one transaction.
fn write_group(c: &mut Connection, records: Vec<AuditRecord>) -> rusqlite::Result<Vec<AuditEntry>> {
    let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let head: Option<(i64, String)> = tx
        .query_row("SELECT seq, hash FROM audit_head WHERE id = 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    let (mut seq, mut prev) = head.map_or((1, GENESIS_HASH.to_owned()), |(s, h)| (s as u64 + 1, h));
    let mut out = Vec::with_capacity(records.len());
    {
        let mut insert = tx.prepare_cached(
            "INSERT INTO audit_log (seq, at, org_id, token_id, action, dig_request_id,
                feature_count, feature_digest, prev_hash, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?;
        for record in records {
            let e = AuditEntry::chain(seq, record, &prev);
            let r = &e.record;
            insert.execute(params![
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
            seq += 1;
            prev = e.hash.clone();
            out.push(e);
        }
    }
    if let Some(last) = out.last() {
        tx.execute(
            "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?1, ?2)
             ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
            params![last.seq as i64, last.hash],
        )?;
    }
    tx.commit()?;
    Ok(out)
}
