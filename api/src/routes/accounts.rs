//! Accounts: customers register and log in (a bearer token that expires
//! and ends at log-out); anyone logged in reads their own account. Owner
//! accounts for the web are made from the CLI, never here.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bytes::Bytes;
use chatorder_shared::domain::Role;

use crate::accounts::{NewAccount, RegisterError};
use crate::app::AppState;
use crate::auth::Caller;
use crate::bodies::{LoginBody, RegisterBody};
use crate::change::{json_answer, problem_answer, respond};
use crate::problem::Problem;
use crate::views::{AccountView, CsrfView, LoginView};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/auth/register", post(register))
        .route("/auth/login", post(login))
        .route("/auth/logout", post(logout))
        .route("/auth/csrf", get(csrf))
        .route("/me", get(me))
}

/// `POST /auth/register`: a new customer account (201). With an
/// Idempotency-Key a repeat gets the same answer instead of "taken".
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "accounts",
    request_body = RegisterBody,
    params(("Idempotency-Key" = Option<String>, Header, description = "A repeat with the same key and body gets the same answer")),
    responses(
        (status = 201, description = "The new customer account", body = AccountView),
        crate::openapi::AnonymousProblems
    ))]
async fn register(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let b: RegisterBody = crate::json::parse(&headers, &body)?;
    let new = NewAccount::parse(
        &b.email,
        &b.name,
        b.phone.as_deref(),
        Role::Customer,
        &b.password,
    )
    .map_err(|e| {
        Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_account",
            e.to_string(),
        )
    })?;
    let caller = format!("register:{}", new.email.to_lowercase());
    let answer = state
        .idempotency
        .once(&caller, "POST /api/v1/auth/register", &headers, &body, |_| async {
            match state.accounts.register(new).await {
                Ok(account) => Ok(json_answer(
                    StatusCode::CREATED,
                    &AccountView::from(&account),
                    None,
                )),
                Err(RegisterError::EmailTaken) => Ok(problem_answer(&Problem::new(
                    StatusCode::CONFLICT,
                    "email_taken",
                    "An account with this e-mail address exists. Log in (POST /api/v1/auth/login) \
                     instead, or register with another address.",
                ))),
                Err(RegisterError::Store(e)) => {
                    tracing::error!(error = %format!("{e:#}"), "cannot store an account");
                    Err(Problem::unavailable(
                        "Accounts cannot be made right now. Try again in a few seconds.",
                    ))
                }
            }
        })
        .await?;
    Ok(respond(answer))
}

/// `POST /auth/login`: a new login token for a customer or a web owner.
/// Each call makes a new login (an Idempotency-Key changes nothing).
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "accounts",
    request_body = LoginBody,
    responses(
        (status = 200, description = "A new login token", body = LoginView),
        crate::openapi::AnonymousProblems
    ))]
async fn login(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Problem> {
    let b: LoginBody = crate::json::parse(&headers, &body)?;
    if b.password.chars().count() > NewAccount::MAX_PASSWORD {
        return Err(bad_credentials());
    }
    let account = state
        .accounts
        .login(&b.email, &b.password)
        .await
        .map_err(|e| {
            tracing::error!(error = %format!("{e:#}"), "cannot check a login");
            Problem::unavailable(
                "Logging in is not possible right now. Try again in a few seconds.",
            )
        })?
        .ok_or_else(bad_credentials)?;
    let (token, session) = state.sessions.create(&account.id).await.map_err(|e| {
        tracing::error!(error = %format!("{e:#}"), "cannot store a login");
        Problem::unavailable("Logging in is not possible right now. Try again in a few seconds.")
    })?;
    let account = AccountView::from(&account);
    if !b.cookie {
        return Ok(Json(LoginView {
            token: Some(token),
            token_type: "Bearer",
            csrf_token: None,
            expires_at: session.expires_at,
            account,
        })
        .into_response());
    }
    let mut response = Json(LoginView {
        token: None,
        token_type: "Cookie",
        csrf_token: Some(crate::cookies::csrf_token(&token)),
        expires_at: session.expires_at,
        account,
    })
    .into_response();
    let secure = crate::cookies::secure(&headers, state.settings.secure_cookies);
    if let Some(cookie) = crate::cookies::set(&token, state.settings.session_ttl_secs, secure) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    Ok(response)
}

fn bad_credentials() -> Problem {
    Problem::new(
        StatusCode::UNAUTHORIZED,
        "bad_credentials",
        "The e-mail address or the password is wrong (or the account is disabled). Check both \
         and try again.",
    )
}

/// `POST /auth/logout`: ends the login whose token the request carries (204).
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "accounts",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "The login is over"),
        crate::openapi::ReadProblems
    ))]
async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
    caller: Caller,
) -> Result<Response, Problem> {
    let Caller::Account { token, cookie, .. } = &caller else {
        return Err(Problem::bad_request(
            "not_a_login",
            "This is an API key, not a login: revoke keys with chatorder api-key revoke.",
        ));
    };
    state.sessions.revoke(token).await.map_err(|e| {
        tracing::error!(error = %format!("{e:#}"), "cannot end a login");
        Problem::unavailable("Logging out is not possible right now. Try again in a few seconds.")
    })?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    if *cookie {
        let secure = crate::cookies::secure(&headers, state.settings.secure_cookies);
        if let Some(clear) = crate::cookies::clear(secure) {
            response.headers_mut().insert(header::SET_COOKIE, clear);
        }
    }
    Ok(response)
}

#[utoipa::path(get, path = "/api/v1/auth/csrf", tag = "accounts",
    responses(
        (status = 200, description = "The CSRF token of the login cookie", body = CsrfView),
        crate::openapi::ReadProblems
    ))]
/// `GET /auth/csrf`: the CSRF token of the web app's login cookie (after a
/// page reload, when the page no longer has the one from log-in).
async fn csrf(caller: Caller) -> Result<Json<CsrfView>, Problem> {
    match &caller {
        Caller::Account {
            token,
            cookie: true,
            ..
        } => Ok(Json(CsrfView {
            csrf_token: crate::cookies::csrf_token(token),
        })),
        _ => Err(Problem::bad_request(
            "not_a_login",
            "Only a cookie login has a CSRF token; a bearer token needs none.",
        )),
    }
}

/// `GET /me`: the logged-in account.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The logged-in account", body = AccountView),
        crate::openapi::ReadProblems
    ))]
async fn me(caller: Caller) -> Result<Json<AccountView>, Problem> {
    match &caller {
        Caller::Account { account, .. } => Ok(Json(AccountView::from(account))),
        Caller::Key(_) => Err(Problem::bad_request(
            "not_a_login",
            "This is an API key, not a login: /me is the logged-in account's.",
        )),
    }
}
