//! One NATS server of our own (own port and store directory), with the
//! JetStream sync policy of our choice: the benchmark compares fsync on
//! every write with the server's default.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use anyhow::Context as _;

use crate::servers::{Which, free_ports, nats_server_bin, wait_port};

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
    node_config(port, store, sync, None)
}

/// A node's place in a cluster of ours: its name, the port its routes
/// listen on, and the other nodes' route ports.
pub struct Route<'a> {
    pub name: &'a str,
    pub listen: u16,
    pub peers: &'a [u16],
}

/// [`config`] for one node of a cluster (routes to its peers, a server
/// name, which JetStream's replication needs), or of a single server.
pub fn node_config(port: u16, store: &Path, sync: Sync, route: Option<&Route<'_>>) -> String {
    let sync = match sync {
        Sync::Always => "\n  sync_interval: always",
        Sync::Default => "",
    };
    let mut conf = String::new();
    if let Some(r) = route {
        conf.push_str(&format!("server_name: {}\n", r.name));
    }
    conf.push_str(&format!(
        "listen: 127.0.0.1:{port}\njetstream {{\n  store_dir: \"{}\"{sync}\n}}\n",
        store.display()
    ));
    if let Some(r) = route {
        let routes: Vec<String> = r
            .peers
            .iter()
            .map(|p| format!("nats-route://127.0.0.1:{p}"))
            .collect();
        conf.push_str(&format!(
            "cluster {{\n  name: chatorder\n  listen: 127.0.0.1:{}\n  routes: [{}]\n}}\n",
            r.listen,
            routes.join(", ")
        ));
    }
    conf
}

/// The server name of cluster node `k` (as JetStream names a leader).
pub fn node_name(k: usize) -> String {
    format!("n{k}")
}

/// Writes node `k`'s configuration to `conf` (its client port `ports[k]`,
/// routes to the others' `routes` when there are several, its store in
/// `store`) and starts it, without waiting for it to listen.
pub(crate) fn spawn_node(
    conf: &Path,
    store: &Path,
    k: usize,
    (ports, routes): (&[u16], &[u16]),
    sync: Sync,
    stderr: Stdio,
) -> anyhow::Result<Child> {
    let name = node_name(k);
    let peers: Vec<u16> = (0..routes.len())
        .filter(|&j| j != k)
        .map(|j| routes[j])
        .collect();
    let route = Route {
        name: &name,
        listen: routes[k],
        peers: &peers,
    };
    std::fs::write(
        conf,
        node_config(ports[k], store, sync, (ports.len() > 1).then_some(&route)),
    )
    .context("writing our own NATS's configuration")?;
    Command::new(nats_server_bin()?)
        .arg("-c")
        .arg(conf)
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .context("starting our own NATS")
}

/// A running nats-server of ours, or a cluster of them; stopped and its
/// directory removed when dropped.
pub struct OwnNats {
    ports: Vec<u16>,
    dir: PathBuf,
    children: Vec<Child>,
}

impl OwnNats {
    pub fn start(sync: Sync) -> anyhow::Result<Self> {
        Self::cluster(sync, 1)
    }

    /// `nodes` servers routed to each other on loopback (one is a plain
    /// server), each with its own store directory.
    pub fn cluster(sync: Sync, nodes: usize) -> anyhow::Result<Self> {
        anyhow::ensure!(nodes >= 1, "a NATS of ours needs at least one node");
        let dir = std::env::temp_dir().join(format!("chatorder-nats-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let mut ports = free_ports(2 * nodes)?;
        let routes = ports.split_off(nodes);
        let mut nats = Self {
            ports: ports.clone(),
            dir,
            children: Vec::new(),
        };
        for k in 0..nodes {
            let name = node_name(k);
            nats.children.push(spawn_node(
                &nats.dir.join(format!("{name}.conf")),
                &nats.dir.join(&name),
                k,
                (&ports, &routes),
                sync,
                Stdio::null(),
            )?);
        }
        for &port in &ports {
            wait_port(port, Which::Nats, None)?;
        }
        Ok(nats)
    }

    /// Every node's URL, comma-separated.
    pub fn url(&self) -> String {
        self.ports
            .iter()
            .map(|p| format!("nats://127.0.0.1:{p}"))
            .collect::<Vec<_>>()
            .join(",")
    }

    pub fn nodes(&self) -> usize {
        self.ports.len()
    }
}

impl Drop for OwnNats {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
