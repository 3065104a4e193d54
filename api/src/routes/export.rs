//! `GET /orders/export`: the orders placed in a period as CSV, for the
//! shop's accounting. The file (columns, rows, cell encoding) and the
//! page-by-page reading from the workers are `chatorder_shared::export`'s,
//! shared with the Discord bot's `/export`; at most [`MAX_ROWS`] orders per
//! export. Needs `read` (or a web owner).

use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chatorder_shared::api_keys::Scope;
use chatorder_shared::export::{self, ExportError, Limits, Period};
use chatorder_shared::subjects::QueryKind;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::Caller;
use crate::problem::Problem;

/// The header row, as the shared export writes it.
pub use chatorder_shared::export::COLUMNS;

/// Most orders one export carries; ask for shorter periods beyond it.
pub use chatorder_shared::export::MAX_ROWS;

pub fn routes() -> Router<AppState> {
    Router::new().route("/orders/export", get(export))
}

#[derive(Debug, Default, Deserialize)]
struct ExportParams {
    placed_from: Option<String>,
    placed_before: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/orders/export", tag = "orders",
    security(("bearer" = [])),
    params(
        ("placed_from" = String, Query, description = "RFC 3339: placed at or after"),
        ("placed_before" = String, Query, description = "RFC 3339: placed before")
    ),
    responses(
        (status = 200, description = "One row per order, newest first. Columns: number, placed_at, updated_at (RFC 3339 UTC), status, channel, customer_name, fulfilment, address, lines (`sku x qty; …`), items, total_minor, currency, note, discount_minor (what a promo code took off, 0 without one; total_minor is after it), payment (`paid`: paid in chat before it was placed, total_minor is what was paid; else `on_pickup` or `on_delivery`: paid when handed over), promo_code (empty without one)", content_type = "text/csv", body = String),
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
    let Some(period) = Period::new(from, before) else {
        return Err(Problem::bad_request(
            "bad_period",
            "`placed_from` must be before `placed_before`.",
        ));
    };
    let actor = caller.actor();
    let subject = state.query_subject(caller.role(), QueryKind::List);
    let limits = Limits {
        max_rows: MAX_ROWS,
        max_bytes: None,
    };
    let file = export::export(&actor, period, limits, |q| {
        let (state, subject) = (&state, subject.clone());
        async move { state.queries.ask(subject, &q, state.query_timeout).await }
    })
    .await
    .map_err(|e| match e {
        ExportError::TooManyRows { max } => Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "too_many_rows",
            format!("The period has more than {max} orders: export it in shorter parts."),
        ),
        ExportError::Ask(e) => Problem::from(e),
        other => {
            tracing::error!(error = %other, "cannot write the export");
            Problem::internal()
        }
    })?;
    let body = file.bytes;
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
