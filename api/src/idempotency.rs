//! `Idempotency-Key`: the same key and body give the same result, even
//! days later; the same key with another body is refused.
//!
//! The key becomes the command's id (a UUID v5 of the caller, the route and
//! the key), so JetStream and the worker store the change once however often
//! it is sent. The first answer is kept in the `API_IDEMPOTENCY` bucket with
//! a hash of the request, and a repeat gets that answer back.

use std::time::Duration;

use anyhow::Context as _;
use async_nats::jetstream::{self, kv};
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use uuid::Uuid;

use crate::problem::Problem;

/// How long a key's answer is kept.
pub const KEEP: Duration = Duration::from_secs(30 * 86_400);
/// Longest key taken.
pub const MAX_KEY_LEN: usize = 255;
const NAMESPACE: Uuid = Uuid::from_u128(0x6368_6174_6f72_6465_7220_6964_656d_706f);

/// The request's `Idempotency-Key`, if any, checked.
pub fn key(headers: &HeaderMap) -> Result<Option<String>, Problem> {
    let Some(raw) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = raw.to_str().unwrap_or_default().trim();
    if key.is_empty() || key.len() > MAX_KEY_LEN || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(Problem::bad_request(
            "bad_idempotency_key",
            format!(
                "An Idempotency-Key is 1 to {MAX_KEY_LEN} printable ASCII characters, e.g. a UUID."
            ),
        ));
    }
    Ok(Some(key.to_owned()))
}

/// The command id for a change: from the key when there is one (so a
/// repeat is the same command), else fresh.
pub fn command_id(caller: &str, route: &str, key: Option<&str>) -> Uuid {
    match key {
        Some(key) => Uuid::new_v5(&NAMESPACE, format!("{caller}\n{route}\n{key}").as_bytes()),
        None => Uuid::now_v7(),
    }
}

/// A hash of what was asked, to tell a repeat from a different request.
pub fn fingerprint(route: &str, body: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(route.as_bytes());
    h.update([0]);
    h.update(body);
    hex::encode(h.finalize())
}

/// What is kept under a command id.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Record {
    pub fingerprint: String,
    /// The answer, once there is a final one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<Answer>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Answer {
    pub status: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// Where a created resource is (`Location`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    pub content_type: String,
    pub body: String,
}

/// What to do with a request.
pub enum Seen {
    /// First time (or a repeat still in flight): send the command.
    Send,
    /// Answered before: give this answer again.
    Answered(Answer),
}

#[derive(Clone)]
pub struct Idempotency {
    kv: kv::Store,
}

impl Idempotency {
    pub async fn open_bucket(
        js: &jetstream::Context,
        bucket: String,
        replicas: usize,
    ) -> anyhow::Result<Self> {
        Ok(Self {
            kv: chatorder_bus::kv::bucket(js, bucket, KEEP, replicas).await?,
        })
    }

    /// Records that `id` was asked with `fingerprint`; says whether to
    /// send it or what was answered. The same key with another request is
    /// a 422.
    pub async fn begin(&self, id: Uuid, fingerprint: &str) -> Result<Seen, Problem> {
        let key = id.simple().to_string();
        let fresh = Record {
            fingerprint: fingerprint.to_owned(),
            answer: None,
        };
        let body = serde_json::to_vec(&fresh).unwrap_or_default();
        // A new key is the common case: one round trip. Only if the key is
        // there already is its record read.
        if self.kv.create(&key, body.into()).await.is_ok() {
            return Ok(Seen::Send);
        }
        let record = self.read(&key).await?.unwrap_or(fresh);
        if record.fingerprint != fingerprint {
            return Err(Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "idempotency_key_reused",
                "This Idempotency-Key was already used for a different request. Use a new key \
                 for a new request; repeat a request only with its own key and the same body.",
            ));
        }
        Ok(match record.answer {
            Some(answer) => Seen::Answered(answer),
            None => Seen::Send,
        })
    }

    /// Keeps the final answer for repeats.
    pub async fn finish(&self, id: Uuid, fingerprint: &str, answer: Answer) {
        let record = Record {
            fingerprint: fingerprint.to_owned(),
            answer: Some(answer),
        };
        let body = serde_json::to_vec(&record).unwrap_or_default();
        if let Err(e) = self.kv.put(id.simple().to_string(), body.into()).await {
            tracing::warn!(error = %e, "could not keep an answer for its Idempotency-Key");
        }
    }

    /// Does a change once per `Idempotency-Key` of `caller` on `route`: a
    /// repeat gets the kept answer; otherwise `work` runs with the change's
    /// id (its command id, for a command) and its answer is kept. An `Err`
    /// and a 202 ("still processing") are not final and are not kept.
    pub async fn once<Fut>(
        &self,
        caller: &str,
        route: &str,
        headers: &HeaderMap,
        body: &[u8],
        work: impl FnOnce(Uuid) -> Fut,
    ) -> Result<Answer, Problem>
    where
        Fut: Future<Output = Result<Answer, Problem>>,
    {
        let key = key(headers)?;
        let id = command_id(caller, route, key.as_deref());
        let fingerprint = fingerprint(route, body);
        if key.is_some()
            && let Seen::Answered(answer) = self.begin(id, &fingerprint).await?
        {
            return Ok(answer);
        }
        let answer = work(id).await?;
        if key.is_some() && answer.status != StatusCode::ACCEPTED.as_u16() {
            self.finish(id, &fingerprint, answer.clone()).await;
        }
        Ok(answer)
    }

    async fn read(&self, key: &str) -> Result<Option<Record>, Problem> {
        let raw = self
            .kv
            .get(key)
            .await
            .context("reading an idempotency record")
            .map_err(|e| {
                tracing::error!(error = %e, "idempotency store unavailable");
                Problem::unavailable(
                    "The API cannot check the Idempotency-Key right now. Try again shortly.",
                )
            })?;
        Ok(raw.and_then(|r| serde_json::from_slice(&r).ok()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_caller_route_and_key_make_the_same_command_and_nothing_else_does() {
        let a = command_id("api:k1", "POST /orders/7/status", Some("abc"));
        assert_eq!(
            a,
            command_id("api:k1", "POST /orders/7/status", Some("abc"))
        );
        assert_ne!(
            a,
            command_id("api:k2", "POST /orders/7/status", Some("abc"))
        );
        assert_ne!(
            a,
            command_id("api:k1", "POST /orders/8/status", Some("abc"))
        );
        assert_ne!(
            a,
            command_id("api:k1", "POST /orders/7/status", Some("abd"))
        );
        assert_ne!(
            command_id("api:k1", "x", None),
            command_id("api:k1", "x", None)
        );
    }

    #[test]
    fn keys_are_checked() {
        let mut h = HeaderMap::new();
        assert!(matches!(key(&h), Ok(None)));
        h.insert("idempotency-key", "b2c1-4f".parse().expect("header"));
        assert_eq!(key(&h).ok().flatten().as_deref(), Some("b2c1-4f"));
        h.insert("idempotency-key", "a b".parse().expect("header"));
        assert!(key(&h).is_err());
        h.insert("idempotency-key", "x".repeat(256).parse().expect("header"));
        assert!(key(&h).is_err());
    }
}
