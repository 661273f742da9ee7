use chrono::{DateTime, Utc};
use geo_types::Polygon;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{ModelError, OrgId};

/// A contractor's dig request (LER `graveforespørgsel`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DigRequest {
    pub id: Uuid,
    pub requester_id: OrgId,
    /// The dig area in EPSG:25832 metres.
    pub polygon: Polygon<f64>,
    /// Metres around the polygon that also count.
    pub buffer_m: f64,
    pub period_from: DateTime<Utc>,
    pub period_to: DateTime<Utc>,
    pub purpose: String,
    pub contact: String,
    pub status: DigRequestStatus,
    pub received_at: DateTime<Utc>,
}

impl DigRequest {
    /// Whether the dig period covers `now` (both ends included).
    pub fn is_valid_at(&self, now: DateTime<Utc>) -> bool {
        self.period_from <= now && now <= self.period_to
    }
}

/// One matched owner's answer to a dig request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DigResponse {
    pub owner_id: OrgId,
    pub answer: DigResponseType,
    /// When the owner must have answered (LER's rule, [`crate::deadline::answer_deadline`]).
    pub deadline: DateTime<Utc>,
    /// When the owner gave a final answer; `None` while it is pending
    /// ([`DigResponseType::TakenForManualHandling`]).
    pub answered_at: Option<DateTime<Utc>>,
    /// How many of the owner's features lie in the dig area (polygon + buffer).
    pub features_count: u64,
}

/// Where a dig request is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DigRequestStatus {
    /// Some owner has not answered yet.
    Received,
    /// Every matched owner has answered.
    Answered,
    /// Closed by the requester or an administrator; answers no longer change.
    Complete,
}

impl DigRequestStatus {
    /// The stable code used in the API and the store.
    pub fn code(self) -> &'static str {
        match self {
            Self::Received => "received",
            Self::Answered => "answered",
            Self::Complete => "complete",
        }
    }

    pub fn from_code(code: &str) -> Result<Self, ModelError> {
        Ok(match code {
            "received" => Self::Received,
            "answered" => Self::Answered,
            "complete" => Self::Complete,
            _ => {
                return Err(ModelError::UnknownCode {
                    list: "dig request status",
                    value: code.to_owned(),
                })
            }
        })
    }

    /// The status after the responses changed: `Complete` stays; otherwise
    /// `Answered` when every response is final (also when there is none),
    /// else `Received`.
    pub fn after_answers(self, responses: &[DigResponse]) -> Self {
        if self == Self::Complete {
            Self::Complete
        } else if responses.iter().all(|r| r.answered_at.is_some()) {
            Self::Answered
        } else {
            Self::Received
        }
    }
}

/// An owner's answer to a dig request (LER `GraveforespoergselssvartypeType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DigResponseType {
    NoLinesInArea,
    NotDelivered,
    Delivered,
    TakenForManualHandling,
    OnSiteMarkingNotDelivered,
    OnSiteMarkingDelivered,
}

impl DigResponseType {
    /// Every answer type, in declaration order.
    pub const ALL: [DigResponseType; 6] = [
        Self::NoLinesInArea,
        Self::NotDelivered,
        Self::Delivered,
        Self::TakenForManualHandling,
        Self::OnSiteMarkingNotDelivered,
        Self::OnSiteMarkingDelivered,
    ];

    /// The LER 2.2 term.
    pub fn ler_term(self) -> &'static str {
        match self {
            Self::NoLinesInArea => "ingen ledninger i graveområde",
            Self::NotDelivered => "ledningsoplysninger udleveres ikke",
            Self::Delivered => "ledningsoplysninger udleveret",
            Self::TakenForManualHandling => "udtaget til manuel behandling",
            Self::OnSiteMarkingNotDelivered => {
                "udtaget til påvisning - ledningsoplysninger udleveres ikke"
            }
            Self::OnSiteMarkingDelivered => "udtaget til påvisning - ledningsoplysninger udleveret",
        }
    }

    /// The stable English code used in the API and the store (its serde name).
    pub fn code(self) -> &'static str {
        match self {
            Self::NoLinesInArea => "no_lines_in_area",
            Self::NotDelivered => "not_delivered",
            Self::Delivered => "delivered",
            Self::TakenForManualHandling => "taken_for_manual_handling",
            Self::OnSiteMarkingNotDelivered => "on_site_marking_not_delivered",
            Self::OnSiteMarkingDelivered => "on_site_marking_delivered",
        }
    }

    pub fn from_code(code: &str) -> Result<Self, ModelError> {
        Self::ALL
            .into_iter()
            .find(|t| t.code() == code)
            .ok_or_else(|| ModelError::UnknownCode {
                list: "dig response type",
                value: code.to_owned(),
            })
    }

    /// Whether the owner's network information goes to the requester.
    pub fn delivers_features(self) -> bool {
        matches!(self, Self::Delivered | Self::OnSiteMarkingDelivered)
    }

    /// Whether this closes the owner's part; "taken for manual handling"
    /// promises a later answer.
    pub fn is_final(self) -> bool {
        self != Self::TakenForManualHandling
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_match_serde() {
        for t in DigResponseType::ALL {
            assert_eq!(DigResponseType::from_code(t.code()).unwrap(), t);
            assert_eq!(
                serde_json::to_string(&t).unwrap(),
                format!("\"{}\"", t.code())
            );
        }
        for s in [
            DigRequestStatus::Received,
            DigRequestStatus::Answered,
            DigRequestStatus::Complete,
        ] {
            assert_eq!(DigRequestStatus::from_code(s.code()).unwrap(), s);
        }
        assert!(DigResponseType::from_code("Delivered").is_err());
    }

    #[test]
    fn status_follows_the_answers() {
        let r = |answered: bool| DigResponse {
            owner_id: OrgId::new("O").unwrap(),
            answer: DigResponseType::Delivered,
            deadline: Utc::now(),
            answered_at: answered.then(Utc::now),
            features_count: 1,
        };
        use DigRequestStatus::*;
        assert_eq!(Received.after_answers(&[r(true), r(false)]), Received);
        assert_eq!(Received.after_answers(&[r(true), r(true)]), Answered);
        assert_eq!(Received.after_answers(&[]), Answered);
        assert_eq!(Answered.after_answers(&[r(false)]), Received);
        assert_eq!(Complete.after_answers(&[r(false)]), Complete);
    }
}
