//! `forsyning audit verify` finds any single tampered audit entry, on both
//! backends: an edit, a deletion, or two entries swapped.

use std::path::Path;
use std::process::Command;

use chrono::Utc;
use forsyning_model::{AuditRecord, OrgId};
use forsyning_store::{AccessStore, GpkgStore, PostgisStore};
use uuid::Uuid;

fn verify(store: &str) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_forsyning"))
        .args(["--store", store, "audit", "verify"])
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

async fn fill(store: &dyn AccessStore, n: u64) {
    for i in 0..n {
        let (count, digest) = AuditRecord::digest_ids((0..=i).map(|k| Uuid::from_u128(k.into())));
        store
            .append_audit(AuditRecord {
                at: Utc::now(),
                org_id: Some(OrgId::new("C-1").unwrap()),
                token_id: Some(Uuid::from_u128(5)),
                action: "features.read".into(),
                dig_request_id: Some(Uuid::from_u128(9)),
                feature_count: count,
                feature_digest: digest,
            })
            .await
            .unwrap();
    }
}

/// The tampering cases, as SQL on a copy of an intact log of 10 entries:
/// (what, statements, the entry `verify` must name).
fn cases() -> Vec<(&'static str, Vec<&'static str>, &'static str)> {
    vec![
        (
            "edit",
            vec!["UPDATE audit_log SET feature_count = 999 WHERE seq = 4"],
            "entry 4 was changed",
        ),
        (
            "delete",
            vec!["DELETE FROM audit_log WHERE seq = 6"],
            "tampered at entry 6",
        ),
        (
            "swap",
            vec![
                "UPDATE audit_log SET seq = -3 WHERE seq = 3",
                "UPDATE audit_log SET seq = 3 WHERE seq = 7",
                "UPDATE audit_log SET seq = 7 WHERE seq = -3",
            ],
            "tampered at entry 3",
        ),
        (
            "truncate",
            vec!["DELETE FROM audit_log WHERE seq = 10"],
            "it ends at entry 9 but entry 10 was written",
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampering_is_found_in_the_geopackage_backend() {
    for (what, sql, expected) in cases() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.gpkg");
        let store = GpkgStore::open(&path).await.unwrap();
        fill(&store, 10).await;
        drop(store);
        let loc = format!("gpkg:{}", path.display());
        let (ok, text) = verify(&loc);
        assert!(ok && text.contains("intact: 10 entries"), "{text}");

        let conn = rusqlite::Connection::open(ops_file(&path)).unwrap();
        // An attacker with file access can drop the append-only triggers.
        conn.execute_batch("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;")
            .unwrap();
        for s in &sql {
            conn.execute_batch(s).unwrap();
        }
        drop(conn);
        let (ok, text) = verify(&loc);
        assert!(!ok, "{what}: tampering must fail verification");
        assert!(
            text.contains(expected),
            "{what}: expected {expected:?} in {text:?}"
        );
    }
}

fn ops_file(gpkg: &Path) -> std::path::PathBuf {
    gpkg.with_file_name("a-ops.sqlite")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampering_is_found_in_the_postgis_backend() {
    let Some(base) = forsyning_fixtures::test_env::postgres_url() else {
        return;
    };
    for (what, sql, expected) in cases() {
        let schema = format!("t_audit_{}", Uuid::new_v4().simple());
        let store = PostgisStore::connect_in_schema(&base, Some(&schema))
            .await
            .unwrap();
        fill(&store, 10).await;
        let url = forsyning_fixtures::test_env::postgres_url_in_schema(&base, &schema);
        let (ok, text) = verify(&url);
        assert!(ok && text.contains("intact: 10 entries"), "{text}");
        let mut tx = store.pool().begin().await.unwrap();
        sqlx::query("ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change")
            .execute(&mut *tx)
            .await
            .unwrap();
        for s in &sql {
            sqlx::query(s).execute(&mut *tx).await.unwrap();
        }
        tx.commit().await.unwrap();
        let (ok, text) = verify(&url);
        assert!(!ok, "{what}: tampering must fail verification");
        assert!(
            text.contains(expected),
            "{what}: expected {expected:?} in {text:?}"
        );
        sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
            .execute(store.pool())
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn the_audit_log_refuses_updates_and_deletes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.gpkg");
    let store = GpkgStore::open(&path).await.unwrap();
    fill(&store, 2).await;
    let conn = rusqlite::Connection::open(ops_file(&path)).unwrap();
    let e = conn
        .execute("UPDATE audit_log SET action = 'x' WHERE seq = 1", [])
        .unwrap_err();
    assert!(e.to_string().contains("append-only"), "{e}");
    assert!(conn.execute("DELETE FROM audit_log", []).is_err());
}
