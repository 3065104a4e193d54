//! The HTTP edge's metrics, declared in one place.

use std::time::Duration;

use metrics::{Unit, counter, describe_counter, describe_histogram, histogram};

pub const REQUESTS: &str = "chatorder_http_requests_total";
pub const DURATION: &str = "chatorder_http_request_duration_seconds";

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
