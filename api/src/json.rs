//! Request bodies: JSON read with serde, every way it can be wrong answered
//! as a problem (400 malformed, 415 not JSON, 413 too large, 422 wrong
//! shape) instead of axum's plain-text rejections.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::problem::Problem;

/// `axum::Json`, with its rejections as [`Problem`]s.
pub struct Json<T>(pub T);

impl<S, T> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(problem_of(&rejection)),
        }
    }
}

fn problem_of(rejection: &JsonRejection) -> Problem {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "not_json",
            "Send the body as JSON, with the header Content-Type: application/json.",
        ),
        JsonRejection::JsonSyntaxError(e) => Problem::bad_request(
            "malformed_json",
            format!("The body is not valid JSON: {}.", e.body_text()),
        ),
        JsonRejection::JsonDataError(e) => Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
            format!(
                "The body is JSON but not what this endpoint takes: {}. See /api/v1/openapi.json.",
                e.body_text()
            ),
        ),
        JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            too_large()
        }
        other => Problem::bad_request(
            "unreadable_body",
            format!("The body could not be read: {}.", other.body_text()),
        ),
    }
}

/// A body over `api.max_body_bytes`.
pub fn too_large() -> Problem {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
        "The request body is larger than this API takes. Send less (orders have at most 30 lines).",
    )
}

impl<T: DeserializeOwned> Json<T> {
    /// Reads a body already taken as bytes (a change keeps them to tell a
    /// repeat from another request), with the same problems as extraction.
    pub fn parse(headers: &axum::http::HeaderMap, body: &[u8]) -> Result<Self, Problem> {
        let is_json = headers
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|v| {
                let v = v.trim();
                v == "application/json" || (v.starts_with("application/") && v.ends_with("+json"))
            });
        if !is_json {
            return Err(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "not_json",
                "Send the body as JSON, with the header Content-Type: application/json.",
            ));
        }
        serde_json::from_slice(body).map(Self).map_err(|e| {
            if e.classify() == serde_json::error::Category::Data {
                Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_body",
                    format!(
                        "The body is JSON but not what this endpoint takes: {e}. See docs/api.md."
                    ),
                )
            } else {
                Problem::bad_request(
                    "malformed_json",
                    format!("The body is not valid JSON: {e}."),
                )
            }
        })
    }
}
