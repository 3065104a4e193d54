//! What tests see: users who act, stored messages, threads, recorded calls, interaction replies.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::ids;

/// A guild member who runs slash commands, clicks buttons or types messages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: u64,
    pub name: String,
    pub roles: Vec<u64>,
}

impl User {
    /// A member with no roles.
    pub fn new(id: u64, name: impl Into<String>) -> Self {
        Self {
            id,
            name: name.into(),
            roles: Vec::new(),
        }
    }

    /// The guild's owner, holding the owner role ([`ids::OWNER_ROLE_ID`]).
    pub fn owner() -> Self {
        Self::new(ids::OWNER_USER_ID, "owner").with_roles(vec![ids::OWNER_ROLE_ID])
    }

    /// A member with the owner role.
    pub fn staff(id: u64, name: impl Into<String>) -> Self {
        Self::new(id, name).with_roles(vec![ids::OWNER_ROLE_ID])
    }

    /// Replaces the member's roles.
    #[must_use]
    pub fn with_roles(mut self, roles: Vec<u64>) -> Self {
        self.roles = roles;
        self
    }
}

/// A message as the stand-in holds it now (after every edit).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct StoredMessage {
    pub id: u64,
    pub channel_id: u64,
    pub content: String,
    pub embeds: Vec<Value>,
    pub components: Vec<Value>,
    /// `allowed_mentions` of the last create or edit that set it.
    pub allowed_mentions: Option<Value>,
    /// How many times the message was edited.
    pub edits: u32,
    pub author_id: u64,
    /// Discord message flags: 64 ephemeral, 128 loading (deferred), 32 has thread, 4 suppress embeds.
    pub flags: u64,
    /// Discord message type: 0 default, 20 slash-command reply.
    pub kind: u8,
    pub created_at: DateTime<Utc>,
    pub edited_at: Option<DateTime<Utc>>,
    /// The interaction this message answers, for interaction replies and follow-ups.
    pub interaction_id: Option<u64>,
    /// The thread started from this message.
    pub thread_id: Option<u64>,
    /// `message_reference.message_id` when the message replies to another.
    pub reply_to: Option<u64>,
    /// Files uploaded with the message (multipart `files[n]`), as they arrived.
    pub attachments: Vec<Attachment>,
}

/// A file attached to a message.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Attachment {
    pub id: u64,
    pub filename: String,
    /// The file part's `Content-Type` (serenity guesses it from the file name).
    pub content_type: Option<String>,
    pub description: Option<String>,
    pub bytes: Vec<u8>,
}

impl Attachment {
    /// The bytes as text (lossy for non-UTF-8).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
}

/// Message flag: only the invoking user sees it.
pub const EPHEMERAL: u64 = 1 << 6;
/// Message flag: a deferred reply still "thinking".
pub const LOADING: u64 = 1 << 7;
/// Message flag: a thread was started from the message.
pub const HAS_THREAD: u64 = 1 << 5;

impl StoredMessage {
    pub(crate) fn new(id: u64, channel_id: u64, author_id: u64) -> Self {
        Self {
            id,
            channel_id,
            content: String::new(),
            embeds: Vec::new(),
            components: Vec::new(),
            allowed_mentions: None,
            edits: 0,
            author_id,
            flags: 0,
            kind: 0,
            created_at: ids::created_at(id),
            edited_at: None,
            interaction_id: None,
            thread_id: None,
            reply_to: None,
            attachments: Vec::new(),
        }
    }

    /// Whether only the invoking user sees the message.
    pub fn is_ephemeral(&self) -> bool {
        self.flags & EPHEMERAL != 0
    }

    /// Every button: `(custom_id, label, disabled)`; link buttons have an empty custom id.
    pub fn buttons(&self) -> Vec<(String, String, bool)> {
        self.components
            .iter()
            .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
            .filter(|c| c["type"] == 2)
            .map(|c| {
                (
                    c["custom_id"].as_str().unwrap_or_default().to_owned(),
                    c["label"].as_str().unwrap_or_default().to_owned(),
                    c["disabled"].as_bool().unwrap_or(false),
                )
            })
            .collect()
    }

    /// The component (button or select) with this custom id.
    pub fn component(&self, custom_id: &str) -> Option<Value> {
        self.components
            .iter()
            .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
            .find(|c| c["custom_id"] == custom_id)
    }

    /// Content, then each embed's title, description, field names and values, and footer,
    /// joined by newlines: for `contains` assertions.
    pub fn text(&self) -> String {
        let mut parts = vec![self.content.clone()];
        for embed in &self.embeds {
            parts.extend(embed_texts(embed));
        }
        parts.retain(|p| !p.is_empty());
        parts.join("\n")
    }
}

/// The visible texts of one embed, in reading order.
pub(crate) fn embed_texts(embed: &Value) -> Vec<String> {
    let mut out = Vec::new();
    let mut push = |v: &Value| {
        if let Some(s) = v.as_str() {
            out.push(s.to_owned());
        }
    };
    push(&embed["author"]["name"]);
    push(&embed["title"]);
    push(&embed["description"]);
    for field in embed["fields"].as_array().into_iter().flatten() {
        push(&field["name"]);
        push(&field["value"]);
    }
    push(&embed["footer"]["text"]);
    out
}

/// A thread channel.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Thread {
    pub id: u64,
    pub parent_channel_id: u64,
    /// The message the thread was started from; threads from a message share its id.
    pub parent_message_id: Option<u64>,
    pub name: String,
    /// 11 public thread, 12 private thread.
    pub kind: u8,
    pub archived: bool,
    pub locked: bool,
    pub auto_archive_duration: u64,
    /// Users added with `PUT /channels/{id}/thread-members/{user}`.
    pub members: Vec<u64>,
}

/// One REST request the stand-in answered.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Call {
    pub method: String,
    /// The path below `/api/v10`, e.g. `/channels/1/messages` (the full path if it had no prefix).
    pub path: String,
    pub query: Option<String>,
    pub status: u16,
    /// The JSON body (the `payload_json` part of a multipart body), `Null` when empty.
    pub body: Value,
    /// What the stand-in answered (`Null` for 204).
    pub response: Value,
    /// Whether no route matched (answered 404 or 405): something the stand-in lacks.
    pub unmatched: bool,
    /// When the request arrived, since the stand-in started.
    pub at: Duration,
}

/// How an interaction was answered.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct InteractionReply {
    /// The callback type: 4 message, 5 deferred message, 6 deferred update, 7 update, 9 modal.
    pub kind: u8,
    pub content: Option<String>,
    pub ephemeral: bool,
    pub embeds: Vec<Value>,
    pub components: Vec<Value>,
    /// Follow-up messages, current state, in order.
    pub followups: Vec<StoredMessage>,
    /// Time from dispatching the interaction to its callback (Discord allows 3 s).
    pub answered_after: Duration,
    /// The message the response created or updated (the clicked one for types 6 and 7).
    pub message_id: Option<u64>,
    /// The modal's `data` for type 9.
    pub modal: Option<Value>,
    /// The callback's `data` as sent.
    pub data: Value,
    /// Files on the answer: the callback's message, or the message completing a deferral.
    pub attachments: Vec<Attachment>,
}

impl InteractionReply {
    /// Content, embed texts and follow-up texts, joined by newlines.
    pub fn text(&self) -> String {
        let mut parts = vec![self.content.clone().unwrap_or_default()];
        for embed in &self.embeds {
            parts.extend(embed_texts(embed));
        }
        parts.extend(self.followups.iter().map(StoredMessage::text));
        parts.retain(|p| !p.is_empty());
        parts.join("\n")
    }
}
