//! The refusal's wire form: tagged by its code, round-trips, and an unknown
//! or malformed code degrades to `Other` instead of failing the event.

use super::*;
use crate::domain::{Actor, Platform, Role};
use crate::events::Rejection;

fn sku(s: &str) -> Sku {
    Sku::parse(s).expect("valid sku")
}

/// One of each variant, as the worker would send it.
fn every_refusal() -> Vec<Refusal> {
    let n = OrderNumber(1042);
    vec![
        Refusal::NotOwner,
        Refusal::NotAllowed,
        Refusal::NotFound {
            missing: Missing::Order { number: n },
        },
        Refusal::NotFound {
            missing: Missing::Item { sku: sku("coke") },
        },
        Refusal::NotPending {
            number: n,
            status: OrderStatus::Accepted,
        },
        Refusal::ReasonRequired { number: n },
        Refusal::transition(
            n,
            OrderStatus::Ready,
            TransitionError::Final {
                from: OrderStatus::Completed,
            },
        ),
        Refusal::transition(n, OrderStatus::Ready, TransitionError::AcceptFirst),
        Refusal::Empty {
            what: EmptyText::Message,
        },
        Refusal::TooLong {
            field: TextField::Note,
            len: 612,
            max: 500,
        },
        Refusal::AddressRequired,
        Refusal::TooManyLines { lines: 31, max: 30 },
        Refusal::UnknownItem {
            sku: sku("lobster"),
        },
        Refusal::Unavailable {
            sku: sku("coke"),
            name: "Coke".into(),
        },
        Refusal::BadQuantity {
            name: "Coke".into(),
            qty: 60,
            max: 50,
        },
        Refusal::TooLarge,
        Refusal::PaymentMismatch {
            paid_minor: 1200,
            paid_currency: Currency::parse("EUR").expect("currency"),
            total_minor: 1350,
            currency: Currency::parse("EUR").expect("currency"),
        },
        Refusal::Paid { number: n },
        Refusal::BadPrice {
            max_minor: 100_000_000,
        },
        Refusal::BadName { max: 128 },
        Refusal::BadCategory { max: 64 },
        Refusal::BadSize { max: 16 },
        Refusal::Stale {
            number: n,
            expected: 3,
            current: 4,
        },
        Refusal::Internal {
            fault: Fault::WrongCurrency {
                name: "Coke".into(),
                item: Currency::parse("EUR").expect("currency"),
                shop: Currency::parse("USD").expect("currency"),
            },
        },
        Refusal::Internal {
            fault: Fault::NoOrderNumber,
        },
        Refusal::Closed {
            opens_at: Some(chrono::DateTime::UNIX_EPOCH),
        },
        Refusal::Closed { opens_at: None },
        Refusal::BadTime {
            at: chrono::DateTime::UNIX_EPOCH,
            from: Some(chrono::DateTime::UNIX_EPOCH),
            until: Some(chrono::DateTime::UNIX_EPOCH),
        },
        Refusal::BadTime {
            at: chrono::DateTime::UNIX_EPOCH,
            from: None,
            until: None,
        },
        Refusal::Paused {
            reason: Some("Oven repair".into()),
            until: Some(chrono::DateTime::UNIX_EPOCH),
        },
        Refusal::Paused {
            reason: None,
            until: None,
        },
        Refusal::BadPause {
            max_minutes: 10_080,
        },
        Refusal::BadPromo {
            promo: promo(),
            why: crate::promo::BadTerms::Window,
        },
        Refusal::PromoExists { promo: promo() },
        Refusal::NoSuchPromo { promo: promo() },
    ]
    .into_iter()
    .chain(
        [
            PromoProblem::Unknown,
            PromoProblem::Disabled,
            PromoProblem::NotYet {
                from: chrono::NaiveDate::MIN,
            },
            PromoProblem::Expired {
                until: chrono::NaiveDate::MIN,
            },
            PromoProblem::BelowMinimum {
                min: crate::domain::Money::new(2000, Currency::parse("EUR").expect("EUR")),
            },
            PromoProblem::UsedUp,
            PromoProblem::AlreadyUsed,
        ]
        .into_iter()
        .map(|why| Refusal::Promo {
            promo: promo(),
            why,
        }),
    )
    .collect()
}

fn promo() -> PromoCode {
    PromoCode::parse("SAVE10").expect("code")
}

#[test]
fn the_wire_tag_is_the_code_and_every_refusal_round_trips() {
    for refusal in every_refusal() {
        let json = serde_json::to_value(&refusal).expect("serialise");
        assert_eq!(json["code"], refusal.code(), "{json}");
        let back: Refusal = serde_json::from_value(json.clone()).expect("deserialise");
        assert_eq!(back, refusal, "{json}");
    }
}

#[test]
fn a_refusal_reads_as_documented() {
    let json = serde_json::to_string(&Refusal::TooLong {
        field: TextField::Note,
        len: 612,
        max: 500,
    })
    .expect("serialise");
    assert_eq!(
        json,
        r#"{"code":"too_long","field":"note","len":612,"max":500}"#
    );
}

#[test]
fn an_unknown_or_malformed_code_becomes_other() {
    let unknown: Refusal =
        serde_json::from_str(r#"{"code":"closed_for_lunch","until":"14:00"}"#).expect("decodes");
    assert_eq!(
        unknown,
        Refusal::Other {
            code: "closed_for_lunch".into()
        }
    );
    assert_eq!(unknown.code(), "other");
    // A known code whose fields changed shape still reaches its sender.
    let reshaped: Refusal =
        serde_json::from_str(r#"{"code":"too_long","field":"poem"}"#).expect("decodes");
    assert_eq!(
        reshaped,
        Refusal::Other {
            code: "too_long".into()
        }
    );
    // `Other` goes back on the wire as it came.
    assert_eq!(
        serde_json::to_string(&unknown).expect("serialise"),
        r#"{"code":"closed_for_lunch"}"#
    );
    assert!(serde_json::from_str::<Refusal>(r#"{"reason":"no code"}"#).is_err());
}

fn ada() -> Actor {
    Actor {
        role: Role::Customer,
        platform: Platform::Telegram,
        id: "5512345".into(),
        name: None,
        roles: Vec::new(),
    }
}

#[test]
fn a_rejection_from_before_typed_refusals_still_decodes() {
    let old = serde_json::json!({
        "command_id": "01935f00-0000-7000-8000-00000000000c",
        "command_type": "order.place",
        "code": "bad_quantity",
        "reason": "You can order between 1 and 50 of each item; you asked for 60 × Coke.",
        "to": ada(),
    });
    let r: Rejection = serde_json::from_value(old).expect("legacy rejection decodes");
    assert_eq!(
        r.refusal,
        Refusal::Other {
            code: "bad_quantity".into()
        }
    );
    let neither = serde_json::json!({
        "command_id": "01935f00-0000-7000-8000-00000000000c",
        "command_type": "order.place",
        "to": ada(),
    });
    let e = serde_json::from_value::<Rejection>(neither).expect_err("no refusal at all");
    assert!(e.to_string().contains("refusal"), "{e}");
}

#[test]
fn a_typed_rejection_round_trips() {
    let r = Rejection {
        command_id: uuid::Uuid::nil(),
        command_type: "order.update".into(),
        number: Some(OrderNumber(7)),
        refusal: Refusal::NotPending {
            number: OrderNumber(7),
            status: OrderStatus::Ready,
        },
        to: ada(),
        payment: Some(crate::payment::Payment {
            total_minor: 1200,
            currency: Currency::parse("EUR").expect("currency"),
            telegram_payment_charge_id: "tg-1".into(),
            provider_payment_charge_id: "pr-1".into(),
        }),
    };
    let json = serde_json::to_value(&r).expect("serialise");
    assert_eq!(json["refusal"]["code"], "not_pending");
    assert_eq!(
        serde_json::from_value::<Rejection>(json).expect("decode"),
        r
    );
}
