//! API keys for integrations (a till, a delivery partner, accounting):
//! made, listed and revoked from the CLI (`chatorder api-key …`), checked
//! by the API on every request. A key is `cok_<id>_<secret>`; the bucket
//! keeps, under the id, its name, scopes, the secret's SHA-256 and whether
//! it was revoked. The secret itself is printed once and never stored.

use std::time::Duration;

use anyhow::Context as _;
use async_nats::jetstream::{self, kv};
use chatorder_shared::api_keys::{ApiKey, Scope};
use chrono::Utc;
use subtle::ConstantTimeEq as _;

use crate::secrets::{hash_secret, random_token, readable_id};

/// Every key starts with this.
pub const KEY_PREFIX: &str = "cok";
const ID_LEN: usize = 12;

#[derive(Clone)]
pub struct ApiKeys {
    kv: kv::Store,
    /// The bucket in memory (the API's hot path), when following it.
    mirror: Option<chatorder_bus::kv::Mirror>,
}

impl ApiKeys {
    /// Opens (or makes) the bucket. Keys never expire by age.
    pub async fn open_bucket(
        js: &jetstream::Context,
        bucket: String,
        replicas: usize,
    ) -> anyhow::Result<Self> {
        let kv = chatorder_bus::kv::bucket(js, bucket, Duration::ZERO, replicas).await?;
        Ok(Self { kv, mirror: None })
    }

    /// Reads keys from memory, following the bucket until `cancel`.
    pub fn mirrored(mut self, cancel: tokio_util::sync::CancellationToken) -> Self {
        self.mirror = Some(chatorder_bus::kv::Mirror::follow(self.kv.clone(), cancel));
        self
    }

    /// Makes a key; returns it with the secret (print it once).
    pub async fn create(&self, name: &str, scopes: &[Scope]) -> anyhow::Result<(ApiKey, String)> {
        let id = readable_id(ID_LEN);
        let key = format!("{KEY_PREFIX}_{id}_{}", random_token());
        let mut scopes = scopes.to_vec();
        scopes.sort();
        scopes.dedup();
        let stored = ApiKey {
            id: id.clone(),
            name: name.trim().to_owned(),
            scopes,
            hash: hash_secret(&key),
            created_at: Utc::now(),
            revoked_at: None,
        };
        self.kv
            .create(&id, serde_json::to_vec(&stored)?.into())
            .await
            .with_context(|| format!("storing API key {id}"))?;
        Ok((stored, key))
    }

    /// Every key, revoked ones too, oldest first.
    pub async fn list(&self) -> anyhow::Result<Vec<ApiKey>> {
        let mut keys: Vec<ApiKey> = chatorder_bus::kv::all_json(&self.kv)
            .await
            .context("listing API keys")?;
        keys.sort_by_key(|k| k.created_at);
        Ok(keys)
    }

    pub async fn get(&self, id: &str) -> anyhow::Result<Option<ApiKey>> {
        chatorder_bus::kv::get_json_mirrored(&self.kv, self.mirror.as_ref(), id)
            .await
            .context("reading an API key")
    }

    /// Revokes `id` (kept, marked revoked, for the record). `false` if
    /// there is no such key.
    pub async fn revoke(&self, id: &str) -> anyhow::Result<bool> {
        let Some(mut key) = self.get(id).await? else {
            return Ok(false);
        };
        if key.revoked_at.is_none() {
            key.revoked_at = Some(Utc::now());
            self.kv
                .put(id, serde_json::to_vec(&key)?.into())
                .await
                .with_context(|| format!("revoking API key {id}"))?;
        }
        Ok(true)
    }

    /// The live key `presented` is, or `None` (unknown, wrong, revoked).
    pub async fn verify(&self, presented: &str) -> anyhow::Result<Option<ApiKey>> {
        let Some(id) = key_id(presented) else {
            return Ok(None);
        };
        let Some(key) = self.get(id).await? else {
            return Ok(None);
        };
        let matches: bool = key
            .hash
            .as_bytes()
            .ct_eq(hash_secret(presented).as_bytes())
            .into();
        Ok((matches && key.revoked_at.is_none()).then_some(key))
    }
}

/// The id inside a presented key, if it has the shape of one.
fn key_id(presented: &str) -> Option<&str> {
    let rest = presented.strip_prefix(KEY_PREFIX)?.strip_prefix('_')?;
    let id = rest.get(..ID_LEN)?;
    id.bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        .then_some(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_well_formed_keys_yield_an_id() {
        assert_eq!(key_id("cok_abcdefghij12_rest"), Some("abcdefghij12"));
        assert_eq!(key_id("cok_ABCDEFGHIJ12_rest"), None);
        assert_eq!(key_id("cot_abcdefghij12_rest"), None);
        assert_eq!(key_id("cok_short"), None);
        assert_eq!(key_id(""), None);
    }
}
