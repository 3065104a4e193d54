//! The OpenAPI 3.1 document, generated from the handlers' annotations and
//! the views' types (utoipa), served at `/api/v1/openapi.json`, and the
//! Swagger UI page at `/api/v1/docs/` with its assets built in (no CDN, so
//! it works with no internet).

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use crate::problem::PROBLEM_JSON;
use crate::routes;
use crate::views;

/// Where the document and the docs page are served.
pub const DOCUMENT: &str = "/api/v1/openapi.json";
pub const PAGE: &str = "/api/v1/docs";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "chatorder HTTP API",
        description = "Orders, accounts, events and webhooks of a chatorder shop. Errors are \
                       application/problem+json with a stable `code`; changes take an \
                       Idempotency-Key, and changes to an order an If-Match with its version. \
                       docs/api.md in the repository explains the conventions."
    ),
    paths(
        routes::health::health,
        routes::catalog::list,
        routes::shop::hours,
        routes::catalog_admin::upsert,
        routes::catalog_admin::change_item,
        routes::accounts::register,
        routes::accounts::login,
        routes::accounts::logout,
        routes::accounts::csrf,
        routes::accounts::me,
        routes::orders::list,
        routes::orders::place,
        routes::orders::one,
        routes::orders::change_lines,
        routes::orders::cancel,
        routes::orders::set_status,
        routes::orders::messages,
        routes::orders::history,
        routes::orders::message,
        routes::export::export,
        routes::reports::summary,
        routes::reports::forecast,
        routes::reports::dashboard,
        routes::events::stream,
        routes::webhooks::create,
        routes::webhooks::list,
        routes::webhooks::remove,
    ),
    components(
        schemas(crate::problem::Problem, views::ProcessingView),
        responses(ProblemResponse)
    ),
    modifiers(&Bearer),
    tags(
        (name = "shop", description = "Health, the public catalog, and owners' changes to it"),
        (name = "accounts", description = "Customers register and log in; owners for the web are made from the CLI"),
        (name = "orders", description = "Orders: customers their own, owners and API keys every one"),
        (name = "events", description = "The live event stream"),
        (name = "reports", description = "Owners' summary and forecast from the demand worker"),
        (name = "webhooks", description = "Signed, at-least-once deliveries of events")
    )
)]
pub struct ApiDoc;

/// The error statuses an operation may answer, each a [`ProblemResponse`]
/// (`responses(…, crate::openapi::ReadProblems)` in a handler's annotation).
macro_rules! problem_set {
    ($name:ident, $doc:literal, [$($code:literal),*]) => {
        #[doc = $doc]
        pub struct $name;

        impl utoipa::IntoResponses for $name {
            fn responses() -> std::collections::BTreeMap<String, RefOr<Response>> {
                [$($code),*]
                    .into_iter()
                    .map(|code: u16| {
                        (code.to_string(), RefOr::Ref(Ref::from_response_name("Problem")))
                    })
                    .collect()
            }
        }
    };
}

problem_set!(
    PublicProblems,
    "Anyone's read: only the service's own troubles.",
    [429, 500, 503]
);
problem_set!(
    ReadProblems,
    "A read with credentials: bad parameters, who you are, what you may see.",
    [400, 401, 403, 404, 409, 429, 500, 503]
);
problem_set!(
    ChangeProblems,
    "A change: bodies, credentials, rules, versions and the worker's refusals.",
    [
        400, 401, 403, 404, 409, 412, 413, 415, 422, 428, 429, 500, 503
    ]
);
problem_set!(
    AnonymousProblems,
    "Registering and logging in: bodies, credentials and taken addresses.",
    [400, 401, 409, 413, 415, 422, 429, 500, 503]
);

/// Every error answer: a problem (RFC 9457).
pub struct ProblemResponse;

impl<'s> utoipa::ToResponse<'s> for ProblemResponse {
    fn response() -> (&'s str, RefOr<Response>) {
        (
            "Problem",
            ResponseBuilder::new()
                .description(
                    "An error as application/problem+json: `code` is stable, `detail` says what \
                     to do (docs/api.md lists the codes)",
                )
                .content(
                    PROBLEM_JSON,
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("Problem")))
                        .build(),
                )
                .build()
                .into(),
        )
    }
}

/// `Authorization: Bearer <API key or login token>`.
struct Bearer;

impl Modify for Bearer {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}
