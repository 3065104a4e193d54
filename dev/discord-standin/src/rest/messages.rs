//! Channel messages: create, edit, get, list, delete; shared by interaction replies.

use axum::http::Method;
use serde_json::{Value, json};

use super::{Answer, Handled, Req, snowflake};
use crate::api_error::ApiError;
use crate::gateway::sessions::intents;
use crate::ids::{BOT_USER_ID, GUILD_ID};
use crate::model::{Attachment, EPHEMERAL, LOADING, StoredMessage};
use crate::multipart::Upload;
use crate::render::id;
use crate::state::StandInState;
use crate::validate;

/// Flags a message create may set: suppress embeds, suppress notifications.
const CREATE_FLAGS: u64 = 4 | 4096;

pub(crate) fn route(state: &mut StandInState, req: &Req<'_>) -> Handled {
    match req.segs.as_slice() {
        ["channels", channel, "messages"] => {
            let channel_id = snowflake(channel)?;
            if !state.channel_exists(channel_id) {
                return Err(ApiError::unknown_channel());
            }
            match *req.method {
                Method::POST => create(state, channel_id, req.body, req.uploads),
                Method::GET => Ok(Answer::ok(list(state, channel_id, req))),
                _ => Err(ApiError::method_not_allowed()),
            }
        }
        ["channels", channel, "messages", message] => {
            let channel_id = snowflake(channel)?;
            let message_id = snowflake(message)?;
            if !state.channel_exists(channel_id) {
                return Err(ApiError::unknown_channel());
            }
            // Ephemeral messages are reachable only through their interaction's webhook.
            if state
                .message(channel_id, message_id)
                .is_none_or(StoredMessage::is_ephemeral)
            {
                return Err(ApiError::unknown_message());
            }
            match *req.method {
                Method::GET => Ok(Answer::ok(json_of(state, message_id)?)),
                Method::PATCH => {
                    let author = state.message(channel_id, message_id).map(|m| m.author_id);
                    if author != Some(BOT_USER_ID) {
                        return Err(ApiError::not_author());
                    }
                    edit(state, message_id, req.body, req.uploads).map(Answer::ok)
                }
                Method::DELETE => {
                    delete(state, message_id);
                    Ok(Answer::no_content())
                }
                _ => Err(ApiError::method_not_allowed()),
            }
        }
        _ => Err(ApiError::not_found_route()),
    }
}

/// How long Discord remembers an enforced nonce ("a few minutes").
const NONCE_WINDOW: std::time::Duration = std::time::Duration::from_secs(300);

fn create(state: &mut StandInState, channel_id: u64, body: &Value, uploads: &[Upload]) -> Handled {
    validate::message(body, true)?;
    // With `enforce_nonce`, a post repeating a recent nonce in the channel
    // is not posted again: Discord answers with the message already made.
    let nonce = body["enforce_nonce"]
        .as_bool()
        .unwrap_or(false)
        .then(|| match &body["nonce"] {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        })
        .flatten();
    if let Some(nonce) = &nonce
        && let Some((id, at)) = state.nonces.get(&(channel_id, nonce.clone()))
        && at.elapsed() < NONCE_WINDOW
        && state.messages.iter().any(|m| m.id == *id)
    {
        return Ok(Answer::ok(json_of(state, *id)?));
    }
    if let Some(thread) = state.threads.iter_mut().find(|t| t.id == channel_id) {
        if thread.locked {
            return Err(ApiError::new(400, 160005, "Thread is locked"));
        }
        thread.archived = false;
    }
    let mut m = state.new_bot_message(channel_id);
    m.flags = body["flags"].as_u64().unwrap_or(0) & CREATE_FLAGS;
    m.reply_to = body["message_reference"]["message_id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .or_else(|| body["message_reference"]["message_id"].as_u64());
    if m.reply_to.is_some() {
        m.kind = 19;
    }
    let files = new_files(state, uploads);
    apply_body(&mut m, body, &files);
    let message_id = store(state, m);
    if let Some(nonce) = nonce {
        state
            .nonces
            .insert((channel_id, nonce), (message_id, std::time::Instant::now()));
    }
    Ok(Answer::ok(json_of(state, message_id)?))
}

/// A request's uploaded files, each with a new attachment id and the placeholder id
/// (`n` of `files[n]`) that the body's `attachments` list names it by.
pub(crate) fn new_files(state: &mut StandInState, uploads: &[Upload]) -> Vec<NewFile> {
    uploads
        .iter()
        .map(|u| NewFile {
            placeholder: u.index(),
            attachment: Attachment {
                id: state.next_id(),
                filename: u.filename.clone(),
                content_type: u.content_type.clone(),
                description: None,
                bytes: u.bytes.clone(),
            },
        })
        .collect()
}

/// An uploaded file, not yet on a message.
pub(crate) struct NewFile {
    placeholder: Option<u64>,
    attachment: Attachment,
}

/// An attachment's `id` in a body: a number (serenity's placeholders) or a snowflake string.
fn attachment_id(v: &Value) -> Option<u64> {
    v.as_u64().or_else(|| v.as_str()?.parse().ok())
}

/// Sets a message's attachments from a body. With an `attachments` list, the message keeps
/// exactly the files it names: new uploads by placeholder id (with the filename and
/// description given there), existing attachments by their id. Without one, new uploads are
/// added to those it has.
fn apply_attachments(m: &mut StoredMessage, body: &Value, files: &[NewFile]) {
    let Some(listed) = body.get("attachments").and_then(Value::as_array) else {
        m.attachments
            .extend(files.iter().map(|f| f.attachment.clone()));
        return;
    };
    let kept = listed
        .iter()
        .filter_map(|entry| {
            let id = attachment_id(&entry["id"])?;
            if let Some(new) = files.iter().find(|f| f.placeholder == Some(id)) {
                let mut a = new.attachment.clone();
                if let Some(name) = entry["filename"].as_str() {
                    a.filename = name.to_owned();
                }
                a.description = entry["description"].as_str().map(str::to_owned);
                Some(a)
            } else {
                m.attachments.iter().find(|a| a.id == id).cloned()
            }
        })
        .collect();
    m.attachments = kept;
}

/// Applies the fields a create or edit body carries (absent fields stay as they are).
pub(crate) fn apply_body(m: &mut StoredMessage, body: &Value, files: &[NewFile]) {
    apply_attachments(m, body, files);
    if let Some(content) = body.get("content") {
        m.content = content.as_str().unwrap_or_default().to_owned();
    }
    if let Some(embeds) = body.get("embeds") {
        m.embeds = embeds.as_array().cloned().unwrap_or_default();
    }
    if let Some(components) = body.get("components") {
        m.components = components.as_array().cloned().unwrap_or_default();
    }
    if let Some(mentions) = body.get("allowed_mentions") {
        m.allowed_mentions = Some(mentions.clone());
    }
}

/// Stores a message and dispatches MESSAGE_CREATE (not for ephemeral ones); returns its id.
pub(crate) fn store(state: &mut StandInState, m: StoredMessage) -> u64 {
    let message_id = m.id;
    let ephemeral = m.is_ephemeral();
    state.messages.push(m);
    if !ephemeral {
        announce(state, "MESSAGE_CREATE", message_id);
    }
    message_id
}

/// Validates and applies an edit, marks the message edited, dispatches MESSAGE_UPDATE.
pub(crate) fn edit(
    state: &mut StandInState,
    message_id: u64,
    body: &Value,
    uploads: &[Upload],
) -> Result<Value, ApiError> {
    validate::message(body, false)?;
    let files = new_files(state, uploads);
    let m = state
        .messages
        .iter_mut()
        .find(|m| m.id == message_id)
        .ok_or_else(ApiError::unknown_message)?;
    apply_body(m, body, &files);
    if let Some(flags) = body["flags"].as_u64() {
        m.flags = (m.flags & !4) | (flags & 4);
    }
    m.flags &= !LOADING;
    m.edits += 1;
    m.edited_at = Some(StandInState::now());
    let ephemeral = m.is_ephemeral();
    if !ephemeral {
        announce(state, "MESSAGE_UPDATE", message_id);
    }
    json_of(state, message_id)
}

/// Removes a message (kept in `deleted_messages`) and dispatches MESSAGE_DELETE.
pub(crate) fn delete(state: &mut StandInState, message_id: u64) {
    let Some(at) = state.messages.iter().position(|m| m.id == message_id) else {
        return;
    };
    let m = state.messages.remove(at);
    if !m.is_ephemeral() {
        let data =
            json!({ "id": id(m.id), "channel_id": id(m.channel_id), "guild_id": id(GUILD_ID) });
        state.dispatch_guild("MESSAGE_DELETE", |_, i| {
            (i & intents::GUILD_MESSAGES != 0).then_some(data)
        });
    }
    state.deleted.push(m);
}

/// The REST JSON of a stored message.
pub(crate) fn json_of(state: &StandInState, message_id: u64) -> Result<Value, ApiError> {
    let m = state
        .message_by_id(message_id)
        .ok_or_else(ApiError::unknown_message)?;
    Ok(state.message_json(m, false))
}

/// Dispatches MESSAGE_CREATE/UPDATE when the session has GUILD_MESSAGES; without
/// MESSAGE_CONTENT, others' messages arrive without content unless they mention the bot.
pub(crate) fn announce(state: &mut StandInState, event: &str, message_id: u64) {
    state.dispatch_guild(event, |s, session_intents| {
        if session_intents & intents::GUILD_MESSAGES == 0 {
            return None;
        }
        let m = s.message_by_id(message_id)?;
        let mut data = s.message_json(m, true);
        let mentions_bot = m.content.contains(&format!("<@{BOT_USER_ID}>"));
        if m.author_id != BOT_USER_ID
            && !mentions_bot
            && session_intents & intents::MESSAGE_CONTENT == 0
        {
            data["content"] = json!("");
            data["embeds"] = json!([]);
            data["components"] = json!([]);
            data["attachments"] = json!([]);
        }
        Some(data)
    });
}

/// `GET /channels/{id}/messages`: newest first, `limit` (default 50, at most 100),
/// `before` / `after` message ids.
fn list(state: &StandInState, channel_id: u64, req: &Req<'_>) -> Value {
    let limit = req
        .param("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(50usize)
        .clamp(1, 100);
    let before = req.param("before").and_then(|b| b.parse::<u64>().ok());
    let after = req.param("after").and_then(|a| a.parse::<u64>().ok());
    let mut found: Vec<&StoredMessage> = state
        .messages(channel_id)
        .into_iter()
        .filter(|m| before.is_none_or(|b| m.id < b) && after.is_none_or(|a| m.id > a))
        .collect();
    found.reverse();
    if after.is_some() {
        // Discord returns the `limit` messages right after `after`, still newest first.
        let skip = found.len().saturating_sub(limit);
        found.drain(..skip);
    }
    found.truncate(limit);
    Value::Array(
        found
            .into_iter()
            .map(|m| state.message_json(m, false))
            .collect(),
    )
}

/// Flags an interaction reply or follow-up may set.
pub(crate) fn reply_flags(body: &Value) -> u64 {
    body["flags"].as_u64().unwrap_or(0) & (EPHEMERAL | CREATE_FLAGS)
}
