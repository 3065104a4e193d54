//! The JSON envelope every command and event travels in, and decoding that
//! turns any bad input into a reason a person can read.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use serde_json::value::RawValue;
use uuid::Uuid;

use crate::domain::Actor;

/// Largest command payload the worker parses; bigger ones are dead-lettered
/// unread. Chat commands are a few hundred bytes.
pub const MAX_COMMAND_BYTES: usize = 64 * 1024;

/// `{ "id", "type", "v", "at", "actor", "data" }`. The `id` (UUID v7) is also
/// the `Nats-Msg-Id`, so JetStream drops a duplicate publish.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope<T> {
    pub id: Uuid,
    #[serde(rename = "type")]
    pub kind: String,
    pub v: u32,
    pub at: DateTime<Utc>,
    pub actor: Actor,
    /// For an event: the id of the command that caused it, so the edge that
    /// sent the command can tell its owner or customer how it went.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<Uuid>,
    pub data: T,
}

impl<T: Serialize> Envelope<T> {
    /// A new envelope with a fresh UUID v7 and the current time.
    pub fn new(kind: &str, actor: Actor, data: T) -> Self {
        Self {
            id: Uuid::now_v7(),
            kind: kind.to_owned(),
            v: 1,
            at: Utc::now(),
            actor,
            cause: None,
            data,
        }
    }

    pub fn to_json(&self) -> Vec<u8> {
        // Serialising plain data structs into a Vec cannot fail.
        serde_json::to_vec(self).unwrap_or_default()
    }
}

/// Why a message could not be decoded. Each variant reads as a sentence.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    #[error("payload is {size} bytes, over the limit of {limit} bytes")]
    TooLarge { size: usize, limit: usize },
    #[error("subject `{0}` is not a command subject this worker serves")]
    UnknownSubject(String),
    #[error("payload is not a valid envelope: {0}")]
    Malformed(String),
    #[error("unknown message type `{0}`")]
    UnknownType(String),
    #[error("message type `{kind}` does not belong on subject `{subject}` (expected `{expected}`)")]
    TypeMismatch {
        kind: String,
        subject: String,
        expected: String,
    },
    #[error("version {v} of `{kind}` is not supported (this build reads version 1)")]
    UnsupportedVersion { kind: String, v: u32 },
    #[error("`{kind}` data is invalid: {reason}")]
    InvalidData { kind: String, reason: String },
    #[error("actor claims role `{claimed}` but the subject is for `{subject_role}`")]
    RoleMismatch {
        claimed: String,
        subject_role: String,
    },
}

impl DecodeError {
    /// A short label for metrics.
    pub fn label(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "too_large",
            Self::UnknownSubject(_) => "unknown_subject",
            Self::Malformed(_) => "malformed",
            Self::UnknownType(_) => "unknown_type",
            Self::TypeMismatch { .. } => "type_mismatch",
            Self::UnsupportedVersion { .. } => "unsupported_version",
            Self::InvalidData { .. } => "invalid_data",
            Self::RoleMismatch { .. } => "role_mismatch",
        }
    }
}

/// An envelope whose `data` is still raw JSON.
pub type RawEnvelope = Envelope<Box<RawValue>>;

/// Parses the outer envelope, refusing oversize payloads before parsing.
pub fn decode_raw(payload: &[u8], limit: usize) -> Result<RawEnvelope, DecodeError> {
    if payload.len() > limit {
        return Err(DecodeError::TooLarge {
            size: payload.len(),
            limit,
        });
    }
    serde_json::from_slice(payload).map_err(|e| DecodeError::Malformed(e.to_string()))
}

/// Parses the `data` of a raw envelope as `T`, checking the version.
pub fn decode_data<T: DeserializeOwned>(raw: &RawEnvelope) -> Result<T, DecodeError> {
    if raw.v != 1 {
        return Err(DecodeError::UnsupportedVersion {
            kind: raw.kind.clone(),
            v: raw.v,
        });
    }
    serde_json::from_str(raw.data.get()).map_err(|e| DecodeError::InvalidData {
        kind: raw.kind.clone(),
        reason: e.to_string(),
    })
}

/// Replaces the data of a raw envelope with its decoded value.
pub fn with_data<T>(raw: RawEnvelope, data: T) -> Envelope<T> {
    Envelope {
        id: raw.id,
        kind: raw.kind,
        v: raw.v,
        at: raw.at,
        actor: raw.actor,
        cause: raw.cause,
        data,
    }
}
