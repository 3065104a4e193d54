//! Connecting to NATS and declaring the JetStream streams every process uses.

use std::time::Duration;

use anyhow::Context as _;
use async_nats::jetstream::{self, stream};

use crate::config::NatsSettings;
use crate::subjects::Subjects;

/// Connects with a clear message when NATS is not there.
pub async fn connect(settings: &NatsSettings, name: &str) -> anyhow::Result<async_nats::Client> {
    let mut options = async_nats::ConnectOptions::new()
        .name(name)
        .connection_timeout(Duration::from_secs(5))
        .request_timeout(Some(Duration::from_secs(10)));
    if let Some(creds) = &settings.credentials_file {
        options = options
            .credentials_file(creds)
            .await
            .with_context(|| format!("reading NATS credentials {}", creds.display()))?;
    }
    // async-nats ignores credentials in the URL; take them from there, so
    // a deployment can give each component its NATS user in one setting
    // (docs/security.md).
    let userinfo = settings
        .url
        .split(',')
        .filter_map(|u| u.trim().parse::<async_nats::ServerAddr>().ok())
        .find(async_nats::ServerAddr::has_user_pass);
    if let Some(addr) = userinfo {
        match (addr.username(), addr.password()) {
            (Some(user), Some(pass)) => {
                options = options.user_and_password(user.to_owned(), pass.to_owned());
            }
            (Some(token), None) => options = options.token(token.to_owned()),
            _ => {}
        }
    }
    options.connect(&settings.url).await.with_context(|| {
        format!(
            "could not reach NATS at {}. Is nats-server running with JetStream (-js)? \
             Locally: scripts/services.sh starts it",
            crate::config::redact_url(&settings.url)
        )
    })
}

/// Creates or updates the streams. Running it twice changes nothing; a
/// changed setting (for example the event retention) is applied.
pub async fn ensure_streams(
    js: &jetstream::Context,
    subjects: &Subjects,
    settings: &NatsSettings,
) -> anyhow::Result<()> {
    let day = Duration::from_secs(24 * 3600);
    let stream =
        |name: String, description: &str, subject: String, max_age: Duration| stream::Config {
            name,
            description: Some(description.to_owned()),
            subjects: vec![subject],
            retention: stream::RetentionPolicy::Limits,
            storage: stream::StorageType::File,
            max_age,
            duplicate_window: Duration::from_secs(120),
            num_replicas: settings.stream_replicas,
            ..Default::default()
        };
    let streams = [
        stream::Config {
            retention: stream::RetentionPolicy::WorkQueue,
            ..stream(
                subjects.commands_stream(),
                "Commands to the order workers (work queue)",
                subjects.commands_wildcard(),
                Duration::ZERO,
            )
        },
        stream(
            subjects.events_stream(),
            "Order events for bots and the demand worker",
            subjects.events_wildcard(),
            day * settings.events_max_age_days,
        ),
        stream(
            subjects.owners_stream(),
            "Summaries and alerts for owners",
            subjects.owners_wildcard(),
            day * 30,
        ),
        stream(
            subjects.dead_letter_stream(),
            "Commands that could not be processed, with the reason",
            subjects.dead_letter_wildcard(),
            day * 30,
        ),
    ];
    for config in streams {
        let name = config.name.clone();
        // Components starting together race to create the same stream; the
        // loser is told the subjects overlap. It is there now: try again, a
        // few times. A JetStream that does not answer yet (a server just
        // started, or one busy on a loaded machine) is waited for longer,
        // rather than ending the process on its first slow reply.
        let started = std::time::Instant::now();
        let mut tries = 0u32;
        loop {
            tries += 1;
            let err = match js.create_or_update_stream(config.clone()).await {
                Ok(_) => break,
                Err(e) => e,
            };
            let slow = matches!(
                err.kind(),
                jetstream::context::CreateStreamErrorKind::TimedOut
                    | jetstream::context::CreateStreamErrorKind::JetStreamUnavailable
            );
            if slow && started.elapsed() < STREAM_SETUP_PATIENCE {
                tracing::warn!(error = %err, stream = %name, "JetStream is slow to answer; trying again");
                tokio::time::sleep(Duration::from_millis(250)).await;
            } else if !slow && tries < 5 {
                tracing::debug!(error = %err, stream = %name, "stream setup raced; trying again");
                tokio::time::sleep(Duration::from_millis(100 * u64::from(tries))).await;
            } else {
                return Err(err)
                    .with_context(|| format!("creating or updating JetStream stream {name}"));
            }
        }
    }
    Ok(())
}

/// How long stream setup waits for a JetStream that times out or is not
/// available yet before giving up.
const STREAM_SETUP_PATIENCE: Duration = Duration::from_secs(90);

/// Waits for the next message of a pull consumer, then takes those already
/// waiting, up to `max`: a batch to work on. `Ok(None)` once `cancel`led,
/// after handing back what was prefetched.
/// A failed pull is logged and retried; a stream that ends is an error.
pub async fn next_batch(
    messages: &mut jetstream::consumer::pull::Stream,
    max: usize,
    cancel: &tokio_util::sync::CancellationToken,
) -> anyhow::Result<Option<Vec<jetstream::Message>>> {
    use futures::{FutureExt as _, StreamExt as _};
    let first = loop {
        let next = tokio::select! {
            () = cancel.cancelled() => {
                hand_back(messages).await;
                return Ok(None);
            }
            next = messages.next() => next,
        };
        match next {
            Some(Ok(msg)) => break msg,
            Some(Err(e)) => {
                tracing::warn!(error = %e, "pulling messages failed; retrying");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            None => anyhow::bail!("the subscription ended"),
        }
    };
    let mut batch = vec![first];
    while batch.len() < max {
        match messages.next().now_or_never() {
            Some(Some(Ok(msg))) => batch.push(msg),
            _ => break,
        }
    }
    Ok(Some(batch))
}

/// Hands back every message already pulled but not taken, and those still
/// on their way to the open pull request (until none arrives for
/// [`HAND_BACK_QUIET`], at most [`HAND_BACK_MAX`]), so that another consumer
/// (or this one, restarted) gets them within a second instead of after the
/// consumer's `ack_wait`. Each is `Nak`ed with a short delay, so the server
/// does not send it straight back to the pull request being closed.
pub async fn hand_back(messages: &mut jetstream::consumer::pull::Stream) {
    use futures::StreamExt as _;
    let until = tokio::time::Instant::now() + HAND_BACK_MAX;
    loop {
        let quiet =
            HAND_BACK_QUIET.min(until.saturating_duration_since(tokio::time::Instant::now()));
        match tokio::time::timeout(quiet, messages.next()).await {
            Ok(Some(Ok(msg))) => {
                let _ = msg
                    .ack_with(jetstream::AckKind::Nak(Some(HAND_BACK_DELAY)))
                    .await;
            }
            // A failed pull carries no message; keep listening until quiet.
            Ok(Some(Err(_))) => {}
            Ok(None) | Err(_) => return,
        }
    }
}

/// How long [`hand_back`] listens for messages still on their way.
const HAND_BACK_QUIET: Duration = Duration::from_millis(100);
const HAND_BACK_MAX: Duration = Duration::from_millis(500);
/// How long the server waits before sending a handed-back message again.
const HAND_BACK_DELAY: Duration = Duration::from_secs(1);

/// How long one pull request of [`pull`] stays open. Short, because the
/// server keeps feeding an open request of a client that died (a SIGKILLed
/// worker) until it expires, and each message fed to it then waits out the
/// consumer's `ack_wait` before redelivery.
pub const PULL_EXPIRES: Duration = Duration::from_secs(5);

/// The message stream of a pull consumer, pulling up to `batch` at a time
/// with short-lived pull requests ([`PULL_EXPIRES`]) and idle heartbeats.
pub async fn pull(
    consumer: &jetstream::consumer::PullConsumer,
    batch: usize,
) -> anyhow::Result<jetstream::consumer::pull::Stream> {
    use anyhow::Context as _;
    consumer
        .stream()
        .max_messages_per_batch(batch)
        .expires(PULL_EXPIRES)
        .heartbeat(PULL_EXPIRES / 3)
        .messages()
        .await
        .context("pulling from a JetStream consumer")
}
