//! API keys as stored in the `API_KEYS` key-value bucket: what the HTTP
//! API checks on every request and the order worker checks again before it
//! lets a key act as an owner. The secret itself is never stored.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The bucket's name (with the deployment's prefix in front).
pub const BUCKET: &str = "API_KEYS";

/// What a key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Read the catalog, orders and the owners' reports.
    Read,
    /// Everything an owner does: move and cancel orders, answer customers,
    /// change the catalog (implies `read`).
    Owner,
    /// Register and delete webhooks.
    Webhooks,
}

impl Scope {
    pub const ALL: [Scope; 3] = [Scope::Read, Scope::Owner, Scope::Webhooks];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Owner => "owner",
            Self::Webhooks => "webhooks",
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scope {
    type Err = UnknownScope;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|scope| scope.as_str() == s.trim())
            .ok_or_else(|| UnknownScope(s.trim().to_owned()))
    }
}

#[derive(Debug, thiserror::Error)]
#[error("`{0}` is not a scope; the scopes are read, owner and webhooks")]
pub struct UnknownScope(pub String);

/// A key as stored (no secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKey {
    pub id: String,
    pub name: String,
    pub scopes: Vec<Scope>,
    /// Hex SHA-256 of the whole key.
    pub hash: String,
    pub created_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ApiKey {
    pub fn allows(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
            || (scope == Scope::Read && self.scopes.contains(&Scope::Owner))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_read_and_print_as_their_names() {
        for scope in Scope::ALL {
            assert_eq!(scope.to_string().parse::<Scope>().ok(), Some(scope));
        }
        let err = "admin"
            .parse::<Scope>()
            .expect_err("no such scope")
            .to_string();
        assert!(err.contains("read, owner and webhooks"), "{err}");
    }

    #[test]
    fn owner_implies_read_but_not_webhooks() {
        let key = ApiKey {
            id: "x".into(),
            name: "till".into(),
            scopes: vec![Scope::Owner],
            hash: String::new(),
            created_at: Utc::now(),
            revoked_at: None,
        };
        assert!(key.allows(Scope::Read) && key.allows(Scope::Owner));
        assert!(!key.allows(Scope::Webhooks));
    }
}
