//! Fixed ids of the stand-in's world and a generator of Discord-style snowflakes.

use chrono::{DateTime, TimeZone, Utc};

/// Discord's epoch (2015-01-01T00:00:00Z) in Unix milliseconds.
pub const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;

/// The guild the bot is in.
pub const GUILD_ID: u64 = 1_100_000_000_000_000_001;
/// The application (and its id in interaction webhooks).
pub const APP_ID: u64 = 1_100_000_000_000_000_002;
/// The bot's user id.
pub const BOT_USER_ID: u64 = 1_100_000_000_000_000_003;
/// The default text channel (the owners' board).
pub const CHANNEL_ID: u64 = 1_100_000_000_000_000_004;
/// The user who owns the application and the guild.
pub const OWNER_USER_ID: u64 = 1_100_000_000_000_000_005;
/// A role granting Manage Guild and Manage Messages (give it to shop owners).
pub const OWNER_ROLE_ID: u64 = 1_100_000_000_000_000_006;

/// Increasing snowflakes: `(ms since Discord epoch) << 22`, bumped to stay strictly increasing.
#[derive(Debug, Default)]
pub(crate) struct Snowflakes {
    last: u64,
}

impl Snowflakes {
    pub(crate) fn next(&mut self) -> u64 {
        let now_ms = u64::try_from(Utc::now().timestamp_millis()).unwrap_or(DISCORD_EPOCH_MS);
        let candidate = now_ms.saturating_sub(DISCORD_EPOCH_MS) << 22;
        self.last = candidate.max(self.last + 1);
        self.last
    }
}

/// The creation time a snowflake encodes.
pub(crate) fn created_at(id: u64) -> DateTime<Utc> {
    let ms = (id >> 22) + DISCORD_EPOCH_MS;
    i64::try_from(ms)
        .ok()
        .and_then(|ms| Utc.timestamp_millis_opt(ms).single())
        .unwrap_or_default()
}

/// A Discord timestamp string (RFC 3339 with microseconds, `+00:00`).
pub(crate) fn timestamp(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S%.6f+00:00").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snowflakes_increase_and_encode_now() {
        let mut ids = Snowflakes::default();
        let a = ids.next();
        let b = ids.next();
        assert!(b > a);
        assert!(a > CHANNEL_ID, "generated ids come after the fixed ones");
        let age = Utc::now() - created_at(b);
        assert!(age.num_seconds().abs() < 5, "{age:?}");
    }
}
