//! What the demo shows on the terminal: a progress bar instead of library
//! logs, which go to a file whose path is printed. Only warnings from
//! chatorder itself, and errors from anything, reach the screen.

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use chatorder_shared::config::LogSettings;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{EnvFilter, Layer as _};

/// What reaches the screen while the bar runs.
const SCREEN_FILTER: &str = "error,chatorder=warn,chatorder_shared=warn,chatorder_bus=warn,\
chatorder_db=warn,chatorder_orders=warn,chatorder_demand=warn,chatorder_demand_model=warn,\
chatorder_telegram=warn,chatorder_discord=warn,chatorder_dev=warn";

/// Sends every log line (at `log.filter`, or `RUST_LOG`) to a new file in
/// `dir`, and only what matters to stderr. Returns the file's path.
pub fn log_to_file(settings: &LogSettings, dir: &Path) -> anyhow::Result<PathBuf> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let path = dir.join(format!(
        "demo-{}.log",
        chrono::Utc::now().format("%Y%m%d-%H%M%S")
    ));
    let file = std::fs::File::create(&path)
        .with_context(|| format!("creating the log file {}", path.display()))?;
    let to_file = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&settings.filter))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let to_screen = EnvFilter::new(SCREEN_FILTER);
    // An error only means a subscriber is already installed.
    let _ = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(std::sync::Mutex::new(file))
                .with_filter(to_file),
        )
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_filter(to_screen),
        )
        .try_init();
    Ok(path)
}

/// The demo's progress: a bar on a terminal, a plain line every few seconds
/// otherwise (CI logs, tests).
pub struct Progress {
    bar: ProgressBar,
    plain: bool,
    last_plain: std::time::Instant,
}

/// One reading of the counters.
pub struct Reading {
    pub chatting: usize,
    pub received: usize,
    pub completed: usize,
    pub failed: usize,
    pub elapsed: Duration,
}

impl Progress {
    pub fn new(total: usize) -> Self {
        let plain = !std::io::stderr().is_terminal();
        let bar = ProgressBar::with_draw_target(
            Some(total as u64),
            if plain {
                ProgressDrawTarget::hidden()
            } else {
                ProgressDrawTarget::stderr()
            },
        );
        if let Ok(style) = ProgressStyle::with_template(
            "  {elapsed_precise} [{bar:32}] {pos}/{len} received · {msg}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        Self {
            bar,
            plain,
            last_plain: std::time::Instant::now(),
        }
    }

    pub fn show(&mut self, r: &Reading) {
        let rate = r.received as f64 / r.elapsed.as_secs_f64().max(1e-3);
        let msg = format!(
            "{} chatting, {} completed, {} failed, {rate:.1} orders/s",
            r.chatting.saturating_sub(r.received + r.failed),
            r.completed,
            r.failed
        );
        if self.plain {
            if self.last_plain.elapsed() >= Duration::from_secs(5) {
                self.last_plain = std::time::Instant::now();
                println!(
                    "  [{:>5.1} s] {}/{} received · {msg}",
                    r.elapsed.as_secs_f64(),
                    r.received,
                    self.bar.length().unwrap_or(0)
                );
            }
        } else {
            self.bar.set_position(r.received as u64);
            self.bar.set_message(msg);
        }
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
