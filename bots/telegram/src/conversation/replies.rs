//! What one step of the conversation returns: replies to send (with their
//! keyboards) and actions for the I/O shell to perform.

use chatorder_shared::commands::{LineRequest, PlaceOrder};
use chatorder_shared::domain::OrderNumber;
use uuid::Uuid;

/// A keyboard under a reply.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Keyboard {
    #[default]
    None,
    /// Rows of (label, callback data); data is at most 64 bytes.
    Inline(Vec<Vec<(String, String)>>),
    /// The "share my phone number" reply keyboard.
    RequestContact,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub text: String,
    pub keyboard: Keyboard,
    /// Replace the message whose button was pressed instead of sending anew.
    pub edit: bool,
}

impl Reply {
    pub fn text(text: String) -> Self {
        Self {
            text,
            keyboard: Keyboard::None,
            edit: false,
        }
    }
    pub(super) fn with(text: String, rows: Vec<Vec<(String, String)>>) -> Self {
        Self {
            text,
            keyboard: Keyboard::Inline(rows),
            edit: false,
        }
    }
    pub(super) fn edit(mut self) -> Self {
        self.edit = true;
        self
    }
}

/// Work for the I/O shell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Tell the shop who this customer is (name, phone when shared).
    Register,
    Place {
        id: Uuid,
        order: PlaceOrder,
    },
    /// Send the bill for checkout `id` (payment in chat), noted in the
    /// session's open bill, with its promo code's discount as the order
    /// worker quotes it; `order` is placed once it is paid.
    Invoice {
        id: Uuid,
        order: PlaceOrder,
    },
    Update {
        id: Uuid,
        number: OrderNumber,
        lines: Vec<LineRequest>,
    },
    Edit(OrderNumber),
    Cancel(OrderNumber),
    Message(OrderNumber, String),
    ShowOrders,
    ShowStatus(OrderNumber),
    Reorder(OrderNumber),
}

/// The bot's turn after one input: what it says, then what the shell does.
/// (Not an `Outcome`: in the order worker that word means applied, duplicate
/// or rejected.)
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Turn {
    pub replies: Vec<Reply>,
    pub actions: Vec<Action>,
}

impl Turn {
    pub(super) fn say(reply: Reply) -> Self {
        Self {
            replies: vec![reply],
            actions: Vec::new(),
        }
    }
    pub(super) fn act(action: Action) -> Self {
        Self {
            replies: Vec::new(),
            actions: vec![action],
        }
    }
}
