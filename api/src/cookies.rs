//! Logins for the web app at the same origin: the login token in a cookie
//! (`HttpOnly`, `SameSite=Lax`, `Path=/`, and `Secure` behind HTTPS) so
//! that page scripts never hold it, and a CSRF token for every change made
//! with that cookie: `X-CSRF-Token` must carry the login's CSRF token (a
//! hash of the login token, handed to the page at log-in and by
//! `GET /auth/csrf`). A request with `Authorization: Bearer` needs none: a
//! browser never adds that header by itself.

use axum::http::{HeaderMap, HeaderValue, header};
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

/// The cookie holding the login token.
pub const SESSION: &str = "chatorder_session";
/// The header a cookie-authenticated change must carry.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// The CSRF token of the login `token`: unguessable without the token,
/// which only the browser's cookie jar holds.
pub fn csrf_token(token: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"chatorder-csrf\n");
    h.update(token.as_bytes());
    hex::encode(h.finalize())
}

/// Whether `headers` carry the right CSRF token for the login `token`.
pub fn csrf_ok(headers: &HeaderMap, token: &str) -> bool {
    headers
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|given| {
            bool::from(given.trim().as_bytes().ct_eq(csrf_token(token).as_bytes()))
        })
}

/// The login token in the request's `Cookie` header, if any.
pub fn session(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION)
        .map(|(_, value)| value.trim())
}

/// Whether the request reached us over HTTPS (a TLS proxy says so with
/// `X-Forwarded-Proto`), or the operator says the API is always behind one.
pub fn secure(headers: &HeaderMap, always: bool) -> bool {
    always
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|p| p.trim().eq_ignore_ascii_case("https"))
}

/// `Set-Cookie` for a new login lasting `max_age_secs`.
pub fn set(token: &str, max_age_secs: u64, secure: bool) -> Option<HeaderValue> {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age_secs}{secure}"
    ))
    .ok()
}

/// `Set-Cookie` that removes the login cookie.
pub fn clear(secure: bool) -> Option<HeaderValue> {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{SESSION}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"
    ))
    .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_cookie_is_found_among_others_and_csrf_is_checked() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("theme=dark; chatorder_session=cot_abc ; other=1"),
        );
        assert_eq!(session(&h), Some("cot_abc"));
        assert!(!csrf_ok(&h, "cot_abc"));
        h.insert(
            CSRF_HEADER,
            HeaderValue::from_str(&csrf_token("cot_abc")).unwrap_or(HeaderValue::from_static("")),
        );
        assert!(csrf_ok(&h, "cot_abc"));
        assert!(!csrf_ok(&h, "cot_abd"), "another login's token does not do");
        assert_ne!(csrf_token("cot_abc"), csrf_token("cot_abd"));
        let cookie = set("cot_abc", 60, true).expect("a header");
        let text = cookie.to_str().expect("ascii");
        for part in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=60", "Secure"] {
            assert!(text.contains(part), "{text}");
        }
        assert!(
            !set("cot_abc", 60, false)
                .expect("a header")
                .to_str()
                .expect("ascii")
                .contains("Secure")
        );
    }
}
