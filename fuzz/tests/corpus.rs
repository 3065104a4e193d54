//! Replays the committed seed corpus through every target's checks on stable
//! Rust, without libFuzzer: `cargo test --manifest-path fuzz/Cargo.toml`.
//! A crash the fuzzer found belongs here too once fixed: copy it into
//! `corpus/<target>/` under a name that says what it was.

use std::path::Path;

fn replay(target: &str, check: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no seeds in {}", dir.display());
    for file in files {
        let data = std::fs::read(&file).expect("read seed");
        if let Err(panic) = std::panic::catch_unwind(|| check(&data)) {
            let why = panic
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| panic.downcast_ref::<&str>().copied())
                .unwrap_or("?");
            panic!("{} fails: {why}", file.display());
        }
    }
}

#[test]
fn parse_order_text_seeds() {
    replay("parse_order_text", chatorder_fuzz::parse::check);
}

#[test]
fn decode_envelope_seeds() {
    replay("decode_envelope", chatorder_fuzz::decode::check);
}

#[test]
fn telegram_update_seeds() {
    replay("telegram_update", chatorder_fuzz::telegram::check);
}

#[test]
fn api_bodies_seeds() {
    replay("api_bodies", chatorder_fuzz::api_bodies::check);
}
