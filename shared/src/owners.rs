//! What reaches the owners' channel besides orders: scheduled summaries and
//! alerts (the `OWNERS` stream), and the demand worker's answers to
//! `/summary` and `/forecast` (request/reply on `demand.query.*`).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Largest post the owner bot reads; bigger ones are refused unread.
pub const MAX_POST_BYTES: usize = 256 * 1024;

/// Why a post on the `OWNERS` stream could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PostError {
    #[error("post is {size} bytes, over the limit of {limit}; it was not read")]
    TooLarge { size: usize, limit: usize },
    #[error("post is not valid: {0}")]
    Invalid(String),
}

/// What kind of post, which is also its subject (`owners.summary`, `owners.alert`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PostKind {
    Summary,
    Alert,
}

impl PostKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Summary => "summary",
            Self::Alert => "alert",
        }
    }
}

/// One post for the owners. `id` is also the `Nats-Msg-Id`, and the owner bot
/// posts each id once, however often it is delivered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OwnerPost {
    pub id: Uuid,
    pub kind: PostKind,
    /// One line, for example "Morning summary for Friday 23 Oct".
    pub title: String,
    /// Plain text, several lines; the bot splits it to fit Discord.
    pub body: String,
    pub at: DateTime<Utc>,
}

impl OwnerPost {
    pub fn new(kind: PostKind, title: impl Into<String>, body: impl Into<String>) -> Self {
        Self {
            id: Uuid::now_v7(),
            kind,
            title: title.into(),
            body: body.into(),
            at: Utc::now(),
        }
    }

    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// Reads a post, refusing oversize or malformed ones with a sentence.
    pub fn decode(payload: &[u8]) -> Result<Self, PostError> {
        if payload.len() > MAX_POST_BYTES {
            return Err(PostError::TooLarge {
                size: payload.len(),
                limit: MAX_POST_BYTES,
            });
        }
        serde_json::from_slice(payload).map_err(|e| PostError::Invalid(e.to_string()))
    }
}

/// Which day a summary covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SummaryDay {
    Today,
    #[default]
    Yesterday,
}

/// `demand.query.summary`: the day's figures, as the morning summary has them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct SummaryRequest {
    #[serde(default)]
    pub day: SummaryDay,
}

/// `demand.query.forecast`: the latest forecast for a day (tomorrow if absent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ForecastRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub day: Option<NaiveDate>,
}

/// The answer to either request: a titled text the bot shows as it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OwnerReport {
    pub title: String,
    pub body: String,
    pub generated_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn posts_round_trip_and_bad_ones_are_refused() {
        let post = OwnerPost::new(
            PostKind::Alert,
            "Orders waiting",
            "#12 has waited 21 minutes",
        );
        assert_eq!(OwnerPost::decode(&post.to_json()), Ok(post));
        assert!(OwnerPost::decode(b"{").is_err());
        let big = vec![b' '; MAX_POST_BYTES + 1];
        assert!(
            OwnerPost::decode(&big)
                .expect_err("too big")
                .to_string()
                .contains("over the limit")
        );
        let req: SummaryRequest = serde_json::from_str("{}").expect("defaults");
        assert_eq!(req.day, SummaryDay::Yesterday);
    }
}
