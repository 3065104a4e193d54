//! Promo codes in the rules: the worker checks every rule of a code named
//! by a new order, works the discount out from catalog prices, and owners
//! create and switch off codes.

use chatorder_shared::promo::{BadTerms, Discount, PromoProblem, PromoTerms};

use super::*;

fn code(c: &str) -> PromoCode {
    PromoCode::parse(c).expect("code")
}

fn terms(c: &str, discount: Discount) -> PromoTerms {
    PromoTerms {
        code: code(c),
        discount,
        min_total_minor: None,
        from: None,
        until: None,
        max_uses: None,
        once_per_customer: false,
    }
}

fn with_promo(m: &mut Mem, t: PromoTerms) {
    m.promos.insert(
        t.code.clone(),
        Promo {
            terms: t,
            enabled: true,
            uses: 0,
        },
    );
}

/// Two Hawaiians (2 × 13.25) and a veggie (12.00): 38.50.
fn place_with(promo: &str) -> Command {
    Command::Place(PlaceOrder {
        lines: vec![line("hawaiian_m", 2), line("veggie_s", 1)],
        fulfilment: Fulfilment::Pickup,
        note: None,
        phone: None,
        promo: Some(code(promo)),
        payment: None,
        scheduled_for: None,
    })
}

fn refusal_of(m: &Mem, cmd: &Command, c: &Actor) -> PromoProblem {
    match decide(m, cmd, &ctx(c, 1)) {
        Err(Refusal::Promo { why, .. }) => why,
        other => panic!("expected a promo refusal, got {other:?}"),
    }
}

#[test]
fn the_discount_comes_from_catalog_prices() {
    let mut m = shop();
    with_promo(&mut m, terms("TEN", Discount::Percent(10)));
    let Ok(Effect::Placed(o)) = decide(&m, &place_with("ten"), &ctx(&customer("1"), 1)) else {
        panic!("placed");
    };
    assert_eq!(o.subtotal_minor(), 3850);
    assert_eq!(o.discount_minor(), 385);
    assert_eq!(o.total_minor, 3465);
    assert_eq!(o.promo.as_ref().map(|p| p.code.as_str()), Some("TEN"));

    // An amount bigger than the order takes the order to zero, not below.
    with_promo(&mut m, terms("BIG", Discount::Amount(10_000)));
    let Ok(Effect::Placed(o)) = decide(&m, &place_with("BIG"), &ctx(&customer("1"), 1)) else {
        panic!("placed");
    };
    assert_eq!((o.discount_minor(), o.total_minor), (3850, 0));
}

#[test]
fn a_paid_order_with_a_promo_code_must_have_paid_the_total_after_the_discount() {
    let mut m = shop();
    with_promo(&mut m, terms("TEN", Discount::Percent(10)));
    let paid = |total_minor: i64| {
        let Command::Place(mut place) = place_with("ten") else {
            unreachable!()
        };
        place.payment = Some(chatorder_shared::payment::Payment {
            total_minor,
            currency: usd(),
            telegram_payment_charge_id: "tg-1".into(),
            provider_payment_charge_id: "pr-1".into(),
        });
        Command::Place(place)
    };
    // The lines' total before the discount is not what is owed.
    assert_eq!(
        decide(&m, &paid(3850), &ctx(&customer("1"), 1)),
        Err(Refusal::PaymentMismatch {
            paid_minor: 3850,
            paid_currency: usd(),
            total_minor: 3465,
            currency: usd(),
        })
    );
    let Ok(Effect::Placed(o)) = decide(&m, &paid(3465), &ctx(&customer("1"), 1)) else {
        panic!("placed");
    };
    assert_eq!((o.total_minor, o.discount_minor()), (3465, 385));
    assert_eq!(o.payment.as_ref().map(|p| p.total_minor), Some(3465));
}

#[test]
fn every_rule_is_checked_by_the_worker() {
    let mut m = shop();
    let ada = customer("1");
    assert_eq!(
        refusal_of(&m, &place_with("NONE"), &ada),
        PromoProblem::Unknown
    );

    let mut min = terms("MIN", Discount::Percent(10));
    min.min_total_minor = Some(4000);
    with_promo(&mut m, min);
    assert_eq!(
        refusal_of(&m, &place_with("MIN"), &ada),
        PromoProblem::BelowMinimum {
            min: Money::new(4000, usd())
        }
    );

    let mut later = terms("LATER", Discount::Percent(10));
    later.from = chrono::NaiveDate::from_ymd_opt(2026, 11, 23);
    with_promo(&mut m, later);
    assert!(matches!(
        refusal_of(&m, &place_with("LATER"), &ada),
        PromoProblem::NotYet { .. }
    ));

    let mut spent = terms("SPENT", Discount::Percent(10));
    spent.max_uses = Some(1);
    with_promo(&mut m, spent);
    m.promos.get_mut(&code("SPENT")).expect("spent").uses = 1;
    assert_eq!(
        refusal_of(&m, &place_with("SPENT"), &ada),
        PromoProblem::UsedUp
    );

    let mut once = terms("ONCE", Discount::Percent(10));
    once.once_per_customer = true;
    with_promo(&mut m, once);
    m.promo_used.insert(("ONCE".into(), ada.key()));
    assert_eq!(
        refusal_of(&m, &place_with("ONCE"), &ada),
        PromoProblem::AlreadyUsed
    );
    // Someone else may still use it.
    assert!(decide(&m, &place_with("ONCE"), &ctx(&customer("2"), 1)).is_ok());

    let mut off = Promo {
        terms: terms("OFF", Discount::Percent(10)),
        enabled: false,
        uses: 0,
    };
    m.promos.insert(code("OFF"), off.clone());
    assert_eq!(
        refusal_of(&m, &place_with("OFF"), &ada),
        PromoProblem::Disabled
    );
    off.enabled = true;
    m.promos.insert(code("OFF"), off);
    assert!(decide(&m, &place_with("OFF"), &ctx(&ada, 1)).is_ok());
}

#[test]
fn changing_the_lines_works_the_discount_out_again() {
    let mut m = shop();
    let mut t = terms("TEN", Discount::Percent(10));
    t.min_total_minor = Some(2000);
    with_promo(&mut m, t);
    let ada = customer("1");
    let Ok(Effect::Placed(o)) = decide(&m, &place_with("TEN"), &ctx(&ada, 7)) else {
        panic!("placed");
    };
    m.orders.insert(o.number, o.clone());
    let update = |lines| {
        Command::Update(UpdateOrder {
            number: o.number,
            lines,
            note: None,
            expected_version: None,
        })
    };
    let Ok(Effect::LinesChanged(changed)) =
        decide(&m, &update(vec![line("hawaiian_m", 4)]), &ctx(&ada, 7))
    else {
        panic!("changed");
    };
    assert_eq!((changed.discount_minor(), changed.total_minor), (530, 4770));
    // Below the code's minimum: refused, saying why.
    assert_eq!(
        refusal_of(&m, &update(vec![line("veggie_s", 1)]), &ada),
        PromoProblem::BelowMinimum {
            min: Money::new(2000, usd())
        }
    );
}

#[test]
fn owners_create_and_switch_off_codes() {
    let mut m = shop();
    let boss = owner();
    let create = |t: PromoTerms| Command::Shop(ShopChange::PromoCreate { promo: t });
    let Ok(Effect::Promo {
        promo,
        created: true,
    }) = decide(
        &m,
        &create(terms("NEW", Discount::Amount(300))),
        &ctx(&boss, 1),
    )
    else {
        panic!("created");
    };
    assert!(promo.enabled);
    assert_eq!(promo.uses, 0);
    with_promo(&mut m, promo.terms);
    assert_eq!(
        decide(
            &m,
            &create(terms("new", Discount::Amount(300))),
            &ctx(&boss, 1)
        ),
        Err(Refusal::PromoExists { promo: code("NEW") })
    );
    assert_eq!(
        decide(
            &m,
            &create(terms("PCT", Discount::Percent(120))),
            &ctx(&boss, 1)
        ),
        Err(Refusal::BadPromo {
            promo: code("PCT"),
            why: BadTerms::Percent
        })
    );
    let disable = |c: &str| Command::Shop(ShopChange::PromoDisable { code: code(c) });
    let Ok(Effect::Promo {
        promo,
        created: false,
    }) = decide(&m, &disable("NEW"), &ctx(&boss, 1))
    else {
        panic!("disabled");
    };
    assert!(!promo.enabled);
    assert_eq!(
        decide(&m, &disable("GHOST"), &ctx(&boss, 1)),
        Err(Refusal::NoSuchPromo {
            promo: code("GHOST")
        })
    );
    // Customers never create codes.
    assert_eq!(
        decide(
            &m,
            &create(terms("MINE", Discount::Percent(100))),
            &ctx(&customer("1"), 1)
        ),
        Err(Refusal::NotAllowed)
    );
}
