//! Who may act as the shop's owner: the Discord users and roles in the
//! settings, and API keys with the `owner` scope that are not revoked. The
//! HTTP API checks a key before it sends anything; the worker checks again
//! here, reading the `API_KEYS` bucket at every check, so a revoked key
//! stops at once even if an edge still holds it.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use async_nats::jetstream::{self, kv};
use chatorder_shared::api_keys::{self, ApiKey, Scope};
use chatorder_shared::config::Settings;
use chatorder_shared::domain::{Actor, Platform, Role};
use chatorder_shared::subjects::Subjects;

#[derive(Clone)]
pub struct Owners {
    settings: Arc<Settings>,
    keys: kv::Store,
}

impl Owners {
    pub async fn open(
        settings: Arc<Settings>,
        js: &jetstream::Context,
        subjects: &Subjects,
    ) -> anyhow::Result<Self> {
        let keys = chatorder_bus::kv::bucket(
            js,
            subjects.stream(api_keys::BUCKET),
            Duration::ZERO,
            settings.nats.stream_replicas,
        )
        .await?;
        Ok(Self { settings, keys })
    }

    /// The ids of the live API keys with `scope` among `actors` (the
    /// lookups [`is_owner`] needs for a batch, made before its transaction).
    /// Commands need [`Scope::Owner`]; looking needs [`Scope::Read`].
    pub async fn live_api_owners<'a>(
        &self,
        actors: impl IntoIterator<Item = &'a Actor>,
        scope: Scope,
    ) -> anyhow::Result<HashSet<String>> {
        let mut live = HashSet::new();
        let asked: HashSet<&str> = actors
            .into_iter()
            .filter(|a| a.role == Role::Owner && a.platform == Platform::Api)
            .map(|a| a.id.as_str())
            .collect();
        for id in asked {
            let Some(raw) = self
                .keys
                .get(id)
                .await
                .with_context(|| format!("reading API key {id}"))?
            else {
                continue;
            };
            let key: Option<ApiKey> = serde_json::from_slice(&raw).ok();
            if key.is_some_and(|k| k.revoked_at.is_none() && k.allows(scope)) {
                live.insert(id.to_owned());
            }
        }
        Ok(live)
    }

    /// Whether `actor` is an owner now, allowed `scope`.
    pub async fn check(&self, actor: &Actor, scope: Scope) -> anyhow::Result<bool> {
        let live = self.live_api_owners([actor], scope).await?;
        Ok(is_owner(&self.settings, actor, &live))
    }
}

/// Whether `actor` is an owner, given the live owner keys looked up for it.
pub fn is_owner(settings: &Settings, actor: &Actor, live_api_owners: &HashSet<String>) -> bool {
    actor.role == Role::Owner
        && match actor.platform {
            Platform::Api => live_api_owners.contains(&actor.id),
            _ => settings.is_owner(actor),
        }
}
