//! `GET /api/v1/health`: is this process up, and do the order workers answer?

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use chatorder_shared::subjects::QueryKind;
use serde::Serialize;

use crate::app::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/health", get(health))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok` when the order workers answer, else `degraded`.
    pub status: &'static str,
    /// `ok` or `unavailable`.
    pub orders: &'static str,
}

#[utoipa::path(get, path = "/api/v1/health", tag = "shop",
    responses(
        (status = 200, description = "Up, and the order workers answer", body = Health),
        (status = 503, description = "Up, but the order workers do not answer", body = Health)
    ))]
async fn health(State(state): State<AppState>) -> (StatusCode, Json<Health>) {
    let asked = state
        .queries
        .ask::<_, serde_json::Value>(
            state.subjects.query(QueryKind::Catalog),
            &serde_json::json!({}),
            state.query_timeout,
        )
        .await;
    let up = !matches!(
        asked,
        Err(chatorder_bus::QueryError::NoResponders { .. }
            | chatorder_bus::QueryError::TimedOut { .. })
    );
    let (code, status, orders) = if up {
        (StatusCode::OK, "ok", "ok")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "degraded", "unavailable")
    };
    (code, Json(Health { status, orders }))
}
