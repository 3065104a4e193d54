//! 429 with Retry-After, per caller: an API key, a login, or the client's
//! address for calls with neither (register, log-in, the catalog) and for
//! calls whose credentials fail. `governor`'s keyed GCRA does the counting;
//! this process counts alone (each API replica its own share).

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chatorder_shared::config::ApiSettings;
use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use tokio_util::sync::CancellationToken;

use crate::problem::Problem;

/// Who is counted.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Counted {
    Key(String),
    Account(String),
    Address(IpAddr),
}

#[derive(Clone)]
pub struct RateLimit(Option<Arc<DefaultKeyedRateLimiter<Counted>>>);

impl RateLimit {
    /// The limit `api.rate_per_second`/`api.rate_burst` set (none at 0).
    /// Callers not seen for a while are forgotten every minute.
    pub fn new(settings: &ApiSettings, cancel: CancellationToken) -> Self {
        let Some(rate) = NonZeroU32::new(settings.rate_per_second) else {
            return Self(None);
        };
        let burst = NonZeroU32::new(settings.rate_burst).unwrap_or(rate);
        let limiter = Arc::new(DefaultKeyedRateLimiter::keyed(
            Quota::per_second(rate).allow_burst(burst),
        ));
        let sweep = Arc::clone(&limiter);
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(60));
            loop {
                tokio::select! {
                    () = cancel.cancelled() => return,
                    _ = every.tick() => {
                        sweep.retain_recent();
                        sweep.shrink_to_fit();
                    }
                }
            }
        });
        Self(Some(limiter))
    }

    /// Counts one request of `who`; [`Limited`] (a 429) if over the limit.
    pub fn check(&self, who: Counted) -> Result<(), Limited> {
        let Some(limiter) = &self.0 else {
            return Ok(());
        };
        limiter.check_key(&who).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            Limited(wait)
        })
    }
}

/// Over the limit: wait this long.
#[derive(Debug, Clone, Copy)]
pub struct Limited(pub Duration);

impl IntoResponse for Limited {
    fn into_response(self) -> Response {
        let wait = self.0;
        let seconds = (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1);
        Problem::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!(
                "Too many requests from this caller. Wait {seconds} s (Retry-After) and try again; \
             a change can be repeated safely with the same Idempotency-Key."
            ),
        )
        .retry_after(seconds)
        .into_response()
    }
}
