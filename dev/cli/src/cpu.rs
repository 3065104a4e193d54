//! CPU time used by the pipeline's processes over a phase, read from
//! Linux's `/proc`: the same build runs 1.5× faster on one machine of the
//! team's kind than on another, so orders/s alone does not compare runs
//! across machines; CPU time per order does.

use std::time::Instant;

/// Processes counted, by the name the kernel knows them by.
const GROUPS: [(&str, &[&str]); 3] = [
    ("MariaDB", &["mariadbd", "mysqld"]),
    ("NATS", &["nats-server"]),
    ("Redis", &["redis-server"]),
];

/// Clock ticks a second of `/proc/*/stat` (100 on Linux on x86 and ARM).
const TICKS: f64 = 100.0;

/// CPU ticks per group and of this process, and of the whole machine.
pub struct Sample {
    at: Instant,
    groups: [u64; 3],
    this: u64,
    busy: u64,
}

/// utime + stime of a process, and its name.
fn stat(pid: &str) -> Option<(String, u64)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // `pid (name) state ...`: the name may hold spaces and parentheses.
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let name = text.get(open + 1..close)?.to_owned();
    let fields: Vec<&str> = text.get(close + 2..)?.split(' ').collect();
    // After the name: state is field 3, utime 14 and stime 15 (1-based).
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((name, utime + stime))
}

/// Busy ticks of the machine (all CPUs) from `/proc/stat`.
fn machine_busy() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/stat").ok()?;
    let line = text.lines().find(|l| l.starts_with("cpu "))?;
    let n: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|f| f.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal: all but idle and iowait.
    Some(n.iter().take(8).sum::<u64>() - n.get(3)? - n.get(4)?)
}

impl Sample {
    /// Reads `/proc` now; `None` where there is none (not Linux).
    pub fn take() -> Option<Self> {
        let busy = machine_busy()?;
        let mut groups = [0; 3];
        let me = std::process::id().to_string();
        let mut this = 0;
        for entry in std::fs::read_dir("/proc").ok()?.flatten() {
            let pid = entry.file_name().to_string_lossy().into_owned();
            if !pid.bytes().all(|b| b.is_ascii_digit()) {
                continue;
            }
            let Some((name, ticks)) = stat(&pid) else {
                continue;
            };
            if pid == me {
                this = ticks;
            }
            for (slot, (_, names)) in groups.iter_mut().zip(GROUPS) {
                if names.contains(&name.as_str()) {
                    *slot += ticks;
                }
            }
        }
        Some(Self {
            at: Instant::now(),
            groups,
            this,
            busy,
        })
    }

    /// `  CPU per order: …` since `self`, for `orders` orders. Processes that
    /// started or ended in between count only for the ticks they showed at
    /// both ends.
    pub fn per_order(&self, orders: usize) -> Option<String> {
        let now = Self::take()?;
        let per = |ticks: u64| ticks as f64 / TICKS * 1e6 / orders.max(1) as f64;
        let mut parts: Vec<String> = GROUPS
            .iter()
            .zip(now.groups.iter().zip(self.groups))
            .map(|((label, _), (b, a))| format!("{label} {:.0}", per(b.saturating_sub(a))))
            .collect();
        parts.push(format!(
            "this process (worker + load) {:.0}",
            per(now.this.saturating_sub(self.this))
        ));
        let busy = now.busy.saturating_sub(self.busy);
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let wall = now.at.duration_since(self.at).as_secs_f64();
        Some(format!(
            "  CPU per order, µs: {}; machine {:.0} ({:.0} % of {cores} cores busy)",
            parts.join(", "),
            per(busy),
            busy as f64 / TICKS / (wall * cores as f64).max(1e-9) * 100.0,
        ))
    }
}
