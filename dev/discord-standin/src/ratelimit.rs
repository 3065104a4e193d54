//! Forced 429 answers: rules that make the next matching REST calls rate limited.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

/// The next `remaining` calls matching `method` (if set) and a path containing `path_contains`
/// (if set) answer 429.
#[derive(Clone, Debug)]
pub(crate) struct RateLimitRule {
    pub(crate) method: Option<String>,
    pub(crate) path_contains: Option<String>,
    pub(crate) remaining: usize,
}

impl RateLimitRule {
    fn matches(&self, method: &str, path: &str) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && self
                .path_contains
                .as_deref()
                .is_none_or(|p| path.contains(p))
    }
}

/// Consumes one use of the first rule matching the call; true if the call must answer 429.
pub(crate) fn take(
    rules: &mut std::collections::VecDeque<RateLimitRule>,
    method: &str,
    path: &str,
) -> bool {
    let Some(at) = rules
        .iter()
        .position(|r| r.remaining > 0 && r.matches(method, path))
    else {
        return false;
    };
    rules[at].remaining -= 1;
    if rules[at].remaining == 0 {
        rules.remove(at);
    }
    true
}

/// The 429 body Discord sends (no `code`: serenity then fails to decode it, see the README).
pub(crate) fn body(retry_after: Duration) -> Value {
    json!({ "message": "You are being rate limited.", "retry_after": retry_after.as_secs_f64(), "global": false })
}

/// Headers of a 429 answer: `Retry-After` in whole seconds (rounded up) and `X-RateLimit-*`.
pub(crate) fn headers(retry_after: Duration) -> Vec<(&'static str, String)> {
    let reset = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        + retry_after;
    vec![
        (
            "retry-after",
            retry_after.as_secs_f64().ceil().max(1.0).to_string(),
        ),
        ("x-ratelimit-limit", "5".to_owned()),
        ("x-ratelimit-remaining", "0".to_owned()),
        ("x-ratelimit-reset", format!("{:.3}", reset.as_secs_f64())),
        (
            "x-ratelimit-reset-after",
            format!("{:.3}", retry_after.as_secs_f64()),
        ),
        ("x-ratelimit-bucket", "standin".to_owned()),
        ("x-ratelimit-scope", "user".to_owned()),
    ]
}

/// Headers of a successful answer.
pub(crate) fn ok_headers() -> Vec<(&'static str, String)> {
    vec![
        ("x-ratelimit-limit", "5".to_owned()),
        ("x-ratelimit-remaining", "4".to_owned()),
        ("x-ratelimit-reset-after", "1.000".to_owned()),
        ("x-ratelimit-bucket", "standin".to_owned()),
    ]
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;

    use super::*;

    #[test]
    fn rules_are_consumed_in_order_and_filtered() {
        let mut rules = VecDeque::from([
            RateLimitRule {
                method: Some("POST".into()),
                path_contains: Some("/messages".into()),
                remaining: 1,
            },
            RateLimitRule {
                method: None,
                path_contains: None,
                remaining: 1,
            },
        ]);
        assert!(
            take(&mut rules, "GET", "/users/@me"),
            "second rule matches any call"
        );
        assert!(!take(&mut rules, "GET", "/users/@me"));
        assert!(take(&mut rules, "POST", "/channels/1/messages"));
        assert!(rules.is_empty());
    }
}
