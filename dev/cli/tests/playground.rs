//! The playground page in headless Chromium: `chatorder-dev run` as a newcomer
//! starts it (no tokens: local stand-ins), then a Playwright script types an
//! order in the customer chat, checks out with the buttons, accepts the
//! order on the owner board and waits for the customer's notification.
//! Screenshots of every step are kept in `$CARGO_TARGET_DIR/playground-artifacts`
//! (or `PLAYGROUND_ARTIFACTS`). Needs Debian's chromium and the node module
//! playwright-core: `scripts/playground-test.sh --prepare` installs both
//! (`scripts/test.sh` runs it first).

#![allow(clippy::unwrap_used)]

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use diesel_async::RunQueryDsl as _;

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        // SIGTERM first, as an operator would; then make sure.
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.0.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn artifacts() -> PathBuf {
    if let Ok(dir) = std::env::var("PLAYGROUND_ARTIFACTS") {
        return PathBuf::from(dir);
    }
    let target = std::env::var("CARGO_TARGET_DIR")
        .map_or_else(|_| repo_root().join("target"), PathBuf::from);
    target.join("playground-artifacts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_orders_in_the_playground_and_the_owner_accepts_it() {
    let root = repo_root();
    let root = root.as_path();
    let script = root.join("tests/playground/playground.mjs");
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        Path::new(&chromium).is_file()
            && root
                .join("tests/playground/node_modules/playwright-core")
                .is_dir(),
        "the playground test needs Debian's chromium and playwright-core: run \
         scripts/playground-test.sh --prepare (scripts/test.sh does it for you)"
    );

    let tag = uuid::Uuid::new_v4().simple().to_string()[..12].to_owned();
    let db = format!("chatorder_test_pg_{tag}");
    let db_url = format!("mysql://root@127.0.0.1:3306/{db}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_chatorder-dev"))
        .arg("run")
        .current_dir(root)
        .env("CHATORDER__DATABASE__URL", &db_url)
        .env("CHATORDER__NATS__PREFIX", format!("pg{tag}"))
        .env(
            "CHATORDER__REDIS__PREFIX",
            format!("chatorder-test:pg{tag}:"),
        )
        .env("CHATORDER__METRICS__LISTEN", "")
        .env("CHATORDER_PLAYGROUND_LISTEN", "127.0.0.1:0")
        // The test orders at any hour; the playground keeps the shop's hours.
        .env("CHATORDER__SHOP__ALWAYS_OPEN", "true")
        .env("CHATORDER__DEMAND__TRAINING", "quick")
        .env(
            "CHATORDER__DEMAND__MODEL_DIR",
            std::env::temp_dir().join(format!("chatorder-pg-models-{tag}")),
        )
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chatorder-dev run starts");
    let stderr = child.stderr.take().unwrap();
    let running = Running(child);
    let (tx, rx) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                // Keep draining so the child never blocks on a full pipe.
                continue;
            }
        }
    });
    let mut seen = Vec::new();
    let url = loop {
        let line = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| {
                panic!(
                    "no playground line from `chatorder-dev run`:\n{}",
                    seen.join("\n")
                )
            });
        if let Some(at) = line.find("playground: http://") {
            let rest = &line[at + "playground: ".len()..];
            break rest.split_whitespace().next().unwrap().to_owned();
        }
        seen.push(line);
    };

    let out_dir = artifacts();
    let out = {
        let (script, url, out_dir) = (script.clone(), url.clone(), out_dir.clone());
        tokio::task::spawn_blocking(move || {
            Command::new("node")
                .arg(&script)
                .arg(&url)
                .arg(&out_dir)
                .env("CHROMIUM", &chromium)
                .output()
                .expect("node runs (Debian's nodejs)")
        })
        .await
        .unwrap()
    };
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the browser test failed:\n{stdout}\n{stderr}\nscreenshots in {}",
        out_dir.display()
    );
    for shot in [
        "01-empty",
        "02-added-to-cart",
        "04-received",
        "05-card-on-board",
        "06-accepted",
    ] {
        assert!(
            out_dir.join(format!("{shot}.png")).is_file(),
            "screenshot {shot} kept"
        );
    }

    // What the page showed is what MySQL holds: one order, accepted by the
    // owner, with both items.
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Varchar)]
        status: String,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n_lines: i64,
    }
    let mut conn = chatorder_db::pool::connect(&db_url.clone().into())
        .await
        .unwrap();
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT o.status, (SELECT COUNT(*) FROM order_lines l WHERE l.order_id = o.id) AS n_lines FROM orders o",
    )
    .load(&mut conn)
    .await
    .unwrap();
    assert_eq!(rows.len(), 1, "one order");
    assert_eq!(rows[0].status, "accepted");
    assert_eq!(
        rows[0].n_lines, 2,
        "2 large hawaiian and a medium classic deluxe"
    );
    drop(running);
    let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS `{db}`"))
        .execute(&mut conn)
        .await;
}

/// The repository this test belongs to (`dev/cli` is two levels down).
fn repo_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}
