//! How async code uses the operations database.
//!
//! - **Reads** run on a small pool of read-only connections. In WAL mode a
//!   reader sees the last commit and never waits for the writer, so a token
//!   lookup does not queue behind an fsync.
//! - **Writes** go through one writer with group commit. Every write is a
//!   closure run inside a savepoint of a shared transaction; writes that
//!   arrive while a commit is under way wait and go together in the next
//!   one: one fsync (`synchronous = FULL`) for the whole group, and a caller
//!   hears of its write only once the group is durable. A closure that fails
//!   is rolled back to its savepoint and gets its error; the others commit.
//!   Writes commit in arrival order, so the audit chain stays in order.
//! - **Checkpoints** run from a background thread (`wal_autocheckpoint` is
//!   off on the writer), so no commit carries the cost of copying the WAL
//!   into the database file.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use tokio::sync::oneshot;

use super::ops::OpsDb;
use crate::StoreError;

/// Idle read connections kept for reuse.
const MAX_IDLE_READERS: usize = 8;
/// How often the checkpointer looks at the WAL while writes come in, and
/// when the last look found nothing to copy.
const CHECKPOINT_BUSY: Duration = Duration::from_millis(20);
const CHECKPOINT_IDLE: Duration = Duration::from_millis(250);

/// Read connections not in use.
#[derive(Debug, Default)]
pub(super) struct Readers(Mutex<Vec<Connection>>);

/// A write waiting for the next group commit.
trait Job: Send {
    /// Runs the write; `false` if it failed (and is to be rolled back).
    fn run(&mut self, c: &Connection) -> bool;
    /// Tells the caller how its write ended once the group's commit is known.
    fn finish(self: Box<Self>, path: &Path, commit: Result<(), &str>);
}

struct Typed<T, F> {
    f: Option<F>,
    out: Option<rusqlite::Result<T>>,
    reply: oneshot::Sender<Result<T, StoreError>>,
}

impl<T, F> Job for Typed<T, F>
where
    T: Send,
    F: FnOnce(&Connection) -> rusqlite::Result<T> + Send,
{
    fn run(&mut self, c: &Connection) -> bool {
        let Some(f) = self.f.take() else {
            return false;
        };
        let out = f(c);
        let ok = out.is_ok();
        self.out = Some(out);
        ok
    }

    fn finish(self: Box<Self>, path: &Path, commit: Result<(), &str>) {
        let result = match (self.out, commit) {
            (Some(Err(e)), _) => Err(StoreError::sqlite(path)(e)),
            (_, Err(why)) => Err(StoreError::Task(format!(
                "commit to {}: {why}",
                path.display()
            ))),
            (Some(Ok(v)), Ok(())) => Ok(v),
            (None, Ok(())) => Err(StoreError::Task("a write was not run".into())),
        };
        let _ = self.reply.send(result);
    }
}

/// Writes waiting for the next commit, and whether a flusher is running.
#[derive(Default)]
pub(super) struct WriteQueue(Mutex<(Vec<Box<dyn Job>>, bool)>);

impl std::fmt::Debug for WriteQueue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WriteQueue")
    }
}

/// Opens a read-only connection to the operations database.
fn open_reader(path: &Path) -> rusqlite::Result<Connection> {
    let c = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    c.busy_timeout(Duration::from_secs(30))?;
    c.set_prepared_statement_cache_capacity(64);
    Ok(c)
}

/// Runs the read `f` on a read connection in the blocking pool. `f` sees
/// one snapshot if it opens a transaction; otherwise each statement sees
/// the last commit when it starts.
pub(super) async fn read_ops<T: Send + 'static>(
    ops: &Arc<OpsDb>,
    f: impl FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
) -> Result<T, StoreError> {
    let ops = ops.clone();
    tokio::task::spawn_blocking(move || {
        let idle = ops
            .readers
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop();
        let mut conn = match idle {
            Some(c) => c,
            None => open_reader(&ops.path).map_err(StoreError::sqlite(&ops.path))?,
        };
        let out = f(&mut conn).map_err(StoreError::sqlite(&ops.path));
        let mut idle = ops.readers.0.lock().unwrap_or_else(|p| p.into_inner());
        if idle.len() < MAX_IDLE_READERS && conn.is_autocommit() {
            idle.push(conn);
        }
        out
    })
    .await
    .map_err(|e| StoreError::Task(e.to_string()))?
}

/// Runs the write `f` in the next group commit; returns once that commit
/// is durable. `f` runs inside a savepoint: it must not begin or commit a
/// transaction itself, and an error from it undoes only its own changes.
pub(super) async fn write_ops<T: Send + 'static>(
    ops: &Arc<OpsDb>,
    f: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
) -> Result<T, StoreError> {
    let (reply, done) = oneshot::channel();
    let job = Box::new(Typed {
        f: Some(f),
        out: None,
        reply,
    });
    let lead = {
        let mut q = ops.queue.0.lock().unwrap_or_else(|p| p.into_inner());
        q.0.push(job);
        !std::mem::replace(&mut q.1, true)
    };
    if lead {
        let ops = ops.clone();
        // Its own task: a caller that gives up never leaves the queue
        // without a flusher.
        tokio::task::spawn_blocking(move || flush(&ops));
    }
    done.await
        .map_err(|_| StoreError::Task("the operations writer stopped".into()))?
}

/// Commits groups until the queue is empty.
fn flush(ops: &OpsDb) {
    loop {
        let group = {
            let mut q = ops.queue.0.lock().unwrap_or_else(|p| p.into_inner());
            if q.0.is_empty() {
                q.1 = false;
                return;
            }
            std::mem::take(&mut q.0)
        };
        let conn = ops.writer.lock().unwrap_or_else(|p| p.into_inner());
        let n = group.len();
        let t = std::time::Instant::now();
        commit_group(&conn, &ops.path, group);
        tracing::debug!(
            writes = n,
            ms = t.elapsed().as_secs_f64() * 1e3,
            "ops commit"
        );
    }
}

fn commit_group(c: &Connection, path: &Path, mut group: Vec<Box<dyn Job>>) {
    let outcome = (|| -> rusqlite::Result<()> {
        // Cached statements: these ran for every write of every group.
        let run = |sql: &str| c.prepare_cached(sql)?.execute([]).map(|_| ());
        run("BEGIN IMMEDIATE")?;
        for job in &mut group {
            run("SAVEPOINT job")?;
            if job.run(c) {
                run("RELEASE job")?;
            } else {
                run("ROLLBACK TO job")?;
                run("RELEASE job")?;
            }
        }
        run("COMMIT")
    })();
    let why = outcome.as_ref().err().map(|e| e.to_string());
    if why.is_some() && !c.is_autocommit() {
        let _ = c.execute_batch("ROLLBACK");
    }
    for job in group {
        job.finish(path, why.as_deref().map_or(Ok(()), Err));
    }
}

/// Starts the thread that checkpoints the WAL of `ops` while `ops` lives.
///
/// A checkpoint ends with an fsync of the database file, and while that
/// runs the writer's own fsync of the WAL waits behind it (measured: a
/// checkpoint every second stalled a commit for 90 ms under 500 writes/s).
/// So under load the thread checkpoints often, keeping each one small;
/// when a look finds nothing to copy it waits longer.
pub(super) fn start_checkpointer(ops: &Arc<OpsDb>) {
    let weak: Weak<OpsDb> = Arc::downgrade(ops);
    let path: PathBuf = ops.path.clone();
    let spawned = std::thread::Builder::new()
        .name("ops-checkpoint".into())
        .spawn(move || {
            let Ok(c) = Connection::open(&path) else {
                return;
            };
            let _ = c.busy_timeout(Duration::from_millis(100));
            let mut wait = CHECKPOINT_IDLE;
            loop {
                std::thread::sleep(wait);
                if weak.strong_count() == 0 {
                    return;
                }
                // PASSIVE: copies what it can without waiting for anyone.
                // The third column counts the frames copied.
                match c.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get::<_, i64>(2)) {
                    Ok(copied) if copied > 0 => wait = CHECKPOINT_BUSY,
                    Ok(_) => wait = CHECKPOINT_IDLE,
                    Err(e) => {
                        tracing::debug!("checkpoint of {}: {e}", path.display());
                        wait = CHECKPOINT_IDLE;
                    }
                }
            }
        });
    if let Err(e) = spawned {
        tracing::warn!("no checkpoint thread for {}: {e}", ops.path.display());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 60 writes at once, every fifth of which inserts its row and then
    /// fails: the failures keep nothing and get their own error, the others
    /// commit (in as many groups as the writer made), and readers see them.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failing_write_undoes_only_itself() {
        let dir = tempfile::tempdir().unwrap();
        let ops = OpsDb::open(&dir.path().join("s.gpkg")).unwrap();
        write_ops(&ops, |c| {
            c.execute_batch("CREATE TABLE t (x INTEGER PRIMARY KEY)")
        })
        .await
        .unwrap();
        let writes = (0..60i64).map(|x| {
            write_ops(&ops, move |c| {
                c.execute("INSERT INTO t (x) VALUES (?1)", [x])?;
                if x % 5 == 0 {
                    c.execute("INSERT INTO no_such_table VALUES (1)", [])?;
                }
                Ok(x)
            })
        });
        let outcomes = futures::future::join_all(writes).await;
        for (x, outcome) in (0..60i64).zip(&outcomes) {
            match outcome {
                Ok(v) => assert!(x % 5 != 0 && *v == x),
                Err(StoreError::Sqlite { source, .. }) => {
                    assert!(x % 5 == 0);
                    assert!(source.to_string().contains("no_such_table"), "{source}");
                }
                Err(e) => panic!("{x}: {e}"),
            }
        }
        let stored: Vec<i64> = read_ops(&ops, |c| {
            let mut s = c.prepare("SELECT x FROM t ORDER BY x")?;
            let rows = s.query_map([], |r| r.get(0))?;
            rows.collect()
        })
        .await
        .unwrap();
        assert_eq!(stored, (0..60).filter(|x| x % 5 != 0).collect::<Vec<_>>());
    }

    /// Readers are read-only, and a write is visible to the next read.
    #[tokio::test]
    async fn readers_see_commits_and_cannot_write() {
        let dir = tempfile::tempdir().unwrap();
        let ops = OpsDb::open(&dir.path().join("s.gpkg")).unwrap();
        write_ops(&ops, |c| c.execute_batch("CREATE TABLE t (x INTEGER)"))
            .await
            .unwrap();
        for x in 0..5i64 {
            write_ops(&ops, move |c| c.execute("INSERT INTO t VALUES (?1)", [x]))
                .await
                .unwrap();
            let n: i64 = read_ops(&ops, |c| {
                c.query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            })
            .await
            .unwrap();
            assert_eq!(n, x + 1);
        }
        let refused = read_ops(&ops, |c| c.execute("INSERT INTO t VALUES (9)", [])).await;
        assert!(
            matches!(refused, Err(StoreError::Sqlite { .. })),
            "{refused:?}"
        );
    }
}
