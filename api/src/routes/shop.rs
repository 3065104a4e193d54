//! `GET /api/v1/shop/hours`: whether the shop takes orders by its hours
//! now, when it opens next, and the times an order may be scheduled for.
//! Public, like the menu: the web app's checkout offers these times.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use chrono::Utc;

use crate::app::AppState;
use crate::views::{OrderWindowView, ShopHoursView};

pub fn routes() -> Router<AppState> {
    Router::new().route("/shop/hours", get(hours))
}

/// The shop's hours as they stand now (not the owners' pause, which only
/// the order worker knows: an order may still be refused `paused`).
#[utoipa::path(get, path = "/api/v1/shop/hours", tag = "shop",
    responses(
        (status = 200, description = "Open or not, the next opening, and the times an order may be scheduled for", body = ShopHoursView),
        crate::openapi::PublicProblems
    ))]
async fn hours(State(state): State<AppState>) -> Json<ShopHoursView> {
    let now = Utc::now();
    let schedule = &state.schedule;
    let window = schedule.order_window(now);
    Json(ShopHoursView {
        open: schedule.is_open(now),
        opens_at: schedule.next_open(now),
        time_zone: schedule.time_zone().name().to_owned(),
        order_window: window.map(|w| OrderWindowView {
            from: w.start,
            until: w.end,
        }),
        times: schedule.offered_times(now),
    })
}
