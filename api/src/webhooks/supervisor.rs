//! Keeps one deliverer running per registered webhook, following the
//! `WEBHOOKS` bucket (its current entries, then every change), and keeps
//! the registry the fan-out reads.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

use async_nats::jetstream::{self, kv};
use chatorder_shared::config::Settings;
use futures::StreamExt as _;
use tokio_util::sync::CancellationToken;

use super::store::{Webhook, Webhooks};

/// The registered webhooks, as this process last saw them.
#[derive(Clone, Default)]
pub struct Registry(Arc<RwLock<HashMap<String, Webhook>>>);

impl Registry {
    /// The webhooks that want events of type `kind`.
    pub fn wanting(&self, kind: &str) -> Vec<Webhook> {
        self.0
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .filter(|h| h.wants(kind))
            .cloned()
            .collect()
    }

    /// Whether webhook `id` is known here (it is, within moments of its
    /// registration: the bucket is watched).
    pub fn contains(&self, id: &str) -> bool {
        self.0
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .contains_key(id)
    }

    fn set(&self, hook: Webhook) {
        self.0
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(hook.id.clone(), hook);
    }

    fn remove(&self, id: &str) {
        self.0
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(id);
    }
}

/// Runs the fan-out and the deliverers until `cancel`.
pub async fn run(
    js: jetstream::Context,
    settings: Settings,
    webhooks: Webhooks,
    registry: Registry,
    cancel: CancellationToken,
) -> anyhow::Result<()> {
    super::ensure_stream(&js, &settings).await?;
    let http = reqwest::Client::builder()
        // A receiver answers; it does not send us elsewhere.
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| anyhow::anyhow!("making the webhook HTTP client: {e}"))?;
    let mut watch = webhooks
        .store()
        .watch_with_history(">")
        .await
        .map_err(|e| anyhow::anyhow!("watching the webhooks: {e}"))?;
    let fanout = {
        let (js, settings, registry, cancel) = (
            js.clone(),
            settings.clone(),
            registry.clone(),
            cancel.clone(),
        );
        tokio::spawn(again_until(
            cancel.clone(),
            "the webhook fan-out",
            move || {
                super::fanout::run(
                    js.clone(),
                    settings.clone(),
                    registry.clone(),
                    cancel.clone(),
                )
            },
        ))
    };
    let mut running: HashMap<String, CancellationToken> = HashMap::new();
    loop {
        let entry = tokio::select! {
            () = cancel.cancelled() => break,
            entry = watch.next() => entry,
        };
        let entry = match entry {
            Some(Ok(entry)) => entry,
            Some(Err(e)) => {
                tracing::warn!(error = %e, "watching the webhooks failed; trying again");
                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                continue;
            }
            None => anyhow::bail!("the webhook watch ended"),
        };
        match entry.operation {
            kv::Operation::Put => {
                let Ok(hook) = serde_json::from_slice::<Webhook>(&entry.value) else {
                    tracing::warn!(key = %entry.key, "a webhook this process cannot read is skipped");
                    continue;
                };
                registry.set(hook.clone());
                if !running.contains_key(&hook.id) {
                    let stop = cancel.child_token();
                    running.insert(hook.id.clone(), stop.clone());
                    let (js, subjects, api, http) = (
                        js.clone(),
                        settings.subjects(),
                        settings.api.clone(),
                        http.clone(),
                    );
                    tokio::spawn(again_until(
                        stop.clone(),
                        "a webhook deliverer",
                        move || {
                            super::deliver::run(
                                js.clone(),
                                subjects.clone(),
                                api.clone(),
                                http.clone(),
                                hook.clone(),
                                stop.clone(),
                            )
                        },
                    ));
                }
            }
            kv::Operation::Delete | kv::Operation::Purge => {
                registry.remove(&entry.key);
                if let Some(stop) = running.remove(&entry.key) {
                    stop.cancel();
                }
            }
        }
    }
    for stop in running.values() {
        stop.cancel();
    }
    let _ = fanout.await;
    Ok(())
}

/// Runs `task` until it ends cleanly or `cancel`; a failure is logged and
/// the task started again after a few seconds.
async fn again_until<F, Fut>(cancel: CancellationToken, what: &'static str, task: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    loop {
        match task().await {
            Ok(()) => return,
            Err(e) => {
                tracing::error!(error = %format!("{e:#}"), "{what} stopped; starting it again in 5 s");
            }
        }
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(std::time::Duration::from_secs(5)) => {}
        }
    }
}
