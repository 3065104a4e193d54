//! Request bodies: what each change takes, read from JSON by
//! [`crate::json::parse`] (unknown fields are refused, so a mistyped field
//! is a 422, never silently ignored). Prices are not part of any of them:
//! they come from the catalog. Public so the fuzz target can read bodies
//! exactly as the routes do.

use chatorder_shared::domain::{OrderStatus, Sku};
use serde::Deserialize;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterBody {
    pub email: String,
    pub password: String,
    pub name: String,
    #[serde(default)]
    pub phone: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    pub email: String,
    pub password: String,
    /// `true` for the web app at the same origin: the login goes into an
    /// `HttpOnly` cookie instead of the answer, with a CSRF token for changes.
    #[serde(default)]
    pub cookie: bool,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusBody {
    pub status: OrderStatus,
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MessageBody {
    pub text: String,
}

/// One line of a new or changed order: an item and how many. Prices come
/// from the catalog, never from the client.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LineBody {
    /// An item's SKU from the catalog, e.g. `hawaiian_m`.
    #[schema(value_type = String, example = "hawaiian_m")]
    pub sku: Sku,
    pub quantity: u32,
}

/// How the customer gets the order.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum FulfilmentBody {
    Pickup,
    Delivery { address: String },
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlaceBody {
    pub lines: Vec<LineBody>,
    pub fulfilment: FulfilmentBody,
    /// For the courier; the account's phone when absent.
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    /// A promo code (3-20 letters, digits, `-` or `_`); the order worker
    /// checks its rules and takes its discount off the catalog prices.
    #[serde(default)]
    pub promo: Option<String>,
    /// A scheduled order: when it should be ready (RFC 3339, e.g.
    /// `2026-12-05T11:30:00Z`). Taken for a time inside the opening the
    /// shop takes orders for now: the current one, or the next when it is
    /// closed (a `closed` problem names when that is; a `bad_time` problem
    /// names the window). Absent: as soon as possible, which a closed shop
    /// refuses.
    #[serde(default)]
    pub scheduled_for: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinesBody {
    pub lines: Vec<LineBody>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBody {
    pub url: String,
    pub events: Vec<String>,
}

/// A catalog item to add (or replace, by its SKU).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CatalogItemBody {
    /// 1-64 lower-case letters, digits, `_` or `-`.
    #[schema(value_type = String, example = "garlic_bread")]
    pub sku: Sku,
    pub name: String,
    /// `S`, `M`, `L`…; absent for items without sizes.
    #[serde(default)]
    pub size: Option<String>,
    pub category: String,
    /// In minor units of the shop's currency (450 is 4.50).
    pub price_minor: i64,
    /// Whether it can be ordered now (true when absent).
    #[serde(default)]
    pub available: Option<bool>,
}

/// One change to an item: exactly one of the two.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CatalogPatchBody {
    /// A new price, in minor units.
    #[serde(default)]
    pub price_minor: Option<i64>,
    /// Put it back on (true) or take it off (false).
    #[serde(default)]
    pub available: Option<bool>,
}
