//! `chatorder-dev bench telegram`: K simulated customers chat with the real bot
//! through the Telegram stand-in at once; it measures update→reply latency
//! and checkout (Confirm pressed) → "order received" time.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use chatorder_shared::config::Settings;
use chatorder_telegram_standin::{BotMessage, TOKEN, TelegramStandIn, User};
use tokio::sync::Mutex;
use tokio_util::sync::CancellationToken;

use crate::bench::{percentiles, scratch};

#[derive(Debug, clap::Args)]
pub struct TelegramArgs {
    /// Customers chatting at the same time.
    #[arg(long, default_value_t = 200)]
    customers: usize,
    /// Orders each customer places, one after the other.
    #[arg(long, default_value_t = 2)]
    rounds: usize,
    /// Mean pause of a customer before each message or tap (uniform 0..2×);
    /// 0 makes all customers act in lockstep, the harshest burst.
    #[arg(long, default_value_t = 1000)]
    think_ms: u64,
}

const WAIT: Duration = Duration::from_secs(30);

#[derive(Default)]
struct Samples {
    reply_ms: Vec<f64>,
    checkout_ms: Vec<f64>,
}

/// Sends `text` (or presses a button) and waits for the bot's next message
/// in that chat matching `needle`; returns it and records the latency.
pub(crate) async fn exchange<R>(
    standin: &TelegramStandIn,
    user: &User,
    act: impl FnOnce() -> R,
    after: i64,
    needle: &str,
    think_ms: u64,
) -> anyhow::Result<(BotMessage, f64)> {
    if think_ms > 0 {
        let pause = rand::random_range(0..=2 * think_ms);
        tokio::time::sleep(Duration::from_millis(pause)).await;
    }
    let t0 = Instant::now();
    let _ = act();
    let msg = standin
        .wait_for(user.id, WAIT, |m| {
            m.message_id > after && m.text.contains(needle)
        })
        .await
        .with_context(|| format!("customer {} never got `{needle}`", user.id))?;
    Ok((msg, t0.elapsed().as_secs_f64() * 1000.0))
}

async fn customer(
    standin: Arc<TelegramStandIn>,
    user: User,
    rounds: usize,
    think_ms: u64,
    samples: Arc<Mutex<Samples>>,
) -> anyhow::Result<()> {
    let mut last = 0;
    let mut replies = Vec::new();
    let mut checkouts = Vec::new();
    let (m, ms) = exchange(
        &standin,
        &user,
        || standin.send_text(&user, "/start"),
        last,
        "welcome",
        think_ms,
    )
    .await?;
    replies.push(ms);
    last = m.message_id;
    for _ in 0..rounds {
        let (m, ms) = exchange(
            &standin,
            &user,
            || standin.send_text(&user, "2 large hawaiian and a small pepperoni"),
            last,
            "Added",
            think_ms,
        )
        .await?;
        replies.push(ms);
        last = m.message_id;
        let (ask, ms) = exchange(
            &standin,
            &user,
            || standin.send_text(&user, "/checkout"),
            last,
            "Pickup or delivery",
            think_ms,
        )
        .await?;
        replies.push(ms);
        let pickup = button(&ask, "f:p:")?;
        let (summary, ms) = exchange(
            &standin,
            &user,
            || standin.press_button(&user, ask.message_id, &pickup),
            ask.message_id,
            "Please check",
            think_ms,
        )
        .await?;
        replies.push(ms);
        let ok = button(&summary, "ok:")?;
        let (received, ms) = exchange(
            &standin,
            &user,
            || standin.press_button(&user, summary.message_id, &ok),
            summary.message_id,
            "received",
            think_ms,
        )
        .await?;
        checkouts.push(ms);
        last = received.message_id;
    }
    let mut s = samples.lock().await;
    s.reply_ms.extend(replies);
    s.checkout_ms.extend(checkouts);
    Ok(())
}

pub(crate) fn button(msg: &BotMessage, prefix: &str) -> anyhow::Result<String> {
    msg.buttons()
        .into_iter()
        .map(|(_, d)| d)
        .find(|d| d.starts_with(prefix))
        .with_context(|| format!("no `{prefix}` button on `{}`", msg.text))
}

pub async fn run(mut settings: Settings, args: TelegramArgs) -> anyhow::Result<()> {
    scratch(&mut settings).await?;
    settings.telegram.rate_limit = false;
    settings.telegram.max_orders_per_hour = u32::MAX;
    let standin = Arc::new(
        TelegramStandIn::start()
            .await
            .context("starting the stand-in")?,
    );
    settings.telegram.token = Some(TOKEN.to_owned().into());
    settings.telegram.api_url = standin.api_url();
    let system = start_system(&settings, &standin).await?;

    println!(
        "chatorder bench telegram: {} customers × {} orders through the stand-in, think time {} ms mean (rate limiter off for the benchmark)",
        args.customers, args.rounds, args.think_ms
    );
    let samples = Arc::new(Mutex::new(Samples::default()));
    let started = Instant::now();
    let tasks: Vec<_> = (0..args.customers)
        .map(|i| {
            let user = User::new(10_000 + i as i64, &format!("Customer{i}"));
            tokio::spawn(customer(
                standin.clone(),
                user,
                args.rounds,
                args.think_ms,
                samples.clone(),
            ))
        })
        .collect();
    let mut failed = 0;
    for t in tasks {
        if let Err(e) = t.await.context("customer task")? {
            failed += 1;
            eprintln!("  {e:#}");
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let s = samples.lock().await;
    println!(
        "  {} orders confirmed in {elapsed:.1} s; {failed} customers failed",
        s.checkout_ms.len()
    );
    println!("  {}", percentiles("update → reply", s.reply_ms.clone()));
    println!(
        "  {}",
        percentiles("Confirm → \"order received\"", s.checkout_ms.clone())
    );
    system.stop().await;
    anyhow::ensure!(failed == 0, "{failed} customers did not finish");
    Ok(())
}

/// The order worker and the Telegram bot running in this process.
pub(crate) struct System {
    pub cancel: CancellationToken,
    worker: tokio::task::JoinHandle<anyhow::Result<()>>,
    bot: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl System {
    pub(crate) async fn stop(self) {
        self.cancel.cancel();
        let _ = tokio::join!(self.worker, self.bot);
    }
}

/// Starts the order worker and the bot (pointed at `standin`) and waits until
/// the bot answers with the menu, i.e. the worker serves queries too.
pub(crate) async fn start_system(
    settings: &Settings,
    standin: &TelegramStandIn,
) -> anyhow::Result<System> {
    let cancel = CancellationToken::new();
    let worker = tokio::spawn(chatorder_orders::worker::run(
        settings.clone(),
        cancel.clone(),
    ));
    chatorder::cli::wait_for_worker(settings).await;
    let bot = tokio::spawn(chatorder_telegram::run::run(
        settings.clone(),
        cancel.clone(),
    ));
    let probe = User::new(1, "Probe");
    let ready = Instant::now() + WAIT;
    loop {
        standin.send_text(&probe, "/menu");
        if standin
            .wait_for(probe.id, Duration::from_secs(2), |m| {
                m.text.contains("pick a category")
            })
            .await
            .is_some()
        {
            break;
        }
        if Instant::now() >= ready {
            cancel.cancel();
            anyhow::bail!("the bot did not come up");
        }
    }
    Ok(System {
        cancel,
        worker,
        bot,
    })
}
