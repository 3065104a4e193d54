//! Our own NATS, MariaDB and Redis servers, for fault injection: started on
//! free loopback ports with their own data directories, so killing,
//! pausing or restarting them never touches the machine's shared services.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    Nats,
    Mariadb,
    Redis,
}

pub struct OwnServers {
    pub dir: PathBuf,
    pub nats_port: u16,
    pub db_port: u16,
    pub redis_port: u16,
    nats: Option<Child>,
    db: Option<Child>,
    redis: Option<Child>,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn find(names: &[&str]) -> PathBuf {
    names
        .iter()
        .flat_map(|n| {
            ["/usr/sbin", "/usr/bin", "/usr/local/bin", "/usr/local/sbin"]
                .iter()
                .map(move |d| Path::new(d).join(n))
        })
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("none of {names:?} is installed"))
}

fn wait_port(port: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "{what} did not listen on {port}");
        std::thread::sleep(Duration::from_millis(25));
    }
}

fn signal(child: &Child, sig: &str) {
    let _ = Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(child.id().to_string())
        .status();
}

impl OwnServers {
    /// Starts all three (MariaDB's data directory is created first).
    pub fn start() -> Self {
        let dir = std::env::temp_dir().join(format!("chatorder-own-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(dir.join("nats")).expect("data dir");
        let install = Command::new(find(&["mariadb-install-db", "mysql_install_db"]))
            .arg("--no-defaults")
            .arg(format!("--datadir={}", dir.join("db").display()))
            .arg("--user=root")
            .arg("--auth-root-authentication-method=normal")
            .arg("--skip-test-db")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .expect("mariadb-install-db runs");
        assert!(install.success(), "mariadb-install-db failed");
        let mut s = Self {
            dir,
            nats_port: free_port(),
            db_port: free_port(),
            redis_port: free_port(),
            nats: None,
            db: None,
            redis: None,
        };
        for w in [Which::Nats, Which::Mariadb, Which::Redis] {
            s.up(w);
        }
        s
    }

    pub fn nats_url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.nats_port)
    }

    pub fn db_url(&self, database: &str) -> String {
        format!("mysql://root@127.0.0.1:{}/{database}", self.db_port)
    }

    pub fn redis_url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.redis_port)
    }

    fn slot(&mut self, w: Which) -> &mut Option<Child> {
        match w {
            Which::Nats => &mut self.nats,
            Which::Mariadb => &mut self.db,
            Which::Redis => &mut self.redis,
        }
    }

    /// Starts `w` if it is not running, and waits until it listens.
    pub fn up(&mut self, w: Which) {
        if self.slot(w).is_some() {
            return;
        }
        let dir = self.dir.clone();
        let (child, port) = match w {
            Which::Nats => (
                Command::new(find(&["nats-server"]))
                    .args(["-a", "127.0.0.1", "-p", &self.nats_port.to_string(), "-js"])
                    .arg("-sd")
                    .arg(dir.join("nats"))
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .expect("nats-server starts"),
                self.nats_port,
            ),
            Which::Mariadb => (
                Command::new(find(&["mariadbd", "mysqld"]))
                    .arg("--no-defaults")
                    .arg(format!("--datadir={}", dir.join("db").display()))
                    .arg(format!("--port={}", self.db_port))
                    .arg("--bind-address=127.0.0.1")
                    .arg(format!("--socket={}", dir.join("db.sock").display()))
                    .arg(format!("--pid-file={}", dir.join("db.pid").display()))
                    .arg(format!("--log-error={}", dir.join("db.err").display()))
                    .args([
                        "--user=root",
                        "--innodb-buffer-pool-size=128M",
                        "--skip-log-bin",
                        "--max-connections=500",
                    ])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .expect("mariadbd starts"),
                self.db_port,
            ),
            Which::Redis => (
                Command::new(find(&["redis-server"]))
                    .args([
                        "--bind",
                        "127.0.0.1",
                        "--port",
                        &self.redis_port.to_string(),
                        "--save",
                        "",
                        "--appendonly",
                        "no",
                    ])
                    .arg("--dir")
                    .arg(&dir)
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .expect("redis-server starts"),
                self.redis_port,
            ),
        };
        *self.slot(w) = Some(child);
        wait_port(port, &format!("{w:?}"));
    }

    /// SIGKILL: no goodbye, as a crash or an OOM kill.
    pub fn kill(&mut self, w: Which) {
        if let Some(mut c) = self.slot(w).take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Freezes `w` (SIGSTOP): connections stay open, nothing answers.
    pub fn freeze(&mut self, w: Which) {
        if let Some(c) = self.slot(w).as_ref() {
            signal(c, "STOP");
        }
    }

    pub fn thaw(&mut self, w: Which) {
        if let Some(c) = self.slot(w).as_ref() {
            signal(c, "CONT");
        }
    }
}

impl Drop for OwnServers {
    fn drop(&mut self) {
        for w in [Which::Nats, Which::Mariadb, Which::Redis] {
            self.thaw(w);
            self.kill(w);
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
