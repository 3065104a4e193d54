//! Atomic batch publish (NATS 2.12+, ADR-50): up to [`MAX_BATCH`] messages
//! to one stream, stored all or none, acknowledged once. With JetStream
//! fsyncing every write (`sync_interval: always`) a batch costs one fsync,
//! where single publishes cost one each (measured with 2.15.1 on the
//! project's machines: ~1,000 acked single publishes/s, ~17,000–20,000
//! messages/s in batches of 500; docs/performance.md). Each batch also has
//! a fixed cost of about 15–20 ms, so a few messages go faster one by one
//! ([`publish_all`] chooses).
//!
//! The stream must allow it (`allow_atomic`, set by
//! [`crate::ensure_streams`]). Every message keeps its `Nats-Msg-Id`, but a
//! batch holding one id JetStream has seen inside its duplicate window is
//! refused whole (error 10201), not deduplicated message by message:
//! [`publish_all`] then publishes that batch's messages one by one, which
//! deduplicates each. Any other failure of a batch (a gap, a timeout, a
//! connection lost before the commit) stores nothing of it and falls back
//! the same way, so nothing is lost and nothing is stored twice.

use async_nats::HeaderMap;
use async_nats::jetstream::{self, message::PublishMessage};
use bytes::Bytes;

/// Most messages in one batch (the server's default limit).
pub const MAX_BATCH: usize = 1000;

/// Fewer messages than this are published one by one by default: a
/// batch's fixed cost is about the time of 15–20 single fsyncs
/// (`nats.atomic_batch_from`).
pub const BATCH_FROM: usize = 24;

/// One message to publish.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub subject: String,
    /// Its `Nats-Msg-Id`: JetStream stores one message per id within the
    /// stream's duplicate window.
    pub msg_id: String,
    pub payload: Bytes,
}

/// Why a batch was not stored (nothing of it was).
#[derive(Debug, thiserror::Error)]
#[error("the atomic batch of {size} messages was not stored: {why}")]
pub struct BatchError {
    pub size: usize,
    pub why: String,
}

fn headers(batch: &str, sequence: usize, commit: bool, msg_id: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("Nats-Batch-Id", batch);
    h.insert("Nats-Batch-Sequence", sequence.to_string().as_str());
    if commit {
        h.insert("Nats-Batch-Commit", "1");
    }
    h.insert("Nats-Msg-Id", msg_id);
    h
}

/// Publishes `messages` (1 to [`MAX_BATCH`], one stream) as one atomic
/// batch and waits for its acknowledgement.
pub async fn publish_atomic(
    js: &jetstream::Context,
    messages: &[Outgoing],
) -> Result<(), BatchError> {
    let size = messages.len();
    let fail = |why: String| BatchError { size, why };
    let Some((last, rest)) = messages.split_last() else {
        return Ok(());
    };
    if size > MAX_BATCH {
        return Err(fail(format!("more than {MAX_BATCH} messages")));
    }
    let batch = uuid::Uuid::now_v7().simple().to_string();
    let client = js.client();
    // Only the commit needs an answer: the others go as plain publishes.
    for (i, m) in rest.iter().enumerate() {
        client
            .publish_with_headers(
                m.subject.clone(),
                headers(&batch, i + 1, false, &m.msg_id),
                m.payload.clone(),
            )
            .await
            .map_err(|e| fail(e.to_string()))?;
    }
    js.publish_with_headers(
        last.subject.clone(),
        headers(&batch, size, true, &last.msg_id),
        last.payload.clone(),
    )
    .await
    .map_err(|e| fail(e.to_string()))?
    .await
    .map_err(|e| fail(e.to_string()))?;
    Ok(())
}

/// Publishes every message at least once and answers, for each, whether
/// JetStream stored it (or had it already). `from` messages or more go in
/// atomic batches of up to [`MAX_BATCH`] (0: never); a batch that fails is
/// published one by one instead; fewer go one by one, pipelined.
pub async fn publish_all(js: &jetstream::Context, messages: &[Outgoing], from: usize) -> Vec<bool> {
    if from == 0 || messages.len() < from {
        return publish_each(js, messages).await;
    }
    let mut stored = Vec::with_capacity(messages.len());
    for chunk in messages.chunks(MAX_BATCH) {
        match publish_atomic(js, chunk).await {
            Ok(()) => stored.extend(std::iter::repeat_n(true, chunk.len())),
            Err(e) => {
                tracing::debug!(error = %e, "publishing the batch's messages one by one");
                stored.extend(publish_each(js, chunk).await);
            }
        }
    }
    stored
}

/// Single publishes, all in flight at once, each with its `Nats-Msg-Id`.
pub async fn publish_each(js: &jetstream::Context, messages: &[Outgoing]) -> Vec<bool> {
    let mut acks = Vec::with_capacity(messages.len());
    for m in messages {
        let msg = PublishMessage::build()
            .payload(m.payload.clone())
            .message_id(&m.msg_id);
        acks.push(js.send_publish(m.subject.clone(), msg).await);
    }
    let mut stored = Vec::with_capacity(messages.len());
    for (m, ack) in messages.iter().zip(acks) {
        let ok = match ack {
            Ok(ack) => ack.await.map(|_| ()).map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        if let Err(e) = &ok {
            tracing::warn!(msg_id = %m.msg_id, error = %e, "a publish was not acknowledged");
        }
        stored.push(ok.is_ok());
    }
    stored
}
