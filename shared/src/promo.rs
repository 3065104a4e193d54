//! Promo codes: what owners create (`/promo create`), what customers name
//! at checkout, and the pure check the order worker runs on every order
//! that names one. No clock, database or chat here: the worker passes in
//! the moment, the shop's time zone and what MySQL says about the code.
//!
//! A code's window is a pair of days in the shop's time zone, both
//! included. The discount is computed from the order's catalog-priced
//! lines: a percentage rounds down to the minor unit (the shop never gives
//! more than it said), a fixed amount never takes more than the lines are
//! worth. Uses are counted by the worker in MySQL inside the order's
//! transaction, so the last use goes to exactly one order.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::Money;
use crate::hours::Tz;

/// A promo code as customers type it: 3 to 20 letters, digits, `-` or `_`,
/// kept in capitals so `summer10` and `SUMMER10` are the same code.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PromoCode(String);

/// A text that is not a promo code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a promo code (use 3-20 letters, digits, `-` or `_`)")]
pub struct BadCode(pub String);

impl PromoCode {
    pub const MIN_LEN: usize = 3;
    pub const MAX_LEN: usize = 20;

    pub fn parse(raw: &str) -> Result<Self, BadCode> {
        let t = raw.trim();
        let ok = (Self::MIN_LEN..=Self::MAX_LEN).contains(&t.len())
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if ok {
            Ok(Self(t.to_ascii_uppercase()))
        } else {
            Err(BadCode(t.chars().take(30).collect()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for PromoCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for PromoCode {
    type Error = BadCode;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<PromoCode> for String {
    fn from(c: PromoCode) -> Self {
        c.0
    }
}

/// What a code takes off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Discount {
    /// 1 to 100 percent of the lines' total.
    Percent(u8),
    /// A fixed amount in minor units, at most what the lines are worth.
    Amount(i64),
}

impl Discount {
    /// The discount on lines worth `subtotal` minor units.
    pub fn on(self, subtotal: i64) -> i64 {
        let subtotal = subtotal.max(0);
        match self {
            // i128: no overflow for any total that fits the money type.
            Self::Percent(p) => {
                i64::try_from(i128::from(subtotal) * i128::from(p.min(100)) / 100).unwrap_or(0)
            }
            Self::Amount(a) => a.clamp(0, subtotal),
        }
    }

    pub fn kind(self) -> &'static str {
        match self {
            Self::Percent(_) => "percent",
            Self::Amount(_) => "amount",
        }
    }

    /// The stored value: the percentage or the minor units.
    pub fn value(self) -> i64 {
        match self {
            Self::Percent(p) => i64::from(p),
            Self::Amount(a) => a,
        }
    }

    /// From the stored kind and value, if they make sense.
    pub fn from_parts(kind: &str, value: i64) -> Option<Self> {
        match kind {
            "percent" => u8::try_from(value).ok().map(Self::Percent),
            "amount" => Some(Self::Amount(value)),
            _ => None,
        }
    }
}

/// A code's rules, as an owner sets them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PromoTerms {
    pub code: PromoCode,
    pub discount: Discount,
    /// The lines must be worth at least this much (minor units).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_total_minor: Option<i64>,
    /// First day it may be used, in the shop's time zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<NaiveDate>,
    /// Last day it may be used (included), in the shop's time zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<NaiveDate>,
    /// How many orders may use it in all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_uses: Option<u32>,
    /// One order per customer.
    #[serde(default)]
    pub once_per_customer: bool,
}

/// Limits on what an owner may set.
pub const MAX_USES: u32 = 1_000_000;

/// Why an owner's new code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BadTerms {
    /// A percentage outside 1..=100.
    Percent,
    /// An amount outside 1..=`max_minor`.
    Amount { max_minor: i64 },
    /// A minimum total below 0 or above `max_minor`.
    MinTotal { max_minor: i64 },
    /// The window ends before it starts.
    Window,
    /// A number of uses outside 1..=`max`.
    Uses { max: u32 },
}

impl PromoTerms {
    /// Whether an owner may create these terms.
    pub fn check(&self) -> Result<(), BadTerms> {
        let max_minor = crate::limits::MAX_PRICE_MINOR * i64::from(crate::limits::MAX_QTY);
        match self.discount {
            Discount::Percent(p) if !(1..=100).contains(&p) => return Err(BadTerms::Percent),
            Discount::Amount(a) if !(1..=max_minor).contains(&a) => {
                return Err(BadTerms::Amount { max_minor });
            }
            _ => {}
        }
        if self
            .min_total_minor
            .is_some_and(|m| !(0..=max_minor).contains(&m))
        {
            return Err(BadTerms::MinTotal { max_minor });
        }
        if let (Some(from), Some(until)) = (self.from, self.until)
            && until < from
        {
            return Err(BadTerms::Window);
        }
        if self.max_uses.is_some_and(|n| !(1..=MAX_USES).contains(&n)) {
            return Err(BadTerms::Uses { max: MAX_USES });
        }
        Ok(())
    }
}

/// A code as stored: its terms, whether it is on, how often it was used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Promo {
    pub terms: PromoTerms,
    pub enabled: bool,
    pub uses: u32,
}

/// The discount an order got, carried on the order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppliedPromo {
    pub code: PromoCode,
    /// Taken off the lines' total; the order's `total_minor` is after it.
    pub discount_minor: i64,
}

/// Which rule a code broke, for [`crate::refusal::Refusal::Promo`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PromoProblem {
    /// No such code.
    Unknown,
    /// Owners switched it off.
    Disabled,
    /// Its window starts on `from` (shop's time zone).
    NotYet { from: NaiveDate },
    /// Its window ended on `until`.
    Expired { until: NaiveDate },
    /// The lines are worth less than `min` (in the shop's currency).
    BelowMinimum { min: Money },
    /// Every use is taken.
    UsedUp,
    /// This customer already used it and it is once per customer.
    AlreadyUsed,
}

impl PromoProblem {
    pub fn label(&self) -> &'static str {
        match self {
            Self::Unknown => "unknown",
            Self::Disabled => "disabled",
            Self::NotYet { .. } => "not_yet",
            Self::Expired { .. } => "expired",
            Self::BelowMinimum { .. } => "below_minimum",
            Self::UsedUp => "used_up",
            Self::AlreadyUsed => "already_used",
        }
    }
}

/// Checks every rule of `promo` for an order whose lines are worth
/// `subtotal` (in the shop's currency), placed at `now` by a customer who has (`used_before`) or has
/// not used it before; answers the discount. Rules are checked in the order
/// a customer can do something about last: existence, switch, window,
/// uses, once per customer, minimum.
pub fn check(
    promo: Option<&Promo>,
    subtotal: Money,
    now: DateTime<Utc>,
    tz: Tz,
    used_before: bool,
) -> Result<i64, PromoProblem> {
    let Some(p) = promo else {
        return Err(PromoProblem::Unknown);
    };
    if !p.enabled {
        return Err(PromoProblem::Disabled);
    }
    let today = now.with_timezone(&tz).date_naive();
    if let Some(from) = p.terms.from.filter(|f| today < *f) {
        return Err(PromoProblem::NotYet { from });
    }
    if let Some(until) = p.terms.until.filter(|u| today > *u) {
        return Err(PromoProblem::Expired { until });
    }
    if p.terms.max_uses.is_some_and(|max| p.uses >= max) {
        return Err(PromoProblem::UsedUp);
    }
    if p.terms.once_per_customer && used_before {
        return Err(PromoProblem::AlreadyUsed);
    }
    if let Some(min) = p.terms.min_total_minor.filter(|m| subtotal.minor < *m) {
        return Err(PromoProblem::BelowMinimum {
            min: Money::new(min, subtotal.currency),
        });
    }
    Ok(p.terms.discount.on(subtotal.minor))
}

#[cfg(test)]
#[path = "promo_tests.rs"]
mod tests;
