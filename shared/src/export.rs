//! The orders export: the one CSV file every edge offers (the HTTP API's
//! `GET /orders/export`, the Discord bot's `/export`), so a shop's
//! spreadsheet reads the same columns wherever the file came from.
//!
//! One row per order, newest first, as the order workers list them
//! ([`ListOrders`], page by page). Money in minor units with the currency,
//! times in RFC 3339 UTC, lines as `sku x quantity` joined by `; `. Written
//! with the `csv` crate, so a comma, a quote or a line break in a name or
//! a note stays inside its cell; text a customer wrote that a spreadsheet
//! would run as a formula is made inert ([`safe_cell`]).
//!
//! The paging loop is here too ([`export`]); the edge passes the question
//! to the workers in as a function, so this module does no I/O.

use std::future::Future;

use chrono::{DateTime, SecondsFormat, Utc};

use crate::domain::{Actor, Fulfilment, OrderNumber};
use crate::events::OrderSnapshot;
use crate::queries::{ListOrders, MAX_QUERY_LIMIT, OrderList};

/// The header row. New columns go at the end, so a sheet that reads
/// columns by position keeps working.
pub const COLUMNS: [&str; 17] = [
    "number",
    "placed_at",
    "updated_at",
    "status",
    "channel",
    "customer_name",
    "fulfilment",
    "address",
    "lines",
    "items",
    "total_minor",
    "currency",
    "note",
    "discount_minor",
    "payment",
    "promo_code",
    "scheduled_for",
];

/// How an order is paid: in chat before it was placed (Telegram
/// payments), or when it is handed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Payment {
    Paid,
    OnPickup,
    OnDelivery,
}

impl Payment {
    /// Paid in chat, else derived from how the customer gets the order.
    pub fn of(order: &OrderSnapshot) -> Self {
        if order.payment.is_some() {
            return Self::Paid;
        }
        match order.fulfilment {
            Fulfilment::Pickup => Self::OnPickup,
            Fulfilment::Delivery { .. } => Self::OnDelivery,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Paid => "paid",
            Self::OnPickup => "on_pickup",
            Self::OnDelivery => "on_delivery",
        }
    }
}

/// The discount a promo code took off an order, in minor units (0
/// without one); `total_minor` is what the customer pays, after it.
pub fn discount_minor(order: &OrderSnapshot) -> i64 {
    order.discount_minor()
}

/// One order as its CSV row (in [`COLUMNS`] order).
pub fn row(o: &OrderSnapshot) -> [String; COLUMNS.len()] {
    let lines = o
        .lines
        .iter()
        .map(|l| format!("{} x {}", l.sku, l.qty))
        .collect::<Vec<_>>()
        .join("; ");
    let items: u64 = o.lines.iter().map(|l| u64::from(l.qty)).sum();
    [
        o.number.0.to_string(),
        o.placed_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        o.updated_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        o.status.as_str().to_owned(),
        o.customer.platform.as_str().to_owned(),
        safe_cell(o.customer.name.as_deref().unwrap_or_default()),
        o.fulfilment.kind().to_owned(),
        safe_cell(o.fulfilment.address().unwrap_or_default()),
        lines,
        items.to_string(),
        o.total_minor.to_string(),
        o.currency.to_string(),
        safe_cell(o.note.as_deref().unwrap_or_default()),
        discount_minor(o).to_string(),
        Payment::of(o).as_str().to_owned(),
        o.promo
            .as_ref()
            .map(|p| p.code.as_str().to_owned())
            .unwrap_or_default(),
        o.scheduled_for
            .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
            .unwrap_or_default(),
    ]
}

/// Text a customer wrote, made inert for spreadsheets: a cell starting with
/// `=`, `+`, `-`, `@`, a tab or a carriage return would be read as a
/// formula, so it gets a leading `'` (OWASP's advice for CSV injection).
pub fn safe_cell(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// The placing times an export covers: from `from` (inclusive) to
/// `before` (exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    from: DateTime<Utc>,
    before: DateTime<Utc>,
}

impl Period {
    /// `None` unless `from` comes before `before`.
    pub fn new(from: DateTime<Utc>, before: DateTime<Utc>) -> Option<Self> {
        (from < before).then_some(Self { from, before })
    }

    pub fn from(&self) -> DateTime<Utc> {
        self.from
    }

    pub fn before(&self) -> DateTime<Utc> {
        self.before
    }
}

/// Most orders one export carries, on every edge; beyond it an owner
/// exports shorter periods.
pub const MAX_ROWS: usize = 50_000;

/// How large one export may grow before it is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_rows: usize,
    /// The file's size in bytes, for edges that can carry only so much
    /// (Discord's attachment limit).
    pub max_bytes: Option<usize>,
}

/// A finished export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvFile {
    /// The header and one row per order.
    pub bytes: Vec<u8>,
    /// How many orders (rows below the header).
    pub rows: usize,
}

/// Why there is no file. `E` is the edge's error for a question to the
/// workers that went unanswered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError<E> {
    #[error("the period has more than {max} orders")]
    TooManyRows { max: usize },
    #[error("the file would be larger than {max} bytes")]
    TooLarge { max: usize },
    #[error("the order workers did not answer with a page of orders")]
    Ask(#[source] E),
    #[error("the order workers' next page did not move past order {0}")]
    Stuck(OrderNumber),
    #[error("writing a CSV row failed")]
    Write(#[source] csv::Error),
}

/// Writes rows and keeps to the limits.
#[derive(Debug)]
pub struct CsvWriter {
    out: csv::Writer<Vec<u8>>,
    rows: usize,
    limits: Limits,
}

impl CsvWriter {
    /// A file with its header row.
    pub fn new<E>(limits: Limits) -> Result<Self, ExportError<E>> {
        let mut out = csv::Writer::from_writer(Vec::new());
        out.write_record(COLUMNS).map_err(ExportError::Write)?;
        Ok(Self {
            out,
            rows: 0,
            limits,
        })
    }

    /// Adds one row per order, or says which limit the file outgrew.
    pub fn push<E>(&mut self, orders: &[OrderSnapshot]) -> Result<(), ExportError<E>> {
        if self.rows + orders.len() > self.limits.max_rows {
            return Err(ExportError::TooManyRows {
                max: self.limits.max_rows,
            });
        }
        for order in orders {
            self.out
                .write_record(row(order))
                .map_err(ExportError::Write)?;
        }
        self.rows += orders.len();
        if let Some(max) = self.limits.max_bytes {
            self.out.flush().map_err(|e| ExportError::Write(e.into()))?;
            if self.out.get_ref().len() > max {
                return Err(ExportError::TooLarge { max });
            }
        }
        Ok(())
    }

    pub fn finish<E>(self) -> Result<CsvFile, ExportError<E>> {
        let rows = self.rows;
        let bytes = self
            .out
            .into_inner()
            .map_err(|e| ExportError::Write(e.into_error().into()))?;
        Ok(CsvFile { bytes, rows })
    }
}

/// The question for one page of the period's orders, below `cursor`.
pub fn page_query(actor: &Actor, period: Period, cursor: Option<OrderNumber>) -> ListOrders {
    ListOrders {
        actor: actor.clone(),
        statuses: Vec::new(),
        placed_from: Some(period.from),
        placed_before: Some(period.before),
        before: cursor,
        limit: MAX_QUERY_LIMIT,
    }
}

/// The period's orders as a CSV file, asking `ask` (the edge's way to the
/// order workers) page by page until the last page or a limit.
pub async fn export<E, F, Fut>(
    actor: &Actor,
    period: Period,
    limits: Limits,
    mut ask: F,
) -> Result<CsvFile, ExportError<E>>
where
    F: FnMut(ListOrders) -> Fut,
    Fut: Future<Output = Result<OrderList, E>>,
{
    let mut out = CsvWriter::new(limits)?;
    let mut cursor = None;
    loop {
        let page = ask(page_query(actor, period, cursor))
            .await
            .map_err(ExportError::Ask)?;
        out.push(&page.orders)?;
        match page.next_before {
            None => break,
            // A cursor that does not go down would ask for the same page forever.
            Some(next) if cursor.is_some_and(|c| next >= c) => {
                return Err(ExportError::Stuck(next));
            }
            Some(next) => cursor = Some(next),
        }
    }
    out.finish()
}

#[cfg(test)]
#[path = "export_tests.rs"]
mod tests;
