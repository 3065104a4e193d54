//! Gateway discovery, the bot user, the application, the guild, and channel objects.

use axum::http::Method;
use serde_json::{Value, json};

use super::{Answer, Handled, Req, snowflake};
use crate::api_error::{ApiError, FormProblem};
use crate::gateway::sessions::intents;
use crate::ids::GUILD_ID;
use crate::render;
use crate::state::StandInState;

pub(crate) fn route(state: &mut StandInState, req: &Req<'_>) -> Handled {
    let get = req.method == Method::GET;
    match req.segs.as_slice() {
        ["gateway"] => only(get, || Answer::ok(json!({ "url": req.ws_url }))),
        ["gateway", "bot"] => only(get, || {
            Answer::ok(json!({
                "url": req.ws_url,
                "shards": 1,
                "session_start_limit": { "total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1 },
            }))
        }),
        ["users", "@me"] => only(get, || Answer::ok(render::user(&render::bot_user()))),
        ["users", user] => {
            let user_id = snowflake(user)?;
            if !get {
                return Err(ApiError::method_not_allowed());
            }
            let user = state
                .users
                .get(&user_id)
                .ok_or_else(|| ApiError::new(404, 10013, "Unknown User"))?;
            Ok(Answer::ok(render::user(user)))
        }
        ["oauth2", "applications", "@me"] | ["applications", "@me"] => {
            only(get, || Answer::ok(render::application()))
        }
        ["guilds", guild, rest @ ..] => {
            if snowflake(guild)? != GUILD_ID {
                return Err(ApiError::new(404, 10004, "Unknown Guild"));
            }
            guild_route(state, req, rest)
        }
        ["channels", channel] => {
            let channel_id = snowflake(channel)?;
            match *req.method {
                Method::GET => state
                    .channel_json(channel_id)
                    .map(Answer::ok)
                    .ok_or_else(ApiError::unknown_channel),
                Method::PATCH => modify_channel(state, channel_id, req.body),
                _ => Err(ApiError::method_not_allowed()),
            }
        }
        ["channels", channel, "typing"] => {
            let channel_id = snowflake(channel)?;
            if req.method != Method::POST {
                return Err(ApiError::method_not_allowed());
            }
            if !state.channel_exists(channel_id) {
                return Err(ApiError::unknown_channel());
            }
            Ok(Answer::no_content())
        }
        _ => Err(ApiError::not_found_route()),
    }
}

fn only(allowed: bool, answer: impl FnOnce() -> Answer) -> Handled {
    if allowed {
        Ok(answer())
    } else {
        Err(ApiError::method_not_allowed())
    }
}

fn guild_route(state: &StandInState, req: &Req<'_>, rest: &[&str]) -> Handled {
    let get = req.method == Method::GET;
    match rest {
        [] => only(get, || Answer::ok(state.guild_json())),
        ["channels"] => only(get, || Answer::ok(state.guild_json()["channels"].clone())),
        ["roles"] => only(get, || Answer::ok(render::roles())),
        ["threads", "active"] => only(get, || {
            let threads: Vec<Value> = state
                .threads
                .iter()
                .filter(|t| !t.archived)
                .map(render::thread)
                .collect();
            Answer::ok(json!({ "threads": threads, "members": [] }))
        }),
        ["members", user] => {
            let user_id = snowflake(user)?;
            if !get {
                return Err(ApiError::method_not_allowed());
            }
            let user = state
                .users
                .get(&user_id)
                .ok_or_else(|| ApiError::new(404, 10007, "Unknown Member"))?;
            let mut member = render::member(user, true, false);
            member["guild_id"] = render::id(GUILD_ID);
            Ok(Answer::ok(member))
        }
        _ => Err(ApiError::not_found_route()),
    }
}

/// `PATCH /channels/{id}`: a thread's name, archived, locked, auto-archive; a channel's name, topic.
fn modify_channel(state: &mut StandInState, channel_id: u64, body: &Value) -> Handled {
    if let Some(name) = body["name"].as_str()
        && (name.is_empty() || name.chars().count() > 100)
    {
        return Err(ApiError::invalid_form(&[FormProblem::new(
            "name",
            "BASE_TYPE_BAD_LENGTH",
            "Must be between 1 and 100 in length.",
        )]));
    }
    if let Some(thread) = state.threads.iter_mut().find(|t| t.id == channel_id) {
        if let Some(name) = body["name"].as_str() {
            thread.name = name.to_owned();
        }
        if let Some(archived) = body["archived"].as_bool() {
            thread.archived = archived;
        }
        if let Some(locked) = body["locked"].as_bool() {
            thread.locked = locked;
        }
        if let Some(minutes) = body["auto_archive_duration"].as_u64() {
            thread.auto_archive_duration = minutes;
        }
        let json = render::thread(thread);
        let dispatched = json.clone();
        state.dispatch_guild("THREAD_UPDATE", |_, i| {
            (i & intents::GUILDS != 0).then_some(dispatched)
        });
        return Ok(Answer::ok(json));
    }
    let channel = state
        .channels
        .iter_mut()
        .find(|c| c.id == channel_id)
        .ok_or_else(ApiError::unknown_channel)?;
    if let Some(name) = body["name"].as_str() {
        channel.name = name.to_owned();
    }
    if body.get("topic").is_some() {
        channel.topic = body["topic"].as_str().map(str::to_owned);
    }
    let json = state
        .channel_json(channel_id)
        .ok_or_else(ApiError::unknown_channel)?;
    let dispatched = json.clone();
    state.dispatch_guild("CHANNEL_UPDATE", |_, i| {
        (i & intents::GUILDS != 0).then_some(dispatched)
    });
    Ok(Answer::ok(json))
}
