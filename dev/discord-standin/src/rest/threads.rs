//! Threads: start one from a message or without one, and add or remove thread members.

use axum::http::Method;
use serde_json::Value;

use super::{Answer, Handled, Req, snowflake};
use crate::api_error::{ApiError, FormProblem};
use crate::gateway::sessions::intents;
use crate::ids::BOT_USER_ID;
use crate::model::{HAS_THREAD, Thread};
use crate::render;
use crate::state::StandInState;

pub(crate) fn route(state: &mut StandInState, req: &Req<'_>) -> Handled {
    match (req.segs.as_slice(), req.method.clone()) {
        (["channels", channel, "messages", message, "threads"], Method::POST) => {
            from_message(state, snowflake(channel)?, snowflake(message)?, req.body)
        }
        (["channels", channel, "threads"], Method::POST) => {
            without_message(state, snowflake(channel)?, req.body)
        }
        (
            ["channels", channel, "thread-members", member],
            method @ (Method::PUT | Method::DELETE),
        ) => {
            let thread_id = snowflake(channel)?;
            let user_id = if *member == "@me" {
                BOT_USER_ID
            } else {
                snowflake(member)?
            };
            let thread = state
                .threads
                .iter_mut()
                .find(|t| t.id == thread_id)
                .ok_or_else(ApiError::unknown_channel)?;
            thread.members.retain(|&m| m != user_id);
            if method == Method::PUT {
                thread.members.push(user_id);
            }
            Ok(Answer::no_content())
        }
        ([.., "threads"] | [.., "thread-members", _], _) => Err(ApiError::method_not_allowed()),
        _ => Err(ApiError::not_found_route()),
    }
}

/// Name 1–100 characters; auto-archive one of Discord's four durations (default a day).
fn settings(body: &Value) -> Result<(String, u64), ApiError> {
    let name = body["name"].as_str().unwrap_or_default();
    let mut problems = Vec::new();
    if name.is_empty() || name.chars().count() > 100 {
        problems.push(FormProblem::new(
            "name",
            "BASE_TYPE_BAD_LENGTH",
            "Must be between 1 and 100 in length.",
        ));
    }
    let minutes = body["auto_archive_duration"].as_u64().unwrap_or(1440);
    if ![60, 1440, 4320, 10080].contains(&minutes) {
        problems.push(FormProblem::new(
            "auto_archive_duration",
            "BASE_TYPE_CHOICES",
            "Value must be one of {60, 1440, 4320, 10080}.",
        ));
    }
    if problems.is_empty() {
        Ok((name.to_owned(), minutes))
    } else {
        Err(ApiError::invalid_form(&problems))
    }
}

/// A thread started from a message gets the message's id, as on Discord.
fn from_message(
    state: &mut StandInState,
    channel_id: u64,
    message_id: u64,
    body: &Value,
) -> Handled {
    if state.thread(channel_id).is_some() {
        return Err(ApiError::wrong_channel_type());
    }
    if state.text_channel(channel_id).is_none() {
        return Err(ApiError::unknown_channel());
    }
    if state
        .message(channel_id, message_id)
        .is_none_or(|m| m.is_ephemeral())
    {
        return Err(ApiError::unknown_message());
    }
    if state.thread_from(message_id).is_some() {
        return Err(ApiError::new(
            400,
            160004,
            "A thread has already been created for this message",
        ));
    }
    let (name, minutes) = settings(body)?;
    let thread = Thread {
        id: message_id,
        parent_channel_id: channel_id,
        parent_message_id: Some(message_id),
        name,
        kind: 11,
        archived: false,
        locked: false,
        auto_archive_duration: minutes,
        members: Vec::new(),
    };
    if let Some(m) = state.message_mut(channel_id, message_id) {
        m.thread_id = Some(message_id);
        m.flags |= HAS_THREAD;
    }
    Ok(Answer::created(add(state, thread)))
}

fn without_message(state: &mut StandInState, channel_id: u64, body: &Value) -> Handled {
    if state.thread(channel_id).is_some() {
        return Err(ApiError::wrong_channel_type());
    }
    if state.text_channel(channel_id).is_none() {
        return Err(ApiError::unknown_channel());
    }
    let (name, minutes) = settings(body)?;
    // Discord's default for this route is a private thread.
    let kind = match body["type"].as_u64() {
        Some(11) => 11,
        None | Some(12) => 12,
        Some(_) => {
            return Err(ApiError::invalid_form(&[FormProblem::new(
                "type",
                "BASE_TYPE_CHOICES",
                "Value must be one of {11, 12}.",
            )]));
        }
    };
    let thread = Thread {
        id: state.next_id(),
        parent_channel_id: channel_id,
        parent_message_id: None,
        name,
        kind,
        archived: false,
        locked: false,
        auto_archive_duration: minutes,
        members: Vec::new(),
    };
    Ok(Answer::created(add(state, thread)))
}

fn add(state: &mut StandInState, thread: Thread) -> Value {
    let json = render::thread(&thread);
    state.threads.push(thread);
    let mut created = json.clone();
    created["newly_created"] = Value::Bool(true);
    state.dispatch_guild("THREAD_CREATE", |_, i| {
        (i & intents::GUILDS != 0).then_some(created)
    });
    json
}
