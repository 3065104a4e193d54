//! Everything the stand-in remembers, and the read-only views tests get of it.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::config::Config;
use crate::gateway::sessions::Gateway;
use crate::ids::{BOT_USER_ID, CHANNEL_ID, Snowflakes};
use crate::interactions::InteractionRecord;
use crate::model::{Call, InteractionReply, StoredMessage, Thread, User};
use crate::ratelimit::RateLimitRule;
use crate::render::{self, Authored, Invoked};

/// A guild text channel.
#[derive(Clone, Debug)]
pub(crate) struct TextChannel {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) topic: Option<String>,
}

/// The stand-in's whole state; `wait_for` closures read it through these methods.
#[derive(Debug)]
pub struct StandInState {
    pub(crate) config: Config,
    pub(crate) started: Instant,
    pub(crate) ids: Snowflakes,
    pub(crate) channels: Vec<TextChannel>,
    pub(crate) threads: Vec<Thread>,
    pub(crate) messages: Vec<StoredMessage>,
    pub(crate) deleted: Vec<StoredMessage>,
    pub(crate) users: BTreeMap<u64, User>,
    pub(crate) commands: Vec<Value>,
    pub(crate) interactions: BTreeMap<u64, InteractionRecord>,
    pub(crate) calls: Vec<Call>,
    pub(crate) rate_limits: VecDeque<RateLimitRule>,
    pub(crate) gateway: Gateway,
    pub(crate) faults: Vec<String>,
    /// `(channel, nonce)` of posts made with `enforce_nonce`: the message
    /// and when, so a repeat within a few minutes returns that message.
    pub(crate) nonces: HashMap<(u64, String), (u64, Instant)>,
}

impl StandInState {
    pub(crate) fn new(config: Config) -> Self {
        let mut users = BTreeMap::new();
        for user in [render::bot_user(), User::owner()] {
            users.insert(user.id, user);
        }
        Self {
            config,
            started: Instant::now(),
            ids: Snowflakes::default(),
            channels: vec![TextChannel {
                id: CHANNEL_ID,
                name: "orders".into(),
                topic: None,
            }],
            threads: Vec::new(),
            messages: Vec::new(),
            deleted: Vec::new(),
            users,
            commands: Vec::new(),
            interactions: BTreeMap::new(),
            calls: Vec::new(),
            rate_limits: VecDeque::new(),
            gateway: Gateway::default(),
            faults: Vec::new(),
            nonces: HashMap::new(),
        }
    }

    /// Messages everyone sees in a channel or thread (not ephemeral ones), in creation order.
    pub fn messages(&self, channel_id: u64) -> Vec<&StoredMessage> {
        self.messages
            .iter()
            .filter(|m| m.channel_id == channel_id && !m.is_ephemeral())
            .collect()
    }

    /// Every message in a channel or thread, ephemeral ones included.
    pub fn all_messages(&self, channel_id: u64) -> Vec<&StoredMessage> {
        self.messages
            .iter()
            .filter(|m| m.channel_id == channel_id)
            .collect()
    }

    /// One message (ephemeral ones included).
    pub fn message(&self, channel_id: u64, message_id: u64) -> Option<&StoredMessage> {
        self.index_of(message_id)
            .map(|i| &self.messages[i])
            .filter(|m| m.channel_id == channel_id)
    }

    /// Messages deleted so far, as they were when deleted.
    pub fn deleted_messages(&self) -> &[StoredMessage] {
        &self.deleted
    }

    pub fn threads(&self) -> &[Thread] {
        &self.threads
    }

    pub fn thread(&self, thread_id: u64) -> Option<&Thread> {
        self.threads.iter().find(|t| t.id == thread_id)
    }

    pub fn calls(&self) -> &[Call] {
        &self.calls
    }

    /// Registered application commands (global, then guild), as Discord echoes them.
    pub fn commands(&self) -> &[Value] {
        &self.commands
    }

    /// How many gateway sessions identified (a restarted bot adds one).
    pub fn sessions(&self) -> usize {
        self.gateway.identifies
    }

    /// How many sessions were resumed.
    pub fn resumes(&self) -> usize {
        self.gateway.resumes
    }

    /// Heartbeats received (each answered with op 11).
    pub fn heartbeats(&self) -> usize {
        self.gateway.heartbeats
    }

    /// Whether some gateway session is identified (or resumed) and connected.
    pub fn connected(&self) -> bool {
        self.gateway
            .sessions
            .iter()
            .any(|s| s.conn.is_some() && !s.invalid)
    }

    /// The answer to an interaction, once it has one.
    pub fn reply(&self, interaction_id: u64) -> Option<InteractionReply> {
        self.interactions
            .get(&interaction_id)
            .and_then(|i| i.reply(self))
    }

    /// Problems the stand-in saw on its side, e.g. a dispatch serenity could not parse.
    pub fn faults(&self) -> &[String] {
        &self.faults
    }

    pub(crate) fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    pub(crate) fn next_id(&mut self) -> u64 {
        self.ids.next()
    }

    pub(crate) fn remember_user(&mut self, user: &User) {
        self.users.insert(user.id, user.clone());
    }

    pub(crate) fn user(&self, user_id: u64) -> User {
        self.users
            .get(&user_id)
            .cloned()
            .unwrap_or_else(|| User::new(user_id, format!("user{user_id}")))
    }

    pub(crate) fn text_channel(&self, channel_id: u64) -> Option<&TextChannel> {
        self.channels.iter().find(|c| c.id == channel_id)
    }

    /// Whether messages can be posted in `channel_id` (a text channel or a thread).
    pub(crate) fn channel_exists(&self, channel_id: u64) -> bool {
        self.text_channel(channel_id).is_some() || self.thread(channel_id).is_some()
    }

    pub(crate) fn channel_json(&self, channel_id: u64) -> Option<Value> {
        if let Some(position) = self.channels.iter().position(|c| c.id == channel_id) {
            let c = &self.channels[position];
            return Some(render::text_channel(
                c.id,
                &c.name,
                c.topic.as_deref(),
                position,
            ));
        }
        self.thread(channel_id).map(render::thread)
    }

    pub(crate) fn guild_json(&self) -> Value {
        let channels = (0..self.channels.len())
            .filter_map(|i| self.channel_json(self.channels[i].id))
            .collect();
        let threads = self
            .threads
            .iter()
            .filter(|t| !t.archived)
            .map(render::thread)
            .collect();
        render::guild(channels, threads)
    }

    pub(crate) fn message_mut(
        &mut self,
        channel_id: u64,
        message_id: u64,
    ) -> Option<&mut StoredMessage> {
        self.index_of(message_id)
            .map(|i| &mut self.messages[i])
            .filter(|m| m.channel_id == channel_id)
    }

    /// Where a message is: ids only grow, so messages are in id order and a
    /// binary search finds it (a linear search is the fallback).
    fn index_of(&self, message_id: u64) -> Option<usize> {
        self.messages
            .binary_search_by_key(&message_id, |m| m.id)
            .ok()
            .or_else(|| self.messages.iter().position(|m| m.id == message_id))
    }

    pub(crate) fn message_by_id(&self, message_id: u64) -> Option<&StoredMessage> {
        self.index_of(message_id).map(|i| &self.messages[i])
    }

    /// A stored message as Discord JSON (REST shape, or gateway shape with guild and member).
    pub(crate) fn message_json(&self, m: &StoredMessage, gateway: bool) -> Value {
        let author = self.user(m.author_id);
        let interaction = m
            .interaction_id
            .and_then(|id| self.interactions.get(&id))
            .map(|i| {
                let mut invoked = self.invoked(i);
                // A follow-up (any reply but the original) names the original response.
                invoked.original_response = i.original.filter(|&o| o != m.id);
                invoked.triggered_by = i
                    .opened_by
                    .and_then(|o| self.interactions.get(&o))
                    .map(|o| Box::new(self.invoked(o)));
                invoked
            });
        let thread = m.thread_id.and_then(|id| self.thread(id));
        render::message(
            &Authored {
                message: m,
                author: &author,
                interaction,
                thread,
            },
            gateway,
        )
    }

    /// How a message shows the interaction `i` it answers (without follow-up or modal links).
    fn invoked(&self, i: &InteractionRecord) -> Invoked {
        Invoked {
            id: i.id,
            kind: i.kind,
            name: i.command_name.clone().unwrap_or_default(),
            user: self.user(i.user_id),
            interacted_message: i.source_message,
            original_response: None,
            triggered_by: None,
        }
    }

    /// Stores a new message written by the bot; the caller fills content and flags.
    pub(crate) fn new_bot_message(&mut self, channel_id: u64) -> StoredMessage {
        let id = self.next_id();
        StoredMessage::new(id, channel_id, BOT_USER_ID)
    }

    /// A short description for timeout errors.
    pub(crate) fn summary(&self) -> String {
        let recent: Vec<String> = self
            .calls
            .iter()
            .rev()
            .take(8)
            .map(|c| format!("{} {} -> {}", c.method, c.path, c.status))
            .collect();
        format!(
            "sessions identified: {}, connected: {}, messages: {}, threads: {}, commands: {}, \
             interactions: {} ({} answered), faults: {:?}, last calls (newest first): {:?}",
            self.gateway.identifies,
            self.connected(),
            self.messages.len(),
            self.threads.len(),
            self.commands.len(),
            self.interactions.len(),
            self.interactions
                .values()
                .filter(|i| i.response.is_some())
                .count(),
            self.faults,
            recent,
        )
    }

    pub(crate) fn fault(&mut self, what: String) {
        tracing::error!(target: "chatorder_discord_standin", "{what}");
        self.faults.push(what);
    }

    /// The thread created from a message id, if any.
    pub(crate) fn thread_from(&self, message_id: u64) -> Option<&Thread> {
        self.threads
            .iter()
            .find(|t| t.parent_message_id == Some(message_id))
    }

    /// A fresh timestamp for edits.
    pub(crate) fn now() -> chrono::DateTime<chrono::Utc> {
        chrono::Utc::now()
    }
}
