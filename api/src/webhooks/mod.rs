//! Signed webhooks, delivered at least once.
//!
//! Two stages, both on JetStream so that nothing is lost when the API
//! restarts or a receiver is down:
//! 1. **fan-out** ([`fanout`]): a durable consumer on `ORDERS_EVT` turns
//!    each event into one delivery per webhook that wants its type, stored
//!    on the `WEBHOOKS` stream under `webhooks.deliver.<webhook id>` (with a
//!    message id, so a repeat is stored once), then acknowledges the event;
//! 2. **delivery** ([`deliver`]): one durable consumer per webhook POSTs
//!    its deliveries, signed ([`sign`]); a failure is retried with backoff
//!    (doubling up to `api.webhook_max_backoff_secs`) for
//!    `api.webhook_retry_for_secs` (a day by default), then goes to
//!    `webhooks.dead.<webhook id>` and is counted. Each webhook has its own
//!    consumer, so a slow or dead receiver holds up only itself.
//!
//! Every API replica runs both stages on the same durable consumers, so
//! the replicas share the work. [`supervisor`] starts and stops the
//! per-webhook deliverers as webhooks are registered and deleted.

pub mod deliver;
pub mod fanout;
pub mod sign;
pub mod store;
pub mod supervisor;

use std::time::Duration;

use async_nats::jetstream::{self, stream};
use chatorder_shared::config::Settings;
use chatorder_shared::subjects::Subjects;

/// The stream of deliveries and dead letters.
pub fn stream_name(subjects: &Subjects) -> String {
    subjects.stream("WEBHOOKS")
}

/// Where deliveries to webhook `id` wait.
pub fn deliver_subject(subjects: &Subjects, id: &str) -> String {
    format!("{}webhooks.deliver.{id}", subjects.prefix())
}

/// Where deliveries to webhook `id` go when they could not be made.
pub fn dead_subject(subjects: &Subjects, id: &str) -> String {
    format!("{}webhooks.dead.{id}", subjects.prefix())
}

/// The key-value bucket of webhooks.
pub fn bucket(subjects: &Subjects) -> String {
    subjects.stream("WEBHOOKS_REGISTERED")
}

/// Makes (or updates) the `WEBHOOKS` stream: deliveries are kept a day
/// longer than they are retried; dead letters 30 days.
pub async fn ensure_stream(js: &jetstream::Context, settings: &Settings) -> anyhow::Result<()> {
    let subjects = settings.subjects();
    let retry = Duration::from_secs(settings.api.webhook_retry_for_secs);
    js.create_or_update_stream(stream::Config {
        name: stream_name(&subjects),
        description: Some("Webhook deliveries (retried) and dead letters".to_owned()),
        subjects: vec![format!("{}webhooks.>", subjects.prefix())],
        retention: stream::RetentionPolicy::Limits,
        storage: stream::StorageType::File,
        max_age: (retry + Duration::from_secs(86_400)).max(Duration::from_secs(30 * 86_400)),
        duplicate_window: Duration::from_secs(120),
        num_replicas: settings.nats.stream_replicas,
        ..Default::default()
    })
    .await
    .map_err(|e| anyhow::anyhow!("creating the webhook stream: {e}"))?;
    Ok(())
}
