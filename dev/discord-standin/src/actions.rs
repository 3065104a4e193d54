//! Acting as guild members: slash commands, clicks, selects, modal submits, typed messages.

use std::time::Instant;

use anyhow::{Context as _, anyhow, bail};
use serde_json::{Value, json};
use serenity::model::application::Interaction;
use serenity::model::id::InteractionId;

use crate::interactions::{self as ix, InteractionRecord, Trigger};
use crate::model::{StoredMessage, User};
use crate::rest::messages;
use crate::standin::StandIn;
use crate::state::StandInState;

impl StandIn {
    /// Runs `/command` as `user` in [`Self::CHANNEL_ID`]; `options` is Discord's options array.
    pub async fn slash(
        &self,
        user: &User,
        command: &str,
        options: Value,
    ) -> anyhow::Result<InteractionId> {
        self.slash_in(user, Self::CHANNEL_ID, command, options)
            .await
    }

    /// Runs `/command` as `user` in a channel or thread.
    pub async fn slash_in(
        &self,
        user: &User,
        channel_id: u64,
        command: &str,
        options: Value,
    ) -> anyhow::Result<InteractionId> {
        if !options.is_array() {
            bail!("options must be Discord's options array, got {options}");
        }
        self.shared.mutate(|s| {
            let registered = s
                .commands
                .iter()
                .filter(|c| c["name"] == command && c["type"].as_u64().unwrap_or(1) == 1)
                .max_by_key(|c| !c["guild_id"].is_null());
            let mut data = json!({ "name": command, "type": 1, "options": options });
            match registered {
                Some(c) => {
                    data["id"] = c["id"].clone();
                    if !c["guild_id"].is_null() {
                        data["guild_id"] = c["guild_id"].clone();
                    }
                }
                None => data["id"] = json!(s.next_id().to_string()),
            }
            let trigger = Trigger {
                kind: ix::APPLICATION_COMMAND,
                user,
                channel_id,
                data,
                message: None,
            };
            fire(s, &trigger, None, Some(command.to_owned()))
        })
    }

    /// Clicks the enabled button `custom_id` on a stored message.
    pub async fn click(
        &self,
        user: &User,
        channel_id: u64,
        message_id: u64,
        custom_id: &str,
    ) -> anyhow::Result<InteractionId> {
        self.shared.mutate(|s| {
            let message = s
                .message(channel_id, message_id)
                .ok_or_else(|| anyhow!("no message {message_id} in channel {channel_id}"))?;
            let button = message
                .component(custom_id)
                .filter(|c| c["type"] == 2)
                .ok_or_else(|| {
                    anyhow!(
                        "message {message_id} has no button {custom_id:?}; buttons: {:?}",
                        message.buttons()
                    )
                })?;
            if button["disabled"].as_bool().unwrap_or(false) {
                bail!("button {custom_id:?} on message {message_id} is disabled");
            }
            let json = s.message_json(message, false);
            let data = json!({ "custom_id": custom_id, "component_type": 2 });
            let trigger = Trigger {
                kind: ix::MESSAGE_COMPONENT,
                user,
                channel_id,
                data,
                message: Some(json),
            };
            fire(s, &trigger, Some(message_id), None)
        })
    }

    /// Picks `values` in the string select `custom_id` on a stored message.
    pub async fn select(
        &self,
        user: &User,
        channel_id: u64,
        message_id: u64,
        custom_id: &str,
        values: &[&str],
    ) -> anyhow::Result<InteractionId> {
        self.shared.mutate(|s| {
            let message = s
                .message(channel_id, message_id)
                .ok_or_else(|| anyhow!("no message {message_id} in channel {channel_id}"))?;
            let menu = message
                .component(custom_id)
                .filter(|c| c["type"] == 3)
                .ok_or_else(|| {
                    anyhow!("message {message_id} has no string select {custom_id:?}")
                })?;
            if menu["disabled"].as_bool().unwrap_or(false) {
                bail!("select {custom_id:?} is disabled");
            }
            let offered: Vec<&str> = menu["options"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|o| o["value"].as_str())
                .collect();
            if let Some(bad) = values.iter().find(|v| !offered.contains(v)) {
                bail!("select {custom_id:?} offers no {bad:?}; options: {offered:?}");
            }
            let (min, max) = (
                menu["min_values"].as_u64().unwrap_or(1),
                menu["max_values"].as_u64().unwrap_or(1),
            );
            let picked = values.len() as u64;
            if picked < min || picked > max {
                bail!("select {custom_id:?} takes {min}..={max} values, got {picked}");
            }
            let json = s.message_json(message, false);
            let data = json!({ "custom_id": custom_id, "component_type": 3, "values": values });
            let trigger = Trigger {
                kind: ix::MESSAGE_COMPONENT,
                user,
                channel_id,
                data,
                message: Some(json),
            };
            fire(s, &trigger, Some(message_id), None)
        })
    }

    /// Submits the modal `custom_id` the bot last showed `user`, with `(input custom_id, value)`.
    pub async fn submit_modal(
        &self,
        user: &User,
        custom_id: &str,
        fields: &[(&str, &str)],
    ) -> anyhow::Result<InteractionId> {
        self.shared.mutate(|s| {
            let opener = s
                .interactions
                .values()
                .rev()
                .find(|r| {
                    r.user_id == user.id
                        && !r.modal_used
                        && r.response
                            .as_ref()
                            .is_some_and(|x| x.kind == 9 && x.data["custom_id"] == custom_id)
                })
                .cloned()
                .ok_or_else(|| anyhow!("no modal {custom_id:?} is open for user {}", user.id))?;
            let modal = opener
                .response
                .as_ref()
                .map(|r| r.data.clone())
                .unwrap_or_default();
            let components = modal_answers(&modal, fields)?;
            if let Some(r) = s.interactions.get_mut(&opener.id) {
                r.modal_used = true;
            }
            let message = opener
                .source_message
                .and_then(|id| s.message_by_id(id))
                .map(|m| s.message_json(m, false));
            let data = json!({ "custom_id": custom_id, "components": components });
            let trigger = Trigger {
                kind: ix::MODAL_SUBMIT,
                user,
                channel_id: opener.channel_id,
                data,
                message,
            };
            let fired = fire(
                s,
                &trigger,
                opener.source_message,
                opener.command_name.clone(),
            )?;
            if let Some(r) = s.interactions.get_mut(&fired.get()) {
                r.opened_by = Some(opener.id);
            }
            Ok(fired)
        })
    }

    /// `user` types `content` in a channel or thread: MESSAGE_CREATE (without content unless
    /// the bot has the MESSAGE_CONTENT intent or is mentioned). Returns the message id.
    pub async fn post_user_message(
        &self,
        user: &User,
        channel_id: u64,
        content: &str,
    ) -> anyhow::Result<u64> {
        self.shared.mutate(|s| {
            if !s.channel_exists(channel_id) {
                bail!("no channel or thread {channel_id}");
            }
            if let Some(thread) = s.threads.iter_mut().find(|t| t.id == channel_id) {
                if thread.locked {
                    bail!("thread {channel_id} is locked");
                }
                thread.archived = false;
            }
            s.remember_user(user);
            let id = s.next_id();
            let mut m = StoredMessage::new(id, channel_id, user.id);
            m.content = content.to_owned();
            Ok(messages::store(s, m))
        })
    }
}

/// Records and dispatches an interaction after checking serenity can parse it.
fn fire(
    s: &mut StandInState,
    trigger: &Trigger<'_>,
    source_message: Option<u64>,
    command_name: Option<String>,
) -> anyhow::Result<InteractionId> {
    if !s.has_target() {
        bail!(
            "no gateway session to dispatch to: has the bot connected? {}",
            s.summary()
        );
    }
    if !s.channel_exists(trigger.channel_id) {
        bail!("no channel or thread {}", trigger.channel_id);
    }
    s.remember_user(trigger.user);
    let id = s.next_id();
    let token = ix::token(id);
    let payload = ix::payload(s, id, &token, trigger);
    serde_json::from_value::<Interaction>(payload.clone())
        .with_context(|| format!("serenity would not parse this interaction: {payload}"))?;
    s.interactions.insert(
        id,
        InteractionRecord {
            id,
            token,
            kind: trigger.kind,
            user_id: trigger.user.id,
            channel_id: trigger.channel_id,
            source_message,
            command_name,
            dispatched_at: Instant::now(),
            response: None,
            original: None,
            original_edits: 0,
            followups: Vec::new(),
            modal_used: false,
            opened_by: None,
        },
    );
    s.dispatch_guild("INTERACTION_CREATE", |_, _| Some(payload));
    Ok(InteractionId::new(id))
}

/// The submitted rows, in the modal's order; every given field must exist, required ones must
/// be given.
fn modal_answers(modal: &Value, fields: &[(&str, &str)]) -> anyhow::Result<Vec<Value>> {
    let inputs: Vec<&Value> = modal["components"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|row| row["components"].as_array().and_then(|c| c.first()))
        .collect();
    for (field, _) in fields {
        if !inputs.iter().any(|i| i["custom_id"] == *field) {
            bail!("the modal has no input {field:?}");
        }
    }
    let mut rows = Vec::new();
    for input in inputs {
        let input_id = input["custom_id"].as_str().unwrap_or_default();
        let value = fields.iter().find(|(f, _)| *f == input_id).map(|(_, v)| *v);
        if value.is_none_or(str::is_empty) && input["required"].as_bool().unwrap_or(true) {
            bail!("the modal's input {input_id:?} is required");
        }
        rows.push(json!({ "type": 1, "components": [
            { "type": 4, "custom_id": input_id, "value": value.unwrap_or_default() }
        ]}));
    }
    Ok(rows)
}
