//! Who may act as the shop's owner: the Discord users and roles in the
//! settings, API keys with the `owner` scope that are not revoked, and web
//! owner accounts (made from the CLI) that are not disabled. The HTTP API
//! checks a key or a session before it sends anything; the worker checks
//! again here, reading the `API_KEYS` and `ACCOUNTS` buckets at every
//! check, so a revoked key or a disabled owner stops at once even if an
//! edge still holds it.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use async_nats::jetstream::{self, kv};
use chatorder_shared::accounts::{self, Account};
use chatorder_shared::api_keys::{self, ApiKey, Scope};
use chatorder_shared::config::Settings;
use chatorder_shared::domain::{Actor, Platform, Role};
use chatorder_shared::subjects::Subjects;

#[derive(Clone)]
pub struct Owners {
    settings: Arc<Settings>,
    keys: kv::Store,
    accounts: kv::Store,
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
        let accounts = chatorder_bus::kv::bucket(
            js,
            subjects.stream(accounts::BUCKET),
            Duration::ZERO,
            settings.nats.stream_replicas,
        )
        .await?;
        Ok(Self {
            settings,
            keys,
            accounts,
        })
    }

    /// The keys ([`Actor::key`]) of the live API keys with `scope` and the
    /// live web owner accounts among `actors` (the lookups [`is_owner`]
    /// needs for a batch, made before its transaction). Commands need
    /// [`Scope::Owner`]; looking needs [`Scope::Read`]. A web owner account
    /// has every scope.
    pub async fn live_owners<'a>(
        &self,
        actors: impl IntoIterator<Item = &'a Actor>,
        scope: Scope,
    ) -> anyhow::Result<HashSet<String>> {
        let mut live = HashSet::new();
        let asked: HashSet<(Platform, &str)> = actors
            .into_iter()
            .filter(|a| {
                a.role == Role::Owner && matches!(a.platform, Platform::Api | Platform::Web)
            })
            .map(|a| (a.platform, a.id.as_str()))
            .collect();
        for (platform, id) in asked {
            let found = match platform {
                Platform::Web => self.live_web_owner(id).await?,
                _ => self.live_key(id, scope).await?,
            };
            if found {
                live.insert(format!("{}:{id}", platform.as_str()));
            }
        }
        Ok(live)
    }

    async fn live_web_owner(&self, id: &str) -> anyhow::Result<bool> {
        let Some(raw) = self
            .accounts
            .get(accounts::id_key(id))
            .await
            .with_context(|| format!("reading account {id}"))?
        else {
            return Ok(false);
        };
        let account: Option<Account> = serde_json::from_slice(&raw).ok();
        Ok(account.is_some_and(|a| a.is_live() && a.role == Role::Owner))
    }

    async fn live_key(&self, id: &str, scope: Scope) -> anyhow::Result<bool> {
        let Some(raw) = self
            .keys
            .get(id)
            .await
            .with_context(|| format!("reading API key {id}"))?
        else {
            return Ok(false);
        };
        let key: Option<ApiKey> = serde_json::from_slice(&raw).ok();
        Ok(key.is_some_and(|k| k.revoked_at.is_none() && k.allows(scope)))
    }

    /// Whether `actor` is an owner now, allowed `scope`.
    pub async fn check(&self, actor: &Actor, scope: Scope) -> anyhow::Result<bool> {
        let live = self.live_owners([actor], scope).await?;
        Ok(is_owner(&self.settings, actor, &live))
    }
}

/// Whether `actor` is an owner, given the live owners looked up for it
/// ([`Owners::live_owners`]).
pub fn is_owner(settings: &Settings, actor: &Actor, live_owners: &HashSet<String>) -> bool {
    actor.role == Role::Owner
        && match actor.platform {
            Platform::Api | Platform::Web => live_owners.contains(&actor.key()),
            _ => settings.is_owner(actor),
        }
}
