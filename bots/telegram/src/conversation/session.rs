//! What the bot remembers about one customer between messages: the cart,
//! where they are in checkout, their phone, and which order they are changing.

use chatorder_shared::domain::{Fulfilment, OrderNumber, Sku};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What the bot remembers about one customer (kept in Redis).
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
    /// The last Telegram updates this session took in (ids, newest last,
    /// at most [`RECENT_UPDATES`]): an update seen again (a bot killed
    /// after handling it, before telling Telegram it had it) is not applied
    /// twice. Ids, not order: Telegram may start its ids afresh.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recent_updates: Vec<u32>,
    /// The bill sent for the checkout in progress, until it is paid
    /// (payment in chat only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice: Option<super::payment::Invoice>,
}

/// How many update ids a session remembers.
pub const RECENT_UPDATES: usize = 16;

impl Session {
    /// Notes that update `id` is being taken in; false if it was before.
    pub fn take_update(&mut self, id: u32) -> bool {
        if self.recent_updates.contains(&id) {
            return false;
        }
        if self.recent_updates.len() >= RECENT_UPDATES {
            self.recent_updates.remove(0);
        }
        self.recent_updates.push(id);
        true
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
