//! The HTTP edge's metrics, declared in one place.

use std::time::Duration;

use metrics::{Unit, counter, describe_counter, describe_histogram, histogram};

pub const REQUESTS: &str = "chatorder_http_requests_total";
pub const DURATION: &str = "chatorder_http_request_duration_seconds";
pub const WEBHOOK_DELIVERIES: &str = "chatorder_webhook_deliveries_total";
pub const WEBHOOK_DURATION: &str = "chatorder_webhook_delivery_duration_seconds";
pub const WEBHOOK_DEAD: &str = "chatorder_webhook_dead_letters_total";

pub fn describe() {
    describe_counter!(
        REQUESTS,
        "HTTP requests answered, by method, route (the path pattern) and status class (2xx, 4xx, 5xx)"
    );
    describe_histogram!(
        DURATION,
        Unit::Seconds,
        "Time from a request's arrival to its answer, by method and route"
    );
    describe_counter!(
        WEBHOOK_DELIVERIES,
        "Webhook delivery attempts, by outcome (delivered, failed: to be retried)"
    );
    describe_histogram!(
        WEBHOOK_DURATION,
        Unit::Seconds,
        "Time a webhook receiver took to answer (or to fail)"
    );
    describe_counter!(
        WEBHOOK_DEAD,
        "Webhook deliveries given up after the retry window, now in webhooks.dead.<id>"
    );
    // The series an alert watches exist from the start, at zero.
    counter!(WEBHOOK_DEAD).increment(0);
}

/// Records one webhook delivery attempt: `delivered`, `failed` (retried
/// later) or `dead` (given up).
pub fn webhook(outcome: &'static str, seconds: f64) {
    if outcome == "dead" {
        counter!(WEBHOOK_DEAD).increment(1);
        return;
    }
    counter!(WEBHOOK_DELIVERIES, "outcome" => outcome).increment(1);
    histogram!(WEBHOOK_DURATION).record(seconds);
}

/// Records one answered request. `route` is the matched pattern
/// (`/api/v1/orders/{number}`), never the raw path, so labels stay few.
pub fn record(method: &str, route: &str, status: u16, elapsed: Duration) {
    let class = match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    };
    counter!(REQUESTS, "method" => method.to_owned(), "route" => route.to_owned(), "status" => class)
        .increment(1);
    histogram!(DURATION, "method" => method.to_owned(), "route" => route.to_owned())
        .record(elapsed.as_secs_f64());
}
