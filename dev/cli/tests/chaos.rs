//! `chatorder-dev chaos`, short: the real binary with 400 orders instead of
//! 20,000, every fault of the full run (order workers SIGKILLed, NATS
//! killed and restarted, MariaDB and Redis down 10 s, both bots restarted,
//! the Telegram bot SIGKILLed, malformed commands), on servers of its own; and the
//! same on a 3-node NATS cluster with 3 replicas, where one node and then
//! the command stream's leader are SIGKILLed. Each must pass every check of
//! its report: each order told "received" is in MySQL once with the right
//! lines and total, no other order exists, every status change is in the
//! history and reached the customer exactly once (a send a SIGKILL cut
//! short may arrive twice, and only such a send), one card per order, the
//! outbox is empty and only the malformed commands were dead-lettered.

#![allow(clippy::unwrap_used)]

use std::process::Command;

/// Runs a short chaos run with `extra` arguments; returns its report.
fn short_run(extra: &[&str]) -> String {
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
        .args(extra)
        .current_dir(repo_root())
        .env("CHATORDER__LOG__FILTER", "warn")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
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
        "[ok] every status change is in the history (400 checked)",
        "[ok] every notification reached its customer exactly once (400 checked)",
        "[ok] every order has exactly one card on the board (400 checked)",
        "[ok] the outbox is empty",
        "[ok] dead letters: only the malformed ones sent on purpose (5 checked)",
        "chaos: PASSED",
    ] {
        assert!(stdout.contains(check), "the report lacks `{check}`");
    }
    stdout
}

/// Every fault in `faults` happened, and its waits were measured.
fn assert_faults(report: &str, faults: &[&str]) {
    for fault in faults {
        assert!(
            report
                .lines()
                .any(|l| l.trim_start().starts_with(fault) && l.trim_end().ends_with(')')),
            "no wait reported for `{fault}`"
        );
    }
}

const EVERY_RUN: [&str; 8] = [
    "SIGKILL worker-0",
    "SIGKILL worker-1",
    "SIGKILL every order worker",
    "MariaDB killed, down 10 s",
    "Redis stopped, down 10 s",
    "Telegram bot restarted",
    "SIGKILL the Telegram bot",
    "Discord bot restarted",
];

#[test]
fn a_short_chaos_run_passes_every_check() {
    let report = short_run(&[]);
    assert_faults(&report, &EVERY_RUN);
    assert_faults(&report, &["SIGKILL NATS, restarted after 1 s"]);
}

#[test]
fn a_short_chaos_run_on_a_nats_cluster_passes_every_check() {
    let report = short_run(&["--cluster"]);
    assert!(
        report.contains("a cluster of 3, every stream and bucket with 3 replicas"),
        "not on a cluster"
    );
    assert_faults(&report, &EVERY_RUN);
    assert_faults(
        &report,
        &[
            "SIGKILL NATS node n2",
            "SIGKILL the command stream's leader",
        ],
    );
}

/// The repository this test belongs to (`dev/cli` is two levels down).
fn repo_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}
