//! The MySQL connection pool and the embedded migrations.

use anyhow::Context as _;
use diesel_async::pooled_connection::deadpool::Pool;
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::{AsyncConnection, AsyncMigrationHarness, AsyncMysqlConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use secrecy::ExposeSecret as _;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations");

pub type DbPool = Pool<AsyncMysqlConnection>;
pub type Conn = AsyncMysqlConnection;

/// Hides any password in a database URL for messages.
pub fn redact_url(url: &str) -> String {
    chatorder_shared::config::redact_url(url)
}

/// Builds a pool; connections are opened lazily.
///
/// Every connection runs READ COMMITTED: the worker relies on row locks
/// (`FOR UPDATE`) and unique keys, never on repeatable reads, and READ
/// COMMITTED takes no gap locks, so replicas placing orders side by side do
/// not deadlock on index gaps. A lock wait longer than 10 s fails the batch,
/// which is then retried.
pub fn pool(url: &secrecy::SecretString, size: usize) -> anyhow::Result<DbPool> {
    let mut config = ManagerConfig::default();
    // Verified: a connection is checked with `SELECT 1` before it is handed
    // out, so after MySQL restarts the pool replaces its dead connections
    // instead of failing every command on them (found by tests/faults.rs).
    config.recycling_method = RecyclingMethod::Verified;
    config.custom_setup = Box::new(|url| {
        Box::pin(async move {
            use diesel_async::RunQueryDsl as _;
            let mut conn = AsyncMysqlConnection::establish(url).await?;
            for sql in [
                "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
                "SET SESSION innodb_lock_wait_timeout = 10",
            ] {
                diesel::sql_query(sql)
                    .execute(&mut conn)
                    .await
                    .map_err(|e| diesel::ConnectionError::BadConnection(e.to_string()))?;
            }
            Ok(conn)
        })
    });
    let manager = AsyncDieselConnectionManager::<AsyncMysqlConnection>::new_with_config(
        url.expose_secret(),
        config,
    );
    Pool::builder(manager)
        .max_size(size)
        .build()
        .context("building the MySQL connection pool")
}

/// Opens one connection with a message that says what to do when it fails.
pub async fn connect(url: &secrecy::SecretString) -> anyhow::Result<Conn> {
    AsyncMysqlConnection::establish(url.expose_secret())
        .await
        .with_context(|| {
            format!(
                "could not connect to MySQL at {}. Is MariaDB running and does the database exist? \
                 Locally: scripts/services.sh starts it and `chatorder migrate` creates the schema",
                redact_url(url.expose_secret())
            )
        })
}

/// Creates the database named in `url` if it does not exist, then applies
/// pending migrations. Returns the versions applied.
pub async fn migrate(url: &secrecy::SecretString) -> anyhow::Result<Vec<String>> {
    create_database_if_missing(url).await?;
    let conn = connect(url).await?;
    let mut harness = AsyncMigrationHarness::new(conn);
    let applied = tokio::task::block_in_place(|| harness.run_pending_migrations(MIGRATIONS))
        .map_err(|e| anyhow::anyhow!("applying migrations failed: {e}"))?;
    Ok(applied.iter().map(ToString::to_string).collect())
}

async fn create_database_if_missing(url: &secrecy::SecretString) -> anyhow::Result<()> {
    use diesel_async::RunQueryDsl as _;
    let url = url.expose_secret();
    let Some(slash) = url
        .rfind('/')
        .filter(|&i| i > url.find("://").map_or(0, |s| s + 2))
    else {
        return Ok(());
    };
    let (server, rest) = url.split_at(slash);
    let name = rest[1..].split('?').next().unwrap_or_default();
    if name.is_empty() {
        anyhow::bail!(
            "database.url names no database; add one, e.g. mysql://root@127.0.0.1:3306/chatorder"
        );
    }
    if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        anyhow::bail!("database name `{name}` may only hold letters, digits and `_`");
    }
    let mut conn = connect(&secrecy::SecretString::from(format!("{server}/"))).await?;
    diesel::sql_query(format!(
        "CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
    ))
    .execute(&mut conn)
    .await
    .with_context(|| format!("creating database {name}"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_hidden() {
        assert_eq!(
            super::redact_url("mysql://app:s3cret@db:3306/chatorder"),
            "mysql://app:***@db:3306/chatorder"
        );
        assert_eq!(
            super::redact_url("mysql://root@127.0.0.1/x"),
            "mysql://root@127.0.0.1/x"
        );
    }
}
