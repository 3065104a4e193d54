//! Fuzz target `api_bodies`: the checks are in `chatorder_fuzz::api_bodies` (see its
//! docs and docs/fuzzing.md), so `cargo test` can replay the corpus on stable Rust.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| chatorder_fuzz::api_bodies::check(data));
