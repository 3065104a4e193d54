//! Request bodies: JSON read with serde, every way it can be wrong answered
//! as a problem (400 malformed, 415 not JSON, 422 wrong shape; 413 too large
//! comes from the body limit) instead of axum's plain-text rejections.
//! Changes read their body as bytes first, because the same bytes tell a
//! repeated `Idempotency-Key` from a different request.

use axum::http::{HeaderMap, StatusCode, header};
use serde::de::DeserializeOwned;

use crate::problem::Problem;

/// Reads `body` as the JSON of a `T`, if the request says it is JSON.
pub fn parse<T: DeserializeOwned>(headers: &HeaderMap, body: &[u8]) -> Result<T, Problem> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    parse_as(content_type, body)
}

/// [`parse`] from the `Content-Type` value alone (the fuzz target's way in).
pub fn parse_as<T: DeserializeOwned>(
    content_type: Option<&str>,
    body: &[u8],
) -> Result<T, Problem> {
    let is_json = content_type
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
    serde_json::from_slice(body).map_err(|e| {
        if e.classify() == serde_json::error::Category::Data {
            Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_body",
                format!("The body is JSON but not what this endpoint takes: {e}. See docs/api.md."),
            )
        } else {
            Problem::bad_request(
                "malformed_json",
                format!("The body is not valid JSON: {e}."),
            )
        }
    })
}

/// A body over `api.max_body_bytes`.
pub fn too_large() -> Problem {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
        "The request body is larger than this API takes. Send less (orders have at most 30 lines).",
    )
}
