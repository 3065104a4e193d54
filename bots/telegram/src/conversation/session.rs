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
