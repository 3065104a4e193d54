//! The JetStream streams every process uses, declared in one place.

use std::time::Duration;

use anyhow::Context as _;
use async_nats::jetstream::{self, stream};
use chatorder_shared::config::NatsSettings;
use chatorder_shared::subjects::Subjects;

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
            // Atomic batch publish (NATS 2.12+; crate::batch).
            allow_atomic_publish: true,
            ..Default::default()
        };
    let streams = [
        // Limits retention, no limit: the order workers purge what their
        // durable consumer has acknowledged (`purge_acknowledged`). As a
        // work queue, every acknowledgement removed its message one by one,
        // and with `sync_interval: always` each removal cost an fsync.
        stream(
            subjects.commands_stream(),
            "Commands to the order workers (purged once acknowledged)",
            subjects.commands_wildcard(),
            Duration::ZERO,
        ),
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
    for mut config in streams {
        let name = config.name.clone();
        keep_work_queue(js, &mut config).await;
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

/// A stream created as a work queue stays one: JetStream refuses to change
/// a stream's retention to or from work queue. (The command stream was one
/// before 2026-12-07.) It works as before; the warning says how to move it.
async fn keep_work_queue(js: &jetstream::Context, config: &mut stream::Config) {
    let Ok(existing) = js.get_stream(&config.name).await else {
        return;
    };
    let was = existing.cached_info().config.retention;
    if was == stream::RetentionPolicy::WorkQueue && config.retention != was {
        tracing::warn!(
            stream = %config.name,
            "this stream is a work queue, made by an older chatorder: it stays one, and with \
             fsync always every acknowledgement costs an fsync. To move it to limits \
             retention, stop the bots and the API, let the workers empty it, delete it \
             (`nats stream rm`) and start a worker"
        );
        config.retention = was;
    }
}

/// Purges the messages of `stream` that its durable consumer `durable` has
/// acknowledged (every message up to its ack floor); returns how many went.
/// For a stream kept with limits retention and no limit, this is what
/// keeps it small: it removes a run of messages at once, where a work
/// queue removes each as it is acknowledged.
pub async fn purge_acknowledged(
    js: &jetstream::Context,
    stream: &str,
    durable: &str,
) -> anyhow::Result<u64> {
    let s = js
        .get_stream(stream)
        .await
        .with_context(|| format!("reading stream {stream}"))?;
    if s.cached_info().state.messages == 0 {
        return Ok(0);
    }
    let floor = s
        .consumer_info(durable)
        .await
        .with_context(|| format!("reading consumer {durable} of {stream}"))?
        .ack_floor
        .stream_sequence;
    if floor < s.cached_info().state.first_sequence {
        return Ok(0);
    }
    let purged = s
        .purge()
        .sequence(floor + 1)
        .await
        .with_context(|| format!("purging {stream} up to its acknowledged sequence {floor}"))?;
    Ok(purged.purged)
}

/// How long stream setup waits for a JetStream that times out or is not
/// available yet before giving up.
const STREAM_SETUP_PATIENCE: Duration = Duration::from_secs(90);
