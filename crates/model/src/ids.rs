use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ModelError;

/// An organisation's id (an owner's CVR-based code, a KLIC `bronhoudercode`, ...).
///
/// 1–64 characters of `A-Z a-z 0-9 . _ -`, so it is safe in paths, file names and logs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct OrgId(String);

impl OrgId {
    /// Parses and checks an organisation id.
    pub fn new(id: impl Into<String>) -> Result<Self, ModelError> {
        let id = id.into();
        let ok = !id.is_empty()
            && id.len() <= 64
            && id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if ok {
            Ok(Self(id))
        } else {
            Err(ModelError::InvalidOrgId(id))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for OrgId {
    type Error = ModelError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<OrgId> for String {
    fn from(value: OrgId) -> Self {
        value.0
    }
}

impl fmt::Display for OrgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The id of an owner's dataset: all versions of one named dataset share it.
///
/// It is derived from the owner and the dataset name (UUID v5), so the same
/// upload target always has the same id in every store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct DatasetId(pub Uuid);

impl DatasetId {
    const NAMESPACE: Uuid = Uuid::from_u128(0x6b1f_3c2e_9d4a_4e55_8f0b_7a1c_2d3e_4f50);

    /// The id of dataset `name` of `owner`.
    pub fn for_owner(owner: &OrgId, name: &str) -> Self {
        let key = format!("{}\u{1f}{}", owner.as_str(), name);
        Self(Uuid::new_v5(&Self::NAMESPACE, key.as_bytes()))
    }
}

impl fmt::Display for DatasetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn org_ids_are_checked() {
        assert!(OrgId::new("KL1031").is_ok());
        assert!(OrgId::new("energinet.dk").is_ok());
        assert!(OrgId::new("").is_err());
        assert!(OrgId::new("a/b").is_err());
        assert!(OrgId::new("x".repeat(65)).is_err());
    }

    #[test]
    fn dataset_ids_are_stable_and_distinct() {
        let a = OrgId::new("A").unwrap();
        let b = OrgId::new("B").unwrap();
        assert_eq!(
            DatasetId::for_owner(&a, "net"),
            DatasetId::for_owner(&a, "net")
        );
        assert_ne!(
            DatasetId::for_owner(&a, "net"),
            DatasetId::for_owner(&b, "net")
        );
        assert_ne!(
            DatasetId::for_owner(&a, "net"),
            DatasetId::for_owner(&a, "net2")
        );
    }
}
