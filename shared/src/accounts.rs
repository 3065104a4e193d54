//! Web accounts as stored in the `ACCOUNTS` key-value bucket: customers
//! who register over the HTTP API (and the web app), and owners made from
//! the CLI. The HTTP API reads and writes them; the order worker reads an
//! owner's record again before it lets a web owner act, so a disabled
//! owner stops at once. Passwords are stored only as argon2id hashes.
//!
//! Keys in the bucket: `id.<account id>` holds the [`Account`];
//! `email.<sha256 of the e-mail, lower-cased>` holds the account id, and
//! being created only once is what keeps e-mail addresses unique.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{Actor, Platform, Role};

/// The bucket's name (with the deployment's prefix in front).
pub const BUCKET: &str = "ACCOUNTS";

/// An account as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// 12 readable characters; the actor id (`web:<id>`) of its orders.
    pub id: String,
    /// As registered (trimmed); compared lower-cased.
    pub email: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    pub role: Role,
    /// argon2id in PHC form (`$argon2id$v=19$…`).
    pub password_hash: String,
    pub created_at: DateTime<Utc>,
    /// A disabled account cannot log in, and its sessions stop working.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled_at: Option<DateTime<Utc>>,
}

impl Account {
    /// The actor this account's calls carry.
    pub fn actor(&self) -> Actor {
        Actor {
            role: self.role,
            platform: Platform::Web,
            id: self.id.clone(),
            name: Some(self.name.clone()),
            roles: Vec::new(),
        }
    }

    pub fn is_live(&self) -> bool {
        self.disabled_at.is_none()
    }
}

/// The bucket key of the account with this id.
pub fn id_key(id: &str) -> String {
    format!("id.{id}")
}
