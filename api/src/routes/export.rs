//! `GET /orders/export`: the orders placed in a period as CSV, for the
//! shop's accounting: one row per order, money in minor units with the
//! currency, times in RFC 3339 UTC, lines as `sku x quantity` joined by
//! `; `. Read page by page from the workers (newest first, as listed);
//! at most [`MAX_ROWS`] orders per export. Needs `read` (or a web owner).

use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chatorder_shared::api_keys::Scope;
use chatorder_shared::domain::Fulfilment;
use chatorder_shared::events::OrderSnapshot;
use chatorder_shared::queries::{ListOrders, MAX_QUERY_LIMIT, OrderList};
use chatorder_shared::subjects::QueryKind;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::Caller;
use crate::problem::Problem;

/// Most orders one export carries; ask for shorter periods beyond it.
pub const MAX_ROWS: usize = 50_000;

pub fn routes() -> Router<AppState> {
    Router::new().route("/orders/export", get(export))
}

#[derive(Debug, Default, Deserialize)]
struct ExportParams {
    placed_from: Option<String>,
    placed_before: Option<String>,
}

/// The header row.
pub const COLUMNS: [&str; 13] = [
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
];

#[utoipa::path(get, path = "/api/v1/orders/export", tag = "orders",
    security(("bearer" = [])),
    params(
        ("placed_from" = String, Query, description = "RFC 3339: placed at or after"),
        ("placed_before" = String, Query, description = "RFC 3339: placed before")
    ),
    responses(
        (status = 200, description = "One row per order, newest first", content_type = "text/csv", body = String),
        crate::openapi::ReadProblems
    ))]
async fn export(
    State(state): State<AppState>,
    caller: Caller,
    params: Result<Query<ExportParams>, QueryRejection>,
) -> Result<Response, Problem> {
    caller.require(Scope::Read)?;
    let Ok(Query(p)) = params else {
        return Err(Problem::bad_request(
            "bad_query",
            "The query string could not be read: ?placed_from=…&placed_before=… (RFC 3339).",
        ));
    };
    let from = time(p.placed_from.as_deref(), "placed_from")?;
    let before = time(p.placed_before.as_deref(), "placed_before")?;
    if from >= before {
        return Err(Problem::bad_request(
            "bad_period",
            "`placed_from` must be before `placed_before`.",
        ));
    }
    let mut out = csv::Writer::from_writer(Vec::new());
    write(&mut out, COLUMNS)?;
    let mut cursor = None;
    let mut rows = 0;
    loop {
        let page: OrderList = state
            .queries
            .ask(
                state.query_subject(caller.role(), QueryKind::List),
                &ListOrders {
                    actor: caller.actor(),
                    statuses: Vec::new(),
                    placed_from: Some(from),
                    placed_before: Some(before),
                    before: cursor,
                    limit: MAX_QUERY_LIMIT,
                },
                state.query_timeout,
            )
            .await?;
        for order in &page.orders {
            write(&mut out, row(order))?;
        }
        rows += page.orders.len();
        if rows > MAX_ROWS {
            return Err(Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "too_many_rows",
                format!("The period has more than {MAX_ROWS} orders: export it in shorter parts."),
            ));
        }
        match page.next_before {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let body = out.into_inner().map_err(|_| Problem::internal())?;
    let name = format!(
        "attachment; filename=\"orders-{}-{}.csv\"",
        from.format("%Y%m%dT%H%M%SZ"),
        before.format("%Y%m%dT%H%M%SZ")
    );
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&name) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

fn time(raw: Option<&str>, name: &str) -> Result<DateTime<Utc>, Problem> {
    raw.and_then(|r| DateTime::parse_from_rfc3339(r.trim()).ok())
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| {
            Problem::bad_request(
                "bad_time",
                format!("`{name}` is required: an RFC 3339 time such as 2026-12-03T18:00:00Z."),
            )
        })
}

fn write<I, T>(out: &mut csv::Writer<Vec<u8>>, record: I) -> Result<(), Problem>
where
    I: IntoIterator<Item = T>,
    T: AsRef<[u8]>,
{
    out.write_record(record).map_err(|e| {
        tracing::error!(error = %e, "cannot write a CSV row");
        Problem::internal()
    })
}

/// One order as its CSV row (in [`COLUMNS`] order).
pub fn row(o: &OrderSnapshot) -> [String; 13] {
    let lines = o
        .lines
        .iter()
        .map(|l| format!("{} x {}", l.sku, l.qty))
        .collect::<Vec<_>>()
        .join("; ");
    let items: u64 = o.lines.iter().map(|l| u64::from(l.qty)).sum();
    [
        o.number.0.to_string(),
        o.placed_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        o.updated_at
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        o.status.as_str().to_owned(),
        o.customer.platform.as_str().to_owned(),
        safe_cell(o.customer.name.as_deref().unwrap_or_default()),
        o.fulfilment.kind().to_owned(),
        match &o.fulfilment {
            Fulfilment::Delivery { address } => safe_cell(address),
            Fulfilment::Pickup => String::new(),
        },
        lines,
        items.to_string(),
        o.total_minor.to_string(),
        o.currency.to_string(),
        safe_cell(o.note.as_deref().unwrap_or_default()),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_from_customers_are_made_inert() {
        assert_eq!(safe_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(safe_cell("+1 555"), "'+1 555");
        assert_eq!(safe_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(safe_cell("Ring twice"), "Ring twice");
        assert_eq!(safe_cell(""), "");
    }
}
