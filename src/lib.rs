//! The parts of the `chatorder` CLI that tests use too: our own NATS,
//! MariaDB and Redis servers for fault injection. Everything else of the
//! CLI lives in the binary (`src/main.rs`).

pub mod servers;
