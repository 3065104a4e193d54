//! `GET /api/v1/catalog`: the menu, public.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use chatorder_shared::queries::{Catalog, ListCatalog};
use chatorder_shared::subjects::QueryKind;

use crate::app::AppState;
use crate::problem::Problem;
use crate::views::{CatalogItemView, CatalogView};

pub fn routes() -> Router<AppState> {
    Router::new().route("/catalog", get(list))
}

/// Every item, available or not (an unavailable one cannot be ordered).
#[utoipa::path(get, path = "/api/v1/catalog", tag = "shop",
    responses(
        (status = 200, description = "Every item, with its price in minor units", body = CatalogView),
        (status = 429, response = crate::openapi::ProblemResponse),
        (status = 500, response = crate::openapi::ProblemResponse),
        (status = 503, response = crate::openapi::ProblemResponse)
    ))]
async fn list(State(state): State<AppState>) -> Result<Json<CatalogView>, Problem> {
    let catalog: Catalog = state
        .queries
        .ask(
            state.subjects.query(QueryKind::Catalog),
            &ListCatalog {},
            state.query_timeout,
        )
        .await?;
    Ok(Json(CatalogView {
        items: catalog.items.iter().map(CatalogItemView::from).collect(),
    }))
}
