//! Who is calling: `Authorization: Bearer <credential>`, either an API key
//! (`cok_…`, integrations) or a login token (`cot_…`, a customer or a web
//! owner), checked against its bucket on every request (a revoked key, an
//! ended login or a disabled account stops at once). The worker checks an
//! owner again before it acts (`owners.rs` there).
//!
//! 401 means "who are you?" (no credential, a malformed, unknown, revoked
//! or expired one); 403 means "you may not do that" (a `read` key that
//! posts, a customer on an owner's route). Every authenticated call counts
//! against its caller's rate limit; a failed one against its address.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chatorder_shared::accounts::Account;
use chatorder_shared::api_keys::{ApiKey, Scope};
use chatorder_shared::domain::{Actor, Platform, Role};

use crate::app::AppState;
use crate::problem::Problem;
use crate::ratelimit::Counted;

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub enum Caller {
    /// An integration with an API key.
    Key(ApiKey),
    /// A logged-in account (customer or web owner), with its login token
    /// and whether it came in the web app's cookie.
    Account {
        account: Account,
        token: String,
        cookie: bool,
    },
}

impl Caller {
    /// The actor the caller's commands and queries carry. A key with the
    /// `owner` or `read` scope speaks as an owner; the worker decides per
    /// key what that owner may do.
    pub fn actor(&self) -> Actor {
        match self {
            Self::Key(key) => Actor {
                role: Role::Owner,
                platform: Platform::Api,
                id: key.id.clone(),
                name: Some(key.name.clone()),
                roles: Vec::new(),
            },
            Self::Account { account, .. } => account.actor(),
        }
    }

    pub fn role(&self) -> Role {
        match self {
            Self::Key(_) => Role::Owner,
            Self::Account { account, .. } => account.role,
        }
    }

    /// Refuses (403) a caller who may not do what `scope` covers. A web
    /// owner may do everything; a customer may only read (their own).
    pub fn require(&self, scope: Scope) -> Result<(), Problem> {
        match self {
            Self::Key(key) if key.allows(scope) => Ok(()),
            Self::Key(key) => Err(Problem::forbidden(format!(
                "This API key has the scopes {}; this needs `{scope}`. Make a key with it: \
                 chatorder api-key create --name … --scopes {scope}",
                key.scopes
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
            Self::Account { account, .. } => match (account.role, scope) {
                (Role::Owner, _) | (Role::Customer, Scope::Read) => Ok(()),
                (Role::Customer, _) => Err(Problem::forbidden(
                    "Only the shop's owners may do this; you are logged in as a customer.",
                )),
            },
        }
    }

    /// [`Caller::require`] for the shop's own figures (reports, the
    /// dashboard): never a customer's, even to read.
    pub fn require_shop(&self, scope: Scope) -> Result<(), Problem> {
        if self.role() == Role::Customer {
            return Err(Problem::forbidden(
                "The shop's figures are for its owners; you are logged in as a customer.",
            ));
        }
        self.require(scope)
    }

    /// For a change to an order both sides make (cancel, message): a
    /// customer acts on their own (the worker checks whose it is); anyone
    /// else needs the `owner` scope.
    pub fn require_own_or_owner(&self) -> Result<(), Problem> {
        match self.role() {
            Role::Customer => Ok(()),
            Role::Owner => self.require(Scope::Owner),
        }
    }

    /// Refuses (403) anyone but a logged-in customer: placing and changing
    /// an order is done by the customer it belongs to.
    pub fn require_customer(&self) -> Result<&Account, Problem> {
        match self {
            Self::Account { account, .. } if account.role == Role::Customer => Ok(account),
            _ => Err(Problem::forbidden(
                "Only a customer places and changes their orders: log in with a customer \
                 account (POST /api/v1/auth/login) and send its token.",
            )),
        }
    }

    fn counted(&self) -> Counted {
        match self {
            Self::Key(key) => Counted::Key(key.id.clone()),
            Self::Account { account, .. } => Counted::Account(account.id.clone()),
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

fn unavailable(e: &anyhow::Error) -> Response {
    tracing::error!(error = %format!("{e:#}"), "cannot check credentials");
    Problem::unavailable("The API cannot check credentials right now. Try again in a few seconds.")
        .into_response()
}

/// The client's address, as the connection gives it (behind a proxy, the
/// proxy's: see docs/api.md).
pub fn address(parts: &Parts) -> Option<Counted> {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(a)| Counted::Address(a.ip()))
}

/// The bearer credential of a request, if it sends one.
pub fn bearer(parts: &Parts) -> Option<&str> {
    parts.headers.get(header::AUTHORIZATION).map(|raw| {
        raw.to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .unwrap_or_default()
    })
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let found = match (bearer(parts), crate::cookies::session(&parts.headers)) {
            (Some(token), _) => identify(state, token).await,
            (None, Some(token)) => match identify(state, token).await {
                Ok(Caller::Account { account, token, .. }) => {
                    check_csrf(parts, &token).map_err(|p| p.into_response())?;
                    Ok(Caller::Account {
                        account,
                        token,
                        cookie: true,
                    })
                }
                Ok(Caller::Key(_)) | Err(_) => Err(unauthorized(
                    "This login has ended (logged out or expired). Log in again.",
                )),
            },
            (None, None) => Err(unauthorized(
                "Send your API key or login token as `Authorization: Bearer <token>`.",
            )),
        };
        match found {
            Ok(caller) => {
                state
                    .rate_limit
                    .check(caller.counted())
                    .map_err(IntoResponse::into_response)?;
                Ok(caller)
            }
            Err(refusal) => {
                if let Some(who) = address(parts) {
                    state
                        .rate_limit
                        .check(who)
                        .map_err(IntoResponse::into_response)?;
                }
                Err(refusal)
            }
        }
    }
}

/// A change made with the login cookie must carry its CSRF token: a page
/// of another site can make the browser send the cookie, never the header.
fn check_csrf(parts: &Parts, token: &str) -> Result<(), Box<Problem>> {
    let safe = matches!(
        parts.method,
        axum::http::Method::GET | axum::http::Method::HEAD | axum::http::Method::OPTIONS
    );
    if safe || crate::cookies::csrf_ok(&parts.headers, token) {
        Ok(())
    } else {
        Err(Box::new(Problem::new(
            axum::http::StatusCode::FORBIDDEN,
            "csrf",
            "A change made with the login cookie needs the header X-CSRF-Token (from the \
             log-in answer or GET /api/v1/auth/csrf).",
        )))
    }
}

/// The live account whose login the request's cookie carries, if any (read
/// from the in-memory mirrors; no CSRF check: for reading, not changing).
pub async fn cookie_account(state: &AppState, headers: &axum::http::HeaderMap) -> Option<Account> {
    let token = crate::cookies::session(headers)?;
    match identify(state, token).await {
        Ok(Caller::Account { account, .. }) => Some(account),
        _ => None,
    }
}

async fn identify(state: &AppState, token: &str) -> Result<Caller, Response> {
    if crate::sessions::is_token(token) {
        let session = state
            .sessions
            .verify(token)
            .await
            .map_err(|e| unavailable(&e))?
            .ok_or_else(|| {
                unauthorized("This login has ended (logged out or expired). Log in again.")
            })?;
        let account = state
            .accounts
            .by_id(&session.account_id)
            .await
            .map_err(|e| unavailable(&e))?
            .filter(Account::is_live)
            .ok_or_else(|| unauthorized("This account is disabled. Ask the shop."))?;
        return Ok(Caller::Account {
            account,
            token: token.to_owned(),
            cookie: false,
        });
    }
    match state.keys.verify(token).await {
        Ok(Some(key)) => Ok(Caller::Key(key)),
        Ok(None) => Err(unauthorized(
            "This credential is not valid: it is mistyped, unknown or revoked.",
        )),
        Err(e) => Err(unavailable(&e)),
    }
}
