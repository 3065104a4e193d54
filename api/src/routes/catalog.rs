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
