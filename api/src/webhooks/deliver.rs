//! Stage two: one webhook's deliveries, POSTed to its URL and signed. A
//! 2xx answer delivers; anything else (an error status, a refused
//! connection, no answer within `api.webhook_timeout_ms`) is retried after
//! 1, 2, 4 … seconds, at most `api.webhook_max_backoff_secs` apart, until
//! `api.webhook_retry_for_secs` after the delivery was stored; then it goes
//! to `webhooks.dead.<id>` with the last error, and is counted.

use std::time::{Duration, Instant};

use async_nats::HeaderMap;
use async_nats::jetstream::{self, consumer::pull, message::PublishMessage};
use bytes::Bytes;
use chatorder_bus::feed::{FeedOptions, Settle};
use chatorder_shared::config::ApiSettings;
use chatorder_shared::subjects::Subjects;
use tokio_util::sync::CancellationToken;

use super::fanout::{EVENT_ID, EVENT_TYPE, FIRST_AT};
use super::store::Webhook;

/// Headers a receiver gets besides the signature.
pub const WEBHOOK_ID: &str = "chatorder-webhook-id";
pub const ATTEMPT: &str = "chatorder-attempt";

/// One delivery as pulled.
pub struct Delivery {
    pub body: Bytes,
    pub event_id: String,
    pub event_type: String,
    pub first_at: i64,
    /// 1 on the first attempt.
    pub attempt: i64,
}

fn read(msg: &jetstream::Message) -> Result<Delivery, &'static str> {
    let headers = msg.headers.as_ref().ok_or("no headers")?;
    let get = |name: &str| headers.get(name).map(|v| v.as_str().to_owned());
    Ok(Delivery {
        body: msg.payload.clone(),
        event_id: get(EVENT_ID).ok_or("no event id")?,
        event_type: get(EVENT_TYPE).ok_or("no event type")?,
        first_at: get(FIRST_AT)
            .and_then(|v| v.parse().ok())
            .ok_or("no first time")?,
        attempt: msg.info().map(|i| i.delivered).unwrap_or(1),
    })
}

/// The wait before attempt `attempt + 1`: 1 s, doubling, capped.
pub fn backoff(attempt: i64, max: Duration) -> Duration {
    let exponent = u32::try_from(attempt.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
    Duration::from_secs(1u64 << exponent)
        .min(max)
        .max(Duration::from_secs(1))
}

/// Delivers `hook`'s deliveries until `cancel`.
pub async fn run(
    js: jetstream::Context,
    subjects: Subjects,
    settings: ApiSettings,
    http: reqwest::Client,
    hook: Webhook,
    cancel: CancellationToken,
) -> anyhow::Result<()> {
    let timeout = Duration::from_millis(settings.webhook_timeout_ms);
    let retry_for = Duration::from_secs(settings.webhook_retry_for_secs);
    let consumer = chatorder_bus::consumer::durable(
        &js,
        &super::stream_name(&subjects),
        pull::Config {
            durable_name: Some(format!("webhook_{}", hook.id)),
            description: Some(format!("Deliveries to {}", hook.url)),
            filter_subject: super::deliver_subject(&subjects, &hook.id),
            ack_wait: timeout + Duration::from_secs(30),
            max_ack_pending: 1_000,
            // Gone a day after the last API replica stopped pulling (a
            // deleted webhook's consumer, too: the API may not delete).
            inactive_threshold: retry_for + Duration::from_secs(86_400),
            ..Default::default()
        },
    )
    .await?;
    let ctx = Ctx {
        js: &js,
        subjects: &subjects,
        http: &http,
        hook: &hook,
        timeout,
        retry_for,
        max_backoff: Duration::from_secs(settings.webhook_max_backoff_secs.max(1)),
    };
    let ctx = &ctx;
    chatorder_bus::feed::run_keyed(
        &consumer,
        FeedOptions {
            name: "webhook deliveries",
            batch: 16,
        },
        read,
        |d| d.event_id.clone(),
        |d| ctx.deliver(d),
        &cancel,
    )
    .await
}

struct Ctx<'a> {
    js: &'a jetstream::Context,
    subjects: &'a Subjects,
    http: &'a reqwest::Client,
    hook: &'a Webhook,
    timeout: Duration,
    retry_for: Duration,
    max_backoff: Duration,
}

impl Ctx<'_> {
    async fn deliver(&self, d: Delivery) -> Settle {
        let started = Instant::now();
        let now = chrono::Utc::now().timestamp();
        let sent = self
            .http
            .post(&self.hook.url)
            .timeout(self.timeout)
            .header("content-type", "application/json")
            .header("user-agent", "chatorder-webhooks/1")
            .header(
                super::sign::HEADER,
                super::sign::signature(&self.hook.secret, now, &d.body),
            )
            .header(EVENT_ID, &d.event_id)
            .header(EVENT_TYPE, &d.event_type)
            .header(WEBHOOK_ID, &self.hook.id)
            .header(ATTEMPT, d.attempt.to_string())
            .body(d.body.clone())
            .send()
            .await;
        let error = match sent {
            Ok(r) if r.status().is_success() => None,
            Ok(r) => Some(format!("the receiver answered {}", r.status())),
            Err(e) if e.is_timeout() => {
                Some(format!("no answer within {} ms", self.timeout.as_millis()))
            }
            Err(e) if e.is_connect() => Some("could not connect".to_owned()),
            Err(e) => Some(format!("the request failed: {e}")),
        };
        let seconds = started.elapsed().as_secs_f64();
        let Some(error) = error else {
            crate::metrics::webhook("delivered", seconds);
            return Settle::Ack;
        };
        let age = Duration::from_secs(u64::try_from(now - d.first_at).unwrap_or(0));
        if age < self.retry_for {
            crate::metrics::webhook("failed", seconds);
            tracing::info!(webhook = %self.hook.id, event = %d.event_id, attempt = d.attempt, %error, "a webhook delivery failed; it will be retried");
            return Settle::Retry(backoff(d.attempt, self.max_backoff));
        }
        self.dead(&d, &error).await
    }

    async fn dead(&self, d: &Delivery, error: &str) -> Settle {
        let mut headers = HeaderMap::new();
        headers.insert(EVENT_ID, d.event_id.as_str());
        headers.insert(EVENT_TYPE, d.event_type.as_str());
        headers.insert(FIRST_AT, d.first_at.to_string().as_str());
        headers.insert("Chatorder-Last-Error", error);
        headers.insert("Chatorder-Attempts", d.attempt.to_string().as_str());
        let msg = PublishMessage::build()
            .payload(d.body.clone())
            .headers(headers)
            .message_id(format!("dead:{}:{}", d.event_id, self.hook.id));
        let stored = match self
            .js
            .send_publish(super::dead_subject(self.subjects, &self.hook.id), msg)
            .await
        {
            Ok(ack) => ack.await.is_ok(),
            Err(_) => false,
        };
        if !stored {
            return Settle::Retry(Duration::from_secs(5));
        }
        crate::metrics::webhook("dead", 0.0);
        tracing::warn!(webhook = %self.hook.id, url = %self.hook.url, event = %d.event_id, attempts = d.attempt, %error, "a webhook delivery gave up: it is in the dead letters");
        Settle::Ack
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_a_second_up_to_the_cap() {
        let cap = Duration::from_secs(600);
        let waits: Vec<u64> = (1..=12).map(|n| backoff(n, cap).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 600, 600]);
        assert_eq!(backoff(0, cap), Duration::from_secs(1));
        assert_eq!(backoff(i64::MAX, cap), cap);
        // Over a day of failures, a delivery is tried again and again.
        let mut t = 0;
        let mut attempts = 0;
        while t < 86_400 {
            attempts += 1;
            t += backoff(attempts, cap).as_secs();
        }
        assert!(attempts > 100, "{attempts}");
    }
}
