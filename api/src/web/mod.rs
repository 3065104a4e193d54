//! The web app, served by the API process at the same origin: the shop for
//! customers at `/` and the dashboard for owners at `/owner/`. Every file
//! is compiled into the binary (no CDN, no files on disk), answered with a
//! Content-Security-Policy that allows only this origin's scripts and
//! styles (no inline script), and talks to the API with the login cookie.
//!
//! The owner's page and script are served only to a live owner login: a
//! customer's session gets the same 404 as any unknown URL, and a visitor
//! without a login is sent to log in.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use chatorder_shared::domain::Role;

use crate::app::AppState;

mod assets;

use assets::Asset;

/// Every web answer carries these.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; \
                   form-action 'self'; frame-ancestors 'none'";

/// The pages with the shop's name filled in, once.
struct Pages {
    shop: Bytes,
    owner: Bytes,
}

pub fn routes(shop_name: &str) -> Router<AppState> {
    let pages = Arc::new(Pages {
        shop: page(&assets::SHOP_PAGE, shop_name),
        owner: page(&assets::OWNER_PAGE, shop_name),
    });
    let owner = pages.clone();
    Router::new()
        .route("/", get(move || async move { html(pages.shop.clone()) }))
        .route("/assets/{file}", get(public_asset))
        .route("/owner", get(|| async { Redirect::permanent("/owner/") }))
        .route(
            "/owner/",
            get(
                move |State(state): State<AppState>, headers: HeaderMap| async move {
                    match who(&state, &headers).await {
                        Some(Role::Owner) => html(owner.owner.clone()),
                        Some(Role::Customer) => not_found(),
                        None => Redirect::to("/#/login?owner").into_response(),
                    }
                },
            ),
        )
        .route("/owner/assets/{file}", get(owner_asset))
}

async fn public_asset(Path(file): Path<String>) -> Response {
    assets::PUBLIC
        .iter()
        .find(|a| a.name == file)
        .map_or_else(not_found, serve)
}

async fn owner_asset(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(file): Path<String>,
) -> Response {
    if who(&state, &headers).await != Some(Role::Owner) {
        return not_found();
    }
    assets::OWNER
        .iter()
        .find(|a| a.name == file)
        .map_or_else(not_found, serve)
}

/// The role of the live login in the request's cookie, if any.
async fn who(state: &AppState, headers: &HeaderMap) -> Option<Role> {
    crate::auth::cookie_account(state, headers)
        .await
        .map(|a| a.role)
}

/// An HTML page with the shop's name filled in (as text).
fn page(asset: &Asset, shop: &str) -> Bytes {
    std::str::from_utf8(asset.body)
        .unwrap_or_default()
        .replace("{{shop}}", &escape_html(shop))
        .into()
}

fn html(body: Bytes) -> Response {
    with_headers(StatusCode::OK, assets::SHOP_PAGE.content_type, body)
}

fn serve(asset: &Asset) -> Response {
    with_headers(
        StatusCode::OK,
        asset.content_type,
        Bytes::from_static(asset.body),
    )
}

fn not_found() -> Response {
    with_headers(
        StatusCode::NOT_FOUND,
        assets::NOT_FOUND.content_type,
        Bytes::from_static(assets::NOT_FOUND.body),
    )
}

fn with_headers(status: StatusCode, content_type: &'static str, body: Bytes) -> Response {
    let mut response = (status, body).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // Pages differ by login and files change with every release: always ask.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(header::VARY, HeaderValue::from_static("Cookie"));
    response
}

/// Text made safe to place in HTML.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether an attribute like `onclick=` appears.
    fn has_inline_handler(html: &str) -> bool {
        html.match_indices(" on").any(|(at, _)| {
            let rest = &html[at + 3..];
            let name: String = rest.chars().take_while(char::is_ascii_lowercase).collect();
            !name.is_empty() && rest[name.len()..].starts_with('=')
        })
    }

    #[test]
    fn a_shop_name_is_placed_as_text() {
        assert_eq!(
            escape_html("<script>alert('x')</script> & \"co\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;co&quot;"
        );
    }

    #[test]
    fn every_page_names_only_files_that_are_served() {
        for page in [&assets::SHOP_PAGE, &assets::OWNER_PAGE] {
            let html = std::str::from_utf8(page.body).expect("utf-8");
            for part in html.split("/assets/").skip(1) {
                let name = part.split('"').next().unwrap_or_default();
                let owner_only = html.contains(&format!("/owner/assets/{name}"));
                let list = if owner_only {
                    assets::OWNER
                } else {
                    assets::PUBLIC
                };
                assert!(
                    list.iter().any(|a| a.name == name),
                    "{} names {name}, which is not served",
                    page.name
                );
            }
            assert!(
                !html.contains("<script>") && !has_inline_handler(html),
                "{}: no inline script or handler (the CSP forbids them)",
                page.name
            );
        }
    }
}
