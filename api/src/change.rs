//! One change, end to end: the command id from the `Idempotency-Key`, a
//! repeat answered from the record, the command published and its outcome
//! awaited, the answer kept for the next repeat.

use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chatorder_shared::envelope::Envelope;
use chatorder_shared::events::Event;
use chatorder_shared::subjects::CommandKind;
use serde::Serialize;
use uuid::Uuid;

use crate::app::AppState;
use crate::auth::Caller;
use crate::idempotency::Answer;
use crate::problem::{PROBLEM_JSON, Problem};

/// What a change is: its command, and how its outcome reads.
pub struct Change<'a, T> {
    /// `POST /api/v1/orders/1042/status`: part of the command id and of
    /// the request's fingerprint.
    pub route: String,
    /// The request body as the client sent it (for the fingerprint).
    pub body: &'a [u8],
    pub kind: CommandKind,
    pub data: T,
}

/// Sends `change` as `caller` and answers with its outcome, rendered by
/// `render` from the worker's event (a rejection becomes its problem).
pub async fn send<T: Serialize>(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    change: Change<'_, T>,
    render: impl FnOnce(&Envelope<Event>) -> Option<Answer>,
) -> Response {
    match send_inner(state, caller, headers, change, render).await {
        Ok(answer) => respond(answer),
        Err(problem) => problem.into_response(),
    }
}

async fn send_inner<T: Serialize>(
    state: &AppState,
    caller: &Caller,
    headers: &HeaderMap,
    change: Change<'_, T>,
    render: impl FnOnce(&Envelope<Event>) -> Option<Answer>,
) -> Result<Answer, Problem> {
    let actor = caller.actor();
    state
        .idempotency
        .once(&actor.key(), &change.route, headers, change.body, |id| {
            apply(state, &actor, id, change.kind, change.data, render)
        })
        .await
}

/// Sends the command `id` and waits for its outcome (202 if it is late).
async fn apply<T: Serialize>(
    state: &AppState,
    actor: &chatorder_shared::domain::Actor,
    id: Uuid,
    kind: CommandKind,
    data: T,
    render: impl FnOnce(&Envelope<Event>) -> Option<Answer>,
) -> Result<Answer, Problem> {
    let pending = state.outcomes.expect(id);
    state
        .commands(actor.role)
        .send(kind, actor, id, data)
        .await
        .map_err(|e| {
            tracing::warn!(error = %e, "a command was not stored");
            Problem::unavailable(
                "The change could not be queued. Try again (with the same Idempotency-Key).",
            )
        })?;
    let wait = Duration::from_millis(state.settings.command_wait_ms);
    Ok(match pending.wait(wait).await {
        Some(event) => outcome(&event, render, state.schedule.time_zone()),
        None => processing(id),
    })
}

fn outcome(
    event: &Arc<Envelope<Event>>,
    render: impl FnOnce(&Envelope<Event>) -> Option<Answer>,
    tz: chatorder_shared::hours::Tz,
) -> Answer {
    if let Event::Rejected(r) = &event.data {
        return problem_answer(&crate::refusals::problem(&r.refusal, event.at, tz));
    }
    render(event).unwrap_or_else(|| {
        tracing::error!(kind = %event.kind, "an unexpected event answered a change");
        problem_answer(&Problem::internal())
    })
}

/// The worker has the change but did not answer in time.
fn processing(id: Uuid) -> Answer {
    Answer {
        status: StatusCode::ACCEPTED.as_u16(),
        etag: None,
        location: None,
        content_type: "application/json".into(),
        body: serde_json::to_string(&crate::views::ProcessingView {
            status: "processing".to_owned(),
            command_id: id,
            detail: "The shop has the change and is still applying it. GET the order to see it; \
                     repeating the request with the same Idempotency-Key is safe."
                .to_owned(),
        })
        .unwrap_or_default(),
    }
}

/// A JSON answer with the order's version as its ETag.
pub fn json_answer<T: Serialize>(status: StatusCode, value: &T, version: Option<u32>) -> Answer {
    Answer {
        status: status.as_u16(),
        etag: version.map(etag),
        location: None,
        content_type: "application/json".into(),
        body: serde_json::to_string(value).unwrap_or_default(),
    }
}

pub fn problem_answer(p: &Problem) -> Answer {
    Answer {
        status: p.status,
        etag: None,
        location: None,
        content_type: PROBLEM_JSON.into(),
        body: serde_json::to_string(p).unwrap_or_default(),
    }
}

/// An order version as an entity tag: `"7"`.
pub fn etag(version: u32) -> String {
    format!("\"{version}\"")
}

/// The version an `If-Match` names; a change to an order needs one (428).
pub fn if_match(headers: &HeaderMap) -> Result<u32, Problem> {
    let Some(raw) = headers.get(header::IF_MATCH) else {
        return Err(Problem::new(
            StatusCode::PRECONDITION_REQUIRED,
            "if_match_required",
            "Send If-Match with the order's ETag (its version, e.g. If-Match: \"3\"), so a change \
             never lands on an order that moved since you read it.",
        ));
    };
    raw.to_str()
        .ok()
        .map(|v| v.trim().trim_start_matches("W/").trim_matches('"'))
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| {
            Problem::bad_request(
                "bad_if_match",
                "If-Match must be the order's ETag as the API sent it, e.g. \"3\".",
            )
        })
}

pub fn respond(answer: Answer) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK);
    let mut response = (status, answer.body).into_response();
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&answer.content_type) {
        headers.insert(header::CONTENT_TYPE, v);
    }
    if let Some(tag) = answer.etag.and_then(|t| HeaderValue::from_str(&t).ok()) {
        headers.insert(header::ETAG, tag);
    }
    if let Some(at) = answer.location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        headers.insert(header::LOCATION, at);
    }
    response
}
