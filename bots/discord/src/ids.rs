//! The custom ids on buttons and modals: short, parsed and checked, never
//! trusted. Discord allows 100 characters; ours stay far below.

use chatorder_shared::domain::{OrderNumber, OrderStatus};

/// What a button press asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Click {
    /// Move order `number` to `to` (`mv:12:accepted`).
    Move {
        number: OrderNumber,
        to: OrderStatus,
    },
    /// Show page `page` of a list (`pg:pending:2`).
    Page { list: List, page: u32 },
}

/// The paginated lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum List {
    Pending,
    Catalog,
}

impl List {
    fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Catalog => "catalog",
        }
    }
}

/// A submitted reason form: why order `number` goes to `to` (`why:12:cancelled`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReasonForm {
    pub number: OrderNumber,
    pub to: OrderStatus,
}

/// The field of the reason form.
pub const REASON_FIELD: &str = "reason";

impl Click {
    pub fn encode(self) -> String {
        match self {
            Self::Move { number, to } => format!("mv:{}:{}", number.0, to.as_str()),
            Self::Page { list, page } => format!("pg:{}:{page}", list.as_str()),
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        let mut parts = raw.split(':');
        let click = match (parts.next()?, parts.next()?, parts.next()?) {
            ("mv", n, s) => Self::Move {
                number: number(n)?,
                // Exact spelling only: ids are ours, not typed by people.
                to: OrderStatus::ALL.into_iter().find(|t| t.as_str() == s)?,
            },
            ("pg", list, page) => Self::Page {
                list: match list {
                    "pending" => List::Pending,
                    "catalog" => List::Catalog,
                    _ => return None,
                },
                page: page.parse().ok().filter(|p| *p < 10_000)?,
            },
            _ => return None,
        };
        parts.next().is_none().then_some(click)
    }
}

impl ReasonForm {
    pub fn encode(self) -> String {
        format!("why:{}:{}", self.number.0, self.to.as_str())
    }

    pub fn parse(raw: &str) -> Option<Self> {
        let mut parts = raw.split(':');
        let (tag, n, s) = (parts.next()?, parts.next()?, parts.next()?);
        if tag != "why" || parts.next().is_some() {
            return None;
        }
        let to = OrderStatus::ALL.into_iter().find(|t| t.as_str() == s)?;
        matches!(to, OrderStatus::Cancelled | OrderStatus::Rejected).then_some(Self {
            number: number(n)?,
            to,
        })
    }
}

fn number(raw: &str) -> Option<OrderNumber> {
    // Digits only: no signs, spaces or leading `+`.
    if raw.is_empty() || raw.len() > 12 || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u64 = raw.parse().ok()?;
    (n > 0).then_some(OrderNumber(n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn n(v: u64) -> OrderNumber {
        OrderNumber(v)
    }

    #[test]
    fn ids_round_trip() {
        for to in OrderStatus::ALL {
            let c = Click::Move { number: n(12), to };
            assert_eq!(Click::parse(&c.encode()), Some(c));
        }
        let p = Click::Page {
            list: List::Catalog,
            page: 3,
        };
        assert_eq!(Click::parse(&p.encode()), Some(p));
        let f = ReasonForm {
            number: n(7),
            to: OrderStatus::Cancelled,
        };
        assert_eq!(ReasonForm::parse(&f.encode()), Some(f));
    }

    #[test]
    fn forged_ids_are_refused() {
        for bad in [
            "",
            "mv",
            "mv:12",
            "mv:12:eaten",
            "mv:-1:accepted",
            "mv:+1:accepted",
            "mv:0:accepted",
            "mv:12:accepted:extra",
            "mv:99999999999999999999:accepted",
            "pg:secret:1",
            "pg:pending:x",
            "why:3:accepted",
            "zz:1:1",
        ] {
            assert_eq!(Click::parse(bad), None, "{bad}");
            assert_eq!(ReasonForm::parse(bad), None, "{bad}");
        }
    }

    proptest! {
        #[test]
        fn parsing_never_panics(s in ".{0,120}") {
            let _ = Click::parse(&s);
            let _ = ReasonForm::parse(&s);
        }
    }
}
