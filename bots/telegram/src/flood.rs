//! Per-customer flood control: a token bucket per chat.
//!
//! Updates of one chat are handled one after another, so a customer who
//! floods the bot is slowed by making *their* next update wait for a token;
//! other chats are handled concurrently and never wait for them. Nothing is
//! dropped: every message is answered, just no faster than the refill rate
//! once the burst is spent. The first wait tells the customer why.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Buckets kept before full (idle) ones are forgotten.
const PRUNE_ABOVE: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Verdict {
    /// Handle it now.
    Go,
    /// Handle it after `wait`; `notify` is true the first time in a row.
    Wait { wait: Duration, notify: bool },
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
    warned: bool,
}

#[derive(Debug)]
pub struct FloodGate {
    burst: f64,
    per_second: f64,
    buckets: Mutex<HashMap<i64, Bucket>>,
}

impl FloodGate {
    /// `burst` updates at once, then `per_second`. A rate of zero or less
    /// turns flood control off.
    pub fn new(burst: u32, per_second: f64) -> Self {
        Self {
            burst: f64::from(burst.max(1)),
            per_second,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token for one update of `chat` at `now`.
    pub fn check(&self, chat: i64, now: Instant) -> Verdict {
        if self.per_second <= 0.0 || !self.per_second.is_finite() {
            return Verdict::Go;
        }
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() > PRUNE_ABOVE {
            let (burst, rate) = (self.burst, self.per_second);
            buckets.retain(|_, b| {
                b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * rate < burst
            });
        }
        let b = buckets.entry(chat).or_insert(Bucket {
            tokens: self.burst,
            at: now,
            warned: false,
        });
        let elapsed = now.saturating_duration_since(b.at).as_secs_f64();
        b.tokens = (b.tokens + elapsed * self.per_second).min(self.burst);
        b.at = now;
        if b.tokens >= self.burst / 2.0 {
            b.warned = false;
        }
        b.tokens -= 1.0;
        if b.tokens >= 0.0 {
            return Verdict::Go;
        }
        let wait = Duration::from_secs_f64(-b.tokens / self.per_second);
        let notify = !b.warned;
        b.warned = true;
        Verdict::Wait { wait, notify }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_goes_then_one_per_refill_and_one_notice() {
        let gate = FloodGate::new(3, 2.0);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert_eq!(gate.check(1, t0), Verdict::Go);
        }
        assert_eq!(
            gate.check(1, t0),
            Verdict::Wait {
                wait: Duration::from_millis(500),
                notify: true
            }
        );
        // The handler slept 0.5 s; the next one waits its own 0.5 s, quietly.
        let t1 = t0 + Duration::from_millis(500);
        assert_eq!(
            gate.check(1, t1),
            Verdict::Wait {
                wait: Duration::from_millis(500),
                notify: false
            }
        );
        // Another chat is not affected at all.
        assert_eq!(gate.check(2, t1), Verdict::Go);
        // After a quiet spell the burst is back, and so is the notice.
        let t2 = t1 + Duration::from_secs(10);
        for _ in 0..3 {
            assert_eq!(gate.check(1, t2), Verdict::Go);
        }
        assert!(matches!(
            gate.check(1, t2),
            Verdict::Wait { notify: true, .. }
        ));
    }

    #[test]
    fn a_zero_rate_turns_it_off_and_idle_buckets_are_pruned() {
        let off = FloodGate::new(1, 0.0);
        let t0 = Instant::now();
        for _ in 0..100 {
            assert_eq!(off.check(7, t0), Verdict::Go);
        }
        let gate = FloodGate::new(2, 1.0);
        for chat in 0..=(PRUNE_ABOVE as i64) {
            gate.check(chat, t0);
        }
        gate.check(-1, t0 + Duration::from_secs(60));
        assert!(
            gate.buckets.lock().expect("lock").len() < 10,
            "idle chats forgotten"
        );
    }
}
