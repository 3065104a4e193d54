#![doc = include_str!("../README.md")]

pub mod catalog;
pub mod models;
pub mod numbers;
pub mod past_sales;
pub mod pool;
pub mod promo;
pub mod read;
pub mod schema;
pub mod shop;
pub mod text_sql;

pub use pool::{Conn, DbPool, connect, migrate, pool};

use chatorder_shared::config::Settings;

/// Makes the database ready for the workers: creates it if missing, applies
/// pending migrations, and seeds an empty catalog from `catalog.seed_file`.
/// Running it again changes nothing.
pub async fn prepare(settings: &Settings) -> anyhow::Result<()> {
    let applied = migrate(&settings.database.url).await?;
    if applied.is_empty() {
        tracing::info!("schema is up to date");
    } else {
        tracing::info!(?applied, "migrations applied");
    }
    let mut conn = connect(&settings.database.url).await?;
    let seed = &settings.catalog.seed_file;
    if let Some(n) = catalog::seed_if_empty(&mut conn, seed, settings.shop.currency).await? {
        tracing::info!(items = n, file = %seed.display(), "seeded the empty catalog");
    }
    Ok(())
}
