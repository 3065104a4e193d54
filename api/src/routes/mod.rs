//! The endpoints, one module per resource.

pub mod catalog;
pub mod health;
pub mod orders;
