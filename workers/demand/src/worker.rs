//! The running demand worker: retrains on a schedule, forecasts, tracks how
//! forecasts did, sends owners their morning summary and alerts about
//! waiting orders, and answers `/summary` and `/forecast`.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use async_nats::jetstream::{self, message::PublishMessage};
use chatorder_db::pool::DbPool;
use chatorder_shared::config::{Settings, TrainingProfile};
use chatorder_shared::owners::{
    Dashboard, DashboardRequest, DayFigures, ForecastRequest, OwnerPost, OwnerReport, PostKind,
    SummaryDay, SummaryRequest, TopItem,
};
use chatorder_shared::queries::{QueryRefusal, QueryReply};
use chatorder_shared::subjects::{DemandQuery, Subjects};
use chrono::{DateTime, Days, NaiveDate, TimeZone as _, Utc};
use chrono_tz::Tz;
use futures::StreamExt as _;
use tokio::sync::RwLock;
use tokio_util::sync::CancellationToken;

use crate::core::config::TrainConfig;
use crate::core::distributions::{Dispersion, NOMINAL, POISSON, Widths};
use crate::core::forecast::{DayForecast, forecast_day};
use crate::core::model::{DemandModel, ModelMeta, meta_path};
use crate::core::opening::Closures;
use crate::core::predictor::Predictor;
use crate::core::promotion::decide;
use crate::core::sales::{Sales, SalesError};
use crate::schedule::Schedule;
use crate::store::{self, ModelRun};
use crate::summary;

pub const QUEUE_GROUP: &str = "demand-workers";

/// The spread (dispersion and interval widths) of the predictor behind a
/// stored forecast, as `forecast_day` used it: the baselines' Poisson and
/// nominal 80%, or what the model's sidecar holds. `None` when the model's
/// files are gone (the ranges are then left out of the summary).
async fn spread_of(
    conn: &mut chatorder_db::pool::Conn,
    first: Option<&store::StoredItemDay>,
) -> anyhow::Result<Option<(Dispersion, Widths)>> {
    let Some(item) = first else {
        return Ok(None);
    };
    if item.predictor != Predictor::Model.name() {
        return Ok(Some((POISSON, NOMINAL)));
    }
    let Some(id) = item.model_run_id else {
        return Ok(None);
    };
    let Some(path) = store::run_model_path(conn, id).await? else {
        return Ok(None);
    };
    let sidecar = meta_path(&PathBuf::from(path));
    let Ok(text) = std::fs::read_to_string(&sidecar) else {
        return Ok(None);
    };
    let meta: ModelMeta = serde_json::from_str(&text)
        .with_context(|| format!("{} is not model metadata", sidecar.display()))?;
    Ok(Some((meta.dispersion, meta.interval_width)))
}

/// What serves forecasts now.
#[derive(Clone)]
struct Serving {
    /// The trained model; there is one whenever `serve` is the model.
    model: Option<Arc<DemandModel>>,
    serve: Predictor,
    run_id: Option<i64>,
    note: String,
}

pub struct Demand {
    settings: Arc<Settings>,
    tz: Tz,
    pool: DbPool,
    js: jetstream::Context,
    subjects: Subjects,
    serving: RwLock<Serving>,
    /// Today's forecast for the dashboard, by day and model run.
    today: tokio::sync::Mutex<Option<TodayForecast>>,
}

/// A forecast kept for the dashboard while its day and model last.
struct TodayForecast {
    day: NaiveDate,
    run_id: Option<i64>,
    forecast: Option<Arc<DayForecast>>,
}

impl Demand {
    pub async fn new(settings: Settings, client: async_nats::Client) -> anyhow::Result<Self> {
        let tz: Tz = settings.shop.time_zone;
        let pool = chatorder_db::pool::pool(&settings.database.url, 4)?;
        let subjects = settings.subjects();
        Ok(Self {
            tz,
            pool,
            js: jetstream::new(client),
            subjects,
            settings: Arc::new(settings),
            serving: RwLock::new(Serving {
                model: None,
                serve: Predictor::Mean28,
                run_id: None,
                note: "Forecasts use the 28-day average until a model is trained.".into(),
            }),
            today: tokio::sync::Mutex::new(None),
        })
    }

    fn today(&self, now: DateTime<Utc>) -> NaiveDate {
        now.with_timezone(&self.tz).date_naive()
    }

    /// UTC bounds of a local day.
    fn day_bounds(&self, day: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
        let start = |d: NaiveDate| {
            self.tz
                .from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default())
                .earliest()
                .map_or_else(
                    || d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc(),
                    |t| t.with_timezone(&Utc),
                )
        };
        (start(day), start(day + Days::new(1)))
    }

    /// Closed days and hours: the shop's settings, or guessed without them.
    fn closures(&self) -> Closures {
        crate::opening_hours::closures(self.settings.shop.schedule())
    }

    fn train_config(&self) -> TrainConfig {
        match self.settings.demand.training {
            TrainingProfile::Full => TrainConfig::default(),
            TrainingProfile::Quick => TrainConfig::quick(),
        }
    }

    /// Sales of the last `history_days`, with every catalog item (so an item
    /// that has not sold lately is still forecast). `None` with no sales.
    async fn sales(&self, until: DateTime<Utc>) -> anyhow::Result<Option<Sales>> {
        let since = until - chrono::Duration::days(i64::from(self.settings.demand.history_days));
        let mut conn = self.pool.get().await.context("MySQL connection")?;
        let rows = store::sold_since(&mut conn, since).await?;
        let rows: Vec<_> = rows.into_iter().filter(|r| r.1 < until).collect();
        let names = store::item_names(&mut conn).await?;
        match Sales::from_records(rows.iter().map(|(s, t, q)| (s.as_str(), *t, *q)), self.tz) {
            Ok(s) => Ok(Some(s.with_items(names.keys().map(String::as_str)))),
            Err(SalesError::Empty) => Ok(None),
        }
    }

    /// Loads the newest run's model, or trains one if there is none.
    pub async fn start(&self) -> anyhow::Result<()> {
        let latest = {
            let mut conn = self.pool.get().await.context("MySQL connection")?;
            store::latest_run(&mut conn).await?
        };
        match latest {
            Some(run) => {
                let serve = run.serving.parse().unwrap_or_else(|e| {
                    tracing::warn!(run = run.id, error = %e, "the newest run names no predictor; the 28-day average serves");
                    Predictor::Mean28
                });
                let model = if serve == Predictor::Model {
                    match DemandModel::load(&PathBuf::from(&run.model_path)) {
                        Ok(m) => Some(Arc::new(m)),
                        Err(e) => {
                            tracing::warn!(error = %e, "the newest model does not load; retraining");
                            return self.retrain().await;
                        }
                    }
                } else {
                    None
                };
                tracing::info!(run = run.id, serving = %run.serving, "loaded the newest model run");
                *self.serving.write().await = Serving {
                    model,
                    serve,
                    run_id: Some(run.id),
                    note: run.note,
                };
                Ok(())
            }
            None => self.retrain().await,
        }
    }

    /// Trains on the history, promotes the model only if it beats both
    /// baselines, records the run, and forecasts today.
    pub async fn retrain(&self) -> anyhow::Result<()> {
        let now = Utc::now();
        let today = self.today(now);
        // Whole days only: today's sales so far would look like a slow day.
        let Some(sales) = self.sales(self.day_bounds(today).0).await? else {
            tracing::info!("no sales yet: nothing to train on");
            return Ok(());
        };
        let cfg = self.train_config();
        let closures = self.closures();
        let trained =
            tokio::task::spawn_blocking(move || DemandModel::train_with(&sales, &cfg, &closures))
                .await
                .context("training task")?;
        let model = match trained {
            Ok(m) => m,
            Err(e) => {
                tracing::info!(error = %e, "not enough history to train; the 28-day average serves");
                return self.forecast_and_store(today).await.map(|_| ());
            }
        };
        let meta = model.meta().clone();
        let v = meta.validation.item_day;
        let decision = decide(&v);
        crate::metrics::trained(meta.metrics.train_seconds, &v);
        let dir = &self.settings.demand.model_dir;
        std::fs::create_dir_all(dir)
            .with_context(|| format!("creating demand.model_dir {}", dir.display()))?;
        let path = dir.join(format!("demand-{}.bpk", now.format("%Y%m%dT%H%M%S%.3f")));
        model.save(&path)?;
        let run = ModelRun {
            id: 0,
            trained_at: now.naive_utc(),
            data_from: meta.data_from,
            data_to: meta.data_to,
            feature_version: format!("{} v{}", meta.feature_set, meta.feature_set_version),
            model_path: path.display().to_string(),
            train_seconds: meta.metrics.train_seconds,
            model_wape: nan_to(v.model.wape),
            seasonal_naive_wape: nan_to(v.seasonal_naive.wape),
            mean_28d_wape: nan_to(v.mean_28d.wape),
            serving: decision.serve.name().to_owned(),
            note: decision.reason.clone(),
        };
        let id = {
            let mut conn = self.pool.get().await.context("MySQL connection")?;
            store::record_run(&mut conn, &run).await?
        };
        tracing::info!(run = id, serving = %run.serving, seconds = run.train_seconds, "trained");
        *self.serving.write().await = Serving {
            model: (decision.serve == Predictor::Model).then(|| Arc::new(model)),
            serve: decision.serve,
            run_id: Some(id),
            note: decision.reason,
        };
        self.forecast_and_store(today).await.map(|_| ())
    }

    /// Forecasts `day` from every sale before it and stores it.
    pub async fn forecast_and_store(&self, day: NaiveDate) -> anyhow::Result<Option<DayForecast>> {
        let (start, _) = self.day_bounds(day);
        let Some(sales) = self.sales(start.min(Utc::now())).await? else {
            return Ok(None);
        };
        let serving = self.serving.read().await.clone();
        let closures = self.closures();
        let f = tokio::task::spawn_blocking(move || {
            forecast_day(
                serving.serve,
                serving.model.as_deref(),
                &sales,
                day,
                &closures,
            )
        })
        .await
        .context("forecast task")??;
        let run_id = self.serving.read().await.run_id;
        let mut conn = self.pool.get().await.context("MySQL connection")?;
        store::save_forecast(&mut conn, &f, run_id).await?;
        crate::metrics::forecast_made();
        Ok(Some(f))
    }

    /// Records what sold on `day` against its forecast: `(forecast units,
    /// units sold, item-day WAPE)` and how its likely ranges held.
    async fn settle(
        &self,
        day: NaiveDate,
    ) -> anyhow::Result<(Option<(f64, f64, f64)>, Option<summary::RangesHeld>)> {
        let (from, to) = self.day_bounds(day);
        let mut conn = self.pool.get().await.context("MySQL connection")?;
        let rows = store::sold_since(&mut conn, from).await?;
        let mut by: HashMap<(String, usize), u32> = HashMap::new();
        for (sku, at, qty) in rows.into_iter().filter(|r| r.1 < to) {
            let hour =
                usize::try_from(chrono::Timelike::hour(&at.with_timezone(&self.tz))).unwrap_or(0);
            *by.entry((sku, hour)).or_default() += qty;
        }
        let actual: Vec<(String, usize, u32)> =
            by.into_iter().map(|((s, h), u)| (s, h, u)).collect();
        let Some(wape) = store::settle_day(&mut conn, day, &actual).await? else {
            return Ok((None, None));
        };
        crate::metrics::accuracy(wape);
        let items = store::stored_forecast(&mut conn, day).await?;
        let forecast: f64 = items.iter().map(|i| i.mean).sum();
        let sold: f64 = actual.iter().map(|a| f64::from(a.2)).sum();
        let held = match spread_of(&mut conn, items.first()).await {
            Ok(Some((alpha, width))) => {
                let pairs: Vec<(f64, f64)> = items
                    .iter()
                    .map(|i| (i.mean, i.actual.unwrap_or(0) as f64))
                    .collect();
                summary::ranges_held(&pairs, sold, &alpha, &width)
            }
            Ok(None) => None,
            Err(e) => {
                tracing::warn!(error = %e, %day, "the spread behind the day's ranges is unknown");
                None
            }
        };
        Ok((Some((forecast, sold, wape)), held))
    }

    async fn past(&self, day: NaiveDate) -> anyhow::Result<summary::Past> {
        let (from, to) = self.day_bounds(day);
        let stats = {
            let mut conn = self.pool.get().await.context("MySQL connection")?;
            store::day_stats(&mut conn, from, to).await?
        };
        let (forecast_vs_actual, ranges_held) = self.settle(day).await?;
        Ok(summary::Past {
            date: day,
            stats,
            forecast_vs_actual,
            ranges_held,
        })
    }

    async fn context(&self) -> anyhow::Result<(HashMap<String, String>, f64)> {
        let mut conn = self.pool.get().await.context("MySQL connection")?;
        let names = store::item_names(&mut conn).await?;
        let upo =
            store::units_per_order(&mut conn, Utc::now() - chrono::Duration::days(28)).await?;
        Ok((names, upo))
    }

    /// The morning summary: yesterday's figures and today's prep list.
    pub async fn morning_summary(&self, now: DateTime<Utc>) -> anyhow::Result<OwnerPost> {
        let today = self.today(now);
        let past = self.past(today - Days::new(1)).await?;
        let forecast = self.forecast_and_store(today).await?;
        let (names, upo) = self.context().await?;
        let note = self.serving.read().await.note.clone();
        let (title, body) = summary::morning(
            &self.settings.shop.name,
            &past,
            forecast.as_ref(),
            &names,
            upo,
            self.settings.shop.currency,
            &note,
        );
        Ok(OwnerPost::new(PostKind::Summary, title, body))
    }

    /// An alert listing pending orders older than the limit that were not
    /// alerted before. It follows the opening hours: nobody is alerted
    /// while the shop is closed, and an order left waiting overnight is
    /// named when the shop opens. Also says whether the shop takes orders
    /// now (`chatorder_shop_taking_orders`), for the "no orders" alert.
    async fn waiting_alert(&self, alerted: &mut HashSet<i64>) -> anyhow::Result<Option<OwnerPost>> {
        let limit = self.settings.demand.pending_alert_minutes;
        let now = Utc::now();
        let open = self.settings.shop.schedule().is_open(now);
        let mut conn = self.pool.get().await.context("MySQL connection")?;
        let paused = chatorder_db::shop::pause(&mut conn)
            .await?
            .is_some_and(|p| p.holds_at(now));
        crate::metrics::taking_orders(open && !paused);
        if !open {
            return Ok(None);
        }
        let waiting =
            store::waiting_orders(&mut conn, now - chrono::Duration::minutes(i64::from(limit)))
                .await?;
        drop(conn);
        let fresh: Vec<_> = waiting
            .iter()
            .filter(|w| !alerted.contains(&w.number))
            .collect();
        if fresh.is_empty() {
            return Ok(None);
        }
        let lines: Vec<String> = fresh.iter().map(|w| waited(w, now)).collect();
        alerted.extend(fresh.iter().map(|w| w.number));
        // Forget orders that are no longer waiting, so the set stays small.
        let still: HashSet<i64> = waiting.iter().map(|w| w.number).collect();
        alerted.retain(|n| still.contains(n));
        Ok(Some(OwnerPost::new(
            PostKind::Alert,
            format!("{} order(s) waiting over {limit} minutes", lines.len()),
            format!(
                "{}\nAccept or reject them on the board, or with `/pending`.",
                lines.join("\n")
            ),
        )))
    }

    pub async fn publish(&self, post: &OwnerPost) -> anyhow::Result<()> {
        let msg = PublishMessage::build()
            .payload(post.to_json().into())
            .message_id(post.id.to_string());
        self.js
            .send_publish(self.subjects.owners_post(post.kind), msg)
            .await?
            .await?;
        crate::metrics::posted(post.kind.as_str());
        Ok(())
    }

    async fn answer_summary(&self, req: SummaryRequest) -> anyhow::Result<OwnerReport> {
        let now = Utc::now();
        let today = self.today(now);
        let day = match req.day {
            SummaryDay::Today => today,
            SummaryDay::Yesterday => today - Days::new(1),
        };
        let past = self.past(day).await?;
        let mut body = summary::past_lines(&past, self.settings.shop.currency);
        if req.day == SummaryDay::Today {
            body.pop(); // the day is not over: no forecast-vs-actual yet
        }
        Ok(OwnerReport {
            title: format!("{}: {}", self.settings.shop.name, day.format("%A %-d %B")),
            body: body.join("\n"),
            generated_at: now,
        })
    }

    /// The forecast for the owner; `None` when there are no sales to learn from.
    async fn answer_forecast(&self, req: ForecastRequest) -> anyhow::Result<Option<OwnerReport>> {
        let now = Utc::now();
        let day = req.day.unwrap_or(self.today(now) + Days::new(1));
        let Some(f) = self.forecast_and_store(day).await? else {
            return Ok(None);
        };
        let (names, upo) = self.context().await?;
        let note = self.serving.read().await.note.clone();
        Ok(Some(OwnerReport {
            title: format!("{}: forecast", self.settings.shop.name),
            body: summary::forecast_lines(&f, &names, upo, &note).join("\n"),
            generated_at: now,
        }))
    }

    /// Today's forecast (made from the sales before today), computed once
    /// per day and model run.
    async fn todays_forecast(&self, day: NaiveDate) -> anyhow::Result<Option<Arc<DayForecast>>> {
        let run_id = self.serving.read().await.run_id;
        let mut kept = self.today.lock().await;
        if let Some(k) = kept.as_ref()
            && k.day == day
            && k.run_id == run_id
        {
            return Ok(k.forecast.clone());
        }
        let forecast = self.forecast_and_store(day).await?.map(Arc::new);
        *kept = Some(TodayForecast {
            day,
            run_id,
            forecast: forecast.clone(),
        });
        Ok(forecast)
    }

    /// Today's figures and forecast as numbers, for the dashboard's charts.
    async fn answer_dashboard(&self, _req: DashboardRequest) -> anyhow::Result<Dashboard> {
        let now = Utc::now();
        let today = self.today(now);
        let yesterday = today - Days::new(1);
        let forecast = self.todays_forecast(today).await?;
        let (from, to) = self.day_bounds(today);
        let (y_from, y_to) = self.day_bounds(yesterday);
        let mut conn = self.pool.get().await.context("MySQL connection")?;
        let lines: Vec<_> = store::sold_since(&mut conn, from)
            .await?
            .into_iter()
            .filter(|l| l.1 < to)
            .collect();
        let orders = store::sold_orders_placed(&mut conn, from, to).await?;
        let names = store::item_names(&mut conn).await?;
        let stats = store::day_stats(&mut conn, y_from, y_to).await?;
        let accuracy = store::accuracy_between(&mut conn, today - Days::new(28), today).await?;
        Ok(Dashboard {
            day: today,
            time_zone: self.tz.name().to_owned(),
            currency: self.settings.shop.currency.to_string(),
            predictor: forecast.as_ref().map(|f| f.predictor.name().to_owned()),
            hours: crate::dashboard::hours(self.tz, &lines, &orders, forecast.as_deref()),
            prep: forecast
                .as_deref()
                .map(|f| crate::dashboard::prep(f, &names, &lines))
                .unwrap_or_default(),
            yesterday: DayFigures {
                day: yesterday,
                orders: stats.orders - stats.cancelled - stats.rejected,
                revenue_minor: stats.revenue_minor,
                top_items: stats
                    .top_items
                    .into_iter()
                    .map(|(name, units)| TopItem { name, units })
                    .collect(),
            },
            accuracy,
            generated_at: now,
        })
    }

    /// One `demand.query.*` answer, or why there is none (the owner bot
    /// words it).
    async fn answer(&self, kind: DemandQuery, payload: &[u8]) -> Result<OwnerReport, QueryRefusal> {
        let bad_request = |e: serde_json::Error| QueryRefusal::BadRequest {
            detail: e.to_string(),
        };
        let answered = match kind {
            DemandQuery::Summary => {
                let req = serde_json::from_slice::<SummaryRequest>(payload).map_err(bad_request)?;
                self.answer_summary(req).await.map(Some)
            }
            DemandQuery::Forecast => {
                let req =
                    serde_json::from_slice::<ForecastRequest>(payload).map_err(bad_request)?;
                self.answer_forecast(req).await
            }
            DemandQuery::Dashboard => {
                return Err(QueryRefusal::BadRequest {
                    detail: "the dashboard is answered as numbers, not as a report".to_owned(),
                });
            }
        };
        match answered {
            Ok(Some(report)) => Ok(report),
            Ok(None) => Err(QueryRefusal::NoSales),
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), query = ?kind, "demand query failed");
                Err(QueryRefusal::Unavailable)
            }
        }
    }
}

impl Demand {
    /// The `demand.query.dashboard` answer, or why there is none.
    async fn dashboard(&self, payload: &[u8]) -> Result<Dashboard, QueryRefusal> {
        let req = serde_json::from_slice::<DashboardRequest>(payload).map_err(|e| {
            QueryRefusal::BadRequest {
                detail: e.to_string(),
            }
        })?;
        self.answer_dashboard(req).await.map_err(|e| {
            tracing::warn!(error = %format!("{e:#}"), "dashboard query failed");
            QueryRefusal::Unavailable
        })
    }
}

fn nan_to(x: f64) -> f64 {
    if x.is_finite() { x } else { -1.0 }
}

/// Answers `demand.query.*` until cancelled.
async fn serve_queries(
    d: Arc<Demand>,
    client: async_nats::Client,
    cancel: CancellationToken,
) -> anyhow::Result<()> {
    let mut summary = client
        .queue_subscribe(
            d.subjects.demand_query(DemandQuery::Summary),
            QUEUE_GROUP.into(),
        )
        .await?;
    let mut forecast = client
        .queue_subscribe(
            d.subjects.demand_query(DemandQuery::Forecast),
            QUEUE_GROUP.into(),
        )
        .await?;
    let mut dashboard = client
        .queue_subscribe(
            d.subjects.demand_query(DemandQuery::Dashboard),
            QUEUE_GROUP.into(),
        )
        .await?;
    loop {
        let (msg, kind) = tokio::select! {
            () = cancel.cancelled() => return Ok(()),
            Some(m) = summary.next() => (m, DemandQuery::Summary),
            Some(m) = forecast.next() => (m, DemandQuery::Forecast),
            Some(m) = dashboard.next() => (m, DemandQuery::Dashboard),
        };
        let Some(reply_to) = msg.reply.clone() else {
            continue;
        };
        let (d, client) = (d.clone(), client.clone());
        tokio::spawn(async move {
            let body = if kind == DemandQuery::Dashboard {
                serde_json::to_vec(&QueryReply::from(d.dashboard(&msg.payload).await))
            } else {
                serde_json::to_vec(&QueryReply::from(d.answer(kind, &msg.payload).await))
            }
            .unwrap_or_default();
            if let Err(e) = client.publish(reply_to, body.into()).await {
                tracing::warn!(error = %e, "could not answer a demand query");
            }
        });
    }
}

/// Runs the demand worker until `cancel`.
pub async fn run(settings: Settings, cancel: CancellationToken) -> anyhow::Result<()> {
    crate::metrics::describe();
    if settings.database.migrate_on_start {
        chatorder_db::prepare(&settings).await?;
    }
    let tz: Tz = settings.shop.time_zone;
    let retrain = Schedule::parse("retrain_cron", &settings.demand.retrain_cron, tz)?;
    let morning = Schedule::parse("summary_cron", &settings.demand.summary_cron, tz)?;
    let alert = Schedule::parse("alert_cron", &settings.demand.alert_cron, tz)?;
    let client = chatorder_bus::connect(&settings.nats, "chatorder-demand-worker").await?;
    let js = jetstream::new(client.clone());
    chatorder_bus::ensure_streams(&js, &settings.subjects(), &settings.nats).await?;
    let d = Arc::new(Demand::new(settings, client.clone()).await?);
    let queries = tokio::spawn(serve_queries(d.clone(), client, cancel.clone()));
    if let Err(e) = d.start().await {
        crate::metrics::failed("retrain");
        tracing::warn!(error = %e, "could not load or train a model; baselines serve");
    }
    tracing::info!(
        retrain = retrain.expr(),
        summary = morning.expr(),
        alert = alert.expr(),
        "demand worker running"
    );
    let mut alerted = HashSet::new();
    loop {
        let now = Utc::now();
        let next = [
            (retrain.next_after(now), "retrain"),
            (morning.next_after(now), "summary"),
            (alert.next_after(now), "alert"),
        ];
        let Some((at, job)) = next
            .into_iter()
            .filter_map(|(t, j)| t.map(|t| (t, j)))
            .min_by_key(|(t, _)| *t)
        else {
            anyhow::bail!("no schedule ever fires again");
        };
        let wait = (at - now).to_std().unwrap_or(Duration::ZERO);
        tokio::select! {
            () = cancel.cancelled() => break,
            () = tokio::time::sleep(wait) => {}
        }
        let result = match job {
            "retrain" => d.retrain().await,
            "summary" => match d.morning_summary(Utc::now()).await {
                Ok(post) => d.publish(&post).await,
                Err(e) => Err(e),
            },
            _ => match d.waiting_alert(&mut alerted).await {
                Ok(Some(post)) => d.publish(&post).await,
                Ok(None) => Ok(()),
                Err(e) => Err(e),
            },
        };
        if let Err(e) = result {
            crate::metrics::failed(job);
            tracing::warn!(error = %e, job, "scheduled job failed; it runs again at its next time");
        }
    }
    queries.abort();
    Ok(())
}

/// One line of the waiting alert: how long the order has waited, and for a
/// scheduled one the time it is for (a Discord timestamp: each owner's own
/// zone), so an order placed overnight for noon reads as what it is.
fn waited(w: &store::Waiting, now: chrono::DateTime<Utc>) -> String {
    let mut line = format!(
        "#{} has waited {} minutes",
        w.number,
        (now - w.placed_at).num_minutes()
    );
    if let Some(at) = w.scheduled_for {
        line.push_str(&format!(" (⏰ ready for <t:{}:f>)", at.timestamp()));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_waiting_alert_names_a_scheduled_orders_time() {
        let now = chrono::DateTime::from_timestamp(1_796_900_400, 0).expect("time");
        let placed_at = now - chrono::Duration::minutes(420);
        let asap = store::Waiting {
            number: 12,
            placed_at,
            scheduled_for: None,
        };
        assert_eq!(waited(&asap, now), "#12 has waited 420 minutes");
        let later = store::Waiting {
            scheduled_for: Some(now + chrono::Duration::minutes(30)),
            ..asap
        };
        assert_eq!(
            waited(&later, now),
            "#12 has waited 420 minutes (⏰ ready for <t:1796902200:f>)"
        );
    }
}
