//! `GET /api/v1/catalog`: the menu, public.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use chatorder_shared::queries::{Catalog, ListCatalog};
use chatorder_shared::subjects::QueryKind;

use crate::app::AppState;
use crate::problem::Problem;
use crate::views::{CatalogItemView, CatalogView};

pub fn routes() -> Router<AppState> {
    Router::new().route("/catalog", get(list))
}

/// Every item, available or not (an unavailable one cannot be ordered);
/// from memory until the catalog changes.
#[utoipa::path(get, path = "/api/v1/catalog", tag = "shop",
    responses(
        (status = 200, description = "Every item, with its price in minor units", body = CatalogView),
        crate::openapi::PublicProblems
    ))]
async fn list(State(state): State<AppState>) -> Result<Response, Problem> {
    let (held, generation) = state.catalog_cache.get();
    if let Some(body) = held {
        return Ok(json_bytes(body));
    }
    let catalog: Catalog = state
        .queries
        .ask(
            state.subjects.query(QueryKind::Catalog),
            &ListCatalog {},
            state.query_timeout,
        )
        .await?;
    let view = CatalogView {
        items: catalog.items.iter().map(CatalogItemView::from).collect(),
    };
    let body = Bytes::from(serde_json::to_vec(&view).map_err(|_| Problem::internal())?);
    state.catalog_cache.keep(body.clone(), generation);
    Ok(json_bytes(body))
}

fn json_bytes(body: Bytes) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}
