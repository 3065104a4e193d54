//! `api_bodies`: the HTTP API's request bodies, read exactly as its routes
//! read them (`chatorder_api::json::parse_as` into `chatorder_api::bodies`),
//! then checked by the same validators (accounts, webhooks).
//!
//! The first input byte picks the `Content-Type` the request claims; the
//! rest is the body. Invariants, for any input:
//! - reading never panics: it gives a body or a problem, and every problem
//!   is a 400, 415 or 422 with a stable code and a sentence;
//! - an account the validator accepts is tidy: a trimmed address with one
//!   `@` and a dotted domain, a name of 1 to 128 characters, a password of
//!   10 to 128 characters, a phone (if any) with 6 or more digits;
//! - a webhook the validator accepts has an absolute http(s) URL and a
//!   non-empty, sorted, duplicate-free list of known event types.

use chatorder_api::accounts::NewAccount;
use chatorder_api::bodies::{
    CreateBody, LinesBody, LoginBody, MessageBody, PlaceBody, RegisterBody, StatusBody,
};
use chatorder_api::json::parse_as;
use chatorder_api::problem::Problem;
use chatorder_api::webhooks::store::{EVENT_TYPES, validate};
use chatorder_shared::domain::Role;
use serde::de::DeserializeOwned;

const CONTENT_TYPES: [Option<&str>; 6] = [
    Some("application/json"),
    Some("application/json; charset=utf-8"),
    Some("application/merge-patch+json"),
    Some("text/plain"),
    None,
    Some("application/x-www-form-urlencoded"),
];

/// The fuzz target.
pub fn check(data: &[u8]) {
    let (content_type, body) = match data.split_first() {
        Some((pick, rest)) => (
            CONTENT_TYPES[usize::from(*pick) % CONTENT_TYPES.len()],
            rest,
        ),
        None => (Some("application/json"), data),
    };
    if let Some(b) = read::<RegisterBody>(content_type, body) {
        check_account(&b);
    }
    if let Some(b) = read::<CreateBody>(content_type, body) {
        check_webhook(&b);
    }
    if let Some(b) = read::<PlaceBody>(content_type, body) {
        assert!(b.lines.iter().all(|l| !l.sku.as_str().is_empty()));
    }
    read::<LinesBody>(content_type, body);
    read::<StatusBody>(content_type, body);
    read::<MessageBody>(content_type, body);
    read::<LoginBody>(content_type, body);
}

fn read<T: DeserializeOwned>(content_type: Option<&str>, body: &[u8]) -> Option<T> {
    match parse_as::<T>(content_type, body) {
        Ok(t) => Some(t),
        Err(problem) => {
            check_problem(&problem);
            None
        }
    }
}

fn check_problem(p: &Problem) {
    assert!(
        [400, 415, 422].contains(&p.status),
        "a body problem answered {}: {p:?}",
        p.status
    );
    assert!(!p.code.is_empty() && !p.detail.trim().is_empty(), "{p:?}");
    let json = serde_json::to_value(p).expect("a problem serialises");
    assert_eq!(json["status"], p.status);
}

fn check_account(b: &RegisterBody) {
    let Ok(a) = NewAccount::parse(
        &b.email,
        &b.name,
        b.phone.as_deref(),
        Role::Customer,
        &b.password,
    ) else {
        return;
    };
    assert_eq!(a.email, a.email.trim());
    assert!(a.email.len() <= 254);
    let (local, domain) = a.email.split_once('@').expect("an @");
    assert!(!local.is_empty() && domain.contains('.') && !domain.contains('@'));
    assert!((1..=128).contains(&a.name.chars().count()));
    assert_eq!(a.name, a.name.trim());
    assert!(
        (NewAccount::MIN_PASSWORD..=NewAccount::MAX_PASSWORD).contains(&a.password.chars().count())
    );
    if let Some(phone) = &a.phone {
        assert!(
            phone.chars().filter(char::is_ascii_digit).count() >= 6,
            "{phone}"
        );
    }
}

fn check_webhook(b: &CreateBody) {
    let Ok((url, events)) = validate(&b.url, &b.events) else {
        return;
    };
    assert!(
        url.starts_with("http://") || url.starts_with("https://"),
        "{url}"
    );
    assert!(!events.is_empty());
    assert!(events.windows(2).all(|w| w[0] < w[1]), "{events:?}");
    assert!(events.iter().all(|e| EVENT_TYPES.contains(&e.as_str())));
}
