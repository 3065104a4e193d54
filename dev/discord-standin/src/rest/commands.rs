//! Application commands: bulk overwrite, create, get, edit, delete (global and guild).

use axum::http::Method;
use serde_json::{Value, json};

use super::{Answer, Handled, Req, snowflake};
use crate::api_error::ApiError;
use crate::ids::{APP_ID, GUILD_ID};
use crate::render::id;
use crate::state::StandInState;
use crate::validate;

pub(crate) fn route(state: &mut StandInState, req: &Req<'_>) -> Handled {
    let (app, guild, rest) = match req.segs.as_slice() {
        ["applications", app, "commands", rest @ ..] => (*app, None, rest),
        ["applications", app, "guilds", guild, "commands", rest @ ..] => (*app, Some(*guild), rest),
        _ => return Err(ApiError::not_found_route()),
    };
    if snowflake(app)? != APP_ID {
        return Err(ApiError::new(404, 10002, "Unknown Application"));
    }
    let guild = guild.map(snowflake).transpose()?;
    if guild.is_some_and(|g| g != GUILD_ID) {
        return Err(ApiError::new(403, 50001, "Missing Access"));
    }
    match (rest, req.method.clone()) {
        ([], Method::GET) => Ok(Answer::ok(Value::Array(
            scope(state, guild).cloned().collect(),
        ))),
        ([], Method::PUT) => overwrite(state, guild, req.body),
        ([], Method::POST) => upsert(state, guild, req.body),
        ([command], method) => one(state, guild, snowflake(command)?, &method, req.body),
        ([], _) => Err(ApiError::method_not_allowed()),
        _ => Err(ApiError::not_found_route()),
    }
}

fn in_scope(command: &Value, guild: Option<u64>) -> bool {
    command["guild_id"].as_str().and_then(|g| g.parse().ok()) == guild
}

fn scope(state: &StandInState, guild: Option<u64>) -> impl Iterator<Item = &Value> {
    state.commands.iter().filter(move |c| in_scope(c, guild))
}

fn same_command(a: &Value, name: &str, kind: u64) -> bool {
    a["name"] == name && a["type"].as_u64() == Some(kind)
}

/// The command as Discord echoes it; keeps the id of an existing command with the same name.
fn normalize(state: &mut StandInState, guild: Option<u64>, body: &Value) -> Value {
    let kind = body["type"].as_u64().unwrap_or(1);
    let name = body["name"].as_str().unwrap_or_default().to_owned();
    let existing = scope(state, guild)
        .find(|c| same_command(c, &name, kind))
        .map(|c| c["id"].clone());
    let version = state.next_id();
    let command_id = existing.unwrap_or_else(|| id(state.next_id()));
    json!({
        "id": command_id,
        "application_id": id(APP_ID),
        "version": id(version),
        "type": kind,
        "guild_id": guild.map(id),
        "name": name,
        "name_localizations": body["name_localizations"],
        "description": body["description"].as_str().unwrap_or_default(),
        "description_localizations": body["description_localizations"],
        "options": body["options"].as_array().cloned().unwrap_or_default(),
        "default_member_permissions": body["default_member_permissions"],
        "dm_permission": body["dm_permission"].as_bool().unwrap_or(true),
        "nsfw": body["nsfw"].as_bool().unwrap_or(false),
        "integration_types": body.get("integration_types").cloned().unwrap_or_else(|| json!([0])),
        "contexts": body["contexts"],
    })
}

fn overwrite(state: &mut StandInState, guild: Option<u64>, body: &Value) -> Handled {
    let list = body.as_array().ok_or_else(ApiError::bad_json)?;
    validate::commands(list, true)?;
    let fresh: Vec<Value> = list.iter().map(|c| normalize(state, guild, c)).collect();
    state.commands.retain(|c| !in_scope(c, guild));
    state.commands.extend(fresh.iter().cloned());
    Ok(Answer::ok(Value::Array(fresh)))
}

fn upsert(state: &mut StandInState, guild: Option<u64>, body: &Value) -> Handled {
    validate::commands(std::slice::from_ref(body), false)?;
    let command = normalize(state, guild, body);
    let position = state
        .commands
        .iter()
        .position(|c| in_scope(c, guild) && c["id"] == command["id"]);
    Ok(match position {
        Some(at) => {
            state.commands[at] = command.clone();
            Answer::ok(command)
        }
        None => {
            state.commands.push(command.clone());
            Answer::created(command)
        }
    })
}

fn one(
    state: &mut StandInState,
    guild: Option<u64>,
    command_id: u64,
    method: &Method,
    body: &Value,
) -> Handled {
    let at = state
        .commands
        .iter()
        .position(|c| {
            in_scope(c, guild) && c["id"].as_str().and_then(|s| s.parse().ok()) == Some(command_id)
        })
        .ok_or_else(ApiError::unknown_command)?;
    match *method {
        Method::GET => Ok(Answer::ok(state.commands[at].clone())),
        Method::DELETE => {
            state.commands.remove(at);
            Ok(Answer::no_content())
        }
        Method::PATCH => {
            let mut merged = state.commands[at].clone();
            if let (Some(target), Some(patch)) = (merged.as_object_mut(), body.as_object()) {
                for (k, v) in patch {
                    target.insert(k.clone(), v.clone());
                }
            }
            validate::commands(std::slice::from_ref(&merged), false)?;
            merged["version"] = id(state.next_id());
            state.commands[at] = merged.clone();
            Ok(Answer::ok(merged))
        }
        _ => Err(ApiError::method_not_allowed()),
    }
}

#[cfg(test)]
mod tests {
    use serenity::model::application::Command;

    use super::*;
    use crate::config::Config;

    #[test]
    fn overwrite_keeps_ids_by_name_and_serenity_reads_the_echo() {
        let mut state = StandInState::new(Config::default());
        let body = json!([{"name": "board", "description": "Show the board"}]);
        let first = overwrite(&mut state, Some(GUILD_ID), &body)
            .expect("ok")
            .body
            .expect("body");
        let second = overwrite(&mut state, Some(GUILD_ID), &body)
            .expect("ok")
            .body
            .expect("body");
        assert_eq!(first[0]["id"], second[0]["id"]);
        assert_ne!(first[0]["version"], second[0]["version"]);
        let parsed: Vec<Command> = serde_json::from_value(second).expect("serenity reads commands");
        assert_eq!(parsed[0].guild_id.map(|g| g.get()), Some(GUILD_ID));
        assert_eq!(state.commands.len(), 1);
    }
}
