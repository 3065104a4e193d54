#![doc = include_str!("../README.md")]

pub mod nats;
pub mod servers;
