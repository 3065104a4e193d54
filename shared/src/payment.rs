//! A payment taken in chat before an order exists (Telegram payments): what
//! the bot saw in `successful_payment`, carried by `order.place`, checked by
//! the order worker against the total it computes from the catalog, and
//! kept on the order so owners know it is paid (and, once it is cancelled
//! or rejected, that a refund is due).

use serde::{Deserialize, Serialize};

use crate::domain::{Currency, Money};

/// The longest charge id the order worker keeps (a `VARCHAR(255)` column).
pub const MAX_CHARGE_ID_CHARS: usize = 255;

/// Money the customer has paid for an order, with the ids a refund needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payment {
    /// What was paid, in minor units of `currency`.
    pub total_minor: i64,
    pub currency: Currency,
    /// Telegram's id of the charge (what a refund names).
    pub telegram_payment_charge_id: String,
    /// The payment provider's id of the same charge.
    pub provider_payment_charge_id: String,
}

impl Payment {
    /// The amount paid.
    pub fn money(&self) -> Money {
        Money::new(self.total_minor, self.currency)
    }
}
