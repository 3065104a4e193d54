//! Interaction callbacks, follow-ups and `@original` edits through the interaction webhook.

use axum::http::Method;
use serde_json::Value;

use super::messages;
use super::{Answer, Handled, Req, snowflake};
use crate::api_error::{ApiError, FormProblem};
use crate::ids::APP_ID;
use crate::interactions::{self as ix, InteractionRecord, Responded};
use crate::model::LOADING;
use crate::multipart::Upload;
use crate::state::StandInState;
use crate::validate;

pub(crate) fn route(state: &mut StandInState, req: &Req<'_>) -> Handled {
    match (req.segs.as_slice(), req.method.clone()) {
        (["interactions", interaction, token, "callback"], Method::POST) => {
            callback(state, snowflake(interaction)?, token, req.body, req.uploads)
        }
        (["webhooks", app, token], Method::POST) => {
            let record = by_token(state, app, token)?;
            followup(state, &record, req.body, req.uploads)
        }
        (["webhooks", app, token, "messages", target], method) => {
            let record = by_token(state, app, token)?;
            let message_id = if *target == "@original" {
                record.original.ok_or_else(ApiError::unknown_message)?
            } else {
                let wanted = snowflake(target)?;
                let ours = record.original == Some(wanted) || record.followups.contains(&wanted);
                if !ours {
                    return Err(ApiError::unknown_message());
                }
                wanted
            };
            on_message(
                state,
                &record,
                message_id,
                *target == "@original",
                &method,
                req.body,
                req.uploads,
            )
        }
        (["interactions", ..] | ["webhooks", ..], _) if req.segs.len() <= 5 => {
            Err(ApiError::method_not_allowed())
        }
        _ => Err(ApiError::not_found_route()),
    }
}

fn invalid_type(kind: u64) -> ApiError {
    ApiError::invalid_form(&[FormProblem::new(
        "type",
        "INTERACTION_RESPONSE_TYPE_INVALID",
        format!("Interaction response type {kind} is not valid for this interaction"),
    )])
}

fn callback(
    state: &mut StandInState,
    interaction_id: u64,
    token: &str,
    body: &Value,
    uploads: &[Upload],
) -> Handled {
    let record = state
        .interactions
        .get(&interaction_id)
        .filter(|r| r.token == token)
        .cloned()
        .ok_or_else(ApiError::unknown_interaction)?;
    if record.response.is_some() {
        return Err(ApiError::already_acknowledged());
    }
    let after = record.dispatched_at.elapsed();
    if state
        .config
        .interaction_deadline
        .is_some_and(|limit| after > limit)
    {
        return Err(ApiError::unknown_interaction());
    }
    let kind = body["type"].as_u64().unwrap_or(0);
    let data = body.get("data").cloned().unwrap_or(Value::Null);
    let from_component = record.source_message.is_some();
    let original = match kind {
        4 | 5 => {
            if kind == 4 {
                validate::message(&data, true)?;
            }
            let kind = u8::try_from(kind).unwrap_or(4);
            let m = ix::response_message(state, &record, kind, &data, uploads);
            Some(messages::store(state, m))
        }
        6 if from_component => record.source_message,
        7 if from_component => {
            let clicked = record
                .source_message
                .ok_or_else(ApiError::unknown_message)?;
            messages::edit(state, clicked, &data, uploads)?;
            Some(clicked)
        }
        8 if record.kind == ix::APPLICATION_COMMAND => None,
        9 if record.kind != ix::MODAL_SUBMIT => {
            validate::modal(&data)?;
            None
        }
        _ => return Err(invalid_type(kind)),
    };
    if let Some(r) = state.interactions.get_mut(&interaction_id) {
        r.response = Some(Responded {
            kind: u8::try_from(kind).unwrap_or(0),
            data,
            after,
        });
        r.original = original;
    }
    Ok(Answer::no_content())
}

/// The interaction a webhook token belongs to; before its callback the webhook is unknown.
fn by_token(state: &StandInState, app: &str, token: &str) -> Result<InteractionRecord, ApiError> {
    if snowflake(app)? != APP_ID {
        return Err(ApiError::unknown_webhook());
    }
    // The token names its interaction: one lookup, not a scan of all of them.
    crate::interactions::token_id(token)
        .and_then(|id| state.interactions.get(&id))
        .filter(|r| r.token == token && r.response.is_some())
        .cloned()
        .ok_or_else(ApiError::unknown_webhook)
}

/// `POST /webhooks/{app}/{token}`: after a deferred reply (type 5) the first follow-up fills
/// the "thinking" message, as on Discord; later ones are new messages.
fn followup(
    state: &mut StandInState,
    record: &InteractionRecord,
    body: &Value,
    uploads: &[Upload],
) -> Handled {
    validate::message(body, true)?;
    let files = messages::new_files(state, uploads);
    let deferred_original = record
        .original
        .filter(|_| record.response.as_ref().is_some_and(|r| r.kind == 5))
        .filter(|&id| {
            state
                .message_by_id(id)
                .is_some_and(|m| m.flags & LOADING != 0)
        });
    let message_id = if let Some(original) = deferred_original {
        if let Some(m) = state.messages.iter_mut().find(|m| m.id == original) {
            messages::apply_body(m, body, &files);
            m.flags &= !LOADING;
        }
        messages::announce(state, "MESSAGE_UPDATE", original);
        if let Some(r) = state.interactions.get_mut(&record.id) {
            r.original_edits += 1;
        }
        original
    } else {
        let mut m = state.new_bot_message(record.channel_id);
        m.interaction_id = Some(record.id);
        m.flags = messages::reply_flags(body);
        messages::apply_body(&mut m, body, &files);
        messages::store(state, m)
    };
    if let Some(r) = state.interactions.get_mut(&record.id) {
        r.followups.push(message_id);
    }
    Ok(Answer::ok(messages::json_of(state, message_id)?))
}

fn on_message(
    state: &mut StandInState,
    record: &InteractionRecord,
    message_id: u64,
    is_original: bool,
    method: &Method,
    body: &Value,
    uploads: &[Upload],
) -> Handled {
    match *method {
        Method::GET => Ok(Answer::ok(messages::json_of(state, message_id)?)),
        Method::PATCH => {
            let json = messages::edit(state, message_id, body, uploads)?;
            if is_original && let Some(r) = state.interactions.get_mut(&record.id) {
                r.original_edits += 1;
            }
            Ok(Answer::ok(json))
        }
        Method::DELETE => {
            if state.message_by_id(message_id).is_none() {
                return Err(ApiError::unknown_message());
            }
            messages::delete(state, message_id);
            Ok(Answer::no_content())
        }
        _ => Err(ApiError::method_not_allowed()),
    }
}
