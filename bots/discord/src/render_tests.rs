use super::*;
use chatorder_shared::domain::{Currency, OrderNumber, Platform, Sku};
use chatorder_shared::events::{CustomerRef, OrderLine};
use proptest::prelude::*;

fn order(
    status: OrderStatus,
    lines: usize,
    name_len: usize,
    note: Option<String>,
) -> OrderSnapshot {
    let lines: Vec<OrderLine> = (0..lines)
        .map(|i| OrderLine {
            sku: Sku::parse(&format!("item_{i}")).expect("sku"),
            name: format!(
                "{} {i}",
                "Extra Large Spicy Italian Supreme".repeat(name_len / 30 + 1)
            ),
            qty: 2,
            unit_price_minor: 1250,
            line_total_minor: 2500,
        })
        .collect();
    let total = lines.iter().map(|l| l.line_total_minor).sum();
    OrderSnapshot {
        id: uuid::Uuid::now_v7(),
        number: OrderNumber(42),
        version: 1,
        status,
        customer: CustomerRef {
            key: "telegram:1".into(),
            platform: Platform::Telegram,
            id: "1".into(),
            name: Some("Ada Lovelace".into()),
        },
        lines,
        total_minor: total,
        currency: Currency::parse("USD").expect("usd"),
        fulfilment: Fulfilment::Delivery {
            address: "1 Analytical Row".into(),
        },
        note,
        placed_at: chrono::Utc::now(),
        updated_at: chrono::Utc::now(),
        promo: None,
        payment: None,
        scheduled_for: None,
    }
}

#[test]
fn the_card_says_how_the_order_is_paid_and_when_a_refund_is_due() {
    let field = |o: &OrderSnapshot| {
        board_message(o, None)
            .card
            .fields
            .into_iter()
            .find(|f| f.name == "Payment")
            .map(|f| f.value)
            .expect("a payment field")
    };
    let mut o = order(OrderStatus::Pending, 1, 5, None);
    assert_eq!(field(&o), "On delivery");
    o.payment = Some(chatorder_shared::payment::Payment {
        total_minor: o.total_minor,
        currency: o.currency,
        telegram_payment_charge_id: "tg-@everyone".into(),
        provider_payment_charge_id: "pr-1".into(),
    });
    assert_eq!(field(&o), "Paid USD 25.00 in Telegram");
    for done in [OrderStatus::Cancelled, OrderStatus::Rejected] {
        o.status = done;
        let f = field(&o);
        assert!(f.starts_with("💸 Refund due: USD 25.00"), "{f}");
        assert!(f.contains("pr-1") && !f.contains("@everyone"), "{f}");
    }
    o.status = OrderStatus::Completed;
    assert!(field(&o).starts_with("Paid"));
}

fn assert_within_limits(b: &BoardMessage) {
    let c = &b.card;
    assert!(c.title.chars().count() <= limits::EMBED_TITLE);
    assert!(c.description.chars().count() <= limits::EMBED_DESCRIPTION);
    assert!(
        c.total_chars() <= limits::EMBED_TOTAL,
        "{}",
        c.total_chars()
    );
    assert!(c.fields.len() <= 25);
    for f in &c.fields {
        assert!(f.name.chars().count() <= limits::FIELD_NAME);
        assert!(f.value.chars().count() <= limits::FIELD_VALUE);
        assert!(!f.value.is_empty());
    }
    assert!(b.rows.len() <= 5);
    for row in &b.rows {
        assert!(row.len() <= limits::BUTTONS_PER_ROW);
        for button in row {
            assert!(button.id.len() <= 100 && button.label.chars().count() <= limits::BUTTON_LABEL);
        }
    }
}

#[test]
fn a_pending_card_shows_what_the_owner_needs() {
    let o = order(OrderStatus::Pending, 2, 10, Some("no onions".into()));
    let b = board_message(&o, None);
    assert!(b.card.title.contains("#42") && b.card.title.contains("Pending"));
    assert!(b.card.description.contains("2 × Extra Large"));
    let text: Vec<String> = b
        .card
        .fields
        .iter()
        .map(|f| format!("{}={}", f.name, f.value))
        .collect();
    let text = text.join("|");
    assert!(text.contains("Customer=Ada|"), "first name only: {text}");
    assert!(text.contains("Total=USD 50.00"), "{text}");
    assert!(text.contains("Delivery to 1 Analytical Row"), "{text}");
    assert!(text.contains("Note=no onions"), "{text}");
    assert!(text.contains(":R>"), "age as a relative timestamp: {text}");
    let labels: Vec<&str> = b.rows.iter().flatten().map(|b| b.label.as_str()).collect();
    assert_eq!(labels, ["Accept", "Reject", "Cancel…"]);
    assert_within_limits(&b);
}

#[test]
fn a_scheduled_order_shows_its_time_high_on_the_card_and_in_the_pending_list() {
    let mut o = order(OrderStatus::Pending, 1, 5, None);
    let names = |o: &OrderSnapshot| -> Vec<String> {
        board_message(o, None)
            .card
            .fields
            .into_iter()
            .map(|f| format!("{}={}", f.name, f.value))
            .collect()
    };
    assert!(!names(&o).iter().any(|f| f.contains("Ready for")));
    let at = chrono::DateTime::from_timestamp(1_796_900_400, 0).expect("time");
    o.scheduled_for = Some(at);
    let fields = names(&o);
    assert_eq!(
        fields[3], "⏰ Ready for=<t:1796900400:F> (<t:1796900400:R>)",
        "right after customer, total and age: {fields:?}"
    );
    let page = pending_page(std::slice::from_ref(&o), 1, 0);
    assert!(
        page.content.contains("⏰ ready for <t:1796900400:F>"),
        "{}",
        page.content
    );
    assert_within_limits(&board_message(&o, None));
}

#[test]
fn buttons_follow_the_lifecycle_and_finished_orders_have_none() {
    let accepted = board_message(&order(OrderStatus::Accepted, 1, 5, None), None);
    let labels: Vec<&str> = accepted
        .rows
        .iter()
        .flatten()
        .map(|b| b.label.as_str())
        .collect();
    assert_eq!(
        labels,
        [
            "Preparing",
            "Ready",
            "Out for delivery",
            "Completed",
            "Cancel…"
        ]
    );
    for done in [
        OrderStatus::Completed,
        OrderStatus::Cancelled,
        OrderStatus::Rejected,
    ] {
        assert!(
            board_message(&order(done, 1, 5, None), None)
                .rows
                .is_empty()
        );
    }
}

#[test]
fn a_huge_order_and_a_3000_character_note_stay_within_discord_limits() {
    let note = format!("@everyone {}", "please ring twice ".repeat(170));
    assert!(note.chars().count() > 3000);
    let b = board_message(
        &order(OrderStatus::Pending, 30, 200, Some(note)),
        Some(&Change {
            what: "Cancelled".into(),
            by: "x".repeat(3000),
            reason: Some("y".repeat(3000)),
        }),
    );
    assert_within_limits(&b);
    assert!(
        b.card.description.contains("more"),
        "cut lines are announced"
    );
    let note_field = b
        .card
        .fields
        .iter()
        .find(|f| f.name == "Note")
        .expect("note");
    assert!(note_field.value.ends_with('…'));
    assert!(!note_field.value.contains("@everyone"), "defanged");
}

#[test]
fn split_keeps_every_character_and_respects_the_limit() {
    let text = format!("{}\n{}", "word ".repeat(700), "x".repeat(4500));
    let parts = split(&text, limits::CONTENT);
    assert!(parts.len() >= 4);
    for p in &parts {
        assert!(p.chars().count() <= limits::CONTENT);
    }
    let joined: String = parts
        .concat()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let original: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    assert_eq!(joined, original);
    assert_eq!(split("short", 2000), vec!["short".to_owned()]);
}

#[test]
fn mentions_are_defanged() {
    let d = defang("@everyone @here <@123> <@&9> <#5>");
    assert!(!d.contains("@everyone") && !d.contains("@here") && !d.contains("<@"));
    assert!(!d.contains("<#"));
}

#[test]
fn pending_pages_are_paginated_and_short() {
    let orders: Vec<OrderSnapshot> = (0..PAGE_SIZE)
        .map(|_| order(OrderStatus::Pending, 3, 200, None))
        .collect();
    let p = pending_page(&orders, 35, 1);
    assert!(p.content.chars().count() <= limits::CONTENT);
    assert!(p.content.contains("page 2 of 4"), "{}", p.content);
    assert_eq!(p.buttons.len(), 2);
    assert!(!p.buttons[0].disabled && !p.buttons[1].disabled);
    let last = pending_page(&orders[..5], 35, 3);
    assert!(last.buttons[1].disabled, "no next page after the last");
    assert_eq!(pending_page(&[], 0, 0).content, "No pending orders. 🎉");
}

proptest! {
    #[test]
    fn split_never_exceeds_the_limit(text in "(\\PC{0,40}\n?){0,200}", max in 10usize..300) {
        for p in split(&text, max) {
            prop_assert!(p.chars().count() <= max);
        }
    }

    #[test]
    fn any_note_fits(note in "\\PC{0,5000}", lines in 0usize..31) {
        let b = board_message(&order(OrderStatus::Ready, lines, 40, Some(note)), None);
        assert_within_limits(&b);
    }
}
