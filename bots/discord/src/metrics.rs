//! The owner bot's metrics, declared in one place.

use std::time::Instant;

use chatorder_shared::owners::PostKind;
use metrics::{Unit, counter, describe_counter, describe_histogram, histogram};

pub const INTERACTIONS: &str = "chatorder_discord_interactions_total";
pub const ACK: &str = "chatorder_discord_interaction_ack_seconds";
pub const API_ERRORS: &str = "chatorder_discord_api_errors_total";
pub const BOARD: &str = "chatorder_discord_board_updates_total";
pub const POSTS: &str = "chatorder_discord_owner_posts_total";
pub const EXPORTS: &str = "chatorder_discord_exports_total";
pub const EXPORT_BYTES: &str = "chatorder_discord_export_bytes";

pub fn describe() {
    describe_counter!(
        INTERACTIONS,
        "Discord interactions, by kind (command, button, modal) and outcome (ok, refused, invalid, error)"
    );
    describe_histogram!(
        ACK,
        Unit::Seconds,
        "Time from receiving an interaction to its first answer (Discord allows 3 s)"
    );
    describe_counter!(API_ERRORS, "Discord API calls that failed, by call");
    describe_counter!(
        BOARD,
        "Order board changes, by outcome (posted, edited, stale)"
    );
    describe_counter!(
        POSTS,
        "Summaries and alerts for owners, by kind and outcome (posted, duplicate)"
    );
    describe_counter!(
        EXPORTS,
        "`/export` answers, by outcome (file, empty, refused, too_many_rows, too_large, unanswered, error)"
    );
    describe_histogram!(
        EXPORT_BYTES,
        Unit::Bytes,
        "Size of the CSV files `/export` attached"
    );
    for call in [
        "post",
        "edit",
        "thread",
        "respond",
        "defer",
        "edit_response",
        "followup",
    ] {
        counter!(API_ERRORS, "call" => call).increment(0);
    }
    for outcome in ["posted", "edited", "stale"] {
        counter!(BOARD, "outcome" => outcome).increment(0);
    }
}

pub fn interaction(kind: &'static str, outcome: &'static str, started: Instant) {
    counter!(INTERACTIONS, "kind" => kind, "outcome" => outcome).increment(1);
    histogram!(ACK).record(started.elapsed().as_secs_f64());
}

pub fn api_error(call: &'static str) {
    counter!(API_ERRORS, "call" => call).increment(1);
}

pub fn export(outcome: &'static str, bytes: usize) {
    counter!(EXPORTS, "outcome" => outcome).increment(1);
    if bytes > 0 {
        histogram!(EXPORT_BYTES).record(bytes as f64);
    }
}

pub fn board(outcome: &'static str) {
    counter!(BOARD, "outcome" => outcome).increment(1);
}

pub fn owner_post(kind: PostKind, outcome: &'static str) {
    counter!(POSTS, "kind" => kind.as_str(), "outcome" => outcome).increment(1);
}
