//! The endpoints, one module per resource.

pub mod accounts;
pub mod catalog;
pub mod catalog_admin;
pub mod events;
pub mod export;
pub mod health;
pub mod orders;
pub mod reports;
pub mod shop;
pub mod webhooks;
