//! Owners change the catalog: add or replace an item, change its price,
//! take it off or put it back. Each is a `catalog.change` command the order
//! worker checks (an owner, a valid price and name) and applies; the
//! answer is the item after the change. Needs `owner` (or a web owner).

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{patch, post};
use bytes::Bytes;
use chatorder_shared::api_keys::Scope;
use chatorder_shared::commands::{CatalogChange, CatalogItemInput};
use chatorder_shared::domain::Sku;
use chatorder_shared::events::Event;
use chatorder_shared::subjects::CommandKind;

use crate::app::AppState;
use crate::auth::Caller;
use crate::bodies::{CatalogItemBody, CatalogPatchBody};
use crate::change::{self, Change, json_answer};
use crate::problem::Problem;
use crate::views::CatalogItemView;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/catalog/items", post(upsert))
        .route("/catalog/items/{sku}", patch(change_item))
}

#[utoipa::path(post, path = "/api/v1/catalog/items", tag = "shop",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a repeat safe")),
    request_body = CatalogItemBody,
    responses(
        (status = 200, description = "The item as the catalog now has it", body = CatalogItemView),
        (status = 202, description = "Queued; not applied yet", body = crate::views::ProcessingView),
        crate::openapi::ChangeProblems
    ))]
async fn upsert(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    caller.require(Scope::Owner)?;
    let b: CatalogItemBody = crate::json::parse(&headers, &body)?;
    let change = Change {
        route: "POST /api/v1/catalog/items".to_owned(),
        body: &body,
        kind: CommandKind::Catalog,
        data: CatalogChange::Upsert {
            item: CatalogItemInput {
                sku: b.sku,
                name: b.name,
                size: b.size.filter(|s| !s.trim().is_empty()),
                category: b.category,
                price_minor: b.price_minor,
                available: b.available.unwrap_or(true),
            },
        },
    };
    Ok(change::send(&state, &caller, &headers, change, item_answer).await)
}

#[utoipa::path(patch, path = "/api/v1/catalog/items/{sku}", tag = "shop",
    security(("bearer" = [])),
    params(
        ("sku" = String, Path, description = "The item's SKU, e.g. hawaiian_m"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes a repeat safe")
    ),
    request_body = CatalogPatchBody,
    responses(
        (status = 200, description = "The item as the catalog now has it", body = CatalogItemView),
        (status = 202, description = "Queued; not applied yet", body = crate::views::ProcessingView),
        crate::openapi::ChangeProblems
    ))]
async fn change_item(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    caller.require(Scope::Owner)?;
    let sku = Sku::parse(&raw).map_err(|e| Problem::not_found(format!("{e}.")))?;
    let b: CatalogPatchBody = crate::json::parse(&headers, &body)?;
    let data = match (b.price_minor, b.available) {
        (Some(price_minor), None) => CatalogChange::Price { sku, price_minor },
        (None, Some(true)) => CatalogChange::Enable { sku },
        (None, Some(false)) => CatalogChange::Disable { sku },
        _ => {
            return Err(Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "one_change",
                "Send exactly one of `price_minor` (a new price) or `available` (true or false).",
            ));
        }
    };
    let change = Change {
        route: format!("PATCH /api/v1/catalog/items/{raw}"),
        body: &body,
        kind: CommandKind::Catalog,
        data,
    };
    Ok(change::send(&state, &caller, &headers, change, item_answer).await)
}

fn item_answer(
    event: &chatorder_shared::envelope::Envelope<Event>,
) -> Option<crate::idempotency::Answer> {
    match &event.data {
        Event::CatalogChanged { item } => Some(json_answer(
            StatusCode::OK,
            &CatalogItemView::from(item),
            None,
        )),
        _ => None,
    }
}
