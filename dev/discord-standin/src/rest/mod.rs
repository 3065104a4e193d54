//! The REST API under `/api/v10`: records each call, checks auth and forced rate limits, routes.

pub(crate) mod commands;
pub(crate) mod interactions;
pub(crate) mod messages;
pub(crate) mod misc;
pub(crate) mod threads;

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::Response;
use serde_json::Value;

use crate::api_error::ApiError;
use crate::model::Call;
use crate::multipart::{self, Upload};
use crate::ratelimit;
use crate::shared::Shared;
use crate::state::StandInState;

const PREFIXES: [&str; 2] = ["/api/v10", "/api/v9"];

/// A successful answer: status and JSON body (`None` for 204).
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) body: Option<Value>,
}

impl Answer {
    pub(crate) fn ok(body: Value) -> Self {
        Self {
            status: 200,
            body: Some(body),
        }
    }

    pub(crate) fn created(body: Value) -> Self {
        Self {
            status: 201,
            body: Some(body),
        }
    }

    pub(crate) fn no_content() -> Self {
        Self {
            status: 204,
            body: None,
        }
    }
}

pub(crate) type Handled = Result<Answer, ApiError>;

/// One request, parsed.
pub(crate) struct Req<'a> {
    pub(crate) method: &'a Method,
    pub(crate) segs: Vec<&'a str>,
    pub(crate) query: Option<&'a str>,
    pub(crate) body: &'a Value,
    /// The files of a multipart body (`files[n]` parts).
    pub(crate) uploads: &'a [Upload],
    pub(crate) ws_url: String,
}

impl Req<'_> {
    /// A query parameter's value.
    pub(crate) fn param(&self, key: &str) -> Option<&str> {
        self.query?.split('&').find_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            (k == key).then_some(v)
        })
    }
}

/// Parses a snowflake path segment.
pub(crate) fn snowflake(seg: &str) -> Result<u64, ApiError> {
    seg.parse().map_err(|_| ApiError::not_found_route())
}

/// Every request that is not the gateway websocket lands here.
pub(crate) async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let full = uri.path();
    let prefixed = PREFIXES.iter().find_map(|p| full.strip_prefix(p));
    let path = prefixed.unwrap_or(full).to_owned();
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let (parsed_body, uploads) = match parse_body(&headers, &body) {
        Ok((json, uploads)) => (Ok(json), uploads),
        Err(e) => (Err(e), Vec::new()),
    };
    let ws_url = crate::gateway::ws_url(&headers, &shared);
    let authorized = headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|h| h.strip_prefix("Bot ").is_some_and(|t| !t.trim().is_empty()));

    let (outcome, limited_for) = shared.mutate(|state| {
        let at = state.elapsed();
        let body_json = parsed_body.as_ref().map_or(Value::Null, Clone::clone);
        let mut limited_for = None;
        let outcome = if prefixed.is_none() {
            Err(ApiError::not_found_route())
        } else if let Err(e) = &parsed_body {
            Err(e.clone())
        } else {
            let req = Req {
                method: &method,
                segs,
                query: uri.query(),
                body: &body_json,
                uploads: &uploads,
                ws_url,
            };
            let is_gateway = matches!(req.segs.as_slice(), ["gateway"] | ["gateway", "bot"]);
            let needs_auth = !matches!(req.segs.first(), Some(&"interactions" | &"webhooks"));
            if is_gateway {
                // Never fails: serenity falls back to Discord's real gateway if it does.
                route(state, &req)
            } else if needs_auth && !authorized {
                Err(ApiError::unauthorized())
            } else if ratelimit::take(&mut state.rate_limits, method.as_str(), &path) {
                let wait = state.config.retry_after;
                limited_for = Some(wait);
                Err(ApiError {
                    status: 429,
                    body: ratelimit::body(wait),
                })
            } else {
                route(state, &req)
            }
        };
        record(state, &method, &path, uri.query(), body_json, &outcome, at);
        (outcome, limited_for)
    });
    respond(outcome, limited_for)
}

fn record(
    state: &mut StandInState,
    method: &Method,
    path: &str,
    query: Option<&str>,
    body: Value,
    outcome: &Handled,
    at: std::time::Duration,
) {
    let (status, response) = match outcome {
        Ok(answer) => (answer.status, answer.body.clone().unwrap_or(Value::Null)),
        Err(e) => (e.status, e.body.clone()),
    };
    let unmatched = matches!(status, 404 | 405) && response["code"] == 0;
    if unmatched {
        tracing::warn!(target: "chatorder_discord_standin", "no route for {method} {path}");
    }
    state.calls.push(Call {
        method: method.to_string(),
        path: path.to_owned(),
        query: query.map(str::to_owned),
        status,
        body,
        response,
        unmatched,
        at,
    });
}

/// The JSON body (a multipart body's `payload_json`, with `_files` naming its files, as
/// recorded calls show it) and the files.
fn parse_body(headers: &HeaderMap, body: &Bytes) -> Result<(Value, Vec<Upload>), ApiError> {
    if body.is_empty() {
        return Ok((Value::Null, Vec::new()));
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    if let Some(boundary) = multipart::boundary(content_type) {
        let parts = multipart::parse(body, &boundary);
        let mut json = match parts.payload_json {
            Some(text) => serde_json::from_str(&text).map_err(|_| ApiError::bad_json())?,
            None => Value::Object(serde_json::Map::new()),
        };
        if !parts.files.is_empty() && json.is_object() {
            json["_files"] = parts
                .files
                .iter()
                .map(|f| Value::String(f.filename.clone()))
                .collect();
        }
        return Ok((json, parts.files));
    }
    let json = serde_json::from_slice(body).map_err(|_| ApiError::bad_json())?;
    Ok((json, Vec::new()))
}

fn respond(outcome: Handled, limited_for: Option<std::time::Duration>) -> Response {
    let (status, body) = match outcome {
        Ok(answer) => (answer.status, answer.body),
        Err(e) => (e.status, Some(e.body)),
    };
    let mut response = match body {
        Some(json) => {
            let mut r = Response::new(Body::from(json.to_string()));
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            r
        }
        None => Response::new(Body::empty()),
    };
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let extra = match limited_for {
        Some(wait) => ratelimit::headers(wait),
        None => ratelimit::ok_headers(),
    };
    for (name, value) in extra {
        if let Ok(value) = HeaderValue::from_str(&value) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

/// Picks the handler by path shape, then method.
fn route(state: &mut StandInState, req: &Req<'_>) -> Handled {
    match req.segs.first().copied() {
        Some("gateway" | "users" | "oauth2" | "guilds") => misc::route(state, req),
        Some("applications") if req.segs.get(1) == Some(&"@me") => misc::route(state, req),
        Some("applications") => commands::route(state, req),
        Some("channels") => match req.segs.get(2).copied() {
            None | Some("typing") => misc::route(state, req),
            Some("messages") if req.segs.get(4) == Some(&"threads") => threads::route(state, req),
            Some("messages") => messages::route(state, req),
            Some("threads" | "thread-members") => threads::route(state, req),
            _ => Err(ApiError::not_found_route()),
        },
        Some("interactions" | "webhooks") => interactions::route(state, req),
        _ => Err(ApiError::not_found_route()),
    }
}
