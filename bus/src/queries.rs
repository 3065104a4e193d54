//! Asking a worker over core NATS request/reply, with a timeout and an
//! error that says which way it went wrong, so each edge can tell its
//! person the right thing ("the shop is not answering" is not "not found").

use std::time::Duration;

use async_nats::client::RequestErrorKind;
use chatorder_shared::queries::{QueryRefusal, QueryReply};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Why a query got no usable answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum QueryError {
    /// Nobody serves the subject: the worker is not running.
    #[error("no one answers {subject}")]
    NoResponders { subject: String },
    /// It did not answer in time (or NATS is away).
    #[error("no answer to {subject} in time")]
    TimedOut { subject: String },
    /// The answer could not be read (a worker of another version?).
    #[error("unreadable answer to {subject}: {detail}")]
    Unreadable { subject: String, detail: String },
    /// The worker answered and refused; each edge words why.
    #[error("refused: {}", .0.code())]
    Refused(QueryRefusal),
}

/// Request/reply to the workers.
#[derive(Clone)]
pub struct Queries {
    client: async_nats::Client,
}

impl Queries {
    pub fn new(client: async_nats::Client) -> Self {
        Self { client }
    }

    /// Sends `q` to `subject` and reads a [`QueryReply`].
    pub async fn ask<Q: Serialize, T: DeserializeOwned>(
        &self,
        subject: String,
        q: &Q,
        timeout: Duration,
    ) -> Result<T, QueryError> {
        let body = serde_json::to_vec(q).map_err(|e| QueryError::Unreadable {
            subject: subject.clone(),
            detail: format!("the question could not be written: {e}"),
        })?;
        let reply =
            match tokio::time::timeout(timeout, self.client.request(subject.clone(), body.into()))
                .await
            {
                Err(_) => return Err(QueryError::TimedOut { subject }),
                Ok(Err(e)) if e.kind() == RequestErrorKind::NoResponders => {
                    return Err(QueryError::NoResponders { subject });
                }
                Ok(Err(e)) => {
                    tracing::warn!(error = %e, subject, "query failed");
                    return Err(QueryError::TimedOut { subject });
                }
                Ok(Ok(reply)) => reply,
            };
        match serde_json::from_slice::<QueryReply<T>>(&reply.payload) {
            Ok(QueryReply::Ok(t)) => Ok(t),
            Ok(QueryReply::Err(why)) => Err(QueryError::Refused(why)),
            Err(e) => {
                tracing::warn!(error = %e, subject, "unreadable query reply");
                Err(QueryError::Unreadable {
                    subject,
                    detail: e.to_string(),
                })
            }
        }
    }

    /// Waits until someone serves `subject` (any answer counts, a refusal
    /// too), asking every 200 ms for at most `within`. Started together, an
    /// edge waits here for the worker instead of telling its first customers
    /// that the shop is unreachable. `false` if no one answered in time.
    pub async fn wait_ready(&self, subject: String, within: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let asked = self
                .ask::<_, serde_json::Value>(
                    subject.clone(),
                    &serde_json::json!({}),
                    Duration::from_secs(1),
                )
                .await;
            match asked {
                Ok(_) | Err(QueryError::Refused(_) | QueryError::Unreadable { .. }) => return true,
                Err(_) if tokio::time::Instant::now() >= deadline => return false,
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
    }
}
