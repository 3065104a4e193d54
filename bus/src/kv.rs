//! JetStream key-value buckets: small durable memories of an edge (which
//! board message shows which order, what was already posted).

use std::time::Duration;

use anyhow::Context as _;
use async_nats::jetstream::{self, kv};

/// Finds or creates a key-value bucket. The backing stream is made by hand
/// (what `create_key_value` would make): the KV create request of
/// async-nats 0.51 is not understood by NATS 2.9 servers.
///
/// Reads go to the stream's leader, never to a follower ("direct get" is
/// off): with replicas, a follower just restarted may not have the latest
/// entries yet and answers "not found" or an older value, and what these
/// buckets hold (a customer's session, an update not yet handled, which
/// message shows an order) must be read as last written. A bucket made
/// with direct gets by an earlier version is changed on open.
pub async fn bucket(
    js: &jetstream::Context,
    name: String,
    max_age: Duration,
    replicas: usize,
) -> anyhow::Result<kv::Store> {
    // A JetStream that does not answer yet (a cluster just formed, or busy
    // on a loaded machine) is waited for, rather than ending the process on
    // its first slow reply (a chaos run saw a worker exit that way).
    let started = std::time::Instant::now();
    loop {
        match open_bucket(js, &name, max_age, replicas).await {
            Ok(store) => return Ok(store),
            Err(e) if slow(&e) && started.elapsed() < SETUP_PATIENCE => {
                tracing::warn!(error = %format!("{e:#}"), bucket = %name, "JetStream is slow to answer; trying again");
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// How long opening a bucket waits for a JetStream that times out.
const SETUP_PATIENCE: Duration = Duration::from_secs(90);

/// Whether an error says JetStream did not answer in time (or not yet).
fn slow(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        let text = c.to_string();
        text.contains("timed out") || text.contains("no responders")
    })
}

async fn open_bucket(
    js: &jetstream::Context,
    name: &str,
    max_age: Duration,
    replicas: usize,
) -> anyhow::Result<kv::Store> {
    let name = name.to_owned();
    if let Ok(store) = js.get_key_value(&name).await {
        if !store.stream.cached_info().config.allow_direct {
            return Ok(store);
        }
        let mut config = store.stream.cached_info().config.clone();
        config.allow_direct = false;
        js.update_stream(config)
            .await
            .with_context(|| format!("making the key-value bucket {name} read from its leader"))?;
        return js
            .get_key_value(&name)
            .await
            .with_context(|| format!("opening the key-value bucket {name}"));
    }
    let made = js
        .get_or_create_stream(jetstream::stream::Config {
            name: format!("KV_{name}"),
            subjects: vec![format!("$KV.{name}.>")],
            max_messages_per_subject: 1,
            max_age,
            storage: jetstream::stream::StorageType::File,
            num_replicas: replicas.max(1),
            allow_rollup: true,
            deny_delete: true,
            allow_direct: false,
            discard: jetstream::stream::DiscardPolicy::New,
            // NATS refuses a duplicate window longer than the maximum age.
            duplicate_window: if max_age.is_zero() {
                Duration::from_secs(120)
            } else {
                max_age.min(Duration::from_secs(120))
            },
            ..Default::default()
        })
        .await;
    if let Err(e) = made {
        // Two processes starting together (the API and the order worker
        // both open ACCOUNTS) race to make it: the loser is told the
        // subjects overlap, and the bucket is there now.
        if let Ok(store) = js.get_key_value(&name).await {
            return Ok(store);
        }
        return Err(e).with_context(|| format!("creating the key-value bucket {name}"));
    }
    js.get_key_value(&name)
        .await
        .with_context(|| format!("opening the key-value bucket {name}"))
}

/// The value under `key`, read as JSON; `None` if there is none or it
/// cannot be read as a `T` (written by another version).
pub async fn get_json<T: serde::de::DeserializeOwned>(
    store: &kv::Store,
    key: &str,
) -> anyhow::Result<Option<T>> {
    let Some(raw) = store.get(key).await.context("reading a key-value entry")? else {
        return Ok(None);
    };
    Ok(serde_json::from_slice(&raw).ok())
}

/// [`get_json`], from `mirror` when it holds the key (a key it does not
/// hold may be new: the bucket is asked then).
pub async fn get_json_mirrored<T: serde::de::DeserializeOwned>(
    store: &kv::Store,
    mirror: Option<&Mirror>,
    key: &str,
) -> anyhow::Result<Option<T>> {
    if let Some(raw) = mirror.and_then(|m| m.get(key)) {
        return Ok(serde_json::from_slice(&raw).ok());
    }
    get_json(store, key).await
}

/// Every value in the bucket that reads as a `T`, in the order of its keys.
/// The values are read [`READ_AT_ONCE`] at a time: one by one, the ~70,000
/// receipts of a chaos run took about 17 s.
pub async fn all_json<T: serde::de::DeserializeOwned>(store: &kv::Store) -> anyhow::Result<Vec<T>> {
    use futures::{StreamExt as _, TryStreamExt as _};
    let keys: Vec<String> = store
        .keys()
        .await
        .context("listing a key-value bucket")?
        .try_collect()
        .await
        .context("listing a key-value bucket")?;
    let values: Vec<Option<T>> = futures::stream::iter(keys)
        .map(|key| async move { get_json(store, &key).await })
        .buffered(READ_AT_ONCE)
        .try_collect()
        .await?;
    Ok(values.into_iter().flatten().collect())
}

/// Values [`all_json`] asks for at once.
const READ_AT_ONCE: usize = 64;

/// A bucket's entries kept in memory and followed with a watch, so that a
/// hot path (every API request checking its credential) reads memory
/// instead of asking JetStream. A change made anywhere reaches every
/// mirror within moments; [`Mirror::forget`] drops an entry at once here
/// (a log-out on this replica). A key the mirror does not hold may be new:
/// callers ask the bucket then ([`Mirror::get`] says `None`).
#[derive(Clone)]
pub struct Mirror {
    entries: std::sync::Arc<std::sync::RwLock<std::collections::HashMap<String, bytes::Bytes>>>,
}

impl Mirror {
    /// Starts following `store` until `cancel`; a watch that fails is
    /// started again (from the bucket's current state).
    pub fn follow(store: kv::Store, cancel: tokio_util::sync::CancellationToken) -> Self {
        let mirror = Self {
            entries: std::sync::Arc::default(),
        };
        let entries = mirror.entries.clone();
        tokio::spawn(async move {
            use futures::StreamExt as _;
            loop {
                match store.watch_with_history(">").await {
                    Ok(mut watch) => loop {
                        let entry = tokio::select! {
                            () = cancel.cancelled() => return,
                            entry = watch.next() => entry,
                        };
                        let Some(Ok(entry)) = entry else { break };
                        let mut map = entries
                            .write()
                            .unwrap_or_else(std::sync::PoisonError::into_inner);
                        match entry.operation {
                            kv::Operation::Put => {
                                map.insert(entry.key, entry.value);
                            }
                            kv::Operation::Delete | kv::Operation::Purge => {
                                map.remove(&entry.key);
                            }
                        }
                    },
                    Err(e) => tracing::warn!(error = %e, "cannot watch a key-value bucket"),
                }
                // Start again from a clean slate: nothing stale stays.
                entries
                    .write()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .clear();
                tokio::select! {
                    () = cancel.cancelled() => return,
                    () = tokio::time::sleep(Duration::from_secs(1)) => {}
                }
            }
        });
        mirror
    }

    /// The value under `key` if the mirror holds it.
    pub fn get(&self, key: &str) -> Option<bytes::Bytes> {
        self.entries
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(key)
            .cloned()
    }

    /// Drops `key` here at once (its deletion will arrive by the watch too).
    pub fn forget(&self, key: &str) {
        self.entries
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(key);
    }
}
