//! Every metric the order worker records, declared in one place with its
//! help text. Names are `chatorder_*` with the unit in the name.

use metrics::{
    Unit, counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram,
};

pub const COMMANDS: &str = "chatorder_commands_total";
pub const COMMAND_DURATION: &str = "chatorder_command_duration_seconds";
pub const COMMAND_AGE: &str = "chatorder_command_age_seconds";
pub const BATCH_SIZE: &str = "chatorder_batch_commands";
pub const REDELIVERIES: &str = "chatorder_command_redeliveries_total";
pub const DEAD_LETTERS: &str = "chatorder_dead_letters_total";
pub const RETRIES: &str = "chatorder_command_retries_total";
pub const REAPPLIED: &str = "chatorder_batches_reapplied_total";
pub const EVENTS_PUBLISHED: &str = "chatorder_events_published_total";
pub const PUBLISH_ERRORS: &str = "chatorder_event_publish_errors_total";
pub const OUTBOX_BACKLOG: &str = "chatorder_outbox_backlog_events";
pub const CACHE: &str = "chatorder_cache_requests_total";
pub const CACHE_UP: &str = "chatorder_cache_up";
pub const PENDING: &str = "chatorder_orders_pending";
pub const MYSQL_UP: &str = "chatorder_mysql_up";
pub const CONSUMER_LAG: &str = "chatorder_consumer_lag_messages";
pub const CONSUMER_IN_FLIGHT: &str = "chatorder_consumer_in_flight_messages";
pub const QUERIES: &str = "chatorder_queries_total";
pub const QUERY_DURATION: &str = "chatorder_query_duration_seconds";

/// Registers help texts; call once at start.
pub fn describe() {
    describe_counter!(
        COMMANDS,
        "Commands handled, by type and outcome (applied, rejected, duplicate, dead_lettered)"
    );
    describe_histogram!(
        COMMAND_DURATION,
        Unit::Seconds,
        "Time from taking a batch to acknowledging its commands"
    );
    describe_histogram!(
        COMMAND_AGE,
        Unit::Seconds,
        "Time from a command's envelope timestamp to its commit"
    );
    describe_histogram!(
        BATCH_SIZE,
        Unit::Count,
        "Commands applied per MySQL transaction"
    );
    describe_counter!(
        REDELIVERIES,
        "Commands received more than once from JetStream"
    );
    describe_counter!(
        DEAD_LETTERS,
        "Commands sent to the dead-letter subject, by reason"
    );
    describe_counter!(
        RETRIES,
        "Commands handed back to JetStream for a later retry after a passing failure"
    );
    describe_counter!(
        REAPPLIED,
        "Batches rolled back and applied again whole, by reason (lock_conflict; applied_before: a first delivery held a command applied before)"
    );
    describe_counter!(
        EVENTS_PUBLISHED,
        "Events published from the outbox, by path (inline, relay)"
    );
    describe_counter!(
        PUBLISH_ERRORS,
        "Event publishes that failed and were left in the outbox"
    );
    describe_gauge!(
        OUTBOX_BACKLOG,
        Unit::Count,
        "Events in the outbox not yet published"
    );
    describe_counter!(
        CACHE,
        "Redis cache requests by operation and result (hit, miss, error)"
    );
    describe_gauge!(
        CACHE_UP,
        "1 while Redis answers, 0 while the worker serves from MySQL alone"
    );
    describe_gauge!(
        PENDING,
        Unit::Count,
        "Orders waiting for an owner to accept or reject them"
    );
    describe_counter!(
        QUERIES,
        "Queries answered, by query, source (cache, database) and outcome"
    );
    describe_histogram!(QUERY_DURATION, Unit::Seconds, "Time to answer a query");
    set_cache_up(true);
    // Series an alert watches exist from the start, at zero.
    for reason in [
        "too_large",
        "unknown_subject",
        "malformed",
        "unknown_type",
        "type_mismatch",
        "unsupported_version",
        "invalid_data",
        "role_mismatch",
        "retries_exhausted",
    ] {
        counter!(DEAD_LETTERS, "reason" => reason).increment(0);
    }
    counter!(REDELIVERIES).increment(0);
    counter!(RETRIES).increment(0);
    for reason in ["lock_conflict", "applied_before"] {
        counter!(REAPPLIED, "reason" => reason).increment(0);
    }
    counter!(PUBLISH_ERRORS).increment(0);
    gauge!(OUTBOX_BACKLOG).set(0.0);
    gauge!(PENDING).set(0.0);
    describe_gauge!(
        CONSUMER_LAG,
        Unit::Count,
        "Commands in the stream not yet delivered to any order worker (the durable consumer's backlog)"
    );
    describe_gauge!(
        CONSUMER_IN_FLIGHT,
        Unit::Count,
        "Commands delivered to order workers and not yet acknowledged"
    );
    describe_gauge!(
        MYSQL_UP,
        "1 while order workers reach MySQL; 0 while they hold commands waiting for it"
    );
    gauge!(MYSQL_UP).set(1.0);
}

pub fn set_mysql_up(up: bool) {
    gauge!(MYSQL_UP).set(if up { 1.0 } else { 0.0 });
}

/// The durable consumer's backlog, as JetStream reports it. The caller names
/// the consumer, so this module depends on no other (the consumer records
/// its metrics here).
pub fn consumer_lag(consumer: &'static str, not_delivered: u64, in_flight: u64) {
    gauge!(CONSUMER_LAG, "consumer" => consumer).set(not_delivered as f64);
    gauge!(CONSUMER_IN_FLIGHT, "consumer" => consumer).set(in_flight as f64);
}

pub fn command(kind: &'static str, outcome: &'static str) {
    counter!(COMMANDS, "type" => kind, "outcome" => outcome).increment(1);
}

pub fn cache(op: &'static str, result: &'static str) {
    counter!(CACHE, "op" => op, "result" => result).increment(1);
}

pub fn set_cache_up(up: bool) {
    gauge!(CACHE_UP).set(if up { 1.0 } else { 0.0 });
}

pub fn dead_letter(reason: &'static str) {
    counter!(DEAD_LETTERS, "reason" => reason).increment(1);
}

pub fn published(path: &'static str, n: usize) {
    counter!(EVENTS_PUBLISHED, "path" => path).increment(n as u64);
}

pub fn publish_errors(n: usize) {
    counter!(PUBLISH_ERRORS).increment(n as u64);
}

pub fn redelivered() {
    counter!(REDELIVERIES).increment(1);
}

pub fn retried(n: usize) {
    counter!(RETRIES).increment(n as u64);
}

pub fn reapplied(reason: &'static str) {
    counter!(REAPPLIED, "reason" => reason).increment(1);
}

pub fn batch(size: usize, seconds: f64) {
    histogram!(BATCH_SIZE).record(size as f64);
    histogram!(COMMAND_DURATION).record(seconds);
}

pub fn command_age(seconds: f64) {
    histogram!(COMMAND_AGE).record(seconds);
}

pub fn outbox_backlog(n: u64) {
    gauge!(OUTBOX_BACKLOG).set(n as f64);
}

pub fn pending(n: u64) {
    gauge!(PENDING).set(n as f64);
}

pub fn query(query: &'static str, source: &'static str, outcome: &'static str, seconds: f64) {
    counter!(QUERIES, "query" => query, "source" => source, "outcome" => outcome).increment(1);
    histogram!(QUERY_DURATION, "query" => query).record(seconds);
}
