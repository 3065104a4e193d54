//! The router: routes, shared state and the layers every request passes
//! (request id, tracing span, metrics, timeout, body limit, problem+json).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_nats::jetstream;
use axum::Router;
use axum::extract::{ConnectInfo, DefaultBodyLimit, MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use chatorder_bus::{Commands, Queries};
use chatorder_shared::config::{ApiSettings, Settings};
use chatorder_shared::domain::Role;
use chatorder_shared::subjects::Subjects;
use tokio_util::sync::CancellationToken;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::accounts::Accounts;
use crate::idempotency::Idempotency;
use crate::keys::ApiKeys;
use crate::outcomes::Outcomes;
use crate::problem::{PROBLEM_JSON, Problem};
use crate::ratelimit::RateLimit;
use crate::routes;
use crate::sessions::Sessions;

/// The request id header, set on every request and echoed in the answer.
pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// What every handler shares. Cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

pub struct Inner {
    pub settings: ApiSettings,
    pub subjects: Subjects,
    pub queries: Queries,
    /// Owners' commands (API keys with the owner scope, web owners).
    pub owner_commands: Commands,
    /// Customers' commands (logged-in customer accounts).
    pub customer_commands: Commands,
    pub outcomes: Arc<Outcomes>,
    pub keys: ApiKeys,
    pub accounts: Accounts,
    pub sessions: Sessions,
    pub idempotency: Idempotency,
    pub rate_limit: RateLimit,
    /// The public catalog, until it changes.
    pub catalog_cache: Arc<crate::catalog_cache::CatalogCache>,
    pub webhooks: crate::webhooks::store::Webhooks,
    /// The webhooks the fan-out delivers to (kept by the supervisor).
    pub webhook_registry: crate::webhooks::supervisor::Registry,
    /// How long a query to the workers may take.
    pub query_timeout: Duration,
    /// The shop's name, for the web app's pages.
    pub shop_name: String,
    /// The shop's hours, for `GET /shop/hours` (the worker enforces them),
    /// and its zone, in which refusals tell opening times.
    pub schedule: chatorder_shared::hours::Schedule,
}

impl AppState {
    /// Connects the state to NATS: the buckets, the event listener.
    pub async fn connect(
        settings: &Settings,
        client: async_nats::Client,
        cancel: CancellationToken,
    ) -> anyhow::Result<Self> {
        let subjects = settings.subjects();
        let js = jetstream::new(client.clone());
        let replicas = settings.nats.stream_replicas;
        let outcomes =
            Outcomes::listen(&client, subjects.events_wildcard(), cancel.clone()).await?;
        let catalog_cache = crate::catalog_cache::CatalogCache::follow(&outcomes, cancel.clone());
        Ok(Self(Arc::new(Inner {
            catalog_cache,
            settings: settings.api.clone(),
            owner_commands: Commands::new(js.clone(), subjects.clone(), Role::Owner),
            customer_commands: Commands::new(js.clone(), subjects.clone(), Role::Customer),
            outcomes,
            keys: ApiKeys::open_bucket(&js, crate::keys_bucket(&subjects), replicas)
                .await?
                .mirrored(cancel.clone()),
            accounts: Accounts::open_bucket(&js, crate::accounts_bucket(&subjects), replicas)
                .await?
                .mirrored(cancel.clone()),
            sessions: Sessions::open_bucket(
                &js,
                crate::sessions_bucket(&subjects),
                Duration::from_secs(settings.api.session_ttl_secs),
                replicas,
            )
            .await?
            .mirrored(cancel.clone()),
            rate_limit: RateLimit::new(&settings.api, cancel),
            webhooks: crate::webhooks::store::Webhooks::open_bucket(
                &js,
                crate::webhooks::bucket(&subjects),
                replicas,
            )
            .await?,
            idempotency: Idempotency::open_bucket(
                &js,
                crate::idempotency_bucket(&subjects),
                replicas,
            )
            .await?,
            webhook_registry: crate::webhooks::supervisor::Registry::default(),
            subjects,
            queries: Queries::new(client),
            query_timeout: Duration::from_secs(5),
            shop_name: settings.shop.name.clone(),
            schedule: settings.shop.schedule(),
        })))
    }
}

impl Inner {
    /// The publisher of commands for callers of `role`.
    pub fn commands(&self, role: Role) -> &Commands {
        match role {
            Role::Owner => &self.owner_commands,
            Role::Customer => &self.customer_commands,
        }
    }

    /// The subject of a query asked by a caller of `role`.
    pub fn query_subject(&self, role: Role, kind: chatorder_shared::subjects::QueryKind) -> String {
        match role {
            Role::Owner => self.subjects.owner_query(kind),
            Role::Customer => self.subjects.query(kind),
        }
    }
}

impl std::ops::Deref for AppState {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.0
    }
}

/// Every route under `/api/v1`, with the layers.
pub fn router(state: AppState) -> Router {
    let timeout = Duration::from_millis(state.settings.request_timeout_ms);
    let max_body = state.settings.max_body_bytes;
    let api = Router::new()
        .merge(routes::health::routes())
        .merge(routes::catalog::routes())
        .merge(routes::shop::routes())
        .merge(routes::orders::routes())
        .merge(routes::accounts::routes())
        .merge(routes::events::routes())
        .merge(routes::webhooks::routes())
        .merge(routes::catalog_admin::routes())
        .merge(routes::export::routes())
        .merge(routes::reports::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed);
    // Router::layer wraps each route after routing, so the span and the
    // metrics know the matched pattern; the last layer added is outermost.
    Router::new()
        .nest("/api/v1", api)
        // The document at /api/v1/openapi.json and the page at /api/v1/docs/.
        .merge(utoipa_swagger_ui::SwaggerUi::new(crate::openapi::PAGE).url(
            crate::openapi::DOCUMENT,
            <crate::openapi::ApiDoc as utoipa::OpenApi>::openapi(),
        ))
        .fallback(not_found)
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            limit_anonymous,
        ))
        // The web app's pages and files, from memory (not rate-limited).
        .merge(crate::web::routes(&state.shop_name))
        .with_state(state)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(RequestBodyLimitLayer::new(max_body))
        .layer(middleware::from_fn_with_state(
            max_body,
            crate::oversized::refuse_oversized,
        ))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            timeout,
        ))
        .layer(middleware::from_fn(measure_and_explain))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(span))
        .layer(SetRequestIdLayer::new(REQUEST_ID.clone(), MakeRequestUuid))
}

/// Counts calls without credentials against the client's address (calls
/// with them, a bearer token or the web app's cookie of a live login, are
/// counted by [`crate::auth::Caller`], by who they are, or by address if
/// refused: a household or office shares one address).
async fn limit_anonymous(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    if !req.headers().contains_key(header::AUTHORIZATION)
        && crate::auth::cookie_account(&state, req.headers())
            .await
            .is_none()
        && let Some(ConnectInfo(address)) = req.extensions().get::<ConnectInfo<SocketAddr>>()
        && let Err(refused) = state
            .rate_limit
            .check(crate::ratelimit::Counted::Address(address.ip()))
    {
        return refused.into_response();
    }
    next.run(req).await
}

/// One span per request, named by its route pattern, with its request id.
fn span(req: &Request) -> tracing::Span {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("-", MatchedPath::as_str);
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!("http", method = %req.method(), route, request_id = id)
}

/// Records the request's metrics, and turns the bare error answers of the
/// layers below (413 from the body limit, 503 from the timeout, 405) into
/// problems, so every error a client sees has the same shape.
async fn measure_and_explain(req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().as_str().to_owned();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let mut response = next.run(req).await;
    let status = response.status();
    // A handler's own answers are JSON; the layers' are plain text or empty.
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v == PROBLEM_JSON || v == "application/json");
    if (status.is_client_error() || status.is_server_error()) && !is_json {
        let problem = match status {
            StatusCode::PAYLOAD_TOO_LARGE => crate::json::too_large(),
            StatusCode::SERVICE_UNAVAILABLE => Problem::new(
                status,
                "timeout",
                "The request took too long and was stopped. Try again; for a change, \
                 send the same Idempotency-Key so it is not made twice.",
            ),
            _ => Problem::new(
                status,
                "http_error",
                status.canonical_reason().unwrap_or("error").to_owned(),
            ),
        };
        let headers = std::mem::take(response.headers_mut());
        response = problem.into_response();
        for name in [header::ALLOW, REQUEST_ID.clone()] {
            if let Some(v) = headers.get(&name) {
                response.headers_mut().insert(name, v.clone());
            }
        }
    }
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        // The rest of the body was never read, so the connection cannot
        // carry another request: say so, or a keep-alive client sends its
        // next request into a connection the server is closing.
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    crate::metrics::record(&method, &route, status.as_u16(), started.elapsed());
    response
}

async fn not_found() -> Problem {
    Problem::not_found("There is nothing at this address. The API lives under /api/v1.")
}

async fn method_not_allowed() -> Problem {
    Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "This address does not take that method; the Allow header lists the ones it takes.",
    )
}
