//! Tests of training, saving, loading and forecasting with the quick model.

use chrono::{Days, NaiveDate};

use crate::core::config::TrainConfig;
use crate::core::features::History;
use crate::core::forecast::forecast_day;
use crate::core::model::{DemandModel, meta_path};
use crate::core::predictor::Predictor;
use crate::core::scoring::PointForecast;
use crate::core::test_data::synthetic;

fn tmp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("chatorder-demand-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn train_save_load_gives_identical_predictions() {
    let sales = synthetic(35);
    let model = DemandModel::train(&sales, &TrainConfig::quick()).expect("trains");
    let meta = model.meta();
    assert_eq!(meta.items, sales.items());
    assert_eq!(meta.hours, vec![11, 12, 13, 14]);
    assert_eq!(meta.valid_from, sales.last_date() - Days::new(6));
    assert!(meta.metrics.train_rows > 0 && meta.metrics.valid_rows > 0);
    assert!(meta.metrics.valid_loss.is_finite());
    assert!(meta.validation.item_day.model.wape.is_finite());

    let dir = tmp_dir("save-load");
    let path = dir.join("demand.bpk");
    model.save(&path).expect("saves");
    assert!(path.exists() && meta_path(&path).exists());
    let loaded = DemandModel::load(&path).expect("loads");
    // Scores go through JSON text and may come back one ulp off, so the
    // metadata is compared where it shapes predictions; the predictions
    // themselves must be bit-identical.
    let (l, m) = (loaded.meta(), model.meta());
    assert_eq!(
        (&l.items, &l.hours, &l.shape, &l.config),
        (&m.items, &m.hours, &m.shape, &m.config)
    );
    assert_eq!(
        (l.data_from, l.data_to, l.valid_from),
        (m.data_from, m.data_to, m.valid_from)
    );
    // The fitted spread shapes every interval and median: kept to the ulp.
    for (a, b) in [
        (l.dispersion.item_day, m.dispersion.item_day),
        (l.dispersion.item_hour, m.dispersion.item_hour),
        (l.dispersion.store_day, m.dispersion.store_day),
    ] {
        assert!(a.is_finite() && a >= 0.0 && (a - b).abs() <= 1e-12 * b.max(1.0));
    }

    let history = History::new(&sales);
    let tomorrow = sales.last_date() + Days::new(1);
    let a = model.predict(&history, tomorrow).expect("predicts");
    let b = loaded.predict(&history, tomorrow).expect("predicts");
    assert_eq!(a, b, "bit-identical after a round trip");
    assert!(a.store_day() > 0.0);
    assert!(
        a.cells.iter().all(|row| row[3] == 0.0),
        "no sales at 3 am, no forecast"
    );
    std::fs::remove_dir_all(dir).expect("cleanup");
}

#[test]
fn a_run_is_reproducible_from_its_seed() {
    let sales = synthetic(30);
    let cfg = TrainConfig::quick();
    let history = History::new(&sales);
    let date = sales.last_date() + Days::new(1);
    let a = DemandModel::train(&sales, &cfg).expect("trains");
    let b = DemandModel::train(&sales, &cfg).expect("trains");
    assert_eq!(
        a.predict(&history, date).expect("predicts"),
        b.predict(&history, date).expect("predicts")
    );
    assert_eq!(a.meta().metrics.valid_loss, b.meta().metrics.valid_loss);
}

#[test]
fn forecasting_tomorrow_with_the_model_gives_intervals_around_means() {
    let sales = synthetic(30);
    let model = DemandModel::train(&sales, &TrainConfig::quick()).expect("trains");
    // A catalog item that never sold is still listed (from the 28-day mean: zero).
    let sales = sales.with_items(["new_pizza_m"]);
    let tomorrow = sales.last_date() + Days::new(1);
    let f = forecast_day(
        Predictor::Model,
        Some(&model),
        &sales,
        tomorrow,
        &crate::core::opening::Closures::Guessed,
    )
    .expect("forecast");
    assert_eq!(f.predictor, Predictor::Model);
    assert_eq!(f.items.len(), 4);
    let new = f
        .items
        .iter()
        .find(|i| i.sku == "new_pizza_m")
        .expect("listed");
    assert_eq!(new.day.mean, 0.0);
    for item in &f.items {
        let sum: f64 = item.hours.iter().map(|h| h.units.mean).sum();
        assert!((sum - item.day.mean).abs() < 1e-9);
        assert!(f64::from(item.day.p10) <= item.day.mean.ceil());
        assert!(f64::from(item.day.p90) >= item.day.mean.floor());
    }
}

#[test]
fn the_model_is_scored_on_its_median_and_the_baselines_on_their_values() {
    let sales = synthetic(40);
    let median = DemandModel::train(&sales, &TrainConfig::quick()).expect("trains");
    let mean = DemandModel::train(
        &sales,
        &TrainConfig {
            point: PointForecast::Mean,
            ..TrainConfig::quick()
        },
    )
    .expect("trains");
    let from = sales.last_date() - Days::new(6);
    let to = sales.last_date();
    let a = median.backtest(&sales, from, to).expect("scores");
    let b = mean.backtest(&sales, from, to).expect("scores");
    // Same networks (same seed), so the same means and medians…
    assert_eq!((a.means, a.medians), (b.means, b.medians));
    // …and the headline takes the model's median or mean as configured,
    // the baselines always as they are.
    assert_eq!(a.scores.item_day.model, a.medians.item_day.model);
    assert_eq!(b.scores.item_day.model, b.means.item_day.model);
    for s in [&a.scores, &b.scores] {
        assert_eq!(s.item_day.mean_28d, a.means.item_day.mean_28d);
        assert_eq!(s.store_day.seasonal_naive, a.means.store_day.seasonal_naive);
    }
    // A median is a whole number of units: a different figure from the mean.
    assert_ne!(a.medians.item_hour.model, a.means.item_hour.model);
    // Validation (what promotion reads) is scored the same way.
    let v = median
        .backtest(&sales, median.meta().valid_from, to)
        .expect("scores");
    assert_eq!(median.meta().validation, v.scores);
}

#[test]
fn too_little_history_is_an_error_not_a_panic() {
    let sales = synthetic(10);
    let err = DemandModel::train(&sales, &TrainConfig::quick()).expect_err("10 days < 7 + 7");
    assert!(err.to_string().contains("too few"), "{err}");
}

#[test]
fn a_model_for_other_features_is_refused() {
    let sales = synthetic(30);
    let model = DemandModel::train(&sales, &TrainConfig::quick()).expect("trains");
    let dir = tmp_dir("refuse");
    let path = dir.join("m.bpk");
    model.save(&path).expect("saves");
    let sidecar = meta_path(&path);
    let text = std::fs::read_to_string(&sidecar).expect("written");
    std::fs::write(
        &sidecar,
        text.replace("\"feature_set_version\": 1", "\"feature_set_version\": 0"),
    )
    .expect("rewrite");
    let err = DemandModel::load(&path).expect_err("old features");
    assert!(err.to_string().contains("retrain"), "{err}");
    std::fs::remove_dir_all(dir).expect("cleanup");
}

#[test]
fn a_kept_closing_day_is_forecast_as_zero() {
    // synthetic() closes every Sunday.
    let sales = synthetic(30);
    let model = DemandModel::train(&sales, &TrainConfig::quick()).expect("trains");
    let history = History::new(&sales);
    let sunday: NaiveDate = "2015-02-01".parse().expect("valid");
    assert_eq!(
        model
            .predict(&history, sunday)
            .expect("predicts")
            .store_day(),
        0.0
    );
    let monday = sunday + Days::new(1);
    assert!(
        model
            .predict(&history, monday)
            .expect("predicts")
            .store_day()
            > 0.0
    );
}

#[test]
fn the_shops_hours_replace_the_guess_and_keep_the_models_open_hours() {
    use crate::core::opening::{Closures, OpenHours};
    // synthetic() closes every Sunday, so the guess closes Sunday.
    let sales = synthetic(30);
    let model = DemandModel::train(&sales, &TrainConfig::quick()).expect("trains");
    let history = History::new(&sales);
    let sunday: NaiveDate = "2015-02-01".parse().expect("valid");
    let monday = sunday + Days::new(1);
    // The settings: Sunday open at lunch, Monday closed.
    let lunch = OpenHours::from_fn(|h| (11..15).contains(&h));
    let settings = Closures::Settings(std::sync::Arc::new(move |date| {
        if date == monday {
            OpenHours::NONE
        } else {
            lunch
        }
    }));
    let closed = model
        .predict_with(&history, monday, &settings)
        .expect("predicts");
    assert_eq!(closed.store_day(), 0.0, "a closed day is zeros");
    let guessed = model.predict(&history, sunday).expect("predicts");
    assert_eq!(guessed.store_day(), 0.0, "the guess closes Sunday");
    let open = model
        .predict_with(&history, sunday, &settings)
        .expect("predicts");
    assert!(open.store_day() > 0.0, "the settings open Sunday");
    for row in &open.cells {
        for (h, &units) in row.iter().enumerate() {
            if !lunch.is_open(h) {
                assert_eq!(units, 0.0, "hour {h} is closed");
            }
        }
    }
    // Where both are open, the hours change nothing the model forecasts.
    let tuesday = monday + Days::new(1);
    let all = model.predict(&history, tuesday).expect("predicts");
    let masked = model
        .predict_with(&history, tuesday, &settings)
        .expect("predicts");
    for (a, m) in all.cells.iter().zip(&masked.cells) {
        for h in 11..15 {
            assert_eq!(a[h], m[h]);
        }
    }
}
