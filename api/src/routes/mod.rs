//! The endpoints, one module per resource.

pub mod accounts;
pub mod catalog;
pub mod events;
pub mod health;
pub mod orders;
pub mod webhooks;
