//! Errors as `application/problem+json` (RFC 9457): a stable `code` for
//! programs and a `detail` sentence a person can act on.
//!
//! Error policy: every handler returns `Result<_, Problem>`. A `Problem` is
//! made from what went wrong in words the caller can use; internal details
//! (a NATS error, a subject) go to the log with the request id, never into
//! the answer.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chatorder_shared::queries::QueryRefusal;
use serde::Serialize;

/// The media type of every error answer.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// One error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem: the docs section for `code`.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the kind (the same for every instance).
    #[schema(value_type = String)]
    pub title: &'static str,
    pub status: u16,
    /// What happened to this request, and what to do about it.
    pub detail: String,
    /// A stable identifier for programs, e.g. `not_found`.
    #[schema(value_type = String)]
    pub code: &'static str,
    /// Seconds to wait before trying again (also sent as `Retry-After`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

impl Problem {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            kind: format!("/docs/api#{code}"),
            title: status.canonical_reason().unwrap_or("Error"),
            status: status.as_u16(),
            detail: detail.into(),
            code,
            retry_after: None,
        }
    }

    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    pub fn retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", detail)
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", detail)
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", detail)
    }

    /// The order workers (or NATS) are not answering: try again shortly.
    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", detail).retry_after(5)
    }

    /// Something broke on our side; the log has the details.
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Something went wrong on our side. Try again; if it keeps happening, \
             give the shop the request id from the X-Request-Id header.",
        )
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status();
        let retry_after = self.retry_after;
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Some(secs) = retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

impl From<chatorder_bus::QueryError> for Problem {
    fn from(e: chatorder_bus::QueryError) -> Self {
        use chatorder_bus::QueryError as Q;
        match e {
            Q::Refused(refusal) => refused(&refusal),
            Q::NoResponders { .. } | Q::TimedOut { .. } => {
                tracing::warn!(error = %e, "the order workers did not answer");
                Problem::unavailable(
                    "The shop's order service is not answering right now. Try again in a few seconds.",
                )
            }
            other => {
                tracing::error!(error = %other, "unusable answer from the order workers");
                Problem::internal()
            }
        }
    }
}

/// A worker's refusal of a query, as the problem an integrator reads.
fn refused(refusal: &QueryRefusal) -> Problem {
    match refusal {
        QueryRefusal::NotFound { number } => {
            Problem::not_found(format!("There is no order {number}."))
        }
        QueryRefusal::NotOwner | QueryRefusal::CustomersOnly => {
            Problem::forbidden("This API key may not see that (it needs the read or owner scope).")
        }
        QueryRefusal::Unavailable => {
            Problem::unavailable("The shop cannot look that up right now. Try again shortly.")
        }
        QueryRefusal::NoSales => Problem::new(
            StatusCode::CONFLICT,
            "no_sales",
            "There are no sales to forecast from yet.",
        ),
        other => {
            // unknown_query, too_large, bad_request, other: the API and the
            // worker disagree about the contract (different versions?).
            tracing::error!(
                code = other.code(),
                ?other,
                "the worker refused the API's query"
            );
            Problem::internal()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_problem_is_problem_json_with_its_code_and_retry_after() {
        let response = Problem::unavailable("later").into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::CONTENT_TYPE], PROBLEM_JSON);
        assert_eq!(response.headers()[header::RETRY_AFTER], "5");
        let body = axum::body::to_bytes(response.into_body(), 4096)
            .await
            .expect("body");
        let json: serde_json::Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(json["code"], "unavailable");
        assert_eq!(json["status"], 503);
        assert_eq!(json["detail"], "later");
        assert_eq!(json["type"], "/docs/api#unavailable");
    }
}
