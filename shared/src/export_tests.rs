//! The export file: every column of every row survives a CSV reader
//! (commas, quotes, line breaks, formulas), pages are read to the end in
//! order, and the limits refuse before the file grows past them.

#![expect(clippy::unwrap_used, reason = "a test fails at the first surprise")]

use std::convert::Infallible;

use chrono::TimeZone as _;

use super::*;
use crate::domain::{Currency, OrderStatus, Platform, Role, Sku};
use crate::events::{CustomerRef, OrderLine};

fn order(number: u64, name: &str, note: Option<&str>, fulfilment: Fulfilment) -> OrderSnapshot {
    let placed = Utc.with_ymd_and_hms(2026, 12, 4, 18, 30, 5).unwrap();
    OrderSnapshot {
        id: uuid::Uuid::now_v7(),
        number: OrderNumber(number),
        version: 2,
        status: OrderStatus::Accepted,
        customer: CustomerRef {
            key: format!("telegram:{number}"),
            platform: Platform::Telegram,
            id: number.to_string(),
            name: Some(name.to_owned()),
        },
        lines: vec![
            OrderLine {
                sku: Sku::parse("hawaiian_m").unwrap(),
                name: "The Hawaiian Pizza (M)".into(),
                qty: 2,
                unit_price_minor: 1325,
                line_total_minor: 2650,
            },
            OrderLine {
                sku: Sku::parse("coke").unwrap(),
                name: "Coke".into(),
                qty: 1,
                unit_price_minor: 250,
                line_total_minor: 250,
            },
        ],
        total_minor: 2900,
        currency: Currency::parse("USD").unwrap(),
        fulfilment,
        note: note.map(str::to_owned),
        placed_at: placed,
        updated_at: placed + chrono::Duration::minutes(3),
        promo: None,
        payment: None,
        scheduled_for: None,
    }
}

#[test]
fn a_promo_discount_fills_its_column_and_the_total_is_what_was_paid() {
    let mut o = order(7, "Ada", None, Fulfilment::Pickup);
    o.promo = Some(crate::promo::AppliedPromo {
        code: crate::promo::PromoCode::parse("SAVE10").unwrap(),
        discount_minor: 290,
    });
    o.total_minor = 2610;
    let cells = row(&o);
    let at = |name: &str| COLUMNS.iter().position(|c| *c == name).unwrap();
    assert_eq!(cells[at("discount_minor")], "290");
    assert_eq!(cells[at("total_minor")], "2610");
    assert_eq!(cells[at("promo_code")], "SAVE10");
    let plain = row(&order(8, "Bo", None, Fulfilment::Pickup));
    assert_eq!(plain[at("discount_minor")], "0");
    assert_eq!(plain[at("promo_code")], "");
}

#[test]
fn a_scheduled_order_says_its_time_in_the_last_column() {
    let mut o = order(9, "Ada", None, Fulfilment::Pickup);
    let at = |name: &str| COLUMNS.iter().position(|c| *c == name).unwrap();
    assert_eq!(
        at("scheduled_for"),
        COLUMNS.len() - 1,
        "new columns go last"
    );
    assert_eq!(row(&o)[at("scheduled_for")], "");
    o.scheduled_for = chrono::DateTime::from_timestamp(1_796_900_400, 0);
    assert_eq!(row(&o)[at("scheduled_for")], "2026-12-10T11:00:00Z");
}

fn owner() -> Actor {
    Actor {
        role: Role::Owner,
        platform: Platform::Discord,
        id: "1".into(),
        name: None,
        roles: vec![],
    }
}

fn day() -> Period {
    Period::new(
        Utc.with_ymd_and_hms(2026, 12, 4, 0, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(2026, 12, 5, 0, 0, 0).unwrap(),
    )
    .unwrap()
}

const ROOMY: Limits = Limits {
    max_rows: 10_000,
    max_bytes: None,
};

/// Reads a file back the way a spreadsheet import would.
fn read(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_reader(bytes);
    let header = r.headers().unwrap().iter().map(str::to_owned).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (header, rows)
}

/// Serves `all` (newest first) a page at a time, as the order workers do.
fn pages(
    all: &[OrderSnapshot],
) -> impl FnMut(ListOrders) -> std::future::Ready<Result<OrderList, Infallible>> + '_ {
    move |q: ListOrders| {
        let below: Vec<OrderSnapshot> = all
            .iter()
            .filter(|o| q.before.is_none_or(|b| o.number < b))
            .cloned()
            .collect();
        let limit = q.limit as usize;
        let next_before = (below.len() > limit).then(|| below[limit - 1].number);
        std::future::ready(Ok(OrderList {
            orders: below.into_iter().take(limit).collect(),
            next_before,
        }))
    }
}

fn run<T>(f: impl Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

#[test]
fn every_column_of_every_row_reads_back_as_written() {
    let tricky_name = "O'Hara, \"Bo\"\nthe second";
    let tricky_note = "ring twice, then \"knock\"\nback door";
    let orders = vec![
        order(
            7,
            tricky_name,
            Some(tricky_note),
            Fulfilment::Delivery {
                address: "1 Main St, Flat 2".into(),
            },
        ),
        order(6, "Ana", None, Fulfilment::Pickup),
    ];
    let file = run(export(&owner(), day(), ROOMY, pages(&orders))).unwrap();
    assert_eq!(file.rows, 2);
    let (header, rows) = read(&file.bytes);
    assert_eq!(header, COLUMNS);
    assert_eq!(
        rows[0],
        [
            "7",
            "2026-12-04T18:30:05Z",
            "2026-12-04T18:33:05Z",
            "accepted",
            "telegram",
            tricky_name,
            "delivery",
            "1 Main St, Flat 2",
            "hawaiian_m x 2; coke x 1",
            "3",
            "2900",
            "USD",
            tricky_note,
            "0",
            "on_delivery",
            "",
            "",
        ]
    );
    assert_eq!(
        rows[1],
        [
            "6",
            "2026-12-04T18:30:05Z",
            "2026-12-04T18:33:05Z",
            "accepted",
            "telegram",
            "Ana",
            "pickup",
            "",
            "hawaiian_m x 2; coke x 1",
            "3",
            "2900",
            "USD",
            "",
            "0",
            "on_pickup",
            "",
            "",
        ]
    );
}

#[test]
fn an_order_paid_in_chat_says_paid() {
    let mut o = order(7, "Ana", None, Fulfilment::Pickup);
    let at = COLUMNS.iter().position(|c| *c == "payment").unwrap();
    assert_eq!(row(&o)[at], "on_pickup");
    o.payment = Some(crate::payment::Payment {
        total_minor: o.total_minor,
        currency: o.currency,
        telegram_payment_charge_id: "tg-7".into(),
        provider_payment_charge_id: "pr-7".into(),
    });
    assert_eq!(row(&o)[at], "paid");
}

#[test]
fn formulas_from_customers_are_made_inert() {
    assert_eq!(safe_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
    assert_eq!(safe_cell("+1 555"), "'+1 555");
    assert_eq!(safe_cell("-2"), "'-2");
    assert_eq!(safe_cell("@SUM(A1)"), "'@SUM(A1)");
    assert_eq!(safe_cell("\tx"), "'\tx");
    assert_eq!(safe_cell("Ring twice"), "Ring twice");
    assert_eq!(safe_cell(""), "");
    let o = order(
        1,
        "=cmd|' /C calc'!A0",
        Some("@SUM(A1)"),
        Fulfilment::Delivery {
            address: "+44 street".into(),
        },
    );
    let r = row(&o);
    let at = |name: &str| COLUMNS.iter().position(|c| *c == name).unwrap();
    assert_eq!(r[at("customer_name")], "'=cmd|' /C calc'!A0");
    assert_eq!(r[at("note")], "'@SUM(A1)");
    assert_eq!(r[at("address")], "'+44 street");
}

#[test]
fn every_page_is_read_once_newest_first() {
    let orders: Vec<OrderSnapshot> = (1..=250)
        .rev()
        .map(|n| order(n, "Ana", None, Fulfilment::Pickup))
        .collect();
    let mut asked = Vec::new();
    let mut serve = pages(&orders);
    let file = run(export(&owner(), day(), ROOMY, |q: ListOrders| {
        asked.push(q.before);
        assert_eq!(q.placed_from, Some(day().from()));
        assert_eq!(q.placed_before, Some(day().before()));
        serve(q)
    }))
    .unwrap();
    assert_eq!(
        asked,
        [None, Some(OrderNumber(151)), Some(OrderNumber(51))],
        "three pages of at most {MAX_QUERY_LIMIT}"
    );
    let (_, rows) = read(&file.bytes);
    let numbers: Vec<u64> = rows.iter().map(|r| r[0].parse().unwrap()).collect();
    assert_eq!(numbers, (1..=250).rev().collect::<Vec<_>>());
    assert_eq!(file.rows, 250);
}

#[test]
fn an_empty_period_is_the_header_alone() {
    let file = run(export(&owner(), day(), ROOMY, pages(&[]))).unwrap();
    assert_eq!(file.rows, 0);
    assert_eq!(
        String::from_utf8(file.bytes).unwrap(),
        format!("{}\n", COLUMNS.join(","))
    );
}

#[test]
fn limits_refuse_before_the_file_outgrows_them() {
    let orders: Vec<OrderSnapshot> = (1..=150)
        .rev()
        .map(|n| order(n, "Ana", None, Fulfilment::Pickup))
        .collect();
    let rows = Limits {
        max_rows: 149,
        max_bytes: None,
    };
    assert!(matches!(
        run(export(&owner(), day(), rows, pages(&orders))),
        Err(ExportError::TooManyRows { max: 149 })
    ));
    let exact = Limits {
        max_rows: 150,
        max_bytes: None,
    };
    assert_eq!(
        run(export(&owner(), day(), exact, pages(&orders)))
            .unwrap()
            .rows,
        150
    );
    let bytes = Limits {
        max_rows: 10_000,
        max_bytes: Some(4_096),
    };
    assert!(matches!(
        run(export(&owner(), day(), bytes, pages(&orders))),
        Err(ExportError::TooLarge { max: 4_096 })
    ));
}

#[test]
fn an_unanswered_page_or_a_cursor_that_stands_still_ends_the_export() {
    let failed = run(export(&owner(), day(), ROOMY, |_q: ListOrders| {
        std::future::ready(Err::<OrderList, _>("no responders"))
    }));
    assert!(matches!(failed, Err(ExportError::Ask("no responders"))));
    let stuck = run(export(&owner(), day(), ROOMY, |_q: ListOrders| {
        std::future::ready(Ok::<_, Infallible>(OrderList {
            orders: vec![order(5, "Ana", None, Fulfilment::Pickup)],
            next_before: Some(OrderNumber(5)),
        }))
    }));
    assert!(matches!(stuck, Err(ExportError::Stuck(OrderNumber(5)))));
}

#[test]
fn a_period_runs_forwards() {
    let t = Utc.with_ymd_and_hms(2026, 12, 4, 0, 0, 0).unwrap();
    assert!(Period::new(t, t).is_none());
    assert!(Period::new(t + chrono::Duration::seconds(1), t).is_none());
    assert!(Period::new(t, t + chrono::Duration::seconds(1)).is_some());
}
