//! Every sentence in every language: none is empty, none is left in English
//! by mistake, and the ones with numbers, times and money say them in the
//! language's way.

use chatorder_shared::domain::{
    Currency, Fulfilment, Money, OrderNumber, OrderStatus, Platform, Role, Sku,
};
use chatorder_shared::events::{CustomerRef, OrderLine, OrderSnapshot};
use chatorder_shared::hours::Tz;
use chatorder_shared::lifecycle::TransitionError;
use chatorder_shared::promo::{AppliedPromo, PromoCode, PromoProblem};
use chatorder_shared::queries::QueryRefusal;
use chatorder_shared::refusal::{EmptyText, Fault, Missing, Refusal, TextField};
use chrono::{DateTime, Utc};

use super::*;

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect(s)
        .with_timezone(&Utc)
}

fn london() -> Tz {
    "Europe/London".parse().expect("zone")
}

fn order(status: OrderStatus, fulfilment: Fulfilment) -> OrderSnapshot {
    OrderSnapshot {
        id: uuid::Uuid::nil(),
        number: OrderNumber(1042),
        version: 1,
        status,
        customer: CustomerRef {
            key: "telegram:7".into(),
            platform: Platform::Telegram,
            id: "7".into(),
            name: Some("Ada".into()),
        },
        lines: vec![OrderLine {
            sku: Sku::parse("hawaiian_l").expect("sku"),
            name: "The Hawaiian Pizza (L)".into(),
            qty: 2,
            unit_price_minor: 625,
            line_total_minor: 1250,
        }],
        total_minor: 1250,
        currency: Currency::parse("EUR").expect("eur"),
        fulfilment,
        note: None,
        placed_at: at("2026-12-04T23:30:00Z"),
        updated_at: at("2026-12-04T23:30:00Z"),
        promo: None,
        payment: None,
        scheduled_for: None,
    }
}

/// Every sentence of `t`, with the same arguments for every language,
/// each with a name to say which one failed.
fn every_sentence(t: &dyn Texts) -> Vec<(&'static str, String)> {
    let n = OrderNumber(1042);
    let now = at("2026-12-03T23:30:00Z");
    let tz = london();
    let lines = vec![(2, "Pizza (L)".to_owned(), "x".to_owned())];
    let pickup = order(OrderStatus::Ready, Fulfilment::Pickup);
    let scheduled = OrderSnapshot {
        scheduled_for: Some(at("2026-12-04T11:30:00Z")),
        ..order(OrderStatus::Pending, Fulfilment::Pickup)
    };
    let delivery = order(
        OrderStatus::Ready,
        Fulfilment::Delivery {
            address: "Calle Mayor 1".into(),
        },
    );
    let price = Money::new(1250, Currency::parse("EUR").expect("eur"));
    let code = PromoCode::parse("SAVE10").expect("code");
    let mut discounted = order(OrderStatus::Pending, Fulfilment::Pickup);
    discounted.promo = Some(AppliedPromo {
        code: code.clone(),
        discount_minor: 125,
    });
    discounted.total_minor = 1125;
    let paid = |status: OrderStatus| {
        let mut o = order(status, Fulfilment::Pickup);
        o.payment = Some(chatorder_shared::payment::Payment {
            total_minor: o.total_minor,
            currency: o.currency,
            telegram_payment_charge_id: "tg-1".into(),
            provider_payment_charge_id: "pr-1".into(),
        });
        o
    };
    let mut out: Vec<(&'static str, String)> = vec![
        ("welcome", t.welcome("Ada", "Pizza")),
        ("help", t.help()),
        ("menu_categories", t.menu_categories()),
        ("menu_items", t.menu_items("Pizza")),
        ("menu_sizes", t.menu_sizes("Pizza")),
        ("menu_add", t.menu_add()),
        ("menu_empty", t.menu_empty()),
        ("menu_stale", t.menu_stale()),
        ("added", t.added(&["2 × Pizza".into()], "x")),
        ("capped 0", t.capped(0, 50, "Pizza")),
        ("capped all", t.capped(50, 50, "Pizza")),
        ("capped some", t.capped(3, 50, "Pizza")),
        ("at_most_of_one", t.at_most_of_one()),
        ("cart_full", t.cart_full("Pizza")),
        ("not_understood", t.not_understood(&["xyz".into()])),
        ("unavailable", t.unavailable(&["Pizza".into()])),
        ("nothing_found", t.nothing_found()),
        ("too_long", t.too_long()),
        ("slow_down", t.slow_down()),
        ("cart_empty", t.cart_empty()),
        ("cart", t.cart(&lines, "x")),
        ("cart_item_gone", t.cart_item_gone("Pizza")),
        (
            "prompt size",
            t.prompt(&Prompt::WhichSize {
                item: "Pizza".into(),
            }),
        ),
        (
            "prompt no such size",
            t.prompt(&Prompt::NoSuchSize {
                item: "Pizza".into(),
                size: "M".into(),
                sizes: vec!["S".into(), "L".into()],
            }),
        ),
        (
            "prompt which",
            t.prompt(&Prompt::WhichOne {
                fragment: "chicken".into(),
            }),
        ),
        (
            "choice item",
            t.choice(&Choice::Item {
                name: "Pizza".into(),
                price,
            }),
        ),
        ("choose_fulfilment", t.choose_fulfilment()),
        ("ask_address", t.ask_address()),
        ("address_too_long", t.address_too_long(300)),
        ("ask_note", t.ask_note()),
        ("note_too_long", t.note_too_long(500)),
        ("ask_phone", t.ask_phone()),
        ("summary", t.summary(&lines, "x", "y", Some("z"), None)),
        (
            "summary with a promo code",
            t.summary(&lines, "x", "y", None, Some(&code)),
        ),
        ("pickup", t.pickup()),
        ("delivery_to", t.delivery_to("Calle Mayor 1")),
        ("sending", t.sending()),
        ("already_sent", t.already_sent()),
        ("checkout_expired", t.checkout_expired()),
        ("checkout_cancelled", t.checkout_cancelled()),
        ("too_many_orders", t.too_many_orders(10)),
        ("shop_unreachable", t.shop_unreachable()),
        ("usage_promo", t.usage_promo()),
        ("promo_noted", t.promo_noted(&code)),
        ("promo_current", t.promo_current(&code)),
        ("promo_removed", t.promo_removed()),
        ("not_a_promo_code", t.not_a_promo_code()),
        ("totals", t.totals(&pickup)),
        ("totals with a promo code", t.totals(&discounted)),
        ("placed with a promo code", t.placed(&discounted, tz)),
        (
            "closed_now",
            t.closed_now(Some(at("2026-12-05T11:00:00Z")), now, tz),
        ),
        ("closed_now, no opening", t.closed_now(None, now, tz)),
        ("invoice_title", t.invoice_title("Pizza")),
        (
            "invoice_title, a long shop name",
            t.invoice_title("The Very Long Named Pizza Shop Of Town"),
        ),
        ("invoice_description", t.invoice_description(1, &t.pickup())),
        (
            "invoice_description, items",
            t.invoice_description(3, &t.pickup()),
        ),
        ("invoice_promo", t.invoice_promo(&code, "x")),
        ("invoice_preparing", t.invoice_preparing()),
        ("invoice_sent", t.invoice_sent()),
        ("invoice_failed", t.invoice_failed()),
        ("invoice_too_large", t.invoice_too_large()),
        ("nothing_to_pay", t.nothing_to_pay()),
        ("pay_stale", t.pay_stale()),
        ("pay_cart_changed", t.pay_cart_changed()),
        ("pay_price_changed", t.pay_price_changed()),
        ("pay_unavailable", t.pay_unavailable("Pizza")),
        ("pay_already", t.pay_already()),
        ("pay_closed", t.pay_closed()),
        ("pay_unreachable", t.pay_unreachable()),
        ("paid_placing", t.paid_placing()),
        ("paid_twice", t.paid_twice()),
        ("paid_lost", t.paid_lost()),
        ("paid_unreachable", t.paid_unreachable()),
        ("refund_due", t.refund_due(price)),
        ("rejected_paid", t.rejected_paid("x", price)),
        ("placed, paid", t.placed(&paid(OrderStatus::Pending), tz)),
        (
            "closed_warning",
            t.closed_warning(&t.closed_now(None, now, tz)),
        ),
        (
            "choose_time",
            t.choose_time(&t.closed_now(Some(at("2026-12-05T11:00:00Z")), now, tz)),
        ),
        (
            "time_chosen",
            t.time_chosen(&t.when(at("2026-12-05T11:30:00Z"), now, tz)),
        ),
        (
            "ready_for",
            t.ready_for(&t.day_time(at("2026-12-05T11:30:00Z"), tz)),
        ),
        (
            "cart_back restored",
            t.cart_back(CartBack::Restored, &["2 × Pizza".into()]),
        ),
        (
            "cart_back kept",
            t.cart_back(CartBack::Kept, &["2 × Pizza".into()]),
        ),
        ("cart_back_added_before", t.cart_back_added_before()),
        ("usage_status", t.usage_status()),
        ("usage_cancel", t.usage_cancel()),
        ("usage_msg", t.usage_msg()),
        ("usage_edit", t.usage_edit()),
        ("editing", t.editing(n)),
        ("not_editable", t.not_editable(n, OrderStatus::Preparing)),
        ("confirm_edit", t.confirm_edit(n, &lines, "x")),
        ("cancel_requested", t.cancel_requested(n)),
        ("message_sent", t.message_sent(n)),
        ("no_orders", t.no_orders()),
        (
            "orders_list",
            t.orders_list(std::slice::from_ref(&pickup), tz),
        ),
        ("order_again_label", t.order_again_label(n)),
        ("order_details", t.order_details(&pickup)),
        ("placed", t.placed(&pickup, tz)),
        ("placed, scheduled", t.placed(&scheduled, tz)),
        ("updated", t.updated(&pickup)),
        ("ready pickup", t.status_changed(&pickup, None)),
        ("ready delivery", t.status_changed(&delivery, Some("x"))),
        (
            "cancelled by customer",
            t.cancelled(&pickup, Role::Customer, None),
        ),
        (
            "cancelled by owner",
            t.cancelled(&pickup, Role::Owner, Some("x")),
        ),
        ("shop_message", t.shop_message(n, "x")),
        ("unknown_command", t.unknown_command()),
        ("not_text", t.not_text()),
        ("button_stale", t.button_stale()),
        ("btn_pickup", t.btn_pickup()),
        ("btn_delivery", t.btn_delivery()),
        ("btn_cart_back", t.btn_cart_back()),
        ("btn_confirm", t.btn_confirm()),
        ("btn_confirm_edit", t.btn_confirm_edit()),
        ("btn_cancel", t.btn_cancel()),
        ("btn_note", t.btn_note()),
        ("btn_checkout", t.btn_checkout()),
        ("btn_clear", t.btn_clear()),
        ("btn_share_phone", t.btn_share_phone()),
        ("btn_back", t.btn_back()),
    ];
    for status in [
        OrderStatus::Pending,
        OrderStatus::Accepted,
        OrderStatus::Rejected,
        OrderStatus::Preparing,
        OrderStatus::Ready,
        OrderStatus::OutForDelivery,
        OrderStatus::Completed,
        OrderStatus::Cancelled,
    ] {
        out.push(("status_word", t.status_word(status).to_owned()));
        out.push((
            "status_changed",
            t.status_changed(&order(status, Fulfilment::Pickup), None),
        ));
    }
    for (_, description) in t.commands() {
        out.push(("command description", description.to_owned()));
    }
    let refusals = [
        Refusal::NotAllowed,
        Refusal::NotFound {
            missing: Missing::Order { number: n },
        },
        Refusal::NotPending {
            number: n,
            status: OrderStatus::Accepted,
        },
        Refusal::Empty {
            what: EmptyText::Order,
        },
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
        Refusal::TooLarge,
        Refusal::Internal {
            fault: Fault::NoOrderNumber,
        },
        Refusal::Closed { opens_at: None },
        Refusal::Closed {
            opens_at: Some(at("2026-12-05T11:00:00Z")),
        },
        Refusal::BadTime {
            at: at("2026-12-05T10:00:00Z"),
            from: Some(at("2026-12-05T11:00:00Z")),
            until: Some(at("2026-12-05T23:00:00Z")),
        },
        Refusal::BadTime {
            at: at("2026-12-05T10:00:00Z"),
            from: None,
            until: None,
        },
        Refusal::Paused {
            reason: None,
            until: None,
        },
        Refusal::BadTransition {
            number: n,
            to: OrderStatus::Cancelled,
            why: TransitionError::AcceptFirst,
        },
        Refusal::TooLong {
            field: TextField::ChargeId,
            len: 300,
            max: 255,
        },
        Refusal::PaymentMismatch {
            paid_minor: 1250,
            paid_currency: Currency::parse("EUR").expect("eur"),
            total_minor: 1350,
            currency: Currency::parse("EUR").expect("eur"),
        },
        Refusal::Paid { number: n },
        Refusal::Other { code: "new".into() },
    ];
    let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 5).expect("date");
    for why in [
        PromoProblem::Unknown,
        PromoProblem::Disabled,
        PromoProblem::NotYet { from: day },
        PromoProblem::Expired { until: day },
        PromoProblem::BelowMinimum { min: price },
        PromoProblem::UsedUp,
        PromoProblem::AlreadyUsed,
    ] {
        out.push(("promo_refused", t.promo_refused(&code, &why)));
        out.push((
            "rejected_command promo",
            t.rejected_command(
                &Refusal::Promo {
                    promo: code.clone(),
                    why,
                },
                now,
                tz,
            ),
        ));
    }
    for r in &refusals {
        out.push(("rejected_command", t.rejected_command(r, now, tz)));
    }
    for q in [
        QueryRefusal::NotFound { number: n },
        QueryRefusal::Unavailable,
        QueryRefusal::CustomersOnly,
        QueryRefusal::NoSales,
    ] {
        out.push(("query_refused", t.query_refused(&q)));
    }
    out
}

/// Sentences that may read the same in two languages (a name, a number).
const MAY_MATCH: &[&str] = &["choice item", "cart_item_gone"];

#[test]
fn every_sentence_is_written_in_every_language() {
    let english = every_sentence(&English);
    for lang in Lang::ALL {
        let t = of(lang);
        assert_eq!(t.lang(), lang, "of({lang:?}) gives another language");
        let said = every_sentence(t);
        assert_eq!(said.len(), english.len());
        for ((name, text), (_, en)) in said.iter().zip(&english) {
            assert!(!text.trim().is_empty(), "{lang:?}: {name} is empty");
            if lang != Lang::En && !MAY_MATCH.contains(name) {
                assert_ne!(text, en, "{lang:?}: {name} is still in English");
            }
        }
        // Commands keep their names; only descriptions are translated.
        let names: Vec<&str> = t.commands().iter().map(|(c, _)| *c).collect();
        let english_names: Vec<&str> = English.commands().iter().map(|(c, _)| *c).collect();
        assert_eq!(names, english_names, "{lang:?}");
    }
}

#[test]
fn spanish_says_money_dates_and_times_the_spanish_way() {
    let o = order(OrderStatus::Pending, Fulfilment::Pickup);
    let placed = Spanish.placed(&o, london());
    assert_eq!(
        placed,
        "¡Pedido #1042 recibido!\n2 × The Hawaiian Pizza (L)\nTotal: 12,50 €\nTe avisaremos en cuanto la tienda lo acepte."
    );
    assert!(English.placed(&o, london()).contains("Total: €12.50"));
    let ready = order(OrderStatus::Ready, Fulfilment::Pickup);
    assert_eq!(
        Spanish.status_changed(&ready, None),
        "¡El pedido #1042 está listo para recoger!"
    );
    // Placed at 23:30 UTC on 4 December: 23:30 in London.
    assert!(
        Spanish
            .orders_list(std::slice::from_ref(&o), london())
            .contains("#1042 – 4 dic 23:30 – esperando a la tienda – 12,50 €"),
        "{}",
        Spanish.orders_list(std::slice::from_ref(&o), london())
    );
    let now = at("2026-12-03T23:30:00Z"); // Thursday night
    assert_eq!(
        Spanish.rejected_command(
            &Refusal::Closed {
                opens_at: Some(at("2026-12-05T11:00:00Z"))
            },
            now,
            london()
        ),
        "Lo siento: ahora estamos cerrados; volvemos a abrir sáb 11:00. Haz tu pedido entonces."
    );
    assert_eq!(
        Spanish.rejected_command(
            &Refusal::BadTransition {
                number: OrderNumber(7),
                to: OrderStatus::Cancelled,
                why: TransitionError::ShopHasIt {
                    from: OrderStatus::Accepted
                },
            },
            now,
            london()
        ),
        "Lo siento: el pedido #7 no se puede cancelar: la tienda ya lo ha marcado como aceptado; escribe a la tienda si necesitas cancelarlo."
    );
}

#[test]
fn a_scheduled_order_says_its_time_in_the_shops_zone_and_language() {
    let now = at("2026-12-03T23:30:00Z"); // Thursday night
    let tz = london();
    let o = OrderSnapshot {
        scheduled_for: Some(at("2026-12-04T11:30:00Z")),
        ..order(OrderStatus::Pending, Fulfilment::Pickup)
    };
    assert!(
        English
            .placed(&o, tz)
            .contains("\nReady for: 4 Dec 11:30\n")
    );
    assert!(Spanish.placed(&o, tz).contains("\nPara: 4 dic 11:30\n"));
    let bad = Refusal::BadTime {
        at: at("2026-12-05T10:00:00Z"),
        from: Some(at("2026-12-04T11:00:00Z")),
        until: Some(at("2026-12-04T23:00:00Z")),
    };
    assert_eq!(
        English.rejected_command(&bad, now, tz),
        "Sorry: We can't have an order ready Sat 10:00. Please choose a time from tomorrow 11:00 until tomorrow 23:00."
    );
    assert_eq!(
        Spanish.rejected_command(&bad, now, tz),
        "Lo siento: no podemos tener un pedido listo sáb 10:00. Elige una hora desde mañana 11:00 hasta mañana 23:00."
    );
    // Summer: the shop's clock, an hour ahead of UTC.
    let o = OrderSnapshot {
        scheduled_for: Some(at("2026-07-04T10:30:00Z")),
        ..order(OrderStatus::Pending, Fulfilment::Pickup)
    };
    assert!(English.placed(&o, tz).contains("Ready for: 4 Jul 11:30"));
}

#[test]
fn closed_and_paused_say_when_and_why() {
    let now = at("2026-12-03T23:30:00Z"); // Thursday night
    assert_eq!(
        English.rejected_command(
            &Refusal::Closed {
                opens_at: Some(at("2026-12-05T11:00:00Z"))
            },
            now,
            london()
        ),
        "Sorry: We're closed now; we open again Sat 11:00. Please order then."
    );
    assert_eq!(
        English.rejected_command(
            &Refusal::Paused {
                reason: Some("Oven repair".into()),
                until: Some(at("2026-12-04T00:00:00Z"))
            },
            now,
            london()
        ),
        "Sorry: We're not taking orders right now (Oven repair). We expect to take them again tomorrow 00:00."
    );
    assert_eq!(
        Spanish.rejected_command(
            &Refusal::Paused {
                reason: Some("Reparamos el horno".into()),
                until: Some(at("2026-12-04T00:00:00Z"))
            },
            now,
            london()
        ),
        "Lo siento: ahora mismo no aceptamos pedidos (Reparamos el horno). Esperamos volver a aceptarlos mañana 00:00."
    );
}

#[test]
fn query_refusals_read_as_before_they_were_typed() {
    let t = English;
    assert_eq!(
        t.query_refused(&QueryRefusal::NotFound {
            number: OrderNumber(999_999)
        }),
        "I couldn't find order #999999."
    );
    assert_eq!(
        t.query_refused(&QueryRefusal::Unavailable),
        "The shop can't look that up right now; please try again in a minute."
    );
    assert_eq!(
        t.query_refused(&QueryRefusal::CustomersOnly),
        "Only a customer can list their own orders."
    );
    let generic = "The shop couldn't answer that. Please try again in a minute.";
    assert_eq!(t.query_refused(&QueryRefusal::NoSales), generic);
    assert_eq!(
        t.query_refused(&QueryRefusal::Other {
            code: "untyped".into()
        }),
        generic
    );
    assert_eq!(
        Spanish.query_refused(&QueryRefusal::NotFound {
            number: OrderNumber(999_999)
        }),
        "No he encontrado el pedido #999999."
    );
}

#[test]
fn promo_codes_hours_and_a_refused_basket_read_in_each_language() {
    let code = PromoCode::parse("SAVE10").expect("code");
    let mut o = order(OrderStatus::Pending, Fulfilment::Pickup);
    o.promo = Some(AppliedPromo {
        code: code.clone(),
        discount_minor: 125,
    });
    o.total_minor = 1125;
    assert_eq!(
        English.totals(&o),
        "Subtotal: €12.50\nPromo code SAVE10: −€1.25\nTotal: €11.25"
    );
    assert_eq!(
        Spanish.totals(&o),
        "Subtotal: 12,50 €\nCódigo promocional SAVE10: −1,25 €\nTotal: 11,25 €"
    );
    let now = at("2026-12-03T23:30:00Z");
    let expired = Refusal::Promo {
        promo: code.clone(),
        why: PromoProblem::Expired {
            until: chrono::NaiveDate::from_ymd_opt(2026, 11, 30).expect("date"),
        },
    };
    assert_eq!(
        English.rejected_command(&expired, now, london()),
        "Sorry: promo code SAVE10 ended on Mon 30 Nov 2026, so your order was not placed. Order again without it (/promo off) or with another code."
    );
    assert_eq!(
        Spanish.rejected_command(&expired, now, london()),
        "Lo siento: el código promocional SAVE10 terminó el lun 30 nov 2026, así que tu pedido no se ha hecho. Vuelve a pedir sin él (/promo off) o con otro código."
    );
    let opens = Some(at("2026-12-05T11:00:00Z"));
    assert_eq!(
        English.closed_warning(&English.closed_now(opens, now, london())),
        "We're closed now; we open again Sat 11:00. You can fill your cart now and order then."
    );
    assert_eq!(
        Spanish.closed_warning(&Spanish.closed_now(None, now, london())),
        "Estamos cerrados y aún no hay prevista ninguna apertura. Puedes ir llenando tu carrito y hacer el pedido cuando abramos."
    );
    assert_eq!(
        English.rejected_command(&Refusal::Closed { opens_at: None }, now, london()),
        "Sorry: We're closed, and no opening is planned yet."
    );
    let lines = ["2 × The Hawaiian Pizza (L)".to_owned()];
    assert_eq!(
        English.cart_back(CartBack::Kept, &lines),
        "You've started another cart since, so I left it as it is. The order I couldn't place had 2 × The Hawaiian Pizza (L). Tap \"Add them to my cart\" to put those in your cart as well."
    );
    assert!(
        Spanish
            .cart_back(CartBack::Kept, &lines)
            .contains("Pulsa \"Añadirlos a mi carrito\""),
        "the Spanish sentence names the Spanish button"
    );
}

#[test]
fn payments_say_money_and_refunds_in_each_language() {
    let eur = Currency::parse("EUR").expect("eur");
    let mismatch = Refusal::PaymentMismatch {
        paid_minor: 1250,
        paid_currency: eur,
        total_minor: 1350,
        currency: eur,
    };
    let now = at("2026-12-03T23:30:00Z");
    let mut paid = order(OrderStatus::Pending, Fulfilment::Pickup);
    paid.payment = Some(chatorder_shared::payment::Payment {
        total_minor: 1250,
        currency: eur,
        telegram_payment_charge_id: "tg-1".into(),
        provider_payment_charge_id: "pr-1".into(),
    });
    let price = Money::new(1250, eur);
    for (t, says_mismatch, refund, placed) in [
        (
            of(Lang::En),
            "Sorry: you paid €12.50, but your order now costs €13.50",
            "Your payment of €12.50 will be refunded.",
            "Total: €12.50 (paid)",
        ),
        (
            of(Lang::Es),
            "Lo siento: has pagado 12,50 €, pero tu pedido ahora cuesta 13,50 €",
            "Te devolveremos tu pago de 12,50 €.",
            "Total: 12,50 € (pagado)",
        ),
    ] {
        let said = t.rejected_command(&mismatch, now, london());
        assert!(said.starts_with(says_mismatch), "{said}");
        assert_eq!(t.refund_due(price), refund);
        assert!(
            t.placed(&paid, london()).contains(placed),
            "{}",
            t.placed(&paid, london())
        );
        assert!(
            t.rejected_paid(&said, price)
                .contains(&t.lang().money(price)),
            "the refund names the amount"
        );
        assert!(
            t.invoice_title("The Very Long Named Pizza Shop Of Town")
                .chars()
                .count()
                <= 32
        );
    }
}
