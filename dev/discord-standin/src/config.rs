//! How a stand-in is started: address, heartbeat interval, rate-limit wait, interaction deadline.

use std::net::SocketAddr;
use std::time::Duration;

/// Settings for [`crate::StandIn::start_with`].
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Config {
    /// Where to listen; port 0 picks a free port.
    pub addr: SocketAddr,
    /// `heartbeat_interval` sent in Hello (Discord: 41.25 s).
    pub heartbeat_interval: Duration,
    /// `retry_after` of forced 429 answers.
    pub retry_after: Duration,
    /// If set, interaction callbacks later than this after dispatch fail with 404
    /// `Unknown interaction` as on Discord (3 s there). Off by default: debug builds on a busy
    /// machine are slow, and `InteractionReply::answered_after` lets tests assert the rule.
    pub interaction_deadline: Option<Duration>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            heartbeat_interval: Duration::from_millis(41_250),
            retry_after: Duration::from_millis(200),
            interaction_deadline: None,
        }
    }
}

impl Config {
    #[must_use]
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    #[must_use]
    pub fn heartbeat_interval(mut self, every: Duration) -> Self {
        self.heartbeat_interval = every;
        self
    }

    #[must_use]
    pub fn retry_after(mut self, wait: Duration) -> Self {
        self.retry_after = wait;
        self
    }

    #[must_use]
    pub fn interaction_deadline(mut self, deadline: Option<Duration>) -> Self {
        self.interaction_deadline = deadline;
        self
    }
}
