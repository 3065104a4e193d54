#![doc = include_str!("../README.md")]

pub mod apply;
pub mod cache;
pub mod catalog;
pub mod consumer;
pub mod db;
pub mod history;
pub mod metrics;
pub mod models;
pub mod outbox;
pub mod queries;
pub mod read;
pub mod rules;
pub mod schema;
pub mod worker;
