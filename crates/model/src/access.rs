//! Organisations, roles and the audit trail's entries.

use chrono::{DateTime, Utc};
use geo_types::MultiPolygon;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::{ModelError, OrgId};

/// What an organisation is to the register (DESIGN.md, "Who may see what").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Owns networks: uploads them, answers dig requests that touch its interest areas.
    Owner,
    /// Digs: asks for dig clearance and sees the features its valid requests disclose.
    Contractor,
    /// Sees dig requests and asset-at-risk summaries inside its boundary.
    Municipality,
    /// Sees everything.
    Admin,
}

impl Role {
    pub fn code(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Contractor => "contractor",
            Role::Municipality => "municipality",
            Role::Admin => "admin",
        }
    }

    pub fn from_code(s: &str) -> Result<Self, ModelError> {
        Ok(match s {
            "owner" => Role::Owner,
            "contractor" => Role::Contractor,
            "municipality" => Role::Municipality,
            "admin" => Role::Admin,
            _ => {
                return Err(ModelError::UnknownCode {
                    list: "role",
                    value: s.to_owned(),
                })
            }
        })
    }
}

/// An organisation that holds API tokens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Organisation {
    pub id: OrgId,
    pub name: String,
    pub role: Role,
    /// A municipality's boundary, EPSG:25832.
    pub boundary: Option<MultiPolygon<f64>>,
    pub created_at: DateTime<Utc>,
}

/// An API token as stored: only a SHA-256 hash of the secret, never the secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRecord {
    pub id: Uuid,
    pub org_id: OrgId,
    pub label: String,
    /// Lower-case hex SHA-256 of the whole token string.
    pub hash: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// The SHA-256 of a token, lower-case hex. Tokens carry 256 random bits, so a
/// fast hash is enough: there is nothing to brute-force.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// One disclosure (or other audited action), before the store chains it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub at: DateTime<Utc>,
    /// `None` for anonymous callers.
    pub org_id: Option<OrgId>,
    pub token_id: Option<Uuid>,
    /// What was done, e.g. `features.read`, `tiles.read`, `dig_request.package`.
    pub action: String,
    pub dig_request_id: Option<Uuid>,
    pub feature_count: u64,
    /// SHA-256 over the sorted ids of the disclosed features, hex.
    pub feature_digest: String,
}

impl AuditRecord {
    /// The digest of a set of feature ids, independent of their order.
    pub fn digest_ids(ids: impl IntoIterator<Item = Uuid>) -> (u64, String) {
        let mut ids: Vec<Uuid> = ids.into_iter().collect();
        ids.sort_unstable();
        let mut h = Sha256::new();
        for id in &ids {
            h.update(id.as_bytes());
        }
        (ids.len() as u64, hex(&h.finalize()))
    }
}

/// An entry of the append-only audit log: a record, its place and its chain hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// 1, 2, 3, ... without gaps.
    pub seq: u64,
    pub record: AuditRecord,
    /// The previous entry's hash; 64 zeros for the first.
    pub prev_hash: String,
    pub hash: String,
}

/// The `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

impl AuditEntry {
    /// Chains `record` after an entry with `prev_hash` at position `seq`.
    pub fn chain(seq: u64, record: AuditRecord, prev_hash: &str) -> Self {
        let hash = Self::compute_hash(seq, &record, prev_hash);
        Self {
            seq,
            record,
            prev_hash: prev_hash.to_owned(),
            hash,
        }
    }

    /// SHA-256 over the previous hash and every field, each length-prefixed,
    /// so no two different entries share an encoding.
    pub fn compute_hash(seq: u64, r: &AuditRecord, prev_hash: &str) -> String {
        let mut h = Sha256::new();
        let mut field = |b: &[u8]| {
            h.update((b.len() as u64).to_be_bytes());
            h.update(b);
        };
        field(prev_hash.as_bytes());
        field(&seq.to_be_bytes());
        field(&r.at.timestamp_micros().to_be_bytes());
        field(r.org_id.as_ref().map_or("", |o| o.as_str()).as_bytes());
        field(
            r.token_id
                .map(|t| t.to_string())
                .unwrap_or_default()
                .as_bytes(),
        );
        field(r.action.as_bytes());
        field(
            r.dig_request_id
                .map(|t| t.to_string())
                .unwrap_or_default()
                .as_bytes(),
        );
        field(&r.feature_count.to_be_bytes());
        field(r.feature_digest.as_bytes());
        hex(&h.finalize())
    }
}

/// Where a chain first goes wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreak {
    /// Entry `seq` does not hash to its stored hash: it was edited.
    Altered { seq: u64 },
    /// Entry `seq` does not follow the entry before it: one was removed or reordered.
    Broken { seq: u64, expected_seq: u64 },
    /// The log ends before the head the store recorded: entries were cut off the end.
    Truncated { last_seq: u64, head_seq: u64 },
}

/// Checks a whole log in `seq` order against its recorded head (`seq`, hash).
pub fn verify_chain<'a>(
    entries: impl IntoIterator<Item = &'a AuditEntry>,
    head: Option<(u64, &str)>,
) -> Result<u64, ChainBreak> {
    let mut prev = GENESIS_HASH.to_owned();
    let mut expected = 1;
    for e in entries {
        if e.seq != expected || e.prev_hash != prev {
            return Err(ChainBreak::Broken {
                seq: e.seq,
                expected_seq: expected,
            });
        }
        if AuditEntry::compute_hash(e.seq, &e.record, &e.prev_hash) != e.hash {
            return Err(ChainBreak::Altered { seq: e.seq });
        }
        prev.clone_from(&e.hash);
        expected += 1;
    }
    let last = expected - 1;
    if let Some((head_seq, head_hash)) = head {
        if head_seq != last || head_hash != prev {
            return Err(ChainBreak::Truncated {
                last_seq: last,
                head_seq,
            });
        }
    }
    Ok(last)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn record(i: u64) -> AuditRecord {
        let (n, digest) = AuditRecord::digest_ids((0..i).map(|k| Uuid::from_u128(k.into())));
        AuditRecord {
            at: Utc.timestamp_opt(1_700_000_000 + i as i64, 0).unwrap(),
            org_id: Some(OrgId::new("C1").unwrap()),
            token_id: Some(Uuid::from_u128(7)),
            action: "features.read".into(),
            dig_request_id: None,
            feature_count: n,
            feature_digest: digest,
        }
    }

    fn log(n: u64) -> Vec<AuditEntry> {
        let mut out: Vec<AuditEntry> = Vec::new();
        for i in 1..=n {
            let prev = out
                .last()
                .map_or(GENESIS_HASH.to_owned(), |e| e.hash.clone());
            out.push(AuditEntry::chain(i, record(i), &prev));
        }
        out
    }

    fn head(l: &[AuditEntry]) -> Option<(u64, &str)> {
        l.last().map(|e| (e.seq, e.hash.as_str()))
    }

    #[test]
    fn intact_chain_verifies() {
        let l = log(10);
        assert_eq!(verify_chain(&l, head(&l)), Ok(10));
        assert_eq!(verify_chain(&[], None), Ok(0));
    }

    #[test]
    fn edit_delete_swap_and_truncation_are_found_at_the_right_entry() {
        let l = log(10);
        let h = (l[9].seq, l[9].hash.clone());
        let head = Some((h.0, h.1.as_str()));

        let mut edited = l.clone();
        edited[4].record.feature_count += 1;
        assert_eq!(
            verify_chain(&edited, head),
            Err(ChainBreak::Altered { seq: 5 })
        );

        let mut deleted = l.clone();
        deleted.remove(6);
        assert_eq!(
            verify_chain(&deleted, head),
            Err(ChainBreak::Broken {
                seq: 8,
                expected_seq: 7
            })
        );

        let mut swapped = l.clone();
        swapped.swap(2, 3);
        assert_eq!(
            verify_chain(&swapped, head),
            Err(ChainBreak::Broken {
                seq: 4,
                expected_seq: 3
            })
        );

        let truncated = &l[..9];
        assert_eq!(
            verify_chain(truncated, head),
            Err(ChainBreak::Truncated {
                last_seq: 9,
                head_seq: 10
            })
        );
    }

    #[test]
    fn digest_ignores_order_and_token_hash_is_hex_sha256() {
        let a = AuditRecord::digest_ids([Uuid::from_u128(1), Uuid::from_u128(2)]);
        let b = AuditRecord::digest_ids([Uuid::from_u128(2), Uuid::from_u128(1)]);
        assert_eq!(a, b);
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
