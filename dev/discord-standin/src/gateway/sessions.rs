//! Gateway sessions: identify, resume, sequence numbers, replay buffers and dispatch routing.

use std::collections::VecDeque;

use serde_json::{Value, json};
use tokio::sync::mpsc::UnboundedSender;

use crate::ids::{APP_ID, GUILD_ID};
use crate::render;
use crate::state::StandInState;

/// Intent bits the stand-in honours.
pub(crate) mod intents {
    pub(crate) const GUILDS: u64 = 1 << 0;
    pub(crate) const GUILD_MESSAGES: u64 = 1 << 9;
    pub(crate) const MESSAGE_CONTENT: u64 = 1 << 15;
}

/// Dispatches kept per session for resuming.
const REPLAY_LOG: usize = 1000;

/// A frame for one websocket connection's writer.
#[derive(Debug)]
pub(crate) enum Outbound {
    Text(String),
    Close(u16, String),
}

/// The writer side of a connected websocket.
#[derive(Debug)]
pub(crate) struct Conn {
    pub(crate) id: u64,
    pub(crate) tx: UnboundedSender<Outbound>,
}

/// One identified gateway session.
#[derive(Debug)]
pub(crate) struct Session {
    pub(crate) id: String,
    /// `[shard_id, num_shards]` from Identify.
    pub(crate) shard: (u64, u64),
    pub(crate) intents: u64,
    pub(crate) seq: u64,
    pub(crate) log: VecDeque<(u64, String)>,
    pub(crate) conn: Option<Conn>,
    /// Forgotten: a Resume of it gets op 9.
    pub(crate) invalid: bool,
}

impl Session {
    fn serves_guild(&self) -> bool {
        let (shard_id, shards) = self.shard;
        shards == 0 || (GUILD_ID >> 22) % shards == shard_id
    }
}

/// All sessions and counters.
#[derive(Debug, Default)]
pub(crate) struct Gateway {
    pub(crate) sessions: Vec<Session>,
    pub(crate) identifies: usize,
    pub(crate) resumes: usize,
    pub(crate) heartbeats: usize,
    next_conn: u64,
}

impl Gateway {
    pub(crate) fn next_conn_id(&mut self) -> u64 {
        self.next_conn += 1;
        self.next_conn
    }
}

/// Why a gateway frame closes the connection.
pub(crate) type CloseReason = (u16, &'static str);

pub(crate) fn op(op: u8, d: Value) -> String {
    json!({ "op": op, "d": d, "s": null, "t": null }).to_string()
}

impl StandInState {
    /// Handles op 2: a new session on this connection, then READY and GUILD_CREATE.
    pub(crate) fn identify(
        &mut self,
        conn: Conn,
        d: &Value,
        resume_url: String,
    ) -> Result<(), CloseReason> {
        if d["token"].as_str().is_none_or(str::is_empty) {
            return Err((4004, "Authentication failed."));
        }
        let shard = match d["shard"].as_array().map(Vec::as_slice) {
            Some([id, total]) => (id.as_u64().unwrap_or(0), total.as_u64().unwrap_or(1)),
            _ => (0, 1),
        };
        if shard.1 == 0 || shard.0 >= shard.1 {
            return Err((4010, "Invalid shard."));
        }
        let intents = d["intents"].as_u64().ok_or((4013, "Invalid intent(s)."))?;
        for old in &mut self.gateway.sessions {
            if old.conn.as_ref().is_some_and(|c| c.id == conn.id) {
                return Err((4005, "Already authenticated."));
            }
        }
        self.gateway.identifies += 1;
        let session_id = format!("standin-session-{:x}", self.next_id());
        self.gateway.sessions.push(Session {
            id: session_id.clone(),
            shard,
            intents,
            seq: 0,
            log: VecDeque::new(),
            conn: Some(conn),
            invalid: false,
        });
        let index = self.gateway.sessions.len() - 1;
        let ready = json!({
            "v": 10,
            "user": render::user(&render::bot_user()),
            "guilds": [{ "id": render::id(GUILD_ID), "unavailable": true }],
            "session_id": session_id,
            "resume_gateway_url": resume_url,
            "shard": [shard.0, shard.1],
            "application": { "id": render::id(APP_ID), "flags": 0 },
            "private_channels": [],
            "presences": [],
            "relationships": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
        });
        self.send_dispatch(index, "READY", ready);
        if intents & intents::GUILDS != 0 && self.gateway.sessions[index].serves_guild() {
            let guild = self.guild_json();
            self.send_dispatch(index, "GUILD_CREATE", guild);
        }
        Ok(())
    }

    /// Handles op 6: replays what the session missed and sends RESUMED; false for op 9.
    pub(crate) fn resume(&mut self, conn: Conn, d: &Value) -> bool {
        let wanted = d["session_id"].as_str().unwrap_or_default();
        let seq = d["seq"].as_u64().unwrap_or(0);
        let Some(index) = self
            .gateway
            .sessions
            .iter()
            .position(|s| s.id == wanted && !s.invalid)
        else {
            return false;
        };
        let session = &mut self.gateway.sessions[index];
        if seq > session.seq {
            return false;
        }
        if let Some(old) = session.conn.replace(conn) {
            let _ = old
                .tx
                .send(Outbound::Close(4000, "Session resumed elsewhere".into()));
        }
        if let Some(conn) = &session.conn {
            for (_, frame) in session.log.iter().filter(|(s, _)| *s > seq) {
                let _ = conn.tx.send(Outbound::Text(frame.clone()));
            }
        }
        self.gateway.resumes += 1;
        self.send_dispatch(index, "RESUMED", Value::Null);
        true
    }

    /// A connection ended: its session stays resumable.
    pub(crate) fn detach(&mut self, conn_id: u64) {
        for session in &mut self.gateway.sessions {
            if session.conn.as_ref().is_some_and(|c| c.id == conn_id) {
                session.conn = None;
            }
        }
    }

    /// The newest valid session serving the guild (a restarted bot replaces the old one).
    fn target(&self) -> Option<usize> {
        self.gateway
            .sessions
            .iter()
            .rposition(|s| !s.invalid && s.serves_guild())
    }

    /// Dispatches a guild event to the target session; `data_for(intents)` builds the payload
    /// for that session or returns `None` when its intents exclude the event. Returns whether
    /// a session took it (delivered now, or logged for its resume).
    pub(crate) fn dispatch_guild(
        &mut self,
        event: &str,
        data_for: impl FnOnce(&Self, u64) -> Option<Value>,
    ) -> bool {
        let Some(index) = self.target() else {
            return false;
        };
        let intents = self.gateway.sessions[index].intents;
        let Some(data) = data_for(self, intents) else {
            return false;
        };
        self.send_dispatch(index, event, data);
        true
    }

    /// Whether some session would receive guild events.
    pub(crate) fn has_target(&self) -> bool {
        self.target().is_some()
    }

    fn send_dispatch(&mut self, index: usize, event: &str, data: Value) {
        let session = &mut self.gateway.sessions[index];
        session.seq += 1;
        let seq = session.seq;
        let payload = json!({ "op": 0, "s": seq, "t": event, "d": data });
        let frame = payload.to_string();
        session.log.push_back((seq, frame.clone()));
        if session.log.len() > REPLAY_LOG {
            session.log.pop_front();
        }
        if let Some(conn) = &session.conn {
            let _ = conn.tx.send(Outbound::Text(frame));
        }
        if let Err(e) = serde_json::from_value::<serenity::model::event::GatewayEvent>(payload) {
            self.fault(format!(
                "serenity cannot parse the {event} dispatch the stand-in sent: {e}"
            ));
        }
    }

    /// Sends op 7 Reconnect to every connected session; serenity answers with a Resume.
    pub(crate) fn request_reconnect(&mut self) -> usize {
        self.each_conn(|tx| {
            let _ = tx.send(Outbound::Text(op(7, Value::Null)));
        })
    }

    /// Closes every gateway connection with `code` (4000 resumable, 4009 session timed out…).
    pub(crate) fn close_connections(&mut self, code: u16) -> usize {
        self.each_conn(|tx| {
            let _ = tx.send(Outbound::Close(code, "closed by the stand-in".into()));
        })
    }

    /// Forgets every session: a later Resume gets op 9 and the client identifies again.
    pub(crate) fn invalidate_sessions(&mut self) {
        for session in &mut self.gateway.sessions {
            session.invalid = true;
        }
    }

    fn each_conn(&mut self, mut f: impl FnMut(&UnboundedSender<Outbound>)) -> usize {
        let mut n = 0;
        for conn in self.gateway.sessions.iter().filter_map(|s| s.conn.as_ref()) {
            f(&conn.tx);
            n += 1;
        }
        n
    }
}
