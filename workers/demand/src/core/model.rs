//! Training, saving, loading and running the demand model: hourly expected units per item.

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use anyhow::{Context as _, bail, ensure};
use burn::module::Module as _;
use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::core::backtest::{Backtest, Contender, backtest};
use crate::core::baselines;
use crate::core::config::TrainConfig;
use crate::core::distributions::{Dispersion, NOMINAL, Widths, fit_spread};
use crate::core::features::{
    FEATURE_NAMES, FEATURE_SET, FEATURE_SET_VERSION, History, NUM_FEATURES,
};
use crate::core::grid::Grid;
use crate::core::levels::Levels;
use crate::core::net::{DemandNet, Ensemble, Loss, NetShape};
use crate::core::opening::Closures;
use crate::core::sales::{HOURS, Sales};
use crate::core::scoring::ByPredictor;

/// Bumped whenever the network or the meaning of its output changes.
/// 2: the means blend the networks with the pooled forecast (`pooled_weight`),
/// and the sidecar holds calibrated interval widths.
pub const MODEL_VERSION: u32 = 2;

/// How training went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainMetrics {
    pub train_rows: usize,
    pub valid_rows: usize,
    /// Epochs run, summed over the ensemble's members.
    pub epochs_run: usize,
    /// The epoch each member's kept weights come from.
    pub best_epochs: Vec<usize>,
    /// Mean loss over the training rows in the kept epochs (mean over members).
    pub train_loss: f64,
    /// Mean loss over the validation rows of the ensemble's forecast.
    pub valid_loss: f64,
    pub train_seconds: f64,
}

/// Everything needed to trust, reload and explain a model: the JSON sidecar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelMeta {
    pub model_version: u32,
    pub feature_set: String,
    pub feature_set_version: u32,
    pub feature_names: Vec<String>,
    /// The SKUs the model knows, in embedding order.
    pub items: Vec<String>,
    /// Local hours the model forecasts (the hours the shop ever sold in); other hours are zero.
    pub hours: Vec<usize>,
    /// First and last day of the data the model saw (training and validation).
    pub data_from: NaiveDate,
    pub data_to: NaiveDate,
    /// First day of the validation range.
    pub valid_from: NaiveDate,
    pub trained_at: DateTime<Utc>,
    pub config: TrainConfig,
    pub shape: NetShape,
    pub metrics: TrainMetrics,
    /// Model and baselines scored on the validation days (the input to promotion).
    pub validation: Levels<ByPredictor>,
    /// The dispersion α of the model's errors per level (variance = mean +
    /// α·mean²), fitted on the validation days; 0 (Poisson) in sidecars from
    /// before it was fitted.
    #[serde(default)]
    pub dispersion: Dispersion,
    /// The central probability of the model's intervals per level, calibrated
    /// on the validation days so that they hold 80% of actuals there
    /// ([`crate::core::distributions::fit_spread`]); the nominal 0.8 in
    /// sidecars from before the calibration.
    #[serde(default = "nominal_widths")]
    pub interval_width: Widths,
}

fn nominal_widths() -> Widths {
    NOMINAL
}

/// A trained model, ready to forecast.
pub struct DemandModel {
    net: Ensemble,
    meta: ModelMeta,
    device: Device,
}

impl std::fmt::Debug for DemandModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemandModel")
            .field("meta", &self.meta)
            .finish_non_exhaustive()
    }
}

/// Training rows in column form.
#[derive(Default)]
struct Rows {
    items: Vec<i64>,
    x: Vec<f32>,
    offset: Vec<f32>,
    y: Vec<f32>,
}

impl Rows {
    fn len(&self) -> usize {
        self.items.len()
    }

    /// Rows for every open day in `days`, every item and every hour in `hours`.
    fn build(
        history: &History,
        days: impl Iterator<Item = NaiveDate>,
        hours: &[usize],
        mask: &[usize],
    ) -> Self {
        let sales = history.sales();
        let mut rows = Self::default();
        for date in days.filter(|&d| sales.is_open(d)) {
            let day = sales
                .day_of(date)
                .expect("training days are inside the table");
            for item in 0..sales.items().len() {
                for &h in hours {
                    let mut r = history.row(Some(item), date, h);
                    for &c in mask {
                        r.values[c] = 0.0;
                    }
                    rows.items.push(item as i64);
                    rows.x.extend_from_slice(&r.values);
                    rows.offset.push(r.offset);
                    rows.y.push(sales.units_at(item, day, h) as f32);
                }
            }
        }
        rows
    }

    /// The rows at `idx` as tensors on `device`.
    fn batch(
        &self,
        idx: &[usize],
        device: &Device,
    ) -> (Tensor<1, Int>, Tensor<2>, Tensor<2>, Tensor<2>) {
        let n = idx.len();
        let mut x = Vec::with_capacity(n * NUM_FEATURES);
        for &i in idx {
            x.extend_from_slice(&self.x[i * NUM_FEATURES..(i + 1) * NUM_FEATURES]);
        }
        let pick = |v: &[f32]| idx.iter().map(|&i| v[i]).collect::<Vec<_>>();
        let items = idx.iter().map(|&i| self.items[i]).collect::<Vec<_>>();
        (
            Tensor::from_data(TensorData::new(items, [n]), device),
            Tensor::from_data(TensorData::new(x, [n, NUM_FEATURES]), device),
            Tensor::from_data(TensorData::new(pick(&self.offset), [n, 1]), device),
            Tensor::from_data(TensorData::new(pick(&self.y), [n, 1]), device),
        )
    }
}

/// A small deterministic generator for shuffling (SplitMix64): reproducible
/// without depending on a random-number crate's version.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn shuffle(&mut self, v: &mut [usize]) {
        for i in (1..v.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            v.swap(i, j);
        }
    }
}

/// burn's seed is global for some backends: two trainings in one process (tests run in
/// parallel) would interleave their random draws. One training at a time keeps a run
/// reproducible from its seed.
static TRAINING: Mutex<()> = Mutex::new(());

/// Outputs (log-rates) of `net` for `rows`, in chunks so memory stays flat.
fn outputs(net: &DemandNet, rows: &Rows, device: &Device) -> anyhow::Result<Vec<f32>> {
    let mut out = Vec::with_capacity(rows.len());
    let all: Vec<usize> = (0..rows.len()).collect();
    for chunk in all.chunks(8192) {
        let (items, x, offset, _) = rows.batch(chunk, device);
        let z = net.forward(items, x, offset).into_data();
        out.extend(
            z.try_into_vec::<f32>()
                .map_err(|e| anyhow::anyhow!("reading outputs: {e:?}"))?,
        );
    }
    Ok(out)
}

/// Expected units for `rows`: the mean over the members of their rates.
fn means(net: &Ensemble, loss: Loss, rows: &Rows, device: &Device) -> anyhow::Result<Vec<f64>> {
    let mut sum = vec![0.0; rows.len()];
    for member in &net.members {
        for (s, z) in sum.iter_mut().zip(outputs(member, rows, device)?) {
            *s += loss.mean_of(z);
        }
    }
    let n = net.members.len().max(1) as f64;
    Ok(sum.into_iter().map(|s| s / n).collect())
}

/// Mean loss of outputs `z` against counts `y`, computed in f64.
fn mean_loss(loss: Loss, z: impl ExactSizeIterator<Item = f64>, y: &[f32]) -> f64 {
    let n = z.len().max(1) as f64;
    let total: f64 = z
        .zip(y)
        .map(|(z, &y)| {
            let y = f64::from(y);
            match loss {
                Loss::Poisson => z.exp() - y * z,
                Loss::MseLog1p => (z - y.ln_1p()).powi(2),
            }
        })
        .sum();
    total / n
}

/// How one member's training went.
struct MemberFit {
    epochs_run: usize,
    best_epoch: usize,
    train_loss: f64,
}

/// Trains one network with Adam from `seed`, keeping the weights of the epoch
/// with the lowest validation loss and stopping after `patience` epochs without one.
fn train_member(
    train: &Rows,
    valid: &Rows,
    shape: &NetShape,
    cfg: &TrainConfig,
    seed: u64,
    infer: &Device,
) -> anyhow::Result<(DemandNet, MemberFit)> {
    let device = infer.clone().autodiff();
    let _one_at_a_time = TRAINING
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    device.seed(seed);
    let mut net = DemandNet::new(shape, &device);
    let mut optim = AdamConfig::new().init();
    let mut rng = SplitMix(seed);
    let mut order: Vec<usize> = (0..train.len()).collect();
    let mut best: Option<(DemandNet, f64, f64, usize)> = None;
    let mut epochs_run = 0;
    let mut since_best = 0;
    for epoch in 1..=cfg.epochs {
        epochs_run = epoch;
        rng.shuffle(&mut order);
        let mut sum = 0.0;
        for batch in order.chunks(cfg.batch_size) {
            let (items, x, offset, y) = train.batch(batch, &device);
            let z = net.forward(items, x, offset);
            let loss = cfg.loss.forward(z, y);
            sum += f64::from(loss.clone().into_scalar::<f32>()) * batch.len() as f64;
            let grads = GradientsParams::from_grads(loss.backward(), &net);
            net = optim.step(cfg.learning_rate, net, grads);
        }
        let train_loss = sum / train.len() as f64;
        let snapshot = net.valid();
        // Without validation rows (every validation day closed) the last epoch wins.
        let valid_loss = if valid.len() > 0 {
            let z = outputs(&snapshot, valid, infer)?;
            mean_loss(cfg.loss, z.into_iter().map(f64::from), &valid.y)
        } else {
            -(epoch as f64)
        };
        tracing::debug!(seed, epoch, train_loss, valid_loss, "demand model epoch");
        if best.as_ref().is_none_or(|b| valid_loss < b.1) {
            best = Some((snapshot, valid_loss, train_loss, epoch));
            since_best = 0;
        } else {
            since_best += 1;
            if since_best >= cfg.patience {
                break;
            }
        }
    }
    let (net, _, train_loss, best_epoch) = best.context("at least one epoch ran")?;
    Ok((
        net,
        MemberFit {
            epochs_run,
            best_epoch,
            train_loss,
        },
    ))
}

impl DemandModel {
    /// Trains on all of `sales`: the last `cfg.valid_days` days are the
    /// validation range (early stopping, and the scores promotion reads); the
    /// days before it, after the first `cfg.min_history_days`, are the training rows.
    /// Closed days are guessed from sales ([`Closures::Guessed`]).
    pub fn train(sales: &Sales, cfg: &TrainConfig) -> anyhow::Result<Self> {
        Self::train_with(sales, cfg, &Closures::Guessed)
    }

    /// [`DemandModel::train`], with the validation days (the spread, the
    /// interval widths and the scores promotion reads) forecast as the model
    /// will serve: closed where `closures` say.
    pub fn train_with(
        sales: &Sales,
        cfg: &TrainConfig,
        closures: &Closures,
    ) -> anyhow::Result<Self> {
        ensure!(
            cfg.batch_size > 0 && cfg.epochs > 0,
            "batch size and epochs must be positive"
        );
        let started = Instant::now();
        let history = History::new(sales);
        let days = sales.num_days();
        ensure!(
            days > cfg.min_history_days + cfg.valid_days,
            "{days} days of sales are too few: training needs more than {} (min_history_days {} + valid_days {})",
            cfg.min_history_days + cfg.valid_days,
            cfg.min_history_days,
            cfg.valid_days
        );
        let valid_from = sales.date_at(days - cfg.valid_days);
        let hours = sales.trading_hours(days);
        let mask = feature_mask(&cfg.drop_features)?;
        let train = Rows::build(
            &history,
            sales
                .dates()
                .skip(cfg.min_history_days)
                .take_while(|&d| d < valid_from),
            &hours,
            &mask,
        );
        let valid = Rows::build(
            &history,
            sales.dates().skip(days - cfg.valid_days),
            &hours,
            &mask,
        );
        ensure!(train.len() > 0, "no open day to train on");
        let shape = NetShape {
            items: sales.items().len(),
            features: NUM_FEATURES,
            embedding: cfg.embedding,
            hidden: cfg.hidden,
        };

        ensure!(cfg.members > 0, "an ensemble needs at least one member");
        let infer = cfg.backend.device();
        let mut members = Vec::with_capacity(cfg.members);
        let mut fits = Vec::with_capacity(cfg.members);
        for m in 0..cfg.members {
            let seed = cfg.seed.wrapping_add(m as u64);
            let (net, fit) = train_member(&train, &valid, &shape, cfg, seed, &infer)?;
            members.push(net);
            fits.push(fit);
        }
        let net = Ensemble { members };
        let valid_loss = if valid.len() > 0 {
            let m = means(&net, cfg.loss, &valid, &infer)?;
            mean_loss(
                cfg.loss,
                m.into_iter().map(|m| cfg.loss.output_of(m)),
                &valid.y,
            )
        } else {
            f64::NAN
        };
        let train_loss = fits.iter().map(|f| f.train_loss).sum::<f64>() / fits.len() as f64;
        let train_seconds = started.elapsed().as_secs_f64();
        let mut model = Self {
            net,
            device: infer,
            meta: ModelMeta {
                model_version: MODEL_VERSION,
                feature_set: FEATURE_SET.to_owned(),
                feature_set_version: FEATURE_SET_VERSION,
                feature_names: FEATURE_NAMES.iter().map(|s| (*s).to_owned()).collect(),
                items: sales.items().to_vec(),
                hours,
                data_from: sales.first_date(),
                data_to: sales.last_date(),
                valid_from,
                trained_at: Utc::now(),
                config: cfg.clone(),
                shape,
                metrics: TrainMetrics {
                    train_rows: train.len(),
                    valid_rows: valid.len(),
                    epochs_run: fits.iter().map(|f| f.epochs_run).sum(),
                    best_epochs: fits.iter().map(|f| f.best_epoch).collect(),
                    train_loss,
                    valid_loss,
                    train_seconds,
                },
                // filled in just below, once the model can forecast
                validation: Levels::default(),
                dispersion: Levels::default(),
                interval_width: NOMINAL,
            },
        };
        // First the spread of its errors on the validation days and the
        // width of intervals that hold 80% of them, then its scores there
        // with intervals and medians of that spread.
        let last = sales.last_date();
        let (dispersion, width) = fit_spread(sales, valid_from, last, |date| {
            model.predict_with(&history, date, closures)
        })?;
        model.meta.dispersion = dispersion;
        model.meta.interval_width = width;
        model.meta.validation = model
            .backtest_with(sales, valid_from, last, closures)?
            .scores;
        Ok(model)
    }

    /// Scores the model (its configured point forecast) and both baselines on
    /// each day of `from..=to`, every forecast made from the sales before its day.
    pub fn backtest(
        &self,
        sales: &Sales,
        from: NaiveDate,
        to: NaiveDate,
    ) -> anyhow::Result<Backtest> {
        self.backtest_with(sales, from, to, &Closures::Guessed)
    }

    /// [`DemandModel::backtest`] with the model closed where `closures` say
    /// (the baselines are scored as they are).
    pub fn backtest_with(
        &self,
        sales: &Sales,
        from: NaiveDate,
        to: NaiveDate,
        closures: &Closures,
    ) -> anyhow::Result<Backtest> {
        let history = History::new(sales);
        let contender = Contender {
            means: |date| self.predict_with(&history, date, closures),
            dispersion: self.meta.dispersion,
            width: self.meta.interval_width,
            hours: self.meta.hours.clone(),
            point: self.meta.config.point,
        };
        backtest(sales, from, to, contender)
    }

    pub fn meta(&self) -> &ModelMeta {
        &self.meta
    }

    /// Expected units per item and hour on `date`, in the item order of
    /// `history`'s sales table, from sales before `date` only.
    ///
    /// Items the model does not know (new on the menu) get the 28-day mean;
    /// a day that [`History::looks_closed`] gets zeros.
    pub fn predict(&self, history: &History, date: NaiveDate) -> anyhow::Result<Grid> {
        self.predict_with(history, date, &Closures::Guessed)
    }

    /// [`DemandModel::predict`] with closed days and hours from `closures`:
    /// a closed day is zeros, a closed hour zero, an open hour the model's.
    pub fn predict_with(
        &self,
        history: &History,
        date: NaiveDate,
        closures: &Closures,
    ) -> anyhow::Result<Grid> {
        let sales = history.sales();
        let open = closures.for_model(history, date, self.meta.config.closed_weekday_weeks);
        if open.is_closed_day() {
            return Ok(Grid::zeros(sales.items().len()));
        }
        let mask = feature_mask(&self.meta.config.drop_features)?;
        let mut rows = Rows::default();
        let mut at = Vec::new();
        for (m, sku) in self.meta.items.iter().enumerate() {
            let Some(item) = sales.item_index(sku) else {
                continue;
            };
            for &h in &self.meta.hours {
                let mut r = history.row(Some(item), date, h);
                for &c in &mask {
                    r.values[c] = 0.0;
                }
                rows.items.push(m as i64);
                rows.x.extend_from_slice(&r.values);
                rows.offset.push(r.offset);
                rows.y.push(0.0); // unknown: this is the day being forecast
                at.push((item, h));
            }
        }
        let mut grid = baselines::mean_28d(sales, date);
        for (item, row) in grid.cells.iter_mut().enumerate() {
            if self.meta.items.binary_search(&sales.items()[item]).is_ok() {
                *row = [0.0; HOURS];
            }
        }
        if rows.len() > 0 {
            let loss = self.meta.config.loss;
            let w = self.meta.config.pooled_weight.clamp(0.0, 1.0);
            let pooled = (w > 0.0).then(|| history.pooled(date));
            for (m, (item, h)) in means(&self.net, loss, &rows, &self.device)?
                .into_iter()
                .zip(at)
            {
                grid.cells[item][h] = match &pooled {
                    Some(p) => w * p[item][h] + (1.0 - w) * m,
                    None => m,
                };
            }
        }
        open.apply(&mut grid);
        Ok(grid)
    }

    /// Writes the weights to `path` (burnpack) and the metadata to [`meta_path`]`(path)`.
    pub fn save(&self, path: &Path) -> anyhow::Result<()> {
        self.net
            .clone()
            .save_file(path)
            .map_err(|e| anyhow::anyhow!("saving the model to {}: {e:?}", path.display()))?;
        let meta = serde_json::to_string_pretty(&self.meta)?;
        let sidecar = meta_path(path);
        std::fs::write(&sidecar, meta).with_context(|| format!("writing {}", sidecar.display()))
    }

    /// Reads a model written by [`DemandModel::save`]; refuses one built for other features.
    pub fn load(path: &Path) -> anyhow::Result<Self> {
        let sidecar = meta_path(path);
        let text = std::fs::read_to_string(&sidecar)
            .with_context(|| format!("reading {}", sidecar.display()))?;
        let meta: ModelMeta = serde_json::from_str(&text)
            .with_context(|| format!("{} is not model metadata", sidecar.display()))?;
        if meta.model_version != MODEL_VERSION
            || meta.feature_set != FEATURE_SET
            || meta.feature_set_version != FEATURE_SET_VERSION
        {
            bail!(
                "{} is model v{} on features {} v{}; this build runs model v{MODEL_VERSION} on {FEATURE_SET} v{FEATURE_SET_VERSION}: retrain",
                path.display(),
                meta.model_version,
                meta.feature_set,
                meta.feature_set_version
            );
        }
        let device = meta.config.backend.device();
        let net = Ensemble::new(&meta.shape, meta.config.members, &device)
            .try_load_file(path)
            .map_err(|e| anyhow::anyhow!("loading the model from {}: {e:?}", path.display()))?;
        Ok(Self { net, meta, device })
    }
}

/// Column numbers of the named features; an unknown name is an error.
fn feature_mask(names: &[String]) -> anyhow::Result<Vec<usize>> {
    names
        .iter()
        .map(|n| {
            FEATURE_NAMES
                .iter()
                .position(|f| f == n)
                .with_context(|| format!("there is no feature `{n}`"))
        })
        .collect()
}

/// Where the metadata of the model at `path` lives: the same name with a `.json` extension.
pub fn meta_path(path: &Path) -> PathBuf {
    path.with_extension("json")
}
