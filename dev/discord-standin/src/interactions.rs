//! Interactions: the INTERACTION_CREATE payloads users trigger, and what the bot answered.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::ids::{APP_ID, GUILD_ID};
use crate::model::{EPHEMERAL, InteractionReply, LOADING, StoredMessage, User};
use crate::multipart::Upload;
use crate::render::{self, id};
use crate::state::StandInState;

/// Interaction types (Discord's `type`).
pub(crate) const APPLICATION_COMMAND: u8 = 2;
pub(crate) const MESSAGE_COMPONENT: u8 = 3;
pub(crate) const MODAL_SUBMIT: u8 = 5;

/// The callback an interaction got.
#[derive(Clone, Debug)]
pub(crate) struct Responded {
    pub(crate) kind: u8,
    pub(crate) data: Value,
    pub(crate) after: Duration,
}

/// One interaction the stand-in dispatched.
#[derive(Clone, Debug)]
pub(crate) struct InteractionRecord {
    pub(crate) id: u64,
    pub(crate) token: String,
    pub(crate) kind: u8,
    pub(crate) user_id: u64,
    pub(crate) channel_id: u64,
    /// The message whose component was clicked (or that opened the submitted modal).
    pub(crate) source_message: Option<u64>,
    pub(crate) command_name: Option<String>,
    pub(crate) dispatched_at: Instant,
    pub(crate) response: Option<Responded>,
    /// The message `@original` refers to.
    pub(crate) original: Option<u64>,
    /// Edits of `@original` after the callback (a first follow-up after a deferral counts).
    pub(crate) original_edits: u32,
    pub(crate) followups: Vec<u64>,
    /// For a modal answer (type 9): whether the user already submitted it.
    pub(crate) modal_used: bool,
    /// For a modal submit (type 5): the interaction whose answer opened the modal.
    pub(crate) opened_by: Option<u64>,
}

impl InteractionRecord {
    fn message(&self, state: &StandInState, message_id: u64) -> Option<StoredMessage> {
        state
            .message_by_id(message_id)
            .or_else(|| state.deleted.iter().find(|m| m.id == message_id))
            .cloned()
    }

    fn followup_messages(&self, state: &StandInState) -> Vec<StoredMessage> {
        self.followups
            .iter()
            .filter(|&&id| Some(id) != self.original)
            .filter_map(|&id| self.message(state, id))
            .collect()
    }

    /// The callback as sent: content, embeds, components of its data.
    pub(crate) fn reply(&self, state: &StandInState) -> Option<InteractionReply> {
        let r = self.response.as_ref()?;
        let data = &r.data;
        let original = self.original.and_then(|id| self.message(state, id));
        let flags = data["flags"].as_u64().unwrap_or(0);
        let ephemeral = match r.kind {
            6 | 7 => original.as_ref().is_some_and(StoredMessage::is_ephemeral),
            _ => flags & EPHEMERAL != 0,
        };
        let list = |key: &str| data[key].as_array().cloned().unwrap_or_default();
        Some(InteractionReply {
            kind: r.kind,
            content: data["content"].as_str().map(str::to_owned),
            ephemeral,
            embeds: list("embeds"),
            components: list("components"),
            followups: self.followup_messages(state),
            answered_after: r.after,
            message_id: self.original,
            modal: (r.kind == 9).then(|| data.clone()),
            data: data.clone(),
            attachments: original.map(|m| m.attachments).unwrap_or_default(),
        })
    }

    /// The outcome once a deferred answer (5, 6) was completed by an `@original` edit or a
    /// follow-up; other answers are final at once.
    pub(crate) fn final_reply(&self, state: &StandInState) -> Option<InteractionReply> {
        let mut reply = self.reply(state)?;
        if !matches!(reply.kind, 5 | 6) {
            return Some(reply);
        }
        let outcome = if self.original_edits > 0 {
            self.original.and_then(|id| self.message(state, id))
        } else {
            self.followup_messages(state).into_iter().next()
        }?;
        reply.content = Some(outcome.content.clone());
        reply.embeds = outcome.embeds.clone();
        reply.components = outcome.components.clone();
        reply.ephemeral = outcome.is_ephemeral();
        reply.attachments = outcome.attachments.clone();
        Some(reply)
    }
}

/// A random-enough interaction token (Discord's are long opaque strings).
/// Every interaction token starts with this, then the interaction id and `:`.
const TOKEN_PREFIX: &str = "aW50ZXJhY3Rpb246";

/// The interaction id a token names (whether the token is genuine is for
/// the caller to check against the record).
pub(crate) fn token_id(token: &str) -> Option<u64> {
    token
        .strip_prefix(TOKEN_PREFIX)?
        .split_once(':')?
        .0
        .parse()
        .ok()
}

pub(crate) fn token(interaction_id: u64) -> String {
    let mut out = format!("{TOKEN_PREFIX}{interaction_id}:");
    for salt in 0..3u64 {
        let mut h = RandomState::new().build_hasher();
        h.write_u64(interaction_id ^ salt);
        out.push_str(&format!("{:016x}", h.finish()));
    }
    out
}

/// What a user did, to become an INTERACTION_CREATE.
pub(crate) struct Trigger<'a> {
    pub(crate) kind: u8,
    pub(crate) user: &'a User,
    pub(crate) channel_id: u64,
    pub(crate) data: Value,
    pub(crate) message: Option<Value>,
}

/// The INTERACTION_CREATE payload (guild shape: `member` carries the user).
pub(crate) fn payload(
    state: &StandInState,
    interaction_id: u64,
    token: &str,
    t: &Trigger<'_>,
) -> Value {
    let channel = state.channel_json(t.channel_id).unwrap_or(Value::Null);
    let mut v = json!({
        "id": id(interaction_id),
        "application_id": id(APP_ID),
        "type": t.kind,
        "token": token,
        "version": 1,
        "guild_id": id(GUILD_ID),
        "channel_id": id(t.channel_id),
        "channel": {
            "id": id(t.channel_id),
            "type": channel["type"],
            "name": channel["name"],
            "parent_id": channel["parent_id"],
            "thread_metadata": channel["thread_metadata"],
            "permissions": render::permissions(t.user).to_string(),
        },
        "member": render::member(t.user, true, true),
        "app_permissions": render::perms::ALL.to_string(),
        "locale": "en-US",
        "guild_locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": { "0": id(GUILD_ID) },
        "context": 0,
        "attachment_size_limit": 26_214_400,
        "data": t.data,
    });
    if let Some(message) = &t.message {
        v["message"] = message.clone();
    }
    v
}

/// The message a callback's data produces (types 4 and 5), not yet stored.
pub(crate) fn response_message(
    state: &mut StandInState,
    record: &InteractionRecord,
    kind: u8,
    data: &Value,
    uploads: &[Upload],
) -> StoredMessage {
    let files = crate::rest::messages::new_files(state, uploads);
    let mut m = state.new_bot_message(record.channel_id);
    m.interaction_id = Some(record.id);
    m.kind = if record.kind == APPLICATION_COMMAND {
        20
    } else {
        19
    };
    m.flags = crate::rest::messages::reply_flags(data);
    if kind == 5 {
        m.flags |= LOADING;
    } else {
        crate::rest::messages::apply_body(&mut m, data, &files);
    }
    m
}

#[cfg(test)]
mod tests {
    use serenity::model::application::Interaction;

    use super::*;
    use crate::config::Config;
    use crate::ids::CHANNEL_ID;

    #[test]
    fn serenity_reads_slash_click_and_modal_payloads() {
        let state = StandInState::new(Config::default());
        let user = User::staff(42, "ann");
        let slash = Trigger {
            kind: APPLICATION_COMMAND,
            user: &user,
            channel_id: CHANNEL_ID,
            data: json!({"id": "9", "name": "price", "type": 1, "options": [
                {"name": "set", "type": 1, "options": [{"name": "cents", "type": 4, "value": 1250}]}]}),
            message: None,
        };
        let v = payload(&state, 11, &token(11), &slash);
        let Interaction::Command(cmd) =
            serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{e}: {v}"))
        else {
            panic!("not a command");
        };
        assert_eq!(cmd.user.id.get(), 42, "serenity copies member.user to user");
        assert_eq!(cmd.data.options.len(), 1);
        assert!(cmd.member.and_then(|m| m.permissions).is_some());

        let message = state.message_json(
            &StoredMessage::new(77, CHANNEL_ID, crate::ids::BOT_USER_ID),
            false,
        );
        let click = Trigger {
            kind: MESSAGE_COMPONENT,
            user: &user,
            channel_id: CHANNEL_ID,
            data: json!({"custom_id": "accept", "component_type": 2}),
            message: Some(message.clone()),
        };
        let v = payload(&state, 12, &token(12), &click);
        assert!(
            matches!(
                serde_json::from_value(v.clone()),
                Ok(Interaction::Component(_))
            ),
            "{v}"
        );

        let modal = Trigger {
            kind: MODAL_SUBMIT,
            user: &user,
            channel_id: CHANNEL_ID,
            data: json!({"custom_id": "why", "components": [
                {"type": 1, "components": [{"type": 4, "custom_id": "reason", "value": "sold out"}]}]}),
            message: Some(message),
        };
        let v = payload(&state, 13, &token(13), &modal);
        assert!(
            matches!(serde_json::from_value(v.clone()), Ok(Interaction::Modal(_))),
            "{v}"
        );
    }

    #[test]
    fn tokens_differ() {
        assert_ne!(token(1), token(1));
    }
}
