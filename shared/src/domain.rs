//! Domain values every process agrees on; once a value exists it is valid.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A catalog item's stock-keeping unit, e.g. `bbq_ckn_l`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Sku(String);

/// A text that is not a valid domain value. The message says what a valid
/// one looks like; the field holds the text as shown (cut if long).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidValue {
    #[error("`{0}` is not a valid item code (use 1-64 lower-case letters, digits, `_` or `-`)")]
    Sku(String),
    #[error("`{0}` is not an ISO currency code such as USD or EUR")]
    Currency(String),
}

impl Sku {
    pub const MAX_LEN: usize = 64;

    /// Lower-case letters, digits, `_` and `-`, 1 to 64 characters.
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let ok = !raw.is_empty()
            && raw.len() <= Self::MAX_LEN
            && raw
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(InvalidValue::Sku(truncate_for_display(raw, 40)))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Sku {
    type Error = InvalidValue;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Sku> for String {
    fn from(value: Sku) -> Self {
        value.0
    }
}

impl fmt::Display for Sku {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The short number customers and owners see, e.g. `#1042`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OrderNumber(pub u64);

impl fmt::Display for OrderNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// Money in integer minor units (cents) of one currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    pub fn new(minor: i64, currency: Currency) -> Self {
        Self { minor, currency }
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        write!(f, "{sign}{} {}.{:02}", self.currency, abs / 100, abs % 100)
    }
}

/// An ISO 4217 currency code, three upper-case letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

impl Currency {
    pub fn parse(raw: &str) -> Result<Self, InvalidValue> {
        let bytes = raw.as_bytes();
        if bytes.len() == 3 && bytes.iter().all(u8::is_ascii_uppercase) {
            Ok(Self([bytes[0], bytes[1], bytes[2]]))
        } else {
            Err(InvalidValue::Currency(truncate_for_display(raw, 10)))
        }
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII upper-case letters are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }
}

impl TryFrom<String> for Currency {
    type Error = InvalidValue;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Currency> for String {
    fn from(value: Currency) -> Self {
        value.as_str().to_owned()
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where an order is in its life. See `docs/architecture.md` for the diagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Pending,
    Accepted,
    Rejected,
    Preparing,
    Ready,
    OutForDelivery,
    Completed,
    Cancelled,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 8] = [
        Self::Pending,
        Self::Accepted,
        Self::Rejected,
        Self::Preparing,
        Self::Ready,
        Self::OutForDelivery,
        Self::Completed,
        Self::Cancelled,
    ];

    /// Whether an order in this status counts as sold (demand, revenue):
    /// everything the shop took on, i.e. not refused and not called off.
    pub fn is_sold(self) -> bool {
        !matches!(self, Self::Rejected | Self::Cancelled)
    }

    /// The statuses that count as sold, as stored.
    pub fn sold() -> Vec<&'static str> {
        Self::ALL
            .into_iter()
            .filter(|s| s.is_sold())
            .map(Self::as_str)
            .collect()
    }

    /// No move leaves a final status.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Rejected | Self::Completed | Self::Cancelled)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Accepted => "accepted",
            Self::Rejected => "rejected",
            Self::Preparing => "preparing",
            Self::Ready => "ready",
            Self::OutForDelivery => "out_for_delivery",
            Self::Completed => "completed",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        let norm = raw.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        Self::ALL.into_iter().find(|s| s.as_str() == norm)
    }

    /// How a person would say it.
    pub fn human(self) -> &'static str {
        match self {
            Self::OutForDelivery => "out for delivery",
            other => other.as_str(),
        }
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the customer gets the order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Fulfilment {
    Pickup,
    Delivery { address: String },
}

impl Fulfilment {
    pub fn is_delivery(&self) -> bool {
        matches!(self, Self::Delivery { .. })
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Self::Pickup => "pickup",
            Self::Delivery { .. } => "delivery",
        }
    }

    pub fn address(&self) -> Option<&str> {
        match self {
            Self::Pickup => None,
            Self::Delivery { address } => Some(address),
        }
    }
}

/// The chat platform an actor uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Platform {
    Telegram,
    Discord,
    /// Orders imported from history or placed by tools (bench, demo).
    System,
    /// An integration calling the HTTP API with an API key (id: the key's id).
    Api,
    /// An account of the HTTP API and the web app (id: the account's id).
    Web,
}

impl Platform {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Telegram => "telegram",
            Self::Discord => "discord",
            Self::System => "system",
            Self::Api => "api",
            Self::Web => "web",
        }
    }
}

/// Whether an actor speaks as a customer or as an owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Customer,
    Owner,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Customer => "customer",
            Self::Owner => "owner",
        }
    }
}

/// Who sent a command. The role the worker trusts comes from the subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Actor {
    pub role: Role,
    pub platform: Platform,
    /// The platform's user id, as a string.
    pub id: String,
    /// Display name, if the platform gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Platform role ids (Discord) the bot saw on the actor.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
}

impl Actor {
    pub const MAX_ID_LEN: usize = 64;
    pub const MAX_NAME_LEN: usize = 128;

    /// The stable key of a customer: `telegram:5512345`.
    pub fn key(&self) -> String {
        format!("{}:{}", self.platform.as_str(), self.id)
    }
}

/// Cuts `s` to at most `max` characters for an error message.
pub fn truncate_for_display(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(max).collect();
        out.push('…');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sku_accepts_codes_and_refuses_the_rest() {
        assert!(Sku::parse("bbq_ckn_l").is_ok());
        assert!(Sku::parse("").is_err());
        assert!(Sku::parse("BBQ").is_err());
        assert!(Sku::parse("a b").is_err());
        assert!(Sku::parse(&"a".repeat(65)).is_err());
        assert_eq!(
            Sku::parse("a b").expect_err("a space").to_string(),
            "`a b` is not a valid item code (use 1-64 lower-case letters, digits, `_` or `-`)"
        );
        assert_eq!(
            Currency::parse("dollars")
                .expect_err("not a code")
                .to_string(),
            "`dollars` is not an ISO currency code such as USD or EUR"
        );
    }

    #[test]
    fn money_prints_minor_units() {
        let usd = Currency::parse("USD").expect("valid");
        assert_eq!(Money::new(1275, usd).to_string(), "USD 12.75");
        assert_eq!(Money::new(5, usd).to_string(), "USD 0.05");
        assert!(Currency::parse("usd").is_err());
    }

    #[test]
    fn status_round_trips_through_text() {
        for s in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(
            OrderStatus::parse("Out for delivery"),
            Some(OrderStatus::OutForDelivery)
        );
        assert_eq!(OrderStatus::parse("bogus"), None);
    }
}
