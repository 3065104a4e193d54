#![doc = include_str!("../README.md")]

pub mod batch;
pub mod commands;
pub mod connect;
pub mod consumer;
pub mod feed;
pub mod kv;
pub mod queries;
pub mod streams;

pub use commands::{Commands, SendError};
pub use connect::{connect, server_addrs};
pub use consumer::{durable, hand_back, next_batch, pull};
pub use feed::{FeedOptions, Settle, run_keyed};
pub use queries::{Queries, QueryError};
pub use streams::{ensure_streams, purge_acknowledged};
