//! The state behind a lock, with a change signal every `wait_for` listens to.

use std::net::SocketAddr;
use std::sync::{Mutex, MutexGuard};

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::state::StandInState;

/// What the server tasks and every `StandIn` handle share.
#[derive(Debug)]
pub(crate) struct Shared {
    state: Mutex<StandInState>,
    changed: watch::Sender<u64>,
    pub(crate) shutdown: CancellationToken,
    pub(crate) addr: SocketAddr,
}

impl Shared {
    pub(crate) fn new(state: StandInState, addr: SocketAddr) -> Self {
        Self {
            state: Mutex::new(state),
            changed: watch::Sender::new(0),
            shutdown: CancellationToken::new(),
            addr,
        }
    }

    fn lock(&self) -> MutexGuard<'_, StandInState> {
        // A panic while holding the lock leaves the state usable for the next reader.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn read<R>(&self, f: impl FnOnce(&StandInState) -> R) -> R {
        f(&self.lock())
    }

    /// Changes the state and wakes every waiter.
    pub(crate) fn mutate<R>(&self, f: impl FnOnce(&mut StandInState) -> R) -> R {
        let out = f(&mut self.lock());
        self.changed.send_modify(|v| *v = v.wrapping_add(1));
        out
    }

    pub(crate) fn subscribe(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }
}
