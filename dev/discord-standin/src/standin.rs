//! The handle tests and the demo hold: start, act as users, read and wait on what happened.

use std::future::Future;
use std::net::SocketAddr;
use std::panic::Location;
use std::sync::Arc;
use std::time::Duration;

use anyhow::bail;
use serde_json::Value;
use serenity::model::id::InteractionId;
use tokio_util::sync::DropGuard;

use crate::config::Config;
use crate::ids;
use crate::model::{Call, InteractionReply, StoredMessage, Thread};
use crate::ratelimit::RateLimitRule;
use crate::shared::Shared;
use crate::state::{StandInState, TextChannel};

/// A running stand-in. Clones share it; it stops when the last clone is dropped.
#[derive(Clone, Debug)]
pub struct StandIn {
    pub(crate) shared: Arc<Shared>,
    _stop_on_drop: Arc<DropGuard>,
}

impl StandIn {
    pub const GUILD_ID: u64 = ids::GUILD_ID;
    pub const APP_ID: u64 = ids::APP_ID;
    pub const BOT_USER_ID: u64 = ids::BOT_USER_ID;
    /// The default text channel (the owners' board).
    pub const CHANNEL_ID: u64 = ids::CHANNEL_ID;
    pub const OWNER_USER_ID: u64 = ids::OWNER_USER_ID;
    pub const OWNER_ROLE_ID: u64 = ids::OWNER_ROLE_ID;

    /// Starts on `127.0.0.1` with a free port.
    pub async fn start() -> anyhow::Result<Self> {
        Self::start_with(Config::default()).await
    }

    /// Starts on a given address (for the demo).
    pub async fn start_on(addr: SocketAddr) -> anyhow::Result<Self> {
        Self::start_with(Config::default().addr(addr)).await
    }

    pub async fn start_with(config: Config) -> anyhow::Result<Self> {
        let shared = crate::server::start(config).await?;
        let guard = shared.shutdown.clone().drop_guard();
        Ok(Self {
            shared,
            _stop_on_drop: Arc::new(guard),
        })
    }

    /// `http://127.0.0.1:PORT`, for `HttpBuilder::proxy`.
    pub fn url(&self) -> String {
        format!("http://{}", crate::server::local_host(self.shared.addr))
    }

    pub fn addr(&self) -> SocketAddr {
        self.shared.addr
    }

    /// Stops serving and closes gateway connections (also done when the last clone drops).
    pub fn shutdown(&self) {
        self.shared.shutdown.cancel();
    }

    /// Reads the state under its lock.
    pub fn read<R>(&self, f: impl FnOnce(&StandInState) -> R) -> R {
        self.shared.read(f)
    }

    /// Waits until `f` returns `Some`, re-checking on every change; the error on timeout names
    /// the caller's line and summarises the state.
    #[track_caller]
    pub fn wait_for<T>(
        &self,
        timeout: Duration,
        f: impl FnMut(&StandInState) -> Option<T>,
    ) -> impl Future<Output = anyhow::Result<T>> {
        let what = format!("condition at {}", Location::caller());
        let shared = Arc::clone(&self.shared);
        async move { wait(&shared, timeout, &what, f).await }
    }

    /// Waits until a gateway session has identified (got READY) and is connected.
    pub async fn wait_ready(&self, timeout: Duration) -> anyhow::Result<()> {
        wait(
            &self.shared,
            timeout,
            "a gateway session to get READY",
            |s| (s.sessions() > 0 && s.connected()).then_some(()),
        )
        .await
    }

    /// Waits until `n` sessions in all have identified (a restarted bot makes it 2).
    pub async fn wait_sessions(&self, n: usize, timeout: Duration) -> anyhow::Result<()> {
        let what = format!("{n} gateway sessions to identify");
        wait(&self.shared, timeout, &what, |s| {
            (s.sessions() >= n && s.connected()).then_some(())
        })
        .await
    }

    /// How many gateway sessions identified.
    pub fn sessions(&self) -> usize {
        self.read(StandInState::sessions)
    }

    /// Waits until the interaction got its callback.
    pub async fn response(
        &self,
        id: InteractionId,
        timeout: Duration,
    ) -> anyhow::Result<InteractionReply> {
        let what = format!("interaction {id} to be answered");
        wait(&self.shared, timeout, &what, |s| s.reply(id.get())).await
    }

    /// Like [`Self::response`], but for deferred answers (5, 6) waits for the `@original` edit
    /// or first follow-up and reports that message's content, embeds and components.
    pub async fn response_final(
        &self,
        id: InteractionId,
        timeout: Duration,
    ) -> anyhow::Result<InteractionReply> {
        let what = format!("interaction {id} to be answered and its deferral completed");
        wait(&self.shared, timeout, &what, |s| {
            s.interactions.get(&id.get()).and_then(|r| r.final_reply(s))
        })
        .await
    }

    /// Messages everyone sees in a channel or thread, in creation order, as they are now.
    pub fn messages(&self, channel_id: u64) -> Vec<StoredMessage> {
        self.read(|s| s.messages(channel_id).into_iter().cloned().collect())
    }

    /// One message (ephemeral ones included).
    pub fn message(&self, channel_id: u64, message_id: u64) -> Option<StoredMessage> {
        self.read(|s| s.message(channel_id, message_id).cloned())
    }

    pub fn threads(&self) -> Vec<Thread> {
        self.read(|s| s.threads().to_vec())
    }

    /// Every REST call so far.
    pub fn calls(&self) -> Vec<Call> {
        self.read(|s| s.calls().to_vec())
    }

    /// Calls no route matched: what the stand-in (or the bot) got wrong.
    pub fn unmatched_calls(&self) -> Vec<Call> {
        self.read(|s| s.calls().iter().filter(|c| c.unmatched).cloned().collect())
    }

    /// The next `n` REST calls (any route but `GET /gateway`) answer 429.
    pub fn rate_limit_next(&self, n: usize) {
        self.rate_limit_matching(None, "", n);
    }

    /// The next `n` calls with this method (any if `None`) and a path containing `path_contains`
    /// (below `/api/v10`, e.g. `/messages`) answer 429.
    pub fn rate_limit_matching(&self, method: Option<&str>, path_contains: &str, n: usize) {
        let rule = RateLimitRule {
            method: method.map(str::to_owned),
            path_contains: (!path_contains.is_empty()).then(|| path_contains.to_owned()),
            remaining: n,
        };
        self.shared.mutate(|s| s.rate_limits.push_back(rule));
    }

    /// Registered application commands (global, then guild).
    pub fn commands(&self) -> Vec<Value> {
        self.read(|s| s.commands().to_vec())
    }

    /// Adds a guild text channel; returns its id.
    pub fn add_channel(&self, name: &str) -> u64 {
        self.shared.mutate(|s| {
            let id = s.next_id();
            s.channels.push(TextChannel {
                id,
                name: name.to_owned(),
                topic: None,
            });
            id
        })
    }

    /// Sends op 7 Reconnect to every connected session (serenity then resumes); returns how many.
    pub fn request_reconnect(&self) -> usize {
        self.shared.mutate(StandInState::request_reconnect)
    }

    /// Closes every gateway connection with a close code; returns how many.
    pub fn close_gateway(&self, code: u16) -> usize {
        self.shared.mutate(|s| s.close_connections(code))
    }

    /// Forgets all sessions: resumes get op 9 (not resumable) and clients identify anew.
    pub fn invalidate_sessions(&self) {
        self.shared.mutate(StandInState::invalidate_sessions);
    }

    /// Problems on the stand-in's side (e.g. a dispatch serenity could not parse).
    pub fn faults(&self) -> Vec<String> {
        self.read(|s| s.faults().to_vec())
    }
}

async fn wait<T>(
    shared: &Shared,
    timeout: Duration,
    what: &str,
    mut f: impl FnMut(&StandInState) -> Option<T>,
) -> anyhow::Result<T> {
    let mut changes = shared.subscribe();
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        changes.borrow_and_update();
        if let Some(found) = shared.read(&mut f) {
            return Ok(found);
        }
        if tokio::time::timeout_at(deadline, changes.changed())
            .await
            .is_err()
        {
            let summary = shared.read(StandInState::summary);
            bail!("timed out after {timeout:?} waiting for {what}; {summary}");
        }
    }
}
