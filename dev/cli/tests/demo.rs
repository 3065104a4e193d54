//! `chatorder-dev demo --quick` as a process, the way a newcomer runs it,
//! from a copy of the repository with nothing beside it (so nothing may read
//! outside it, such as the team's `../shared`): real order data replayed by
//! simulated customers through the Telegram stand-in, a simulated owner, and
//! a report whose counts must match.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Copies every file git tracks into an empty directory of its own.
fn copy_of_the_repository() -> PathBuf {
    let root = repo_root();
    let listed = Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(&root)
        .output()
        .expect("git lists the repository's files");
    assert!(listed.status.success(), "git ls-files failed");
    let alone = std::env::temp_dir().join(format!("chatorder-alone-{}", uuid::Uuid::new_v4()));
    let copy = alone.join("chatorder");
    for name in listed.stdout.split(|b| *b == 0).filter(|n| !n.is_empty()) {
        let name = Path::new(std::str::from_utf8(name).unwrap());
        let to = copy.join(name);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        // A file deleted but not yet committed is not in the copy either.
        if root.join(name).is_file() {
            std::fs::copy(root.join(name), &to).unwrap();
        }
    }
    copy
}

#[test]
fn the_quick_demo_runs_from_a_copy_of_the_repository_and_its_counts_match() {
    let copy = copy_of_the_repository();
    assert!(
        copy.join("data/pizzaplace-2015-01-to-10.csv.gz").is_file(),
        "the order data ships in the repository"
    );
    assert!(!copy.join("../shared").exists(), "nothing beside the copy");
    // No --data: the default must be the repository's own.
    let out = Command::new(env!("CARGO_BIN_EXE_chatorder-dev"))
        .args(["demo", "--quick", "--playground", "off"])
        .current_dir(&copy)
        .env("CHATORDER__METRICS__LISTEN", "")
        .env("CHATORDER__API__LISTEN", "127.0.0.1:0")
        .env("RUST_LOG", "warn")
        .output()
        .expect("chatorder-dev runs");
    let _ = std::fs::remove_dir_all(copy.parent().unwrap());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "demo failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("counts match: yes"), "{stdout}");
    assert!(stdout.contains("HTTP API: http://127.0.0.1:"), "{stdout}");
    assert!(
        stdout.contains("replayed orders:                 40"),
        "{stdout}"
    );
    assert!(
        stdout.contains("40 exactly once, 0 more than once"),
        "{stdout}"
    );
    // The owner's view at the end: the morning summary posted in the
    // Discord channel and `/forecast` for tomorrow, from the demand worker
    // trained on the imported history.
    let summary = stdout
        .split("the owner's morning summary")
        .nth(1)
        .unwrap_or_else(|| panic!("no morning summary in:\n{stdout}"));
    for needle in ["Yesterday", "orders", "Today", "Prep list:", "Peak hours:"] {
        assert!(summary.contains(needle), "`{needle}` missing:\n{summary}");
    }
    let forecast = stdout
        .split("the owner's `/forecast` (tomorrow)")
        .nth(1)
        .unwrap_or_else(|| panic!("no forecast in:\n{stdout}"));
    assert!(
        forecast.contains("about") && forecast.contains("Prep list:"),
        "{forecast}"
    );
}

/// The repository this test belongs to (`dev/cli` is two levels down).
fn repo_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}
