#![doc = include_str!("../README.md")]

pub mod bot;
pub mod buttons;
pub mod client;
pub mod conversation;
pub mod flood;
pub mod inbox;
pub mod metrics;
pub mod notify;
pub mod parse;
pub mod receipts;
pub mod run;
pub mod store;
pub mod texts;
pub mod workers;
