#![doc = include_str!("../README.md")]

pub mod apply;
pub mod cache;
pub mod consumer;
pub mod metrics;
pub mod numbers;
pub mod outbox;
pub mod owners;
pub mod queries;
pub mod rules;
pub mod worker;
