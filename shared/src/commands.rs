//! Commands: what customers and owners ask the order worker to do.
//!
//! The decoder checks shape only. Rules (quantities, limits, who may do what)
//! are the order worker's, so a broken rule gets a `rejected` event with a
//! reason instead of a dead letter.

use serde::{Deserialize, Serialize};

use crate::domain::{Fulfilment, OrderNumber, OrderStatus, Role, Sku};
use crate::envelope::{DecodeError, Envelope, decode_data, decode_raw, with_data};
use crate::payment::Payment;
use crate::promo::{PromoCode, PromoTerms};
use crate::subjects::{CommandKind, Subjects};

/// One requested line: which item, how many. Prices never come from chat.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LineRequest {
    pub sku: Sku,
    pub qty: u32,
}

/// `customer.register` (customer): who they are. The name comes from the
/// actor; the phone from Telegram's contact button, when shared.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterCustomer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// `order.place` (customer).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlaceOrder {
    pub lines: Vec<LineRequest>,
    pub fulfilment: Fulfilment,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// A promo code the customer named; the worker checks it and works out
    /// the discount from catalog prices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promo: Option<PromoCode>,
    /// Paid in chat already (Telegram payments): the worker places the
    /// order only if this is exactly its total (after the promo code's
    /// discount, if any), and keeps it on the order.
    /// The command's id is then the invoice's, so a payment told twice
    /// places one order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<Payment>,
    /// A scheduled order: ready for pickup (or delivered) at this time
    /// rather than as soon as possible. The worker takes it only for a time
    /// inside the opening customers may order for now
    /// ([`crate::hours::Schedule::order_window`]), so a closed shop can
    /// take orders for when it opens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_for: Option<chrono::DateTime<chrono::Utc>>,
}

/// `order.update` (customer): replaces the lines (and note) of a pending order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateOrder {
    pub number: OrderNumber,
    pub lines: Vec<LineRequest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Refuse the change unless the order is at this version (the HTTP
    /// API's `If-Match`); the chat bots act on what they just showed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_version: Option<u32>,
}

/// `order.cancel` (customer, or owner with a reason).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CancelOrder {
    pub number: OrderNumber,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Refuse the change unless the order is at this version (the HTTP
    /// API's `If-Match`); the chat bots act on what they just showed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_version: Option<u32>,
}

/// `order.message` (customer or owner): chat about an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendMessage {
    pub number: OrderNumber,
    pub text: String,
}

/// `order.status` (owner): move an order along its lifecycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SetStatus {
    pub number: OrderNumber,
    pub status: OrderStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Refuse the change unless the order is at this version (the HTTP
    /// API's `If-Match`); the chat bots act on what they just showed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_version: Option<u32>,
}

/// A catalog item as owners define it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogItemInput {
    pub sku: Sku,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
    pub category: String,
    pub price_minor: i64,
    #[serde(default = "yes")]
    pub available: bool,
}

fn yes() -> bool {
    true
}

/// `catalog.change` (owner).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum CatalogChange {
    Upsert { item: CatalogItemInput },
    Price { sku: Sku, price_minor: i64 },
    Enable { sku: Sku },
    Disable { sku: Sku },
}

impl CatalogChange {
    pub fn sku(&self) -> &Sku {
        match self {
            Self::Upsert { item } => &item.sku,
            Self::Price { sku, .. } | Self::Enable { sku } | Self::Disable { sku } => sku,
        }
    }
}

/// `shop.change` (owner): stop taking orders for a while, or take them
/// again. A pause lasts `minutes` (at most [`crate::limits::MAX_PAUSE_MINUTES`])
/// or until a resume; customers are told the `reason`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum ShopChange {
    Pause {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        minutes: Option<u32>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    Resume,
    /// A new promo code (a code that exists already is refused).
    PromoCreate {
        promo: PromoTerms,
    },
    /// Switch a promo code off for good (orders that used it keep it).
    PromoDisable {
        code: PromoCode,
    },
}

/// Every command, decoded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Command {
    Register(RegisterCustomer),
    Place(PlaceOrder),
    Update(UpdateOrder),
    Cancel(CancelOrder),
    Message(SendMessage),
    Status(SetStatus),
    Catalog(CatalogChange),
    Shop(ShopChange),
}

impl Command {
    pub fn kind(&self) -> CommandKind {
        match self {
            Self::Register(_) => CommandKind::Register,
            Self::Place(_) => CommandKind::Place,
            Self::Update(_) => CommandKind::Update,
            Self::Cancel(_) => CommandKind::Cancel,
            Self::Message(_) => CommandKind::Message,
            Self::Status(_) => CommandKind::Status,
            Self::Catalog(_) => CommandKind::Catalog,
            Self::Shop(_) => CommandKind::Shop,
        }
    }

    /// The order a command is about, if any.
    pub fn number(&self) -> Option<OrderNumber> {
        match self {
            Self::Update(c) => Some(c.number),
            Self::Cancel(c) => Some(c.number),
            Self::Message(c) => Some(c.number),
            Self::Status(c) => Some(c.number),
            Self::Register(_) | Self::Place(_) | Self::Catalog(_) | Self::Shop(_) => None,
        }
    }
}

/// A decoded command with the role its subject grants.
#[derive(Debug, Clone, PartialEq)]
pub struct IncomingCommand {
    pub role: Role,
    pub envelope: Envelope<Command>,
}

/// Decodes a command from its subject and payload. The role comes from the
/// subject; an envelope claiming another role is refused.
pub fn decode_command(
    subjects: &Subjects,
    subject: &str,
    payload: &[u8],
) -> Result<IncomingCommand, DecodeError> {
    let (role, kind) = subjects
        .parse_command(subject)
        .ok_or_else(|| DecodeError::UnknownSubject(subject.to_owned()))?;
    let raw = decode_raw(payload, crate::envelope::MAX_COMMAND_BYTES)?;
    if raw.kind != kind.envelope_type() {
        let known = [
            CommandKind::Register,
            CommandKind::Place,
            CommandKind::Update,
            CommandKind::Cancel,
            CommandKind::Message,
            CommandKind::Status,
            CommandKind::Catalog,
            CommandKind::Shop,
        ]
        .iter()
        .any(|k| k.envelope_type() == raw.kind);
        return Err(if known {
            DecodeError::TypeMismatch {
                kind: raw.kind.clone(),
                subject: subject.to_owned(),
                expected: kind.envelope_type().to_owned(),
            }
        } else {
            DecodeError::UnknownType(raw.kind.clone())
        });
    }
    if raw.actor.role != role {
        return Err(DecodeError::RoleMismatch {
            claimed: raw.actor.role.as_str().to_owned(),
            subject_role: role.as_str().to_owned(),
        });
    }
    let command = match kind {
        CommandKind::Register => Command::Register(decode_data(&raw)?),
        CommandKind::Place => Command::Place(decode_data(&raw)?),
        CommandKind::Update => Command::Update(decode_data(&raw)?),
        CommandKind::Cancel => Command::Cancel(decode_data(&raw)?),
        CommandKind::Message => Command::Message(decode_data(&raw)?),
        CommandKind::Status => Command::Status(decode_data(&raw)?),
        CommandKind::Catalog => Command::Catalog(decode_data(&raw)?),
        CommandKind::Shop => Command::Shop(decode_data(&raw)?),
    };
    Ok(IncomingCommand {
        role,
        envelope: with_data(raw, command),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Actor, Platform};

    fn customer() -> Actor {
        Actor {
            role: Role::Customer,
            platform: Platform::Telegram,
            id: "5512345".into(),
            name: Some("Ada".into()),
            roles: vec![],
        }
    }

    fn place() -> PlaceOrder {
        PlaceOrder {
            lines: vec![LineRequest {
                sku: Sku::parse("hawaiian_m").expect("sku"),
                qty: 2,
            }],
            fulfilment: Fulfilment::Pickup,
            note: None,
            phone: None,
            promo: None,
            payment: None,
            scheduled_for: None,
        }
    }

    #[test]
    fn a_place_command_round_trips() {
        let s = Subjects::new("").expect("prefix");
        let env = Envelope::new("order.place", customer(), place());
        let got = decode_command(&s, "orders.cmd.customer.place", &env.to_json()).expect("decodes");
        assert_eq!(got.role, Role::Customer);
        assert_eq!(got.envelope.id, env.id);
        assert_eq!(got.envelope.data, Command::Place(place()));
    }

    #[test]
    fn bad_input_gets_a_reason() {
        let s = Subjects::new("").expect("prefix");
        let subj = "orders.cmd.customer.place";
        let e = decode_command(&s, subj, b"{not json").expect_err("malformed");
        assert_eq!(e.label(), "malformed");

        let mut env = Envelope::new("order.place", customer(), place());
        env.v = 2;
        let e = decode_command(&s, subj, &env.to_json()).expect_err("version");
        assert_eq!(e.label(), "unsupported_version");

        let env = Envelope::new("order.explode", customer(), place());
        let e = decode_command(&s, subj, &env.to_json()).expect_err("type");
        assert_eq!(e.label(), "unknown_type");

        let env = Envelope::new("order.cancel", customer(), place());
        let e = decode_command(&s, subj, &env.to_json()).expect_err("mismatch");
        assert_eq!(e.label(), "type_mismatch");

        let mut forged = customer();
        forged.role = Role::Owner;
        let env = Envelope::new("order.place", forged, place());
        let e = decode_command(&s, subj, &env.to_json()).expect_err("forged role");
        assert_eq!(e.label(), "role_mismatch");

        let huge = vec![b' '; crate::envelope::MAX_COMMAND_BYTES + 1];
        let e = decode_command(&s, subj, &huge).expect_err("huge");
        assert_eq!(e.label(), "too_large");

        let e = decode_command(&s, "orders.cmd.customer.status", b"{}").expect_err("subject");
        assert_eq!(e.label(), "unknown_subject");
    }
}
