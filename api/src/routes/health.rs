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

#[derive(Debug, Serialize)]
pub struct Health {
    /// `ok` when the order workers answer, else `degraded`.
    pub status: &'static str,
    /// `ok` or `unavailable`.
    pub orders: &'static str,
}

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
