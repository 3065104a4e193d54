//! Discord JSON for users, members, messages, channels, the guild and the application.
//!
//! Objects serenity deserializes with many required fields start from serenity's own
//! `Default` serialized, so every field it expects is present.

use std::sync::LazyLock;

use serde_json::{Value, json};
use serenity::model::channel::{GuildChannel, Message};
use serenity::model::guild::{Guild, Role};

use crate::ids::{self, APP_ID, BOT_USER_ID, GUILD_ID, OWNER_ROLE_ID, OWNER_USER_ID};
use crate::model::{Attachment, StoredMessage, Thread, User};

static MESSAGE_BASE: LazyLock<Value> = LazyLock::new(|| to_value(&Message::default()));
static CHANNEL_BASE: LazyLock<Value> = LazyLock::new(|| to_value(&GuildChannel::default()));
static GUILD_BASE: LazyLock<Value> = LazyLock::new(|| to_value(&Guild::default()));
static ROLE_BASE: LazyLock<Value> = LazyLock::new(|| to_value(&Role::default()));

fn to_value(v: &impl serde::Serialize) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// Snowflakes travel as strings.
pub(crate) fn id(v: u64) -> Value {
    Value::String(v.to_string())
}

fn ids(list: &[u64]) -> Value {
    list.iter().copied().map(id).collect()
}

/// Permission bits (as Discord's decimal strings).
pub(crate) mod perms {
    pub(crate) const VIEW_CHANNEL: u64 = 1 << 10;
    pub(crate) const SEND_MESSAGES: u64 = 1 << 11;
    pub(crate) const MANAGE_MESSAGES: u64 = 1 << 13;
    pub(crate) const EMBED_LINKS: u64 = 1 << 14;
    pub(crate) const READ_MESSAGE_HISTORY: u64 = 1 << 16;
    pub(crate) const USE_APPLICATION_COMMANDS: u64 = 1 << 31;
    pub(crate) const MANAGE_GUILD: u64 = 1 << 5;
    pub(crate) const ADMINISTRATOR: u64 = 1 << 3;
    pub(crate) const CREATE_PUBLIC_THREADS: u64 = 1 << 35;
    pub(crate) const SEND_MESSAGES_IN_THREADS: u64 = 1 << 38;
    pub(crate) const EVERYONE: u64 = VIEW_CHANNEL
        | SEND_MESSAGES
        | EMBED_LINKS
        | READ_MESSAGE_HISTORY
        | USE_APPLICATION_COMMANDS
        | SEND_MESSAGES_IN_THREADS;
    pub(crate) const OWNER_ROLE: u64 = MANAGE_GUILD | MANAGE_MESSAGES | CREATE_PUBLIC_THREADS;
    /// Every permission (the guild owner's).
    pub(crate) const ALL: u64 = ((1 << 50) - 1) | ADMINISTRATOR;
}

/// A member's permissions: `@everyone`, plus the owner role's, everything for the guild owner.
pub(crate) fn permissions(user: &User) -> u64 {
    if user.id == OWNER_USER_ID {
        return perms::ALL;
    }
    let mut bits = perms::EVERYONE;
    if user.roles.contains(&OWNER_ROLE_ID) {
        bits |= perms::OWNER_ROLE;
    }
    bits
}

pub(crate) fn bot_user() -> User {
    User::new(BOT_USER_ID, "chatorder")
}

pub(crate) fn user(u: &User) -> Value {
    json!({
        "id": id(u.id),
        "username": u.name,
        "global_name": u.name,
        "discriminator": "0",
        "avatar": null,
        "bot": u.id == BOT_USER_ID,
        "system": false,
        "public_flags": 0,
    })
}

/// A guild member; `with_permissions` for interactions, `with_user` except in message payloads.
pub(crate) fn member(u: &User, with_user: bool, with_permissions: bool) -> Value {
    let mut m = json!({
        "nick": null,
        "avatar": null,
        "roles": ids(&u.roles),
        "joined_at": ids::timestamp(ids::created_at(GUILD_ID)),
        "premium_since": null,
        "deaf": false,
        "mute": false,
        "flags": 0,
        "pending": false,
        "communication_disabled_until": null,
    });
    if with_user {
        m["user"] = user(u);
    }
    if with_permissions {
        m["permissions"] = Value::String(permissions(u).to_string());
    }
    m
}

/// The interaction a message answers, as `interaction` and `interaction_metadata` show it.
pub(crate) struct Invoked {
    pub(crate) id: u64,
    pub(crate) kind: u8,
    /// The command's name (empty for components and modals).
    pub(crate) name: String,
    pub(crate) user: User,
    /// A component's message (`interacted_message_id`, which Discord always sends for type 3).
    pub(crate) interacted_message: Option<u64>,
    /// Set on follow-ups: the interaction's original response.
    pub(crate) original_response: Option<u64>,
    /// For a modal submit (type 5): the interaction that opened the modal.
    pub(crate) triggered_by: Option<Box<Invoked>>,
}

/// Discord's `interaction_metadata`: its fields depend on the interaction's type.
fn interaction_metadata(i: &Invoked) -> Value {
    let mut meta = json!({
        "id": id(i.id), "type": i.kind, "user": user(&i.user),
        "authorizing_integration_owners": { "0": id(GUILD_ID) },
    });
    if let Some(original) = i.original_response {
        meta["original_response_message_id"] = id(original);
    }
    if i.kind == 3 {
        // Discord always names the component's message; a record without one still
        // gets a well-formed object (serenity requires the field).
        meta["interacted_message_id"] = id(i.interacted_message.unwrap_or(i.id));
    }
    if i.kind == 5
        && let Some(opener) = &i.triggered_by
    {
        meta["triggering_interaction_metadata"] = interaction_metadata(opener);
    }
    meta
}

/// Who wrote a message, looked up by the caller.
pub(crate) struct Authored<'a> {
    pub(crate) message: &'a StoredMessage,
    pub(crate) author: &'a User,
    /// For interaction replies: the interaction that the message answers.
    pub(crate) interaction: Option<Invoked>,
    pub(crate) thread: Option<&'a Thread>,
}

/// A message as REST returns it; `gateway` adds `guild_id` and `member` like MESSAGE_CREATE.
pub(crate) fn message(m: &Authored<'_>, gateway: bool) -> Value {
    let msg = m.message;
    let mut v = MESSAGE_BASE.clone();
    v["id"] = id(msg.id);
    v["channel_id"] = id(msg.channel_id);
    v["author"] = user(m.author);
    v["content"] = Value::String(msg.content.clone());
    v["timestamp"] = Value::String(ids::timestamp(msg.created_at));
    v["edited_timestamp"] = msg
        .edited_at
        .map_or(Value::Null, |t| Value::String(ids::timestamp(t)));
    v["embeds"] = Value::Array(msg.embeds.iter().map(normalize_embed).collect());
    v["components"] = Value::Array(msg.components.clone());
    v["flags"] = json!(msg.flags);
    v["type"] = json!(msg.kind);
    v["mentions"] = json!([]);
    v["mention_roles"] = json!([]);
    v["attachments"] = msg
        .attachments
        .iter()
        .map(|a| attachment(a, msg.channel_id, msg.is_ephemeral()))
        .collect();
    if let Some(reply_to) = msg.reply_to {
        v["message_reference"] = json!({
            "type": 0, "message_id": id(reply_to), "channel_id": id(msg.channel_id), "guild_id": id(GUILD_ID)
        });
    }
    if let Some(i) = &m.interaction {
        v["webhook_id"] = id(APP_ID);
        v["application_id"] = id(APP_ID);
        v["interaction"] =
            json!({ "id": id(i.id), "type": i.kind, "name": i.name, "user": user(&i.user) });
        v["interaction_metadata"] = interaction_metadata(i);
    }
    if let Some(thread) = m.thread {
        v["thread"] = self::thread(thread);
    }
    if gateway {
        v["guild_id"] = id(GUILD_ID);
        v["member"] = member(m.author, false, false);
    }
    v
}

/// An attachment as Discord shows it; the URLs are well formed but serve nothing.
fn attachment(a: &Attachment, channel_id: u64, ephemeral: bool) -> Value {
    let url = format!(
        "https://cdn.discordapp.com/attachments/{channel_id}/{}/{}",
        a.id, a.filename
    );
    let mut v = json!({
        "id": id(a.id),
        "filename": a.filename,
        "size": a.bytes.len(),
        "url": url,
        "proxy_url": url.replace("cdn.discordapp.com", "media.discordapp.net"),
        "content_type": a.content_type,
        "ephemeral": ephemeral,
    });
    if let Some(d) = &a.description {
        v["description"] = json!(d);
    }
    v
}

/// Discord echoes embeds with `type: "rich"` and `inline` on every field.
fn normalize_embed(embed: &Value) -> Value {
    let mut e = embed.clone();
    if e.get("type").is_none() {
        e["type"] = json!("rich");
    }
    if let Some(fields) = e.get_mut("fields").and_then(Value::as_array_mut) {
        for field in fields {
            if field.get("inline").is_none() {
                field["inline"] = json!(false);
            }
        }
    }
    e
}

/// A guild text channel (type 0).
pub(crate) fn text_channel(
    channel_id: u64,
    name: &str,
    topic: Option<&str>,
    position: usize,
) -> Value {
    let mut v = CHANNEL_BASE.clone();
    v["id"] = id(channel_id);
    v["type"] = json!(0);
    v["guild_id"] = id(GUILD_ID);
    v["name"] = json!(name);
    v["topic"] = json!(topic);
    v["position"] = json!(position);
    v["nsfw"] = json!(false);
    v["parent_id"] = Value::Null;
    v["permission_overwrites"] = json!([]);
    v["rate_limit_per_user"] = json!(0);
    v
}

/// A thread channel (type 11 public, 12 private).
pub(crate) fn thread(t: &Thread) -> Value {
    let mut v = CHANNEL_BASE.clone();
    v["id"] = id(t.id);
    v["type"] = json!(t.kind);
    v["guild_id"] = id(GUILD_ID);
    v["parent_id"] = id(t.parent_channel_id);
    v["owner_id"] = id(BOT_USER_ID);
    v["name"] = json!(t.name);
    v["rate_limit_per_user"] = json!(0);
    v["message_count"] = json!(0);
    v["member_count"] = json!(t.members.len() + 1);
    v["total_message_sent"] = json!(0);
    v["flags"] = json!(0);
    v["permission_overwrites"] = json!([]);
    v["thread_metadata"] = json!({
        "archived": t.archived,
        "auto_archive_duration": t.auto_archive_duration,
        "archive_timestamp": ids::timestamp(ids::created_at(t.id)),
        "locked": t.locked,
        "create_timestamp": ids::timestamp(ids::created_at(t.id)),
    });
    v
}

/// The two roles of the guild: `@everyone` (id = guild id) and the owner role.
pub(crate) fn roles() -> Value {
    let role = |role_id: u64, name: &str, permissions: u64, position: u64| {
        let mut r = ROLE_BASE.clone();
        r["id"] = id(role_id);
        r["guild_id"] = id(GUILD_ID);
        r["name"] = json!(name);
        r["position"] = json!(position);
        r["permissions"] = json!(permissions.to_string());
        r
    };
    json!([
        role(GUILD_ID, "@everyone", perms::EVERYONE, 0),
        role(OWNER_ROLE_ID, "Shop owner", perms::OWNER_ROLE, 1),
    ])
}

/// The guild; `channels` are the text channels and active threads as JSON.
pub(crate) fn guild(channels: Vec<Value>, threads: Vec<Value>) -> Value {
    let mut v = GUILD_BASE.clone();
    v["id"] = id(GUILD_ID);
    v["name"] = json!("Chatorder Shop");
    v["owner_id"] = id(OWNER_USER_ID);
    v["roles"] = roles();
    v["channels"] = Value::Array(channels);
    v["threads"] = Value::Array(threads);
    v["members"] = json!([member(&bot_user(), true, false)]);
    v["member_count"] = json!(2);
    v["joined_at"] = json!(ids::timestamp(ids::created_at(GUILD_ID)));
    v["preferred_locale"] = json!("en-US");
    v
}

/// `GET /oauth2/applications/@me`.
pub(crate) fn application() -> Value {
    json!({
        "id": id(APP_ID),
        "name": "chatorder",
        "icon": null,
        "description": "Shops take orders in chat",
        "rpc_origins": [],
        "bot_public": false,
        "bot_require_code_grant": false,
        "bot": user(&bot_user()),
        "owner": user(&User::owner()),
        "verify_key": "0000000000000000000000000000000000000000000000000000000000000000",
        "team": null,
        "flags": 0,
        "tags": [],
        "role_connections_verification_url": null,
        "approximate_guild_count": 1,
        "approximate_user_install_count": 0,
        "redirect_uris": [],
        "interactions_endpoint_url": null,
    })
}

#[cfg(test)]
mod tests {
    use serenity::model::prelude as m;

    use super::*;

    fn parse<T: serde::de::DeserializeOwned>(v: Value) -> T {
        serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{e}: {v:#}"))
    }

    #[test]
    fn serenity_reads_every_rendered_object() {
        let owner = User::owner();
        let mut stored = StoredMessage::new(ids::CHANNEL_ID + 100, ids::CHANNEL_ID, BOT_USER_ID);
        stored.content = "hi".into();
        stored.embeds = vec![json!({"title": "t", "fields": [{"name": "a", "value": "b"}]})];
        stored.components = vec![json!({"type": 1, "components": [
            {"type": 2, "style": 1, "label": "Accept", "custom_id": "accept"}]})];
        stored.reply_to = Some(ids::CHANNEL_ID + 50);
        let thread = Thread {
            id: stored.id,
            parent_channel_id: ids::CHANNEL_ID,
            parent_message_id: Some(stored.id),
            name: "order".into(),
            kind: 11,
            archived: false,
            locked: false,
            auto_archive_duration: 1440,
            members: vec![],
        };
        let authored = Authored {
            message: &stored,
            author: &bot_user(),
            interaction: Some(Invoked {
                id: 7,
                kind: 2,
                name: "board".into(),
                user: owner.clone(),
                interacted_message: None,
                original_response: None,
                triggered_by: None,
            }),
            thread: Some(&thread),
        };
        let msg: m::Message = parse(message(&authored, true));
        assert_eq!(msg.content, "hi");
        assert_eq!(msg.embeds[0].fields[0].name, "a");
        assert_eq!(msg.components.len(), 1);
        assert_eq!(msg.guild_id, Some(m::GuildId::new(GUILD_ID)));
        assert!(msg.thread.is_some());
        let _: m::Message = parse(message(&authored, false));
        // A follow-up to a button press, and the reply to a modal that a button opened:
        // serenity needs `interacted_message_id` and `triggering_interaction_metadata`.
        let button = Invoked {
            id: 8,
            kind: 3,
            name: String::new(),
            user: owner.clone(),
            interacted_message: Some(stored.id),
            original_response: Some(9),
            triggered_by: None,
        };
        let followup = Authored {
            interaction: Some(button),
            ..authored
        };
        let msg: m::Message = parse(message(&followup, false));
        match msg.interaction_metadata.as_deref() {
            Some(m::MessageInteractionMetadata::Component(c)) => {
                assert_eq!(c.interacted_message_id.get(), stored.id);
                assert_eq!(c.original_response_message_id.map(|i| i.get()), Some(9));
            }
            other => panic!("not a component's metadata: {other:?}"),
        }
        let modal = Authored {
            interaction: Some(Invoked {
                id: 10,
                kind: 5,
                name: String::new(),
                user: owner.clone(),
                interacted_message: Some(stored.id),
                original_response: None,
                triggered_by: followup.interaction.map(Box::new),
            }),
            ..followup
        };
        let msg: m::Message = parse(message(&modal, true));
        assert!(
            matches!(
                msg.interaction_metadata.as_deref(),
                Some(m::MessageInteractionMetadata::ModalSubmit(_))
            ),
            "{:?}",
            msg.interaction_metadata
        );
        let ch: m::GuildChannel = parse(text_channel(ids::CHANNEL_ID, "board", None, 0));
        assert_eq!(ch.kind, m::ChannelType::Text);
        let th: m::GuildChannel = parse(self::thread(&thread));
        assert_eq!(th.kind, m::ChannelType::PublicThread);
        assert_eq!(th.parent_id, Some(m::ChannelId::new(ids::CHANNEL_ID)));
        let _: m::Member = parse(member(&owner, true, true));
        let _: m::CurrentUser = parse(user(&bot_user()));
        let _: m::CurrentApplicationInfo = parse(application());
        let _: Vec<m::Role> = parse(roles());
        let g = guild(
            vec![text_channel(ids::CHANNEL_ID, "board", None, 0)],
            vec![],
        );
        let _: m::PartialGuild = parse(g.clone());
        let full: m::Guild = parse(g);
        assert_eq!(full.channels.len(), 1);
    }

    #[test]
    fn permissions_follow_roles() {
        let member = User::new(42, "ann");
        assert_eq!(permissions(&member) & perms::MANAGE_GUILD, 0);
        assert_ne!(permissions(&User::staff(43, "bo")) & perms::MANAGE_GUILD, 0);
        assert_ne!(permissions(&User::owner()) & perms::ADMINISTRATOR, 0);
    }
}
