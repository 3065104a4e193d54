//! `GET /events`: a live stream of what happens (Server-Sent Events). A
//! customer gets their own orders' events (placed, changed, status, cancel,
//! messages) and catalog changes; an owner gets every order's. Each SSE
//! event is named by its type and carries the event id, so a client can
//! tell repeats apart. The stream is live only: after a reconnect, GET the
//! orders to catch up (webhooks are the durable, at-least-once feed).

use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::routing::get;
use chatorder_shared::api_keys::Scope;
use chatorder_shared::domain::Role;
use chatorder_shared::envelope::Envelope;
use chatorder_shared::events::Event;
use futures::{Stream, StreamExt as _};
use tokio::sync::broadcast::error::RecvError;

use crate::app::AppState;
use crate::auth::Caller;
use crate::problem::Problem;
use crate::views::EventView;

pub fn routes() -> Router<AppState> {
    Router::new().route("/events", get(stream))
}

#[utoipa::path(get, path = "/api/v1/events", tag = "events",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Server-Sent Events: `ready`, then one per event, named by its type, data an EventView", content_type = "text/event-stream", body = EventView),
        crate::openapi::ReadProblems
    ))]
async fn stream(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, Problem> {
    caller.require(Scope::Read)?;
    let actor = caller.actor();
    let customer_key = (actor.role == Role::Customer).then(|| actor.key());
    let feed = state.outcomes.feed();
    let ready = futures::stream::once(async { Ok(SseEvent::default().event("ready").data("{}")) });
    let rest =
        futures::stream::unfold((feed, customer_key), |(mut feed, key)| async move {
            loop {
                let event = match feed.recv().await {
                Ok(env) => {
                    if !visible(&env, key.as_deref()) {
                        continue;
                    }
                    let Some(view) = EventView::of(&env) else {
                        continue;
                    };
                    SseEvent::default()
                        .event(view.kind.as_str())
                        .id(view.id.to_string())
                        .data(serde_json::to_string(&view).unwrap_or_default())
                }
                Err(RecvError::Lagged(missed)) => SseEvent::default().event("lagged").data(format!(
                    "{{\"missed\":{missed},\"detail\":\"This stream fell behind and skipped \
                     events; GET /api/v1/orders to catch up.\"}}"
                )),
                Err(RecvError::Closed) => return None,
            };
                return Some((Ok(event), (feed, key)));
            }
        });
    let events = ready.chain(rest);
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// Whether the caller sees `env`: owners every order's, customers their own
/// (and the catalog, which is public).
fn visible(env: &Envelope<Event>, customer_key: Option<&str>) -> bool {
    let Some(key) = customer_key else {
        return true;
    };
    match &env.data {
        Event::Placed { order }
        | Event::Updated { order }
        | Event::Cancelled { order, .. }
        | Event::StatusChanged { order, .. } => order.customer.key == key,
        Event::Message(m) => m.customer.key == key,
        Event::CatalogChanged { .. } | Event::ShopChanged { .. } => true,
        // A code customers have not been given is the owners' business.
        Event::Rejected(_) | Event::PromoChanged { .. } => false,
    }
}
