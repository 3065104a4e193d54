//! Webhooks: register a URL for event types (its signing secret is shown
//! once), list them, delete one. Needs the `webhooks` scope (a web owner
//! has it). Deliveries: `crate::webhooks`.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use bytes::Bytes;
use chatorder_shared::api_keys::Scope;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::app::AppState;
use crate::auth::Caller;
use crate::bodies::CreateBody;
use crate::change::{json_answer, respond};
use crate::problem::Problem;
use crate::webhooks::store::{self, MAX_WEBHOOKS, Webhook};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/webhooks", get(list).post(create))
        .route("/webhooks/{id}", delete(remove))
}

/// A webhook as listed (never its secret).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct WebhookView {
    pub id: String,
    pub url: String,
    pub events: Vec<String>,
    pub created_at: DateTime<Utc>,
}

impl From<&Webhook> for WebhookView {
    fn from(h: &Webhook) -> Self {
        Self {
            id: h.id.clone(),
            url: h.url.clone(),
            events: h.events.clone(),
            created_at: h.created_at,
        }
    }
}

/// A new webhook, with its secret (this once).
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct CreatedView {
    #[serde(flatten)]
    webhook: WebhookView,
    /// The HMAC-SHA256 key of `Chatorder-Signature`; shown only now.
    secret: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
struct ListView {
    webhooks: Vec<WebhookView>,
}

fn unavailable(e: &anyhow::Error) -> Problem {
    tracing::error!(error = %format!("{e:#}"), "the webhook store is unavailable");
    Problem::unavailable("Webhooks cannot be read or changed right now. Try again shortly.")
}

/// `POST /webhooks` (201): `{"url": …, "events": [...]}`.
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes a repeat safe")),
    request_body = CreateBody,
    responses(
        (status = 201, description = "The webhook and its signing secret (shown this once)", body = CreatedView),
        crate::openapi::ChangeProblems
    ))]
async fn create(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    caller.require(Scope::Webhooks)?;
    let b: CreateBody = crate::json::parse(&headers, &body)?;
    let (url, events) = store::validate(&b.url, &b.events).map_err(|e| {
        Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_webhook",
            e.to_string(),
        )
    })?;
    let actor = caller.actor().key();
    let answer = state
        .idempotency
        .once(&actor, "POST /api/v1/webhooks", &headers, &body, |_| {
            register(&state, url, events, actor.clone())
        })
        .await?;
    Ok(respond(answer))
}

async fn register(
    state: &AppState,
    url: String,
    events: Vec<String>,
    actor: String,
) -> Result<crate::idempotency::Answer, Problem> {
    let registered = state.webhooks.list().await.map_err(|e| unavailable(&e))?;
    if registered.len() >= MAX_WEBHOOKS {
        return Err(Problem::new(
            StatusCode::CONFLICT,
            "too_many_webhooks",
            format!("A shop has at most {MAX_WEBHOOKS} webhooks; delete one first."),
        ));
    }
    let hook = state
        .webhooks
        .create(url, events, actor)
        .await
        .map_err(|e| unavailable(&e))?;
    let mut answer = json_answer(
        StatusCode::CREATED,
        &CreatedView {
            webhook: WebhookView::from(&hook),
            secret: hook.secret.clone(),
        },
        None,
    );
    answer.location = Some(format!("/api/v1/webhooks/{}", hook.id));
    // Events from the moment of this answer are delivered: wait (briefly)
    // until the fan-out here has seen the new webhook.
    for _ in 0..100 {
        if state.webhook_registry.contains(&hook.id) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    Ok(answer)
}

/// `GET /webhooks`.
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every webhook (never its secret)", body = ListView),
        crate::openapi::ReadProblems
    ))]
async fn list(State(state): State<AppState>, caller: Caller) -> Result<Response, Problem> {
    caller.require(Scope::Webhooks)?;
    let hooks = state.webhooks.list().await.map_err(|e| unavailable(&e))?;
    Ok(Json(ListView {
        webhooks: hooks.iter().map(WebhookView::from).collect(),
    })
    .into_response())
}

/// `DELETE /webhooks/{id}` (204): deliveries to it stop.
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The webhook id, e.g. wh_4zmxamxk6mvp")),
    responses(
        (status = 204, description = "Gone; deliveries to it stop"),
        crate::openapi::ReadProblems
    ))]
async fn remove(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    caller.require(Scope::Webhooks)?;
    if state
        .webhooks
        .delete(&id)
        .await
        .map_err(|e| unavailable(&e))?
    {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(Problem::not_found(format!(
            "There is no webhook `{}`; GET /api/v1/webhooks lists them.",
            chatorder_shared::domain::truncate_for_display(&id, 40)
        )))
    }
}
