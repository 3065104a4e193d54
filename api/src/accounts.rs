//! Web accounts: customers register themselves over the API; owners are
//! made from the CLI (`chatorder account create-owner`). Stored in the
//! `ACCOUNTS` bucket (`chatorder_shared::accounts` has the layout); an
//! e-mail address is unique because its index key can be created once.
//! Passwords are hashed with argon2id off the async threads, a few at a
//! time, so a flood of logins queues instead of starving every request.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use async_nats::jetstream::{self, kv};
use chatorder_shared::accounts::{self, Account};
use chatorder_shared::domain::Role;
use chrono::Utc;
use tokio::sync::Semaphore;

use crate::secrets::{hash_password, hash_secret, verify_password};

const ID_LEN: usize = 12;

/// What a new account is made of, checked by [`NewAccount::parse`].
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub email: String,
    pub name: String,
    pub phone: Option<String>,
    pub role: Role,
    pub password: String,
}

/// Why a new account's details were refused, said so a person can fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidAccount {
    #[error("`email` must be an e-mail address such as ana@example.com (at most 254 characters).")]
    Email,
    #[error("`name` must be 1 to 128 characters.")]
    Name,
    #[error(
        "`phone` must be 6 to 32 digits, spaces, dashes, dots or brackets, \
         optionally starting with +."
    )]
    Phone,
    #[error("`password` must be 10 to 128 characters.")]
    Password,
}

impl NewAccount {
    pub const MIN_PASSWORD: usize = 10;
    pub const MAX_PASSWORD: usize = 128;

    /// Checks and tidies the details (trimmed; an empty phone is none).
    pub fn parse(
        email: &str,
        name: &str,
        phone: Option<&str>,
        role: Role,
        password: &str,
    ) -> Result<Self, InvalidAccount> {
        let email = email.trim();
        if !valid_email(email) {
            return Err(InvalidAccount::Email);
        }
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 128 || name.chars().any(char::is_control) {
            return Err(InvalidAccount::Name);
        }
        let phone = phone.map(str::trim).filter(|p| !p.is_empty());
        if let Some(p) = phone
            && !valid_phone(p)
        {
            return Err(InvalidAccount::Phone);
        }
        let length = password.chars().count();
        if !(Self::MIN_PASSWORD..=Self::MAX_PASSWORD).contains(&length) {
            return Err(InvalidAccount::Password);
        }
        Ok(Self {
            email: email.to_owned(),
            name: name.to_owned(),
            phone: phone.map(str::to_owned),
            role,
            password: password.to_owned(),
        })
    }
}

/// One `@`, something before it, a dotted domain after it, no spaces.
/// Deliverability is the shop's mail server's business, not ours.
fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    email.len() <= 254
        && !local.is_empty()
        && local.len() <= 64
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn valid_phone(phone: &str) -> bool {
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let body = phone.strip_prefix('+').unwrap_or(phone);
    (6..=32).contains(&phone.len())
        && digits >= 6
        && body
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '.' | '(' | ')'))
}

/// The index key of an e-mail address (case does not matter).
fn email_key(email: &str) -> String {
    format!("email.{}", hash_secret(&email.trim().to_lowercase()))
}

/// Why registering failed.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    #[error("an account with this e-mail address exists")]
    EmailTaken,
    #[error(transparent)]
    Store(#[from] anyhow::Error),
}

#[derive(Clone)]
pub struct Accounts {
    kv: kv::Store,
    /// The bucket in memory (the API's hot path), when following it.
    mirror: Option<chatorder_bus::kv::Mirror>,
    /// Password hashes computed at once (each takes ~19 MiB and a core
    /// for tens of milliseconds).
    hashing: Arc<Semaphore>,
}

impl Accounts {
    pub async fn open_bucket(
        js: &jetstream::Context,
        bucket: String,
        replicas: usize,
    ) -> anyhow::Result<Self> {
        let kv = chatorder_bus::kv::bucket(js, bucket, Duration::ZERO, replicas).await?;
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        Ok(Self {
            kv,
            mirror: None,
            hashing: Arc::new(Semaphore::new(cores)),
        })
    }

    /// Reads accounts by id from memory, following the bucket until `cancel`.
    pub fn mirrored(mut self, cancel: tokio_util::sync::CancellationToken) -> Self {
        self.mirror = Some(chatorder_bus::kv::Mirror::follow(self.kv.clone(), cancel));
        self
    }

    /// Makes an account. The record is written first and the e-mail index
    /// second: if the address is taken the record is removed again, and a
    /// crash in between leaves only a record nothing points to.
    pub async fn register(&self, new: NewAccount) -> Result<Account, RegisterError> {
        let index = email_key(&new.email);
        if self
            .kv
            .get(&index)
            .await
            .context("reading the e-mail index")?
            .is_some()
        {
            return Err(RegisterError::EmailTaken);
        }
        let password_hash = self.hash(new.password).await?;
        let account = Account {
            id: crate::secrets::readable_id(ID_LEN),
            email: new.email,
            name: new.name,
            phone: new.phone,
            role: new.role,
            password_hash,
            created_at: Utc::now(),
            disabled_at: None,
        };
        let record = accounts::id_key(&account.id);
        self.kv
            .create(
                &record,
                serde_json::to_vec(&account).context("encoding")?.into(),
            )
            .await
            .context("storing the account")?;
        if let Err(e) = self.kv.create(&index, account.id.clone().into()).await {
            let _ = self.kv.purge(&record).await;
            return Err(match e.kind() {
                kv::CreateErrorKind::AlreadyExists => RegisterError::EmailTaken,
                _ => RegisterError::Store(anyhow::Error::new(e).context("indexing the e-mail")),
            });
        }
        Ok(account)
    }

    pub async fn by_id(&self, id: &str) -> anyhow::Result<Option<Account>> {
        let key = accounts::id_key(id);
        chatorder_bus::kv::get_json_mirrored(&self.kv, self.mirror.as_ref(), &key)
            .await
            .context("reading an account")
    }

    pub async fn by_email(&self, email: &str) -> anyhow::Result<Option<Account>> {
        let Some(id) = self
            .kv
            .get(email_key(email))
            .await
            .context("reading the e-mail index")?
        else {
            return Ok(None);
        };
        self.by_id(&String::from_utf8_lossy(&id)).await
    }

    /// The live account these credentials open, or `None`. A wrong address
    /// costs the same hashing as a wrong password, so timing does not tell
    /// which addresses have accounts.
    pub async fn login(&self, email: &str, password: &str) -> anyhow::Result<Option<Account>> {
        let account = self.by_email(email).await?;
        let phc = account
            .as_ref()
            .map_or_else(|| DUMMY_HASH.to_owned(), |a| a.password_hash.clone());
        let password = password.to_owned();
        let _permit = self.hashing.acquire().await.context("hashing closed")?;
        let matches = tokio::task::spawn_blocking(move || verify_password(&password, &phc))
            .await
            .context("the password check stopped")?;
        Ok(account.filter(|a| matches && a.is_live()))
    }

    /// Disables (or enables again) the account with this address; `None`
    /// if there is none.
    pub async fn set_disabled(
        &self,
        email: &str,
        disabled: bool,
    ) -> anyhow::Result<Option<Account>> {
        let Some(mut account) = self.by_email(email).await? else {
            return Ok(None);
        };
        account.disabled_at = if disabled { Some(Utc::now()) } else { None };
        self.kv
            .put(
                accounts::id_key(&account.id),
                serde_json::to_vec(&account)?.into(),
            )
            .await
            .context("storing the account")?;
        Ok(Some(account))
    }

    async fn hash(&self, password: String) -> anyhow::Result<String> {
        let _permit = self.hashing.acquire().await.context("hashing closed")?;
        tokio::task::spawn_blocking(move || hash_password(&password))
            .await
            .context("the password hashing stopped")?
            .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
    }
}

/// A valid argon2id hash of a random password, checked against when an
/// address has no account.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$\
                          Rj7pDh2e1T5hOe4bLk3kY2x9cY7wq2m1mQyJv0b0xYI";

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(
        email: &str,
        name: &str,
        phone: Option<&str>,
        password: &str,
    ) -> Result<NewAccount, InvalidAccount> {
        NewAccount::parse(email, name, phone, Role::Customer, password)
    }

    #[test]
    fn details_are_checked_and_tidied() {
        let ok = parse(
            " Ana@Example.com ",
            " Ana ",
            Some(" +44 20 7946 0958 "),
            "long enough pw",
        )
        .expect("valid");
        assert_eq!(ok.email, "Ana@Example.com");
        assert_eq!(ok.name, "Ana");
        assert_eq!(ok.phone.as_deref(), Some("+44 20 7946 0958"));
        assert!(
            parse("ana@example.com", "Ana", Some(""), "long enough pw")
                .is_ok_and(|a| a.phone.is_none())
        );
        for bad in [
            "",
            "ana",
            "ana@",
            "@example.com",
            "ana@example",
            "a b@example.com",
            "ana@.com",
            "a@b@c.com",
        ] {
            assert_eq!(
                parse(bad, "Ana", None, "long enough pw").expect_err("refused"),
                InvalidAccount::Email,
                "{bad}"
            );
        }
        assert_eq!(
            parse("a@b.co", " ", None, "long enough pw").expect_err("refused"),
            InvalidAccount::Name
        );
        assert_eq!(
            parse("a@b.co", "Ana", Some("call me"), "long enough pw").expect_err("refused"),
            InvalidAccount::Phone
        );
        assert_eq!(
            parse("a@b.co", "Ana", Some("12345"), "long enough pw").expect_err("refused"),
            InvalidAccount::Phone
        );
        assert_eq!(
            parse("a@b.co", "Ana", None, "short").expect_err("refused"),
            InvalidAccount::Password
        );
        assert_eq!(
            parse("a@b.co", "Ana", None, &"x".repeat(129)).expect_err("refused"),
            InvalidAccount::Password
        );
    }

    #[test]
    fn an_address_is_the_same_account_in_any_case() {
        assert_eq!(email_key("Ana@Example.com"), email_key(" ana@example.COM"));
        assert_ne!(email_key("ana@example.com"), email_key("ann@example.com"));
    }

    #[test]
    fn the_dummy_hash_is_a_hash_that_matches_nothing_guessable() {
        assert!(argon2::password_hash::PasswordHash::new(DUMMY_HASH).is_ok());
        assert!(!verify_password("", DUMMY_HASH));
        assert!(!verify_password("password123", DUMMY_HASH));
    }
}
