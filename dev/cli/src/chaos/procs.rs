//! The chatorder components the chaos run kills and restarts, each as its
//! own process (`chatorder-dev component worker orders`, `… bot telegram`,
//! `… bot discord`: the product's commands) of this binary, configured by a
//! configuration directory the run writes, logging to a file per start.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::Context as _;
use tokio::process::{Child, Command};

use chatorder_kit::servers::signal;

/// One component; `start` may be called again after `kill` or `stop`.
pub struct Proc {
    pub name: String,
    args: Vec<&'static str>,
    config_dir: PathBuf,
    log_dir: PathBuf,
    child: Option<Child>,
    /// How many times it was started.
    pub starts: u32,
}

impl Proc {
    pub fn new(name: &str, args: &[&'static str], config_dir: &Path, log_dir: &Path) -> Self {
        Self {
            name: name.to_owned(),
            args: args.to_vec(),
            config_dir: config_dir.to_path_buf(),
            log_dir: log_dir.to_path_buf(),
            child: None,
            starts: 0,
        }
    }

    pub fn start(&mut self) -> anyhow::Result<()> {
        if self.child.is_some() {
            return Ok(());
        }
        self.starts += 1;
        let log = self
            .log_dir
            .join(format!("{}.{}.log", self.name, self.starts));
        let out = std::fs::File::create(&log)
            .with_context(|| format!("creating the log file {}", log.display()))?;
        let err = out.try_clone()?;
        let exe = std::env::current_exe().context("finding the chatorder binary")?;
        let child = Command::new(exe)
            .arg("component")
            .args(&self.args)
            .env("CHATORDER_CONFIG_DIR", &self.config_dir)
            .env("CHATORDER_ENV", "chaos")
            // The overlay's log filter, not the caller's.
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", self.name))?;
        self.child = Some(child);
        Ok(())
    }

    /// SIGKILL: the process gets no chance to finish anything.
    pub async fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill().await;
        }
    }

    /// SIGTERM and wait (up to 30 s, then SIGKILL): an operator's restart.
    pub async fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            if let Some(pid) = c.id() {
                signal(pid, "TERM");
            }
            if tokio::time::timeout(Duration::from_secs(30), c.wait())
                .await
                .is_err()
            {
                let _ = c.kill().await;
            }
        }
    }

    /// `Some(exit status)` if the process ended by itself.
    pub fn exited(&mut self) -> Option<String> {
        let c = self.child.as_mut()?;
        match c.try_wait() {
            Ok(Some(status)) => {
                self.child = None;
                Some(status.to_string())
            }
            _ => None,
        }
    }
}
