//! The checks behind chatorder's fuzz targets, kept in a library so that the
//! seed corpus can be replayed by `cargo test` on stable Rust (`tests/corpus.rs`)
//! and the corpus generator (`examples/gen_corpus.rs`) can reuse the catalogs.
//!
//! Each `check` function takes the raw fuzzer input and panics when an
//! invariant breaks; a panic is what libFuzzer reports as a crash.

pub mod api_bodies;
pub mod catalogs;
pub mod decode;
pub mod parse;
pub mod telegram;
