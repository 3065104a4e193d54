//! JetStream key-value buckets: small durable memories of an edge (which
//! board message shows which order, what was already posted).

use std::time::Duration;

use anyhow::Context as _;
use async_nats::jetstream::{self, kv};

/// Finds or creates a key-value bucket. The backing stream is made by hand
/// (what `create_key_value` would make): the KV create request of
/// async-nats 0.51 is not understood by NATS 2.9 servers.
pub async fn bucket(
    js: &jetstream::Context,
    name: String,
    max_age: Duration,
    replicas: usize,
) -> anyhow::Result<kv::Store> {
    if let Ok(store) = js.get_key_value(&name).await {
        return Ok(store);
    }
    js.get_or_create_stream(jetstream::stream::Config {
        name: format!("KV_{name}"),
        subjects: vec![format!("$KV.{name}.>")],
        max_messages_per_subject: 1,
        max_age,
        storage: jetstream::stream::StorageType::File,
        num_replicas: replicas.max(1),
        allow_rollup: true,
        deny_delete: true,
        allow_direct: true,
        discard: jetstream::stream::DiscardPolicy::New,
        // NATS refuses a duplicate window longer than the maximum age.
        duplicate_window: if max_age.is_zero() {
            Duration::from_secs(120)
        } else {
            max_age.min(Duration::from_secs(120))
        },
        ..Default::default()
    })
    .await
    .with_context(|| format!("creating the key-value bucket {name}"))?;
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

/// Every value in the bucket that reads as a `T`.
pub async fn all_json<T: serde::de::DeserializeOwned>(store: &kv::Store) -> anyhow::Result<Vec<T>> {
    use futures::TryStreamExt as _;
    let keys: Vec<String> = store
        .keys()
        .await
        .context("listing a key-value bucket")?
        .try_collect()
        .await
        .context("listing a key-value bucket")?;
    let mut values = Vec::new();
    for key in keys {
        if let Some(v) = get_json(store, &key).await? {
            values.push(v);
        }
    }
    Ok(values)
}
