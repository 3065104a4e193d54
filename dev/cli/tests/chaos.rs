//! `chatorder-dev chaos`, short: the real binary with 400 orders instead of
//! 20,000, every fault of the full run (order workers SIGKILLed, NATS
//! killed and restarted, MariaDB and Redis down 10 s, both bots restarted,
//! malformed commands), on servers of its own. It must pass every check of
//! its report: each order told "received" is in MySQL once with the right
//! lines and total, no other order exists, every status change is in the
//! history and reached the customer exactly once, one card per order, the
//! outbox is empty and only the malformed commands were dead-lettered.

#![allow(clippy::unwrap_used)]

use std::process::Command;

#[test]
fn a_short_chaos_run_passes_every_check() {
    let out = Command::new(env!("CARGO_BIN_EXE_chatorder-dev"))
        .args([
            "chaos",
            "--orders",
            "400",
            "--rate",
            "10",
            "--owner-pause-ms",
            "100",
        ])
        .current_dir(repo_root())
        .env("CHATORDER__LOG__FILTER", "warn")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    eprintln!("{stderr}");
    assert!(
        out.status.success(),
        "chatorder chaos failed ({}); its report is above",
        out.status
    );
    for check in [
        "[ok] every customer was told \"received\" (400 checked)",
        "[ok] every order told \"received\" is in MySQL once, as ordered (400 checked)",
        "[ok] no order exists that no customer placed (400 checked)",
        "[ok] every notification reached its customer exactly once (400 checked)",
        "[ok] dead letters: only the malformed ones sent on purpose (5 checked)",
        "chaos: PASSED",
    ] {
        assert!(stdout.contains(check), "the report lacks `{check}`");
    }
    // Every fault happened, and its waits were measured.
    for fault in [
        "SIGKILL worker-0",
        "SIGKILL worker-1",
        "SIGKILL every order worker",
        "SIGKILL NATS",
        "MariaDB killed, down 10 s",
        "Redis stopped, down 10 s",
        "Telegram bot restarted",
        "Discord bot restarted",
    ] {
        assert!(
            stdout
                .lines()
                .any(|l| l.trim_start().starts_with(fault) && l.trim_end().ends_with(')')),
            "no wait reported for `{fault}`"
        );
    }
}

/// The repository this test belongs to (`dev/cli` is two levels down).
fn repo_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}
