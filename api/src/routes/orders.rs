//! Orders: place one (a customer), list (filtered, by cursor), get one,
//! change its lines (its customer), move its status (an owner), cancel it,
//! and read and post its messages. A customer sees and touches only their
//! own orders (anyone else's is a 404, as in the bots); an API key needs
//! `read` to look and `owner` to change; a web owner may do both.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use chatorder_shared::api_keys::Scope;
use chatorder_shared::commands::{
    CancelOrder, LineRequest, PlaceOrder, SendMessage, SetStatus, UpdateOrder,
};
use chatorder_shared::domain::{Fulfilment, OrderNumber, OrderStatus};
use chatorder_shared::events::{Event, OrderSnapshot};
use chatorder_shared::promo::PromoCode;
use chatorder_shared::queries::{
    GetMessages, GetOrder, ListOrders, MAX_QUERY_LIMIT, MessageList, OrderList,
};
use chatorder_shared::subjects::{CommandKind, QueryKind};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::app::AppState;
use crate::auth::Caller;
use crate::bodies::{FulfilmentBody, LineBody, LinesBody, MessageBody, PlaceBody, StatusBody};
use crate::change::{self, Change, etag, if_match, json_answer};
use crate::problem::Problem;
use crate::views::{
    HistoryView, MessageListView, MessageView, OrderPageView, OrderView, ProcessingView,
    StatusChangeView,
};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/orders", get(list).post(place))
        .route(
            "/orders/{number}",
            get(one).put(change_lines).delete(cancel),
        )
        .route("/orders/{number}/status", post(set_status))
        .route("/orders/{number}/messages", get(messages).post(message))
        .route("/orders/{number}/history", get(history))
}

/// The query string of `GET /orders`; read as text so that every mistake
/// gets a sentence.
#[derive(Debug, Default, Deserialize)]
struct ListParams {
    /// Comma-separated statuses, e.g. `pending,accepted`.
    status: Option<String>,
    placed_from: Option<String>,
    placed_before: Option<String>,
    cursor: Option<String>,
    limit: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/orders", tag = "orders",
    security(("bearer" = [])),
    params(
        ("status" = Option<String>, Query, description = "Comma-separated statuses, e.g. pending,accepted"),
        ("placed_from" = Option<String>, Query, description = "RFC 3339: placed at or after"),
        ("placed_before" = Option<String>, Query, description = "RFC 3339: placed before"),
        ("cursor" = Option<String>, Query, description = "The previous page's next_cursor"),
        ("limit" = Option<u32>, Query, description = "1 to 100, default 20")
    ),
    responses(
        (status = 200, description = "A page of orders, newest first", body = OrderPageView),
        crate::openapi::ReadProblems
    ))]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<OrderPageView>, Problem> {
    caller.require(Scope::Read)?;
    let Query(p) = params.map_err(|_| {
        Problem::bad_request(
            "bad_query",
            "The query string could not be read; see docs/api.md for GET /api/v1/orders.",
        )
    })?;
    let statuses = match p.status.as_deref() {
        None | Some("") => Vec::new(),
        Some(list) => list
            .split(',')
            .map(|s| parse_status(s.trim()))
            .collect::<Result<_, _>>()?,
    };
    let limit = match p.limit.as_deref() {
        None => 20,
        Some(raw) => match raw.parse::<u32>() {
            Ok(n) if (1..=MAX_QUERY_LIMIT).contains(&n) => n,
            _ => {
                return Err(Problem::bad_request(
                    "bad_limit",
                    format!("`limit` is a whole number from 1 to {MAX_QUERY_LIMIT}."),
                ));
            }
        },
    };
    let before = match p.cursor.as_deref() {
        None | Some("") => None,
        Some(raw) => Some(OrderNumber(raw.parse().map_err(|_| {
            Problem::bad_request(
                "bad_cursor",
                "`cursor` is the `next_cursor` of the previous page, as it was sent.",
            )
        })?)),
    };
    let q = ListOrders {
        actor: caller.actor(),
        statuses,
        placed_from: time_param("placed_from", p.placed_from.as_deref())?,
        placed_before: time_param("placed_before", p.placed_before.as_deref())?,
        before,
        limit,
    };
    let page: OrderList = state
        .queries
        .ask(
            state.query_subject(caller.role(), QueryKind::List),
            &q,
            state.query_timeout,
        )
        .await?;
    Ok(Json(OrderPageView {
        orders: page.orders.iter().map(OrderView::from).collect(),
        next_cursor: page.next_before.map(|n| n.0.to_string()),
    }))
}

fn parse_status(raw: &str) -> Result<OrderStatus, Problem> {
    OrderStatus::ALL
        .into_iter()
        .find(|s| s.as_str() == raw)
        .ok_or_else(|| {
            let known: Vec<&str> = OrderStatus::ALL.iter().map(|s| s.as_str()).collect();
            Problem::bad_request(
                "bad_status",
                format!(
                    "`{raw}` is not a status; the statuses are {}.",
                    known.join(", ")
                ),
            )
        })
}

fn time_param(name: &str, raw: Option<&str>) -> Result<Option<DateTime<Utc>>, Problem> {
    match raw {
        None | Some("") => Ok(None),
        Some(raw) => DateTime::parse_from_rfc3339(raw)
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|_| {
                Problem::bad_request(
                    "bad_time",
                    format!("`{name}` is an RFC 3339 time such as 2026-12-03T18:00:00Z."),
                )
            }),
    }
}

fn number(raw: &str) -> Result<OrderNumber, Problem> {
    raw.trim_start_matches('#')
        .parse()
        .map(OrderNumber)
        .map_err(|_| {
            Problem::not_found(format!(
                "There is no order `{raw}`; an order number is like 1042."
            ))
        })
}

async fn get_order(
    state: &AppState,
    caller: &Caller,
    number: OrderNumber,
) -> Result<OrderSnapshot, Problem> {
    state
        .queries
        .ask(
            state.query_subject(caller.role(), QueryKind::Get),
            &GetOrder {
                actor: caller.actor(),
                number,
            },
            state.query_timeout,
        )
        .await
        .map_err(Problem::from)
}

#[utoipa::path(get, path = "/api/v1/orders/{number}", tag = "orders",
    security(("bearer" = [])),
    params(("number" = u64, Path, description = "The order number, e.g. 1042")),
    responses(
        (status = 200, description = "The order; its version is the ETag", body = OrderView),
        crate::openapi::ReadProblems
    ))]
async fn one(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> Result<Response, Problem> {
    caller.require(Scope::Read)?;
    let order = get_order(&state, &caller, number(&raw)?).await?;
    Ok((
        [(header::ETAG, etag(order.version))],
        Json(OrderView::from(&order)),
    )
        .into_response())
}

/// `POST /orders/{number}/status` with `If-Match`: the owner moves the
/// order along the one lifecycle table (the same the Discord buttons draw).
#[utoipa::path(post, path = "/api/v1/orders/{number}/status", tag = "orders",
    security(("bearer" = [])),
    params(
        ("number" = u64, Path, description = "The order number"),
        ("If-Match" = String, Header, description = "The order's ETag, e.g. \"3\""),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a repeat safe")
    ),
    request_body = StatusBody,
    responses(
        (status = 200, description = "The order after the move", body = OrderView),
        (status = 202, description = "Queued; not applied yet", body = ProcessingView),
        crate::openapi::ChangeProblems
    ))]
async fn set_status(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    caller.require(Scope::Owner)?;
    let number = number(&raw)?;
    let expected = if_match(&headers)?;
    let b: StatusBody = crate::json::parse(&headers, &body)?;
    let change = Change {
        route: format!("POST /api/v1/orders/{}/status", number.0),
        body: &body,
        kind: CommandKind::Status,
        data: SetStatus {
            number,
            status: b.status,
            reason: b.reason,
            expected_version: Some(expected),
        },
    };
    Ok(change::send(&state, &caller, &headers, change, order_answer).await)
}

#[derive(Debug, Default, Deserialize)]
struct CancelParams {
    reason: Option<String>,
}

/// `DELETE /orders/{number}?reason=…` with `If-Match`: cancels (never
/// deletes). A customer cancels their own pending order; an owner says
/// why, and the customer is told.
#[utoipa::path(delete, path = "/api/v1/orders/{number}", tag = "orders",
    security(("bearer" = [])),
    params(
        ("number" = u64, Path, description = "The order number"),
        ("reason" = Option<String>, Query, description = "Why (an owner must say; the customer is told)"),
        ("If-Match" = String, Header, description = "The order's ETag"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a repeat safe")
    ),
    responses(
        (status = 200, description = "The cancelled order (never deleted)", body = OrderView),
        (status = 202, description = "Queued; not applied yet", body = ProcessingView),
        crate::openapi::ChangeProblems
    ))]
async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    headers: HeaderMap,
    params: Result<Query<CancelParams>, QueryRejection>,
) -> Result<Response, Problem> {
    caller.require_own_or_owner()?;
    let number = number(&raw)?;
    let expected = if_match(&headers)?;
    let reason = match params {
        Ok(Query(p)) => p.reason.filter(|r| !r.trim().is_empty()),
        Err(_) => {
            return Err(Problem::bad_request(
                "bad_query",
                "The query string could not be read: cancel with ?reason=… (URL-encoded).",
            ));
        }
    };
    let fingerprint_body = reason.clone().unwrap_or_default();
    let change = Change {
        route: format!("DELETE /api/v1/orders/{}", number.0),
        body: fingerprint_body.as_bytes(),
        kind: CommandKind::Cancel,
        data: CancelOrder {
            number,
            reason,
            expected_version: Some(expected),
        },
    };
    Ok(change::send(&state, &caller, &headers, change, order_answer).await)
}

/// `POST /orders/{number}/messages`: the shop writes to the customer, who
/// reads it where they ordered (Telegram, or the web's event stream); a
/// customer writes to the shop, whose owners read it in the order's
/// Discord thread.
#[utoipa::path(post, path = "/api/v1/orders/{number}/messages", tag = "orders",
    security(("bearer" = [])),
    params(
        ("number" = u64, Path, description = "The order number"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a repeat safe")
    ),
    request_body = MessageBody,
    responses(
        (status = 201, description = "The message, on its way to the other side", body = MessageView),
        (status = 202, description = "Queued; not applied yet", body = ProcessingView),
        crate::openapi::ChangeProblems
    ))]
async fn message(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    caller.require_own_or_owner()?;
    let number = number(&raw)?;
    let b: MessageBody = crate::json::parse(&headers, &body)?;
    let change = Change {
        route: format!("POST /api/v1/orders/{}/messages", number.0),
        body: &body,
        kind: CommandKind::Message,
        data: SendMessage {
            number,
            text: b.text,
        },
    };
    Ok(change::send(&state, &caller, &headers, change, |event| {
        match &event.data {
            Event::Message(m) => Some(json_answer(
                StatusCode::CREATED,
                &MessageView {
                    order_number: m.number.0,
                    from: m.from,
                    text: m.text.clone(),
                    sent_at: event.at,
                },
                None,
            )),
            _ => None,
        }
    })
    .await)
}

/// `GET /orders/{number}/messages`: the conversation about an order,
/// oldest first.
#[utoipa::path(get, path = "/api/v1/orders/{number}/messages", tag = "orders",
    security(("bearer" = [])),
    params(("number" = u64, Path, description = "The order number")),
    responses(
        (status = 200, description = "The conversation, oldest first", body = MessageListView),
        crate::openapi::ReadProblems
    ))]
async fn messages(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> Result<Json<MessageListView>, Problem> {
    let list = story(&state, &caller, &raw).await?;
    Ok(Json(MessageListView {
        messages: list
            .messages
            .into_iter()
            .map(|m| MessageView {
                order_number: list.number.0,
                from: m.from,
                text: m.text,
                sent_at: m.at,
            })
            .collect(),
    }))
}

/// `GET /orders/{number}/history`: who moved the order, from what to what,
/// when; oldest first.
#[utoipa::path(get, path = "/api/v1/orders/{number}/history", tag = "orders",
    security(("bearer" = [])),
    params(("number" = u64, Path, description = "The order number")),
    responses(
        (status = 200, description = "The status changes, oldest first", body = HistoryView),
        crate::openapi::ReadProblems
    ))]
async fn history(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> Result<Json<HistoryView>, Problem> {
    let list = story(&state, &caller, &raw).await?;
    Ok(Json(HistoryView {
        order_number: list.number.0,
        history: list
            .history
            .into_iter()
            .map(|c| StatusChangeView {
                from: c.from,
                to: c.to,
                by: c.by,
                via: c.via,
                by_id: c.by_id,
                reason: c.reason,
                at: c.at,
            })
            .collect(),
    }))
}

/// An order's messages and status history (one query answers both), with
/// the same access as the order itself.
async fn story(state: &AppState, caller: &Caller, raw: &str) -> Result<MessageList, Problem> {
    caller.require(Scope::Read)?;
    let number = number(raw)?;
    Ok(state
        .queries
        .ask(
            state.query_subject(caller.role(), QueryKind::Messages),
            &GetMessages {
                actor: caller.actor(),
                number,
            },
            state.query_timeout,
        )
        .await?)
}

fn line_requests(lines: Vec<LineBody>) -> Vec<LineRequest> {
    lines
        .into_iter()
        .map(|l| LineRequest {
            sku: l.sku,
            qty: l.quantity,
        })
        .collect()
}

/// `POST /orders` with an Idempotency-Key: a customer places an order
/// (201, Location and ETag). The worker prices it from the catalog and
/// checks every rule; a refusal is a problem with its code.
#[utoipa::path(post, path = "/api/v1/orders", tag = "orders",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "A repeat with the same key and body gets the same order")),
    request_body = PlaceBody,
    responses(
        (status = 201, description = "The order, priced by the catalog; Location and ETag set", body = OrderView),
        (status = 202, description = "Queued; not applied yet", body = ProcessingView),
        crate::openapi::ChangeProblems
    ))]
async fn place(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let account = caller.require_customer()?;
    let b: PlaceBody = crate::json::parse(&headers, &body)?;
    let promo = b
        .promo
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(PromoCode::parse)
        .transpose()
        .map_err(|e| {
            Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "bad_promo_code",
                format!("{e}."),
            )
        })?;
    let phone = b
        .phone
        .filter(|p| !p.trim().is_empty())
        .or_else(|| account.phone.clone());
    let fulfilment = match b.fulfilment {
        FulfilmentBody::Pickup => Fulfilment::Pickup,
        FulfilmentBody::Delivery { address } => {
            if phone.is_none() {
                return Err(Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "phone_required",
                    "A delivery needs a phone number for the courier: send `phone`, or add one \
                     to your account.",
                ));
            }
            Fulfilment::Delivery { address }
        }
    };
    let change = Change {
        route: "POST /api/v1/orders".to_owned(),
        body: &body,
        kind: CommandKind::Place,
        data: PlaceOrder {
            lines: line_requests(b.lines),
            fulfilment,
            note: b.note.filter(|n| !n.trim().is_empty()),
            phone,
            promo,
            payment: None,
            scheduled_for: b.scheduled_for,
        },
    };
    Ok(change::send(&state, &caller, &headers, change, |event| {
        match &event.data {
            Event::Placed { order } => {
                let mut answer = json_answer(
                    StatusCode::CREATED,
                    &OrderView::from(order),
                    Some(order.version),
                );
                answer.location = Some(format!("/api/v1/orders/{}", order.number.0));
                Some(answer)
            }
            _ => None,
        }
    })
    .await)
}

/// `PUT /orders/{number}` with `If-Match`: the customer replaces the lines
/// (and note) of their pending order.
#[utoipa::path(put, path = "/api/v1/orders/{number}", tag = "orders",
    security(("bearer" = [])),
    params(
        ("number" = u64, Path, description = "The order number"),
        ("If-Match" = String, Header, description = "The order's ETag"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a repeat safe")
    ),
    request_body = LinesBody,
    responses(
        (status = 200, description = "The order with its new lines", body = OrderView),
        (status = 202, description = "Queued; not applied yet", body = ProcessingView),
        crate::openapi::ChangeProblems
    ))]
async fn change_lines(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    caller.require_customer()?;
    let number = number(&raw)?;
    let expected = if_match(&headers)?;
    let b: LinesBody = crate::json::parse(&headers, &body)?;
    let change = Change {
        route: format!("PUT /api/v1/orders/{}", number.0),
        body: &body,
        kind: CommandKind::Update,
        data: UpdateOrder {
            number,
            lines: line_requests(b.lines),
            note: b.note.filter(|n| !n.trim().is_empty()),
            expected_version: Some(expected),
        },
    };
    Ok(change::send(&state, &caller, &headers, change, order_answer).await)
}

/// The order after a change of lines, a status move or a cancel.
fn order_answer(
    event: &chatorder_shared::envelope::Envelope<Event>,
) -> Option<crate::idempotency::Answer> {
    match &event.data {
        Event::Updated { order }
        | Event::StatusChanged { order, .. }
        | Event::Cancelled { order, .. } => Some(json_answer(
            StatusCode::OK,
            &OrderView::from(order),
            Some(order.version),
        )),
        _ => None,
    }
}
