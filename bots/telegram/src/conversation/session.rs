//! What the bot remembers about one customer between messages: the cart,
//! where they are in checkout, their phone, and which order they are changing.

use chatorder_shared::domain::{Fulfilment, OrderNumber, Sku};
use chatorder_shared::lang::Lang;
use chatorder_shared::promo::PromoCode;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What the bot remembers about one customer (kept in NATS: `crate::store`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub cart: Vec<CartLine>,
    pub stage: Stage,
    /// Shared through Telegram's contact button.
    pub phone: Option<String>,
    /// The last checkout sent, so a second tap on Confirm sends nothing.
    pub last_checkout: Option<Uuid>,
    /// A pending order loaded into the cart to be changed (`/edit`).
    #[serde(default)]
    pub editing: Option<OrderNumber>,
    /// The promo code given with `/promo CODE` for the next order; the
    /// shop checks it when the order is confirmed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promo: Option<PromoCode>,
    /// The last Telegram updates this session took in (ids, newest last,
    /// at most [`RECENT_UPDATES`]): an update seen again (a bot killed
    /// after handling it, before telling Telegram it had it) is not applied
    /// twice. Ids, not order: Telegram may start its ids afresh.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recent_updates: Vec<u32>,
    /// The baskets of the last orders sent to the worker (newest last, at
    /// most [`SENT_CARTS`]), kept so that a refused order gives the
    /// customer back exactly what they confirmed ([`super::refused`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sent: Vec<SentCart>,
    /// The language the customer reads, from their Telegram
    /// `language_code` on their latest update; notifications use it too
    /// (English once the session has expired).
    #[serde(default)]
    pub lang: Lang,
    /// The bill sent for the checkout in progress, until it is paid
    /// (payment in chat only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice: Option<super::payment::Invoice>,
    /// Random, set when the session first takes an update: the ids this
    /// session gives (checkouts, commands) come from it and the update
    /// being handled ([`Session::fresh_id`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<Uuid>,
    /// The time chosen for the checkout in progress (a closed shop takes
    /// orders for its next opening): the order is placed for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<ChosenTime>,
}

/// A time chosen at checkout `checkout`: the order is to be ready `at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChosenTime {
    pub checkout: Uuid,
    pub at: chrono::DateTime<chrono::Utc>,
}

impl Session {
    /// The time chosen for checkout `checkout`, if one was.
    pub fn time_for(&self, checkout: Uuid) -> Option<chrono::DateTime<chrono::Utc>> {
        self.time.filter(|t| t.checkout == checkout).map(|t| t.at)
    }
}

/// How many update ids a session remembers.
pub const RECENT_UPDATES: usize = 16;

/// How many sent baskets a session remembers: a refusal comes within
/// moments of Confirm, so a few cover any customer's pace.
pub const SENT_CARTS: usize = 4;

/// A basket sent as a new order (checkout `checkout`), exactly as confirmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentCart {
    pub checkout: Uuid,
    pub lines: Vec<CartLine>,
    /// What was done with it when the worker refused the order: set once,
    /// so a refusal delivered twice does the same thing once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refused: Option<CartBack>,
    /// A basket kept aside ([`CartBack::Kept`]) that the customer has since
    /// added to their cart with the button offered: it is added once.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub added: bool,
}

/// What a refused order did with the basket it carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CartBack {
    /// The cart was empty: the basket is the cart again.
    Restored,
    /// The customer had started another cart (or is changing an order):
    /// that cart is left as it is; the message lists the refused basket
    /// and offers a button that adds it to the cart ([`super::refused::add_back`]).
    Kept,
}

impl Session {
    /// The sentences in the customer's language.
    pub fn texts(&self) -> &'static dyn crate::texts::Texts {
        crate::texts::of(self.lang)
    }

    /// Notes that update `id` is being taken in; false if it was before.
    pub fn take_update(&mut self, id: u32) -> bool {
        if self.recent_updates.contains(&id) {
            return false;
        }
        self.seed.get_or_insert_with(Uuid::new_v4);
        if self.recent_updates.len() >= RECENT_UPDATES {
            self.recent_updates.remove(0);
        }
        self.recent_updates.push(id);
        true
    }
}

impl Session {
    /// A new id for `what` (a checkout, a command) made while handling the
    /// update taken last: the same each time that update is handled from
    /// the same saved session. A bot killed after answering an update and
    /// before saving the session handles the update again at its next
    /// start; the buttons it sent the first time must still work (a
    /// customer pressed Pickup on the first "Pickup or delivery?" and was
    /// told the checkout had expired), and a command sent the first time
    /// must be recognised as the same one. Random when no update was taken.
    pub fn fresh_id(&self, what: &str) -> Uuid {
        match (self.seed, self.recent_updates.last()) {
            (Some(seed), Some(update)) => {
                Uuid::new_v5(&seed, format!("{update}/{what}").as_bytes())
            }
            _ => Uuid::now_v7(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CartLine {
    pub sku: Sku,
    pub qty: u32,
}

/// Where the customer is in checkout. The checkout id becomes the place
/// command's id, so however often Confirm is tapped one order results.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "stage", rename_all = "snake_case")]
pub enum Stage {
    #[default]
    Browsing,
    /// The shop is closed: a time in its next opening is being chosen.
    Time {
        checkout: Uuid,
    },
    Fulfilment {
        checkout: Uuid,
    },
    Address {
        checkout: Uuid,
    },
    Phone {
        checkout: Uuid,
        address: String,
    },
    Note {
        checkout: Uuid,
        fulfilment: Fulfilment,
    },
    Confirm {
        checkout: Uuid,
        fulfilment: Fulfilment,
        note: Option<String>,
    },
    /// Confirming a change to a pending order.
    ConfirmEdit {
        checkout: Uuid,
        number: OrderNumber,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_update_is_taken_in_once_and_memory_stays_small() {
        let mut s = Session::default();
        assert!(s.take_update(7));
        assert!(s.take_update(3), "ids may come in any order");
        assert!(!s.take_update(7));
        assert!(!s.take_update(3));
        for id in 100..100 + u32::try_from(RECENT_UPDATES).unwrap_or(16) {
            assert!(s.take_update(id));
        }
        assert_eq!(s.recent_updates.len(), RECENT_UPDATES);
        assert!(s.take_update(7), "the oldest ids are forgotten");
        // A session written before this field existed reads as new.
        let old = serde_json::from_str::<Session>(
            r#"{"cart":[],"stage":{"stage":"browsing"},"phone":null,"last_checkout":null}"#,
        );
        assert!(old.is_ok_and(|s| s.recent_updates.is_empty()));
    }
}
