//! A hook that sees every answer the API gives (its route, status, media
//! type and body). The contract tests use it to check each answer of the
//! suite against the served OpenAPI document; production serves without.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{MatchedPath, Request};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use bytes::Bytes;

/// One answer as the client got it.
#[derive(Debug, Clone)]
pub struct Observed {
    pub method: String,
    /// The matched route pattern (`/api/v1/orders/{number}`); `None` when
    /// nothing matched.
    pub route: Option<String>,
    pub status: u16,
    pub content_type: Option<String>,
    /// Empty for an event stream (it never ends).
    pub body: Bytes,
}

/// What is told of every answer.
pub type Observer = Arc<dyn Fn(Observed) + Send + Sync>;

/// Largest body kept for the observer.
const MAX_OBSERVED: usize = 16 * 1024 * 1024;

pub(crate) async fn observe(observer: Observer, req: Request, next: Next) -> Response {
    let method = req.method().as_str().to_owned();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    let response = next.run(req).await;
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let streaming = content_type
        .as_deref()
        .is_some_and(|t| t.starts_with("text/event-stream"));
    let (parts, body) = response.into_parts();
    let body = if streaming {
        observer(Observed {
            method,
            route,
            status: parts.status.as_u16(),
            content_type,
            body: Bytes::new(),
        });
        return Response::from_parts(parts, body);
    } else {
        axum::body::to_bytes(body, MAX_OBSERVED)
            .await
            .unwrap_or_default()
    };
    observer(Observed {
        method,
        route,
        status: parts.status.as_u16(),
        content_type,
        body: body.clone(),
    });
    Response::from_parts(parts, Body::from(body))
}
