//! `forsyning org`, `forsyning token` and `forsyning audit`.

use anyhow::{bail, Context};
use chrono::Utc;
use forsyning_model::{
    token_hash, verify_chain, ChainBreak, OrgId, Organisation, Role, TokenRecord,
};
use forsyning_store::Store;
use rand::RngCore;
use uuid::Uuid;

use crate::args::{AuditCommand, OrgCommand, TokenCommand};

/// Prefix of every Forsyning API token, so secret scanners can spot leaked ones.
pub const TOKEN_PREFIX: &str = "fsy_";

/// A new random token: the prefix and 256 random bits, URL-safe.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{TOKEN_PREFIX}{hex}")
}

pub async fn org(store: &dyn Store, cmd: OrgCommand) -> anyhow::Result<()> {
    match cmd {
        OrgCommand::Create { id, name, role } => {
            let org = Organisation {
                id: OrgId::new(id)?,
                name,
                role: Role::from_code(&role)?,
                boundary: None,
                created_at: Utc::now(),
            };
            store.create_org(&org).await?;
            println!(
                "created {} organisation {} ({})",
                org.role.code(),
                org.id,
                org.name
            );
        }
        OrgCommand::List => {
            for o in store.orgs().await? {
                println!("{}\t{}\t{}", o.id, o.role.code(), o.name);
            }
        }
    }
    Ok(())
}

pub async fn token(store: &dyn Store, cmd: TokenCommand) -> anyhow::Result<()> {
    match cmd {
        TokenCommand::Issue { org, label } => {
            let org = OrgId::new(org)?;
            if store.org(&org).await?.is_none() {
                bail!("no organisation {org}: create it first with `forsyning org create`");
            }
            let secret = new_token();
            let record = TokenRecord {
                id: Uuid::new_v4(),
                org_id: org.clone(),
                label,
                hash: token_hash(&secret),
                created_at: Utc::now(),
                revoked_at: None,
            };
            store.insert_token(&record).await?;
            eprintln!(
                "token {} for {org}; it is shown once and stored only as a hash:",
                record.id
            );
            println!("{secret}");
        }
        TokenCommand::Revoke { id } => {
            if !store.revoke_token(id, Utc::now()).await? {
                bail!("no live token {id}");
            }
            println!("revoked token {id}");
        }
        TokenCommand::List { org } => {
            let org = org.map(OrgId::new).transpose()?;
            for t in store.tokens(org.as_ref()).await? {
                let state = t
                    .revoked_at
                    .map_or("live".to_owned(), |at| format!("revoked {at}"));
                println!(
                    "{}\t{}\t{}\t{}\t{state}",
                    t.id, t.org_id, t.label, t.created_at
                );
            }
        }
    }
    Ok(())
}

pub async fn audit(store: &dyn Store, cmd: AuditCommand) -> anyhow::Result<()> {
    match cmd {
        AuditCommand::Verify => {
            let (entries, head) = store.audit_log().await.context("reading the audit log")?;
            match verify_chain(&entries, head.as_ref().map(|(s, h)| (*s, h.as_str()))) {
                Ok(n) => {
                    println!("audit log intact: {n} entries");
                    Ok(())
                }
                Err(ChainBreak::Altered { seq }) => {
                    bail!("audit log tampered: entry {seq} was changed (its hash does not match)")
                }
                Err(ChainBreak::Broken { seq, expected_seq }) => bail!(
                    "audit log tampered at entry {expected_seq}: the entry found there (numbered {seq}) does not follow the one before it; entries were removed, inserted or moved"
                ),
                Err(ChainBreak::Truncated { last_seq, head_seq }) => bail!(
                    "audit log tampered: it ends at entry {last_seq} but entry {head_seq} was written"
                ),
            }
        }
    }
}
