//! `chatorder demo --quick` as a process, the way a newcomer runs it: real
//! order data replayed by simulated customers through the Telegram stand-in,
//! a simulated owner, and a report whose counts must match.

use std::path::Path;
use std::process::Command;

#[test]
fn the_quick_demo_replays_orders_and_its_counts_match() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let data = root.join("data/pizzaplace-2015-01-to-10.csv.gz");
    assert!(
        data.is_file(),
        "the order data ships in the repository at {}",
        data.display()
    );
    let out = Command::new(env!("CARGO_BIN_EXE_chatorder"))
        .args(["demo", "--quick", "--data"])
        .arg(&data)
        .current_dir(root)
        .env("CHATORDER__METRICS__LISTEN", "")
        .env("RUST_LOG", "warn")
        .output()
        .expect("chatorder runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "demo failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("counts match: yes"), "{stdout}");
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
