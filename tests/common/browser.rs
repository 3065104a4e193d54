//! Runs a script of `tests/playground/` in node, which drives Debian's
//! headless Chromium with playwright-core.

use std::path::PathBuf;
use std::process::{Command, Output};

/// Fails the test with what to run when Chromium or the node modules
/// (playwright-core, axe-core) are missing.
pub fn require_browser() -> String {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    let modules = root.join("tests/playground/node_modules");
    assert!(
        PathBuf::from(&chromium).is_file()
            && modules.join("playwright-core").is_dir()
            && modules.join("axe-core").is_dir(),
        "the browser tests need Debian's chromium, playwright-core and axe-core: run \
         scripts/playground-test.sh --prepare (scripts/test.sh does it for you)"
    );
    chromium
}

/// Runs `tests/playground/<script>` with `args` and `env` (off the async
/// runtime: it takes seconds).
pub async fn run_script(
    script: &str,
    args: Vec<String>,
    env: Vec<(&'static str, String)>,
) -> Output {
    let chromium = require_browser();
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/playground")
        .join(script);
    tokio::task::spawn_blocking(move || {
        Command::new("node")
            .arg(path)
            .args(args)
            .env("CHROMIUM", chromium)
            .envs(env)
            .output()
            .expect("node runs (Debian's nodejs)")
    })
    .await
    .expect("the browser script ran")
}

/// Runs `tests/playground/<script>` with `args` and `env` like
/// [`run_script`], fails the test with its output (and where its
/// screenshots are, `artifacts`) unless it succeeded, and returns the JSON
/// of its `RESULT {json}` line.
pub async fn script_result(
    script: &str,
    args: Vec<String>,
    env: Vec<(&'static str, String)>,
    artifacts: &std::path::Path,
) -> serde_json::Value {
    let run = run_script(script, args, env).await;
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        run.status.success(),
        "{script} failed:\n{stdout}\n{stderr}\nscreenshots in {}",
        artifacts.display()
    );
    stdout
        .lines()
        .find_map(|l| l.strip_prefix("RESULT "))
        .map(|l| serde_json::from_str(l).unwrap())
        .unwrap_or_else(|| panic!("{script} printed no RESULT line:\n{stdout}\n{stderr}"))
}
