//! Who is calling: `Authorization: Bearer <API key>`, checked against the
//! `API_KEYS` bucket on every request (a revoked key stops at once). The
//! worker checks an owner key again before it acts (`owners.rs` there).
//!
//! 401 means "who are you?" (no key, a malformed one, an unknown or revoked
//! one); 403 means "you may not do that" (a `read` key that posts).

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chatorder_shared::api_keys::{ApiKey, Scope};
use chatorder_shared::domain::{Actor, Platform, Role};

use crate::app::AppState;
use crate::problem::Problem;

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub key: ApiKey,
}

impl Caller {
    /// The actor the caller's commands and queries carry. A key with the
    /// `owner` or `read` scope speaks as an owner; the worker decides per
    /// key what that owner may do.
    pub fn actor(&self) -> Actor {
        Actor {
            role: Role::Owner,
            platform: Platform::Api,
            id: self.key.id.clone(),
            name: Some(self.key.name.clone()),
            roles: Vec::new(),
        }
    }

    /// Refuses (403) a caller whose key lacks `scope`.
    pub fn require(&self, scope: Scope) -> Result<(), Problem> {
        if self.key.allows(scope) {
            Ok(())
        } else {
            Err(Problem::forbidden(format!(
                "This API key has the scopes {}; this needs `{scope}`. Make a key with it: \
                 chatorder api-key create --name … --scopes {scope}",
                self.key
                    .scopes
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )))
        }
    }
}

/// A 401 with the header that says how to authenticate.
fn unauthorized(detail: &str) -> Response {
    let mut response = Problem::unauthorized(detail).into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"chatorder\""),
    );
    response
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Some(raw) = parts.headers.get(header::AUTHORIZATION) else {
            return Err(unauthorized(
                "Send your API key as `Authorization: Bearer <key>`.",
            ));
        };
        let token = raw
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .unwrap_or_default();
        match state.keys.verify(token).await {
            Ok(Some(key)) => Ok(Self { key }),
            Ok(None) => Err(unauthorized(
                "This API key is not valid: it is mistyped, unknown or revoked.",
            )),
            Err(e) => {
                tracing::error!(error = %e, "cannot read the API keys");
                Err(Problem::unavailable(
                    "The API cannot check keys right now. Try again in a few seconds.",
                )
                .into_response())
            }
        }
    }
}
