//! Registered webhooks, in the `WEBHOOKS` key-value bucket under their id:
//! the URL, the event types, the signing secret (needed to sign, so kept;
//! shown to the caller once, at registration) and who made it.

use std::time::Duration;

use anyhow::Context as _;
use async_nats::jetstream::{self, kv};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::secrets::{random_token, readable_id};

/// The event types a webhook may ask for.
pub const EVENT_TYPES: [&str; 6] = [
    "order.placed",
    "order.updated",
    "order.status_changed",
    "order.cancelled",
    "order.message",
    "catalog.changed",
];

/// Most webhooks a shop may register.
pub const MAX_WEBHOOKS: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Webhook {
    pub id: String,
    pub url: String,
    /// Which event types it receives (from [`EVENT_TYPES`]).
    pub events: Vec<String>,
    /// `whsec_<43 random characters>`: the HMAC key of its signatures.
    pub secret: String,
    /// The actor key of whoever registered it (`api:<key id>`).
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl Webhook {
    pub fn wants(&self, kind: &str) -> bool {
        self.events.iter().any(|e| e == kind)
    }
}

/// Why a webhook's details were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidWebhook {
    #[error(
        "`url` must be an absolute http:// or https:// address without credentials, at most \
         2000 characters."
    )]
    Url,
    #[error("`events` must list at least one of: {}.", EVENT_TYPES.join(", "))]
    NoEvents,
    #[error("`{0}` is not an event type; the types are: {types}.", types = EVENT_TYPES.join(", "))]
    UnknownEvent(String),
}

/// Checks a URL and event list; returns them tidied: the URL in its
/// normal form (what is stored and called: `https:0/x` is
/// `https://0.0.0.0/x`), the events sorted, once each.
pub fn validate(url: &str, events: &[String]) -> Result<(String, Vec<String>), InvalidWebhook> {
    let parsed = reqwest::Url::parse(url.trim()).map_err(|_| InvalidWebhook::Url)?;
    let url = parsed.as_str();
    if url.len() > 2000
        || !matches!(parsed.scheme(), "http" | "https")
        || parsed.host_str().is_none_or(str::is_empty)
        || !parsed.username().is_empty()
        || parsed.password().is_some()
    {
        return Err(InvalidWebhook::Url);
    }
    if events.is_empty() {
        return Err(InvalidWebhook::NoEvents);
    }
    let mut tidy = Vec::new();
    for e in events {
        let e = e.trim();
        if !EVENT_TYPES.contains(&e) {
            return Err(InvalidWebhook::UnknownEvent(
                chatorder_shared::domain::truncate_for_display(e, 40),
            ));
        }
        tidy.push(e.to_owned());
    }
    tidy.sort();
    tidy.dedup();
    Ok((url.to_owned(), tidy))
}

#[derive(Clone)]
pub struct Webhooks {
    kv: kv::Store,
}

impl Webhooks {
    pub async fn open_bucket(
        js: &jetstream::Context,
        bucket: String,
        replicas: usize,
    ) -> anyhow::Result<Self> {
        let kv = chatorder_bus::kv::bucket(js, bucket, Duration::ZERO, replicas).await?;
        Ok(Self { kv })
    }

    /// The bucket, for watching it.
    pub fn store(&self) -> &kv::Store {
        &self.kv
    }

    pub async fn create(
        &self,
        url: String,
        events: Vec<String>,
        created_by: String,
    ) -> anyhow::Result<Webhook> {
        let hook = Webhook {
            id: format!("wh_{}", readable_id(12)),
            url,
            events,
            secret: format!("whsec_{}", random_token()),
            created_by,
            created_at: Utc::now(),
        };
        self.kv
            .create(&hook.id, serde_json::to_vec(&hook)?.into())
            .await
            .context("storing a webhook")?;
        Ok(hook)
    }

    /// Every webhook, oldest first.
    pub async fn list(&self) -> anyhow::Result<Vec<Webhook>> {
        let mut hooks: Vec<Webhook> = chatorder_bus::kv::all_json(&self.kv)
            .await
            .context("listing webhooks")?;
        hooks.sort_by_key(|h| h.created_at);
        Ok(hooks)
    }

    pub async fn get(&self, id: &str) -> anyhow::Result<Option<Webhook>> {
        if !valid_id(id) {
            return Ok(None);
        }
        chatorder_bus::kv::get_json(&self.kv, id)
            .await
            .context("reading a webhook")
    }

    /// Removes a webhook; `false` if there was none. Deliveries on their
    /// way to it stop.
    pub async fn delete(&self, id: &str) -> anyhow::Result<bool> {
        if self.get(id).await?.is_none() {
            return Ok(false);
        }
        self.kv.purge(id).await.context("deleting a webhook")?;
        Ok(true)
    }
}

/// `wh_` and 12 characters of the id alphabet (so a path segment is safe
/// as a key and a subject token).
pub fn valid_id(id: &str) -> bool {
    id.strip_prefix("wh_").is_some_and(|rest| {
        rest.len() == 12
            && rest
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn urls_and_event_types_are_checked() {
        let (url, evs) = validate(
            " https://till.example/hooks ",
            &events(&["order.placed", "order.cancelled", "order.placed"]),
        )
        .expect("valid");
        assert_eq!(url, "https://till.example/hooks");
        // Stored and called in its normal form (the fuzzer found this one).
        let (odd, _) =
            validate("https:0/till.example/hooks", &events(&["order.placed"])).expect("valid");
        assert_eq!(odd, "https://0.0.0.0/till.example/hooks");
        assert_eq!(evs, ["order.cancelled", "order.placed"]);
        for bad in [
            "",
            "till.example/hooks",
            "ftp://till.example",
            "https://user:pw@till.example/",
        ] {
            assert_eq!(
                validate(bad, &events(&["order.placed"])),
                Err(InvalidWebhook::Url),
                "{bad}"
            );
        }
        assert_eq!(
            validate("http://127.0.0.1:9/x", &[]),
            Err(InvalidWebhook::NoEvents)
        );
        assert_eq!(
            validate("http://127.0.0.1:9/x", &events(&["order.exploded"])),
            Err(InvalidWebhook::UnknownEvent("order.exploded".into()))
        );
    }

    #[test]
    fn ids_are_safe_tokens() {
        assert!(valid_id("wh_abcdefghij23"));
        assert!(!valid_id("wh_abc"));
        assert!(!valid_id("wh_abcdefghij2>"));
        assert!(!valid_id("abcdefghij2345"));
    }
}
