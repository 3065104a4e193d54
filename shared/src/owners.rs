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

/// `demand.query.dashboard`: today's figures and forecast, as numbers, for
/// the owners' dashboard (its charts draw them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct DashboardRequest {}

/// The answer to [`DashboardRequest`]. Hours are the shop's local hours.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Dashboard {
    /// Today in the shop's time zone.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub day: NaiveDate,
    /// The shop's time zone (IANA name).
    pub time_zone: String,
    /// The shop's currency (ISO 4217); money is in its minor units.
    pub currency: String,
    /// What made today's forecast (`model`, `seasonal_naive`, `mean_28d`);
    /// absent when nothing has sold yet to forecast from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predictor: Option<String>,
    /// Every hour of the day, 0 to 23: what sold, and what was expected.
    pub hours: Vec<HourFigures>,
    /// Today's prep list: items expected to sell, busiest first.
    pub prep: Vec<PrepItem>,
    pub yesterday: DayFigures,
    /// How each settled day's forecast did, over the last 28 days, oldest
    /// first.
    pub accuracy: Vec<AccuracyDay>,
    pub generated_at: DateTime<Utc>,
}

/// One local hour of today.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HourFigures {
    pub hour: u8,
    /// Units of items sold in orders placed in this hour (not rejected or
    /// cancelled).
    pub actual_units: u32,
    /// Orders placed in this hour (not rejected or cancelled).
    pub actual_orders: u32,
    /// The forecast of units for this hour, if there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forecast: Option<Range>,
}

/// An expected value with its 80% interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Range {
    pub mean: f64,
    /// 10th percentile.
    pub p10: u32,
    /// 90th percentile.
    pub p90: u32,
}

/// One line of the prep list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PrepItem {
    pub sku: String,
    pub name: String,
    pub mean: f64,
    pub p10: u32,
    pub p90: u32,
    /// Units sold so far today.
    pub sold: u32,
}

/// A past day's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DayFigures {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub day: NaiveDate,
    /// Orders placed (not rejected or cancelled).
    pub orders: i64,
    pub revenue_minor: i64,
    /// Best sellers first.
    pub top_items: Vec<TopItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TopItem {
    pub name: String,
    pub units: i64,
}

/// How one day's forecast did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccuracyDay {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub day: NaiveDate,
    pub predictor: String,
    pub forecast_units: f64,
    pub actual_units: i64,
    /// Item-day weighted absolute percentage error: 0.25 is 25% of units.
    pub item_day_wape: f64,
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
