//! The customer bot's metrics, declared in one place.

use metrics::{Unit, counter, describe_counter, describe_histogram, histogram};

pub const UPDATES: &str = "chatorder_telegram_updates_total";
pub const REPLY: &str = "chatorder_telegram_reply_seconds";
pub const API_ERRORS: &str = "chatorder_telegram_api_errors_total";
pub const NOTIFICATIONS: &str = "chatorder_telegram_notifications_total";
pub const FLOOD_DELAYED: &str = "chatorder_telegram_flood_delayed_total";
pub const SESSIONS_LOST: &str = "chatorder_telegram_session_writes_lost_total";

pub fn describe() {
    describe_counter!(
        UPDATES,
        "Telegram updates handled, by kind (text, button, contact, other)"
    );
    describe_histogram!(
        REPLY,
        Unit::Seconds,
        "Time from receiving an update to the last reply sent"
    );
    describe_counter!(API_ERRORS, "Telegram Bot API calls that failed, by call");
    describe_counter!(
        NOTIFICATIONS,
        "Order notifications, by outcome (sent, duplicate, unreachable, retry)"
    );
    for call in ["send", "edit", "answer"] {
        counter!(API_ERRORS, "call" => call).increment(0);
    }
    describe_counter!(
        FLOOD_DELAYED,
        "Updates held back because their customer was sending faster than flood control allows"
    );
    counter!(FLOOD_DELAYED).increment(0);
    describe_counter!(
        SESSIONS_LOST,
        "Changes to a customer's session that could not be saved because NATS stayed away (alert on any)"
    );
    counter!(SESSIONS_LOST).increment(0);
}

pub fn session_lost() {
    counter!(SESSIONS_LOST).increment(1);
}

pub fn flood_delayed() {
    counter!(FLOOD_DELAYED).increment(1);
}

pub fn update(kind: &'static str, seconds: f64) {
    counter!(UPDATES, "kind" => kind).increment(1);
    histogram!(REPLY).record(seconds);
}

pub fn api_error(call: &'static str) {
    counter!(API_ERRORS, "call" => call).increment(1);
}

pub fn notification(outcome: &'static str) {
    counter!(NOTIFICATIONS, "outcome" => outcome).increment(1);
}
