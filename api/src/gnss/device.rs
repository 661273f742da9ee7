//! Devices. A device is an API token of its organisation whose label is
//! `gnss:<name>` (`forsyning token create --org ORG --label gnss:digger-7`):
//! the token is the device's own credential (hashed at rest like every
//! token), its organisation owns the device, and revoking the token retires
//! it; a new token with the same label replaces a lost one without changing
//! the device's name. Names are unique within an organisation; the path's
//! `{device}` is resolved among the caller's organisation's devices first.
//!
//! Who may act for a device: any token of its organisation, except that a
//! device token acts only for its own device; admins for every device. A
//! device of another organisation answers 403, an unknown one 404.

use forsyning_model::{Role, TokenRecord};
use uuid::Uuid;

use super::hub::DeviceKey;
use crate::auth::Principal;
use crate::{ApiError, AppState};

/// The label prefix that makes a token a device's.
pub const DEVICE_LABEL_PREFIX: &str = "gnss:";

/// Longest device name.
const MAX_NAME: usize = 64;

/// Checks a device name: 1-64 of `A-Z a-z 0-9 . _ -`.
pub fn check_name(name: &str) -> Result<(), ApiError> {
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(ApiError::field(
            "invalid_device",
            "device",
            "a device name is 1 to 64 of the characters A-Z a-z 0-9 . _ -",
        ))
    }
}

/// The device a live token stands for, if it is a device token.
pub fn device_of_token(record: &TokenRecord) -> Option<DeviceKey> {
    if record.revoked_at.is_some() {
        return None;
    }
    let name = record.label.strip_prefix(DEVICE_LABEL_PREFIX)?;
    check_name(name).ok()?;
    Some(DeviceKey {
        org: record.org_id.clone(),
        name: name.to_owned(),
    })
}

/// The device `name` as the caller may act for it, or why not.
pub async fn resolve(state: &AppState, p: &Principal, name: &str) -> Result<DeviceKey, ApiError> {
    check_name(name)?;
    let Some(org) = p.org() else {
        return Err(ApiError::Unauthorized(
            "GNSS devices need a token of their organisation",
        ));
    };
    let is_device = |t: &TokenRecord| device_of_token(t).is_some_and(|k| k.name == name);
    let own = state.store.tokens(Some(&org.id)).await?;
    if own.iter().any(is_device) {
        let caller = p.token_id().unwrap_or(Uuid::nil());
        let acting_as = own
            .iter()
            .find(|t| t.id == caller)
            .and_then(device_of_token);
        if acting_as.is_some_and(|k| k.name != name) {
            return Err(ApiError::Forbidden(
                "a device token acts only for its own device",
            ));
        }
        return Ok(DeviceKey {
            org: org.id.clone(),
            name: name.to_owned(),
        });
    }
    let elsewhere: Vec<DeviceKey> = state
        .store
        .tokens(None)
        .await?
        .iter()
        .filter(|t| is_device(t))
        .filter_map(device_of_token)
        .collect();
    let Some(first) = elsewhere.first() else {
        return Err(ApiError::NotFound);
    };
    if org.role != Role::Admin {
        return Err(ApiError::Forbidden(
            "the device belongs to another organisation",
        ));
    }
    if elsewhere.iter().any(|k| k.org != first.org) {
        return Err(ApiError::Conflict(format!(
            "several organisations have a device named {name}; ask one of them"
        )));
    }
    Ok(first.clone())
}
