//! What an inline button asks for, as a type. Telegram carries a button's
//! `callback_data` (at most [`MAX_DATA_LEN`] bytes) back to the bot when it is
//! pressed; it comes from the customer's client, so it is parsed, never
//! trusted: anything [`Button::parse`] does not read exactly is stale or
//! forged, and the conversation answers "no longer valid".
//!
//! The wire form is short (`a:hawaiian_s:1`) because of Telegram's limit;
//! [`Button::data`] and [`Button::parse`] are each other's inverse.

use std::fmt;

use chatorder_shared::domain::{OrderNumber, Sku};
use uuid::Uuid;

/// Telegram's limit on `callback_data`, in bytes.
pub const MAX_DATA_LEN: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Button {
    /// Back to the menu's categories.
    Menu,
    /// The n-th category of the menu as it was shown.
    Category(usize),
    /// The n-th item name of the menu as it was shown.
    Name(usize),
    /// Add exactly this item.
    Add { sku: Sku, qty: u32 },
    /// Add this item in a size still to be asked.
    AnySize { sku: Sku, qty: u32 },
    /// Change a cart line's quantity by `delta` (`-MAX_QTY` removes it).
    Change { sku: Sku, delta: i64 },
    /// Empty the cart.
    Clear,
    /// Start the checkout.
    Checkout,
    /// This checkout is for a later time (a closed shop's next opening),
    /// in whole minutes since the Unix epoch.
    At { checkout: Uuid, minute: i64 },
    /// This checkout is picked up.
    Pickup(Uuid),
    /// This checkout is delivered (the address is asked next).
    Delivery(Uuid),
    /// Add a note to this checkout.
    Note(Uuid),
    /// Place (or, when editing, update) the order of this checkout.
    Confirm(Uuid),
    /// Abandon this checkout.
    Abandon(Uuid),
    /// Put a past order's items in the cart again.
    Reorder(OrderNumber),
    /// Add the basket of this refused new order (its checkout id) to the
    /// cart the customer has now.
    CartBack(Uuid),
}

impl Button {
    /// The `callback_data` to put on the button.
    pub fn data(&self) -> String {
        self.to_string()
    }

    /// Whether the data fits Telegram's limit (a long SKU may not).
    pub fn fits(&self) -> bool {
        self.data().len() <= MAX_DATA_LEN
    }

    /// Reads a pressed button's data; `None` for anything else.
    pub fn parse(data: &str) -> Option<Self> {
        let (kind, rest) = data.split_once(':').unwrap_or((data, ""));
        let button = match kind {
            "m" if !data.contains(':') => Self::Menu,
            "clear" if !data.contains(':') => Self::Clear,
            "co" if !data.contains(':') => Self::Checkout,
            "c" => Self::Category(index(rest)?),
            "n" => Self::Name(index(rest)?),
            "a" => {
                let (sku, qty) = sku_and(rest)?;
                Self::Add {
                    sku,
                    qty: quantity(qty)?,
                }
            }
            "w" => {
                let (sku, qty) = sku_and(rest)?;
                Self::AnySize {
                    sku,
                    qty: quantity(qty)?,
                }
            }
            "q" => {
                let (sku, delta) = sku_and(rest)?;
                Self::Change {
                    sku,
                    delta: canonical(delta)?,
                }
            }
            "f" => {
                let (choice, id) = rest.split_once(':')?;
                let id = checkout(id)?;
                match choice {
                    "p" => Self::Pickup(id),
                    "d" => Self::Delivery(id),
                    _ => return None,
                }
            }
            "t" => {
                let (minute, id) = rest.split_once(':')?;
                Self::At {
                    checkout: checkout(id)?,
                    minute: canonical(minute)?,
                }
            }
            "nt" => Self::Note(checkout(rest)?),
            "ok" => Self::Confirm(checkout(rest)?),
            "no" => Self::Abandon(checkout(rest)?),
            "r" => Self::Reorder(OrderNumber(canonical(rest)?)),
            "cb" => Self::CartBack(checkout(rest)?),
            _ => return None,
        };
        Some(button)
    }
}

impl fmt::Display for Button {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Menu => f.write_str("m"),
            Self::Category(i) => write!(f, "c:{i}"),
            Self::Name(i) => write!(f, "n:{i}"),
            Self::Add { sku, qty } => write!(f, "a:{sku}:{qty}"),
            Self::AnySize { sku, qty } => write!(f, "w:{sku}:{qty}"),
            Self::Change { sku, delta } => write!(f, "q:{sku}:{delta}"),
            Self::Clear => f.write_str("clear"),
            Self::Checkout => f.write_str("co"),
            Self::At { checkout, minute } => write!(f, "t:{minute}:{}", checkout.simple()),
            Self::Pickup(id) => write!(f, "f:p:{}", id.simple()),
            Self::Delivery(id) => write!(f, "f:d:{}", id.simple()),
            Self::Note(id) => write!(f, "nt:{}", id.simple()),
            Self::Confirm(id) => write!(f, "ok:{}", id.simple()),
            Self::Abandon(id) => write!(f, "no:{}", id.simple()),
            Self::Reorder(n) => write!(f, "r:{}", n.0),
            Self::CartBack(id) => write!(f, "cb:{}", id.simple()),
        }
    }
}

/// A checkout id as [`Button::data`] writes it: 32 lower-case hex digits.
fn checkout(raw: &str) -> Option<Uuid> {
    Uuid::try_parse(raw)
        .ok()
        .filter(|id| id.simple().to_string() == raw)
}

fn sku_and(rest: &str) -> Option<(Sku, &str)> {
    let (sku, tail) = rest.rsplit_once(':')?;
    Some((Sku::parse(sku).ok()?, tail))
}

/// A number written the way [`Button::data`] writes it (no `+`, no leading
/// zeros), so that each button has one spelling.
fn canonical<T: std::str::FromStr + ToString>(raw: &str) -> Option<T> {
    let n: T = raw.parse().ok()?;
    (n.to_string() == raw).then_some(n)
}

fn index(raw: &str) -> Option<usize> {
    canonical(raw)
}

/// Any positive quantity: adding caps it at the cart's limit and says so.
fn quantity(raw: &str) -> Option<u32> {
    canonical::<u32>(raw).filter(|q| *q >= 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sku() -> impl Strategy<Value = Sku> {
        "[a-z0-9_-]{1,40}".prop_map(|s| Sku::parse(&s).expect("a valid sku"))
    }

    fn id() -> impl Strategy<Value = Uuid> {
        any::<u128>().prop_map(Uuid::from_u128)
    }

    fn button() -> impl Strategy<Value = Button> {
        prop_oneof![
            Just(Button::Menu),
            Just(Button::Clear),
            Just(Button::Checkout),
            any::<usize>().prop_map(Button::Category),
            any::<usize>().prop_map(Button::Name),
            (sku(), 1..=u32::MAX).prop_map(|(sku, qty)| Button::Add { sku, qty }),
            (sku(), 1..=u32::MAX).prop_map(|(sku, qty)| Button::AnySize { sku, qty }),
            (sku(), any::<i64>()).prop_map(|(sku, delta)| Button::Change { sku, delta }),
            (id(), any::<i64>()).prop_map(|(checkout, minute)| Button::At { checkout, minute }),
            id().prop_map(Button::Pickup),
            id().prop_map(Button::Delivery),
            id().prop_map(Button::Note),
            id().prop_map(Button::Confirm),
            id().prop_map(Button::Abandon),
            any::<u64>().prop_map(|n| Button::Reorder(OrderNumber(n))),
            id().prop_map(Button::CartBack),
        ]
    }

    proptest! {
        #[test]
        fn every_button_reads_back_as_itself(b in button()) {
            prop_assert_eq!(Button::parse(&b.data()), Some(b));
        }

        #[test]
        fn any_data_reads_as_its_one_spelling_or_not_at_all(data in "\\PC{0,70}") {
            if let Some(b) = Button::parse(&data) {
                prop_assert_eq!(b.data(), data);
            }
        }
    }

    #[test]
    fn the_wire_form_is_the_one_buttons_already_carry() {
        let sku = Sku::parse("hawaiian_s").expect("a valid sku");
        let id = Uuid::from_u128(0xabc);
        assert_eq!(
            Button::Add {
                sku: sku.clone(),
                qty: 80
            }
            .data(),
            "a:hawaiian_s:80"
        );
        assert_eq!(
            Button::Change { sku, delta: -50 }.data(),
            "q:hawaiian_s:-50"
        );
        assert_eq!(
            Button::Pickup(id).data(),
            "f:p:00000000000000000000000000000abc"
        );
        assert_eq!(Button::Reorder(OrderNumber(1042)).data(), "r:1042");
        let at = Button::At {
            checkout: Uuid::from_u128(u128::MAX),
            minute: i64::MIN,
        };
        assert!(at.fits(), "{} bytes at the longest", at.data().len());
        assert_eq!(
            Button::CartBack(id).data(),
            "cb:00000000000000000000000000000abc"
        );
    }

    #[test]
    fn forged_data_is_refused() {
        for data in [
            "",
            "m:",
            "zz",
            "a:hawaiian_s",
            "a:hawaiian_s:0",
            "a:hawaiian_s:+3",
            "a:hawaiian_s:03",
            "a:Hawaiian:1",
            "a::1",
            "q:hawaiian_s:x",
            "c:-1",
            "f:x:00000000000000000000000000000abc",
            "ok:00000000-0000-0000-0000-000000000abc",
            "ok:",
            "r:",
            "r:-4",
            "clear:1",
            "cb:",
            "cb:00000000-0000-0000-0000-000000000abc",
            "t:29400000",
            "t:029400000:00000000000000000000000000000abc",
            "t::00000000000000000000000000000abc",
        ] {
            assert_eq!(Button::parse(data), None, "{data:?}");
        }
    }
}
