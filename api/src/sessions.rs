//! Logins: a bearer token `cot_<43 random characters>` handed out at log-in,
//! kept in the `API_SESSIONS` bucket only as its SHA-256, with the account
//! it opens and when it stops working. Log-out deletes it; the bucket's
//! maximum age removes expired ones.

use std::time::Duration;

use anyhow::Context as _;
use async_nats::jetstream::{self, kv};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::secrets::{hash_secret, random_token};

/// Every login token starts with this.
pub const TOKEN_PREFIX: &str = "cot_";

/// A login as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub account_id: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Clone)]
pub struct Sessions {
    kv: kv::Store,
    ttl: Duration,
    /// The bucket in memory (the API's hot path), when following it.
    mirror: Option<chatorder_bus::kv::Mirror>,
}

impl Sessions {
    /// Opens (or makes) the bucket; entries older than `ttl` go.
    pub async fn open_bucket(
        js: &jetstream::Context,
        bucket: String,
        ttl: Duration,
        replicas: usize,
    ) -> anyhow::Result<Self> {
        let kv = chatorder_bus::kv::bucket(js, bucket, ttl, replicas).await?;
        Ok(Self {
            kv,
            ttl,
            mirror: None,
        })
    }

    /// Reads logins from memory, following the bucket until `cancel`.
    pub fn mirrored(mut self, cancel: tokio_util::sync::CancellationToken) -> Self {
        self.mirror = Some(chatorder_bus::kv::Mirror::follow(self.kv.clone(), cancel));
        self
    }

    /// A new login for `account_id`: the token (give it once) and its record.
    pub async fn create(&self, account_id: &str) -> anyhow::Result<(String, Session)> {
        let token = format!("{TOKEN_PREFIX}{}", random_token());
        let now = Utc::now();
        let session = Session {
            account_id: account_id.to_owned(),
            created_at: now,
            expires_at: now + chrono::Duration::from_std(self.ttl).unwrap_or(chrono::Duration::MAX),
        };
        self.kv
            .create(key(&token), serde_json::to_vec(&session)?.into())
            .await
            .context("storing a login")?;
        Ok((token, session))
    }

    /// The live login `token` is, or `None` (unknown, logged out, expired).
    pub async fn verify(&self, token: &str) -> anyhow::Result<Option<Session>> {
        if !is_token(token) {
            return Ok(None);
        }
        let session: Option<Session> =
            chatorder_bus::kv::get_json_mirrored(&self.kv, self.mirror.as_ref(), &key(token))
                .await
                .context("reading a login")?;
        Ok(session.filter(|s| s.expires_at > Utc::now()))
    }

    /// Ends the login `token` (nothing if it is not one).
    pub async fn revoke(&self, token: &str) -> anyhow::Result<()> {
        if is_token(token) {
            let key = key(token);
            self.kv.purge(&key).await.context("ending a login")?;
            if let Some(m) = &self.mirror {
                m.forget(&key);
            }
        }
        Ok(())
    }
}

/// Whether `token` has the shape of a login token (so garbage costs no lookup).
pub fn is_token(token: &str) -> bool {
    token.strip_prefix(TOKEN_PREFIX).is_some_and(|rest| {
        rest.len() == 43
            && rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

fn key(token: &str) -> String {
    hash_secret(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_well_formed_tokens_are_looked_up() {
        let token = format!("{TOKEN_PREFIX}{}", random_token());
        assert!(is_token(&token));
        assert!(!is_token(&token[..token.len() - 1]));
        assert!(!is_token("cok_abcdefghij12_rest"));
        assert!(!is_token(&format!("cot_{}", "!".repeat(43))));
        assert!(!is_token(""));
    }
}
