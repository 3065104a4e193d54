//! Multi-row INSERTs (and DELETEs by key) sent as SQL text, several in one
//! round trip.
//!
//! Diesel sends every statement prepared: a prepare, then an execute, and
//! for a multi-row INSERT of a size not seen before MariaDB parses it anew
//! and describes every one of its parameters (7 columns × 256 orders is
//! 1,792 parameter descriptions). For the order worker's batch writes that
//! was most of MariaDB's work and of the worker's MySQL protocol work
//! (`docs/performance.md`). Here the rows of several tables go as one text
//! query of several statements: one round trip, no parameter metadata.
//!
//! No value can end its literal, whatever it holds and whatever the
//! session's `sql_mode`. A string (or bytes) of printable ASCII without a
//! backslash is sent quoted, each `'` doubled (`''` is a quote inside a
//! literal in every mode, and with no backslash there is no escape to
//! read); anything else (a backslash, a control character, any byte past
//! ASCII) goes as a hex literal, with a charset introducer for text
//! (`_utf8mb4 X'…'`). Numbers and times are formatted by Rust.

use chrono::NaiveDateTime;
use diesel_async::SimpleAsyncConnection as _;

use crate::models::{
    LineRow, NewCustomer, NewMessage, NewProcessed, NewStatusChange, OrderRow, OutboxRow,
};
use crate::pool::Conn;

/// A statement is closed and a new one started past this size, so that one
/// statement stays far below MariaDB's `max_allowed_packet` (16 MiB).
const STATEMENT_MAX: usize = 1 << 20;
/// One round trip carries at most about this much SQL.
const TRIP_MAX: usize = 4 << 20;

/// A row of a table, as the values of one `( … )` of a multi-row INSERT.
pub trait TextRow {
    /// `INSERT INTO` or `INSERT IGNORE INTO`, the table and its columns, up
    /// to `VALUES`.
    const INSERT: &'static str;
    /// Writes the row's values, in the order of [`Self::INSERT`]'s columns.
    fn values(&self, v: &mut Values<'_>);
}

/// The values of one row being written.
pub struct Values<'a> {
    out: &'a mut String,
    first: bool,
}

impl Values<'_> {
    fn sep(&mut self) {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
    }

    pub fn str(&mut self, s: &str) -> &mut Self {
        self.sep();
        write_str(self.out, s);
        self
    }

    pub fn opt_str(&mut self, s: Option<&str>) -> &mut Self {
        match s {
            Some(s) => self.str(s),
            None => self.null(),
        }
    }

    pub fn bytes(&mut self, b: &[u8]) -> &mut Self {
        self.sep();
        match std::str::from_utf8(b) {
            Ok(s) if s.bytes().all(plain) => write_quoted(self.out, s),
            _ => write_hex(self.out, b),
        }
        self
    }

    pub fn int(&mut self, n: impl Into<i64>) -> &mut Self {
        use std::fmt::Write as _;
        self.sep();
        let _ = write!(self.out, "{}", n.into());
        self
    }

    /// `'YYYY-MM-DD hh:mm:ss.ffffff'`, written digit by digit (chrono's
    /// `format` parses its pattern on every call, a visible cost at
    /// several timestamps a row).
    pub fn time(&mut self, t: NaiveDateTime) -> &mut Self {
        use chrono::{Datelike as _, Timelike as _};
        self.sep();
        let Ok(year) = u32::try_from(t.year()) else {
            return self.time_formatted(t);
        };
        if year > 9999 || t.nanosecond() >= 1_000_000_000 {
            return self.time_formatted(t);
        }
        let micros = t.nanosecond() / 1000;
        let out = &mut *self.out;
        out.push('\'');
        digits(out, year, 4);
        out.push('-');
        digits(out, t.month(), 2);
        out.push('-');
        digits(out, t.day(), 2);
        out.push(' ');
        digits(out, t.hour(), 2);
        out.push(':');
        digits(out, t.minute(), 2);
        out.push(':');
        digits(out, t.second(), 2);
        out.push('.');
        digits(out, micros, 6);
        out.push('\'');
        self
    }

    fn time_formatted(&mut self, t: NaiveDateTime) -> &mut Self {
        use std::fmt::Write as _;
        let _ = write!(self.out, "'{}'", t.format("%Y-%m-%d %H:%M:%S%.6f"));
        self
    }

    pub fn opt_time(&mut self, t: Option<NaiveDateTime>) -> &mut Self {
        match t {
            Some(t) => self.time(t),
            None => self.null(),
        }
    }

    pub fn null(&mut self) -> &mut Self {
        self.sep();
        self.out.push_str("NULL");
        self
    }
}

/// `n` in `width` decimal digits, zeros in front (`n` < 10^`width`).
fn digits(out: &mut String, n: u32, width: u32) {
    for place in (0..width).rev() {
        out.push(char::from_digit(n / 10u32.pow(place) % 10, 10).unwrap_or('0'));
    }
}

/// Printable ASCII but the backslash: the same bytes in every charset a
/// client may use, and nothing an escape could start.
fn plain(b: u8) -> bool {
    (b' '..=b'~').contains(&b) && b != b'\\'
}

fn write_str(out: &mut String, s: &str) {
    if s.bytes().all(plain) {
        write_quoted(out, s);
    } else {
        out.push_str("_utf8mb4 ");
        write_hex(out, s.as_bytes());
    }
}

/// `s` (all [`plain`]) between quotes, its own quotes doubled.
fn write_quoted(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('\'');
    for (i, part) in s.split('\'').enumerate() {
        if i > 0 {
            out.push_str("''");
        }
        out.push_str(part);
    }
    out.push('\'');
}

fn write_hex(out: &mut String, b: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.reserve(b.len() * 2 + 3);
    out.push_str("X'");
    for byte in b {
        out.push(char::from(HEX[usize::from(byte >> 4)]));
        out.push(char::from(HEX[usize::from(byte & 0xF)]));
    }
    out.push('\'');
}

/// Statements gathered to be sent together.
#[derive(Default)]
pub struct Statements {
    /// Finished round trips' worth of SQL, and the one being written.
    trips: Vec<String>,
}

impl Statements {
    /// Adds an INSERT of `rows` (none: nothing).
    pub fn rows<'r, R: TextRow + 'r>(&mut self, rows: impl IntoIterator<Item = &'r R>) {
        let mut open = false;
        let mut start = 0;
        for row in rows {
            if self.trips.last().is_none_or(|t| t.len() >= TRIP_MAX) {
                if open {
                    self.current().push(';');
                    open = false;
                }
                self.trips.push(String::new());
            }
            let out = self.current();
            if open && out.len() - start >= STATEMENT_MAX {
                out.push(';');
                open = false;
            }
            if open {
                out.push(',');
            } else {
                start = out.len();
                out.push_str(R::INSERT);
                out.push_str(" VALUES ");
                open = true;
            }
            out.push('(');
            row.values(&mut Values { out, first: true });
            out.push(')');
        }
        if open {
            self.current().push(';');
        }
    }

    /// Adds `DELETE … WHERE key IN (…)` for `keys` (none: nothing);
    /// `delete_where` is the statement up to the `IN`, e.g.
    /// `DELETE FROM outbox WHERE event_id`. Keys go 500 to a statement:
    /// MariaDB turns an `IN` list of 1,000 values or more into a subquery
    /// over a derived table (`in_predicate_conversion_threshold`), which
    /// reads the whole table.
    pub fn delete_in(&mut self, delete_where: &'static str, keys: &[String]) {
        for chunk in keys.chunks(500) {
            let mut sql = String::with_capacity(delete_where.len() + chunk.len() * 40);
            sql.push_str(delete_where);
            sql.push_str(" IN (");
            for (i, key) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(',');
                }
                write_str(&mut sql, key);
            }
            sql.push_str(");");
            self.statement(&sql);
        }
    }

    /// Adds a statement already made safe (its values written above).
    fn statement(&mut self, sql: &str) {
        if self.trips.last().is_none_or(|t| t.len() >= TRIP_MAX) {
            self.trips.push(String::new());
        }
        self.current().push_str(sql);
    }

    fn current(&mut self) -> &mut String {
        if self.trips.is_empty() {
            self.trips.push(String::new());
        }
        self.trips.last_mut().unwrap_or_else(|| unreachable!())
    }

    /// The SQL gathered, one string per round trip.
    pub fn sql(&self) -> &[String] {
        &self.trips
    }

    /// Runs every statement gathered, in order; the first error stops them
    /// (inside a transaction, roll it back).
    pub async fn run(self, conn: &mut Conn) -> diesel::QueryResult<()> {
        for trip in self.trips.iter().filter(|t| !t.is_empty()) {
            conn.batch_execute(trip).await?;
        }
        Ok(())
    }
}

impl TextRow for NewCustomer {
    const INSERT: &'static str =
        "INSERT IGNORE INTO customers (id, platform, external_id, display_name, phone, created_at)";
    fn values(&self, v: &mut Values<'_>) {
        v.str(&self.id)
            .str(&self.platform)
            .str(&self.external_id)
            .opt_str(self.display_name.as_deref())
            .opt_str(self.phone.as_deref())
            .time(self.created_at);
    }
}

impl TextRow for LineRow {
    const INSERT: &'static str = "INSERT INTO order_lines (order_id, line_no, sku, name, quantity, unit_price_minor, line_total_minor)";
    fn values(&self, v: &mut Values<'_>) {
        v.str(&self.order_id)
            .int(self.line_no)
            .str(&self.sku)
            .str(&self.name)
            .int(self.quantity)
            .int(self.unit_price_minor)
            .int(self.line_total_minor);
    }
}

impl TextRow for NewStatusChange {
    const INSERT: &'static str = "INSERT INTO order_status_history (order_id, from_status, to_status, actor_role, actor_id, reason, command_id, at)";
    fn values(&self, v: &mut Values<'_>) {
        v.str(&self.order_id)
            .opt_str(self.from_status.as_deref())
            .str(&self.to_status)
            .str(&self.actor_role)
            .str(&self.actor_id)
            .opt_str(self.reason.as_deref())
            .str(&self.command_id)
            .time(self.at);
    }
}

impl TextRow for NewMessage {
    const INSERT: &'static str =
        "INSERT INTO order_messages (order_id, from_role, from_id, body, command_id, at)";
    fn values(&self, v: &mut Values<'_>) {
        v.str(&self.order_id)
            .str(&self.from_role)
            .str(&self.from_id)
            .str(&self.body)
            .str(&self.command_id)
            .time(self.at);
    }
}

impl TextRow for NewProcessed {
    const INSERT: &'static str = "INSERT INTO processed_commands (command_id, command_type, outcome, order_id, processed_at)";
    fn values(&self, v: &mut Values<'_>) {
        v.str(&self.command_id)
            .str(&self.command_type)
            .str(&self.outcome)
            .opt_str(self.order_id.as_deref())
            .time(self.processed_at);
    }
}

impl TextRow for OrderRow {
    const INSERT: &'static str = "INSERT INTO orders (id, number, customer_id, customer_name, status, version, fulfilment, address, note, total_minor, currency, placed_at, updated_at, promo_code, discount_minor, telegram_payment_charge_id, provider_payment_charge_id, scheduled_for)";
    fn values(&self, v: &mut Values<'_>) {
        v.str(&self.id)
            .int(self.number)
            .str(&self.customer_id)
            .opt_str(self.customer_name.as_deref())
            .str(&self.status)
            .int(self.version)
            .str(&self.fulfilment)
            .opt_str(self.address.as_deref())
            .opt_str(self.note.as_deref())
            .int(self.total_minor)
            .str(&self.currency)
            .time(self.placed_at)
            .time(self.updated_at)
            .opt_str(self.promo_code.as_deref())
            .int(self.discount_minor)
            .opt_str(self.telegram_payment_charge_id.as_deref())
            .opt_str(self.provider_payment_charge_id.as_deref())
            .opt_time(self.scheduled_for);
    }
}

impl TextRow for OutboxRow {
    const INSERT: &'static str = "INSERT INTO outbox (event_id, subject, payload, created_at)";
    fn values(&self, v: &mut Values<'_>) {
        v.str(&self.event_id)
            .str(&self.subject)
            .bytes(&self.payload)
            .time(self.created_at);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn times_are_written_as_chrono_would_format_them() {
        use chrono::NaiveDate;
        // (year, month, day, hour, minute, second, nanosecond)
        let times = [
            (2026, 12, 6, 14, 5, 9, 1_000),
            (2026, 1, 31, 0, 0, 0, 0),
            (999, 7, 4, 23, 59, 59, 999_999_000),
            (9999, 12, 31, 23, 59, 59, 123_456_789),
            (12026, 2, 3, 1, 2, 3, 4_000),
            (-5, 2, 3, 1, 2, 3, 4_000),
            // A leap second.
            (2016, 12, 31, 23, 59, 59, 1_500_000_000),
        ]
        .map(|(y, mo, d, h, mi, s, n)| {
            NaiveDate::from_ymd_opt(y, mo, d)
                .and_then(|day| day.and_hms_nano_opt(h, mi, s, n))
                .expect("a valid time")
        });
        for t in times {
            let mut out = String::new();
            Values {
                out: &mut out,
                first: true,
            }
            .time(t);
            assert_eq!(
                out,
                format!("'{}'", t.format("%Y-%m-%d %H:%M:%S%.6f")),
                "{t:?}"
            );
        }
    }

    use super::*;

    fn one(row: &NewMessage) -> String {
        let mut i = Statements::default();
        i.rows([row]);
        i.sql().concat()
    }

    fn message(body: &str) -> NewMessage {
        NewMessage {
            order_id: "o-1".into(),
            from_role: "customer".into(),
            from_id: "telegram:42".into(),
            body: body.into(),
            command_id: "c-1".into(),
            at: chrono::DateTime::from_timestamp_micros(1_700_000_000_123_456)
                .unwrap_or_default()
                .naive_utc(),
        }
    }

    #[test]
    fn a_backslash_or_anything_past_ascii_makes_a_hex_literal() {
        let sql = one(&message("it's 5' long \\ ; DROP TABLE orders; --"));
        assert_eq!(
            sql,
            "INSERT INTO order_messages (order_id, from_role, from_id, body, command_id, at) VALUES \
             ('o-1','customer','telegram:42',_utf8mb4 X'69742773203527206C6F6E67205C203B2044524F50205441424C45206F72646572733B202D2D','c-1','2023-11-14 22:13:20.123456');"
        );
        // Nothing of the value is left as SQL: the only quotes are the
        // literals' own.
        assert!(!sql.contains("DROP"));
        for text in ["🍕", "a\nb", "tab\there", "nul\0", "é"] {
            let sql = one(&message(text));
            assert!(sql.contains("_utf8mb4 X'"), "{text:?}: {sql}");
        }
    }

    #[test]
    fn plain_ascii_is_quoted_with_its_quotes_doubled() {
        let sql = one(&message("it's ''); DROP TABLE orders; --"));
        assert!(
            sql.contains(",'it''s ''''); DROP TABLE orders; --','c-1',"),
            "{sql}"
        );
        // Outside the literals, what is left is the statement's own SQL:
        // every quote in the value is paired.
        let outside: String = sql.split('\'').step_by(2).collect::<Vec<_>>().concat();
        assert!(!outside.contains("DROP"), "{outside}");
    }

    #[test]
    fn bytes_are_quoted_when_plain_and_hex_otherwise() {
        let mut out = String::new();
        let mut v = Values {
            out: &mut out,
            first: true,
        };
        v.bytes(br#"{"note":"it's"}"#)
            .bytes(b"{\"a\":\"\\n\"}")
            .bytes(&[0xff, 0x00]);
        assert_eq!(out, r#"'{"note":"it''s"}',X'7B2261223A225C6E227D',X'FF00'"#);
    }

    #[test]
    fn rows_share_a_statement_until_it_grows_too_long() {
        let long = "x".repeat(100_000);
        let rows: Vec<NewMessage> = (0..25).map(|_| message(&long)).collect();
        let mut i = Statements::default();
        i.rows(&rows);
        let sql = i.sql().concat();
        let statements = sql.matches("INSERT INTO").count();
        // 25 rows of ~100 kB: a new statement after each ~1 MiB.
        assert!((2..=4).contains(&statements), "{statements} statements");
        assert_eq!(sql.matches("'x").count(), 25);
        assert_eq!(sql.matches(';').count(), statements);
        for s in sql.split_terminator(';') {
            assert!(s.starts_with("INSERT INTO order_messages"), "{}", &s[..40]);
            assert!(s.len() < STATEMENT_MAX + 200_000);
        }
    }

    #[test]
    fn no_rows_no_statement() {
        let mut i = Statements::default();
        i.rows::<NewMessage>([]);
        i.delete_in("DELETE FROM outbox WHERE event_id", &[]);
        assert!(i.sql().concat().is_empty());
    }

    #[test]
    fn deletes_by_key_quote_their_keys_too() {
        let mut i = Statements::default();
        i.delete_in(
            "DELETE FROM outbox WHERE event_id",
            &["a-1".to_owned(), "b');--".to_owned()],
        );
        assert_eq!(
            i.sql().concat(),
            "DELETE FROM outbox WHERE event_id IN ('a-1','b'');--');"
        );
    }

    #[test]
    fn deletes_go_500_keys_to_a_statement() {
        let keys: Vec<String> = (0..1001).map(|i| format!("k{i}")).collect();
        let mut i = Statements::default();
        i.delete_in("DELETE FROM outbox WHERE event_id", &keys);
        let sql = i.sql().concat();
        let statements: Vec<&str> = sql.split_terminator(';').collect();
        assert_eq!(statements.len(), 3);
        let counts: Vec<usize> = statements.iter().map(|s| s.matches("'k").count()).collect();
        assert_eq!(counts, [500, 500, 1]);
    }
}
