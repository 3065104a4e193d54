//! The demand worker's metrics, declared in one place.

use metrics::{Unit, counter, describe_counter, describe_gauge, gauge};

use crate::core::predictor::Predictor;
use crate::core::scoring::ByPredictor;

pub const TRAIN_SECONDS: &str = "chatorder_demand_train_seconds";
pub const VALIDATION_WAPE: &str = "chatorder_demand_validation_wape_ratio";
pub const FORECAST_TIME: &str = "chatorder_demand_forecast_timestamp_seconds";
pub const ACCURACY: &str = "chatorder_demand_forecast_wape_ratio";
pub const POSTS: &str = "chatorder_demand_posts_total";
pub const FAILURES: &str = "chatorder_demand_job_failures_total";
pub const TAKING_ORDERS: &str = "chatorder_shop_taking_orders";

pub fn describe() {
    describe_gauge!(
        TRAIN_SECONDS,
        Unit::Seconds,
        "How long the latest training took"
    );
    describe_gauge!(
        VALIDATION_WAPE,
        "Item-day WAPE on the validation days of the latest training, by predictor (model, seasonal_naive, mean_28d)"
    );
    describe_gauge!(
        FORECAST_TIME,
        Unit::Seconds,
        "When the newest forecast was made (Unix time; its age is time() minus this)"
    );
    describe_gauge!(
        ACCURACY,
        "Item-day WAPE of the latest settled day's forecast against what sold"
    );
    describe_counter!(POSTS, "Summaries and alerts sent to owners, by kind");
    describe_gauge!(
        TAKING_ORDERS,
        "1 while the shop takes orders (inside opening hours, not paused), else 0; updated on every alert_cron tick"
    );
    describe_counter!(
        FAILURES,
        "Scheduled jobs that failed, by job (retrain, summary, alert)"
    );
    for kind in ["summary", "alert"] {
        counter!(POSTS, "kind" => kind).increment(0);
    }
    for job in ["retrain", "summary", "alert"] {
        counter!(FAILURES, "job" => job).increment(0);
    }
}

/// The latest training's time and each predictor's validation item-day WAPE.
pub fn trained(seconds: f64, item_day: &ByPredictor) {
    gauge!(TRAIN_SECONDS).set(seconds);
    for p in Predictor::ALL {
        let wape = item_day.get(p).wape;
        if wape.is_finite() {
            gauge!(VALIDATION_WAPE, "predictor" => p.name()).set(wape);
        }
    }
}

/// Whether the shop takes orders now (hours and the owners' pause).
pub fn taking_orders(yes: bool) {
    gauge!(TAKING_ORDERS).set(if yes { 1.0 } else { 0.0 });
}

pub fn forecast_made() {
    gauge!(FORECAST_TIME).set(chrono::Utc::now().timestamp() as f64);
}

pub fn accuracy(wape: f64) {
    gauge!(ACCURACY).set(wape);
}

pub fn posted(kind: &'static str) {
    counter!(POSTS, "kind" => kind).increment(1);
}

pub fn failed(job: &'static str) {
    counter!(FAILURES, "job" => job).increment(1);
}
