#![doc = include_str!("../README.md")]

pub mod board;
pub mod commands;
pub mod discord;
pub mod export;
pub mod feeds;
pub mod handler;
pub mod ids;
pub mod metrics;
pub mod promo;
pub mod render;
pub mod run;
pub mod texts;
pub mod verdicts;
pub mod workers;

pub use run::run;
