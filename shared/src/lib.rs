#![doc = include_str!("../README.md")]

pub mod accounts;
pub mod api_keys;
pub mod commands;
pub mod config;
pub mod domain;
pub mod envelope;
pub mod events;
pub mod export;
pub mod hours;
pub mod lifecycle;
pub mod limits;
pub mod owners;
pub mod queries;
pub mod refusal;
pub mod subjects;
pub mod telemetry;
