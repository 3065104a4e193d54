//! One NATS server of our own (own port and store directory), with the
//! JetStream sync policy of our choice: the benchmark compares fsync on
//! every write with the server's default.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use anyhow::Context as _;

use crate::servers::{Which, free_port, nats_server_bin, wait_port};

/// When JetStream writes reach the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sync {
    /// `sync_interval: always`: an fsync per write (what a shop runs).
    Always,
    /// The server's default: an fsync every two minutes.
    Default,
}

impl Sync {
    pub fn label(self) -> &'static str {
        match self {
            Self::Always => "fsync always",
            Self::Default => "default sync",
        }
    }
}

/// The configuration file of a NATS of ours listening on `port`.
pub fn config(port: u16, store: &Path, sync: Sync) -> String {
    let sync = match sync {
        Sync::Always => "\n  sync_interval: always",
        Sync::Default => "",
    };
    format!(
        "listen: 127.0.0.1:{port}\njetstream {{\n  store_dir: \"{}\"{sync}\n}}\n",
        store.display()
    )
}

/// A running nats-server of ours; stopped and its directory removed when
/// dropped.
pub struct OwnNats {
    pub port: u16,
    dir: PathBuf,
    child: Child,
}

impl OwnNats {
    pub fn start(sync: Sync) -> anyhow::Result<Self> {
        let dir = std::env::temp_dir().join(format!("chatorder-nats-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let port = free_port()?;
        let conf = dir.join("nats.conf");
        std::fs::write(&conf, config(port, &dir.join("store"), sync))
            .context("writing our own NATS's configuration")?;
        let child = Command::new(nats_server_bin()?)
            .arg("-c")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("starting our own NATS")?;
        let nats = Self { port, dir, child };
        wait_port(port, Which::Nats)?;
        Ok(nats)
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }
}

impl Drop for OwnNats {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
