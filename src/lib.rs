//! The `chatorder` command line as a library: `src/main.rs` runs it, and the
//! development tool (`dev/cli`, `chatorder-dev`) runs the same components
//! through [`cli::run_all`] and [`cli::run`].

pub mod cli;
