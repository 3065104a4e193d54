//! The catalog as the API last answered it, kept until the order worker
//! says it changed (a `catalog.changed` event) so that the public menu, the
//! most asked-for page, is served from memory. A stream that fell behind
//! drops it too; so does a change that lands while it is being fetched
//! (the generation moves on, and the stale answer is not kept).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use bytes::Bytes;
use chatorder_shared::events::Event;
use tokio::sync::broadcast::error::RecvError;
use tokio_util::sync::CancellationToken;

use crate::outcomes::Outcomes;

#[derive(Default)]
pub struct CatalogCache {
    body: RwLock<Option<Bytes>>,
    generation: AtomicU64,
}

impl CatalogCache {
    /// A cache emptied by every catalog change the events carry.
    pub fn follow(outcomes: &Outcomes, cancel: CancellationToken) -> Arc<Self> {
        let cache = Arc::new(Self::default());
        let mut feed = outcomes.feed();
        let me = cache.clone();
        tokio::spawn(async move {
            loop {
                let next = tokio::select! {
                    () = cancel.cancelled() => return,
                    next = feed.recv() => next,
                };
                match next {
                    Ok(env) if matches!(env.data, Event::CatalogChanged { .. }) => me.forget(),
                    Ok(_) => {}
                    Err(RecvError::Lagged(_)) => me.forget(),
                    Err(RecvError::Closed) => return,
                }
            }
        });
        cache
    }

    /// The kept answer, and the generation to give [`Self::keep`].
    pub fn get(&self) -> (Option<Bytes>, u64) {
        let generation = self.generation.load(Ordering::Acquire);
        let body = self
            .body
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        (body, generation)
    }

    /// Keeps `body`, fetched at `generation`, unless a change came since.
    pub fn keep(&self, body: Bytes, generation: u64) {
        let mut held = self.body.write().unwrap_or_else(PoisonError::into_inner);
        if self.generation.load(Ordering::Acquire) == generation {
            *held = Some(body);
        }
    }

    pub fn forget(&self) {
        let mut held = self.body.write().unwrap_or_else(PoisonError::into_inner);
        self.generation.fetch_add(1, Ordering::AcqRel);
        *held = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_during_a_fetch_is_not_overwritten_by_the_stale_answer() {
        let cache = CatalogCache::default();
        let (held, generation) = cache.get();
        assert!(held.is_none());
        cache.forget(); // a change lands while the worker is asked
        cache.keep(Bytes::from_static(b"old"), generation);
        assert!(cache.get().0.is_none(), "the stale answer is not kept");
        let (_, generation) = cache.get();
        cache.keep(Bytes::from_static(b"new"), generation);
        assert_eq!(cache.get().0.as_deref(), Some(&b"new"[..]));
        cache.forget();
        assert!(cache.get().0.is_none());
    }
}
