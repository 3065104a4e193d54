//! `chatorder-dev bench api`: one customer account over HTTP. N keep-alive
//! clients alternate `GET /orders/{number}` and `GET /catalog` as fast as
//! they are answered (closed loop), then orders are posted at a steady rate
//! on a ticker that does not wait for earlier answers (open loop), each
//! timed from its scheduled send to the API's 201, which it sends once the
//! worker's event is in.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use chatorder_shared::config::Settings;
use reqwest::StatusCode;
use serde_json::{Value, json};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::bench::{percentile, scratch};

#[derive(Debug, clap::Args)]
pub struct ApiArgs {
    /// Concurrent keep-alive HTTP/1.1 clients in the GET phase.
    #[arg(long, default_value_t = 64)]
    clients: usize,
    /// Length of the GET phase.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Orders per second in the POST phase (0 skips it).
    #[arg(long, default_value_t = 500)]
    post_rate: u32,
    /// Length of the POST phase.
    #[arg(long, default_value_t = 10)]
    post_seconds: u64,
    /// Orders placed before the GET phase (the GETs cycle through them).
    #[arg(long, default_value_t = 20)]
    orders: usize,
    /// Measure an API and order workers that are already running (at
    /// `--url`) instead of starting both in this process on a scratch
    /// database; their own rate limit then applies.
    #[arg(long)]
    external: bool,
    /// The API's base address with `--external`.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
}

/// GET target: this many requests per second…
const GET_RATE_TARGET: f64 = 5_000.0;
/// …with p99 at most this (ms).
const GET_P99_TARGET: f64 = 20.0;
/// POST target: p99 at most this (ms) at the offered rate.
const POST_P99_TARGET: f64 = 50.0;
/// No request waits longer than this for its answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

pub async fn run(mut settings: Settings, args: ApiArgs) -> anyhow::Result<()> {
    let cancel = CancellationToken::new();
    let mut tasks = Vec::new();
    let base = if args.external {
        format!("{}/api/v1", args.url.trim_end_matches('/'))
    } else {
        scratch(&mut settings).await?;
        // The benchmark is one caller (one login); a per-caller limit would
        // measure the limiter, not the API.
        settings.api.rate_per_second = 0;
        let s = settings.clone();
        let c = cancel.clone();
        tasks.push(tokio::spawn(async move {
            chatorder_orders::worker::run(s, c).await
        }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let address: SocketAddr = listener.local_addr()?;
        let s = settings.clone();
        let c = cancel.clone();
        tasks.push(tokio::spawn(async move {
            Box::pin(chatorder_api::serve(listener, s, c)).await
        }));
        format!("http://{address}/api/v1")
    };
    let result = Box::pin(measure(&base, &args)).await;
    cancel.cancel();
    for t in tasks {
        let _ = t.await;
    }
    result
}

async fn measure(base: &str, args: &ApiArgs) -> anyhow::Result<()> {
    let clients = args.clients.max(1);
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(usize::MAX)
        .pool_idle_timeout(None)
        .tcp_nodelay(true)
        .timeout(REQUEST_TIMEOUT)
        .build()?;
    wait_ready(&http, base).await?;

    println!("chatorder bench api: {base}");
    if args.external {
        println!("  API and worker: external (already running; their own rate limit applies)");
    } else {
        println!(
            "  API and worker: in-process, scratch database chatorder_bench, on the same cores as \
             the clients and the services"
        );
        println!(
            "  api.rate_per_second = 0: the per-caller rate limit is off, as the benchmark is \
             one caller (one login)"
        );
    }

    let token = customer(&http, base).await?;
    let mut numbers = Vec::with_capacity(args.orders.max(1));
    for _ in 0..args.orders.max(1) {
        let (status, number) = place(&http, base, &token).await?;
        anyhow::ensure!(
            status == StatusCode::CREATED,
            "placing an order before the GET phase answered {status}"
        );
        numbers.push(number.context("a 201 without an order number")?);
    }
    println!("  placed {} orders to read back", numbers.len());

    let get_ok = Box::pin(get_phase(
        &http,
        base,
        &token,
        &numbers,
        clients,
        args.seconds,
    ))
    .await?;
    let post_ok = if args.post_rate > 0 && args.post_seconds > 0 {
        Box::pin(post_phase(
            &http,
            base,
            &token,
            args.post_rate,
            args.post_seconds,
        ))
        .await?
    } else {
        true
    };
    println!(
        "  targets: GET {}, POST {}",
        if get_ok { "met" } else { "NOT met" },
        if post_ok { "met" } else { "NOT met" }
    );
    Ok(())
}

/// Waits until the API answers and the workers serve its queries.
async fn wait_ready(http: &reqwest::Client, base: &str) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let catalog = http.get(format!("{base}/catalog")).send().await;
        if matches!(&catalog, Ok(r) if r.status() == StatusCode::OK) {
            return Ok(());
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "the API at {base} did not serve the catalog within 60 s (last: {})",
            match catalog {
                Ok(r) => r.status().to_string(),
                Err(e) => e.to_string(),
            }
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Registers a new customer account and logs in; the bearer token.
async fn customer(http: &reqwest::Client, base: &str) -> anyhow::Result<String> {
    let email = format!("bench-{}@example.com", Uuid::now_v7().simple());
    let password = "bench password, long enough";
    let registered = http
        .post(format!("{base}/auth/register"))
        .header("idempotency-key", Uuid::new_v4().to_string())
        .json(&json!({"email": email, "password": password, "name": "Bench customer"}))
        .send()
        .await?;
    anyhow::ensure!(
        registered.status() == StatusCode::CREATED,
        "register answered {}: {}",
        registered.status(),
        registered.text().await.unwrap_or_default()
    );
    let login = http
        .post(format!("{base}/auth/login"))
        .json(&json!({"email": email, "password": password}))
        .send()
        .await?;
    anyhow::ensure!(
        login.status() == StatusCode::OK,
        "login answered {}",
        login.status()
    );
    let body: Value = login.json().await?;
    body["token"]
        .as_str()
        .map(str::to_owned)
        .context("the login answer holds no token")
}

/// Places one order with a new Idempotency-Key: the status, and the order's
/// number when it is a 201.
async fn place(
    http: &reqwest::Client,
    base: &str,
    token: &str,
) -> anyhow::Result<(StatusCode, Option<u64>)> {
    let answer = http
        .post(format!("{base}/orders"))
        .bearer_auth(token)
        .header("idempotency-key", Uuid::new_v4().to_string())
        .json(&json!({
            "lines": [{"sku": "hawaiian_m", "quantity": 1}],
            "fulfilment": {"type": "pickup"},
        }))
        .send()
        .await?;
    let status = answer.status();
    if status != StatusCode::CREATED {
        return Ok((status, None));
    }
    let body: Value = answer.json().await?;
    Ok((status, body["number"].as_u64()))
}

#[derive(Default)]
struct GetSamples {
    /// Latencies (ms) of the 200s, per endpoint: [order, catalog].
    ok_ms: [Vec<f64>; 2],
    /// Other answers or failed requests, per endpoint.
    errors: [usize; 2],
    first_error: Option<String>,
}

const ENDPOINTS: [&str; 2] = ["GET /orders/{number}", "GET /catalog"];

async fn get_phase(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    numbers: &[u64],
    clients: usize,
    seconds: u64,
) -> anyhow::Result<bool> {
    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    let mut set = JoinSet::new();
    for c in 0..clients {
        let (http, base, token, numbers) = (
            http.clone(),
            base.to_owned(),
            token.to_owned(),
            numbers.to_vec(),
        );
        set.spawn(async move {
            let mut s = GetSamples::default();
            let mut i = c;
            while Instant::now() < until {
                let which = i % 2;
                let request = if which == 0 {
                    let n = numbers[(i / 2) % numbers.len()];
                    http.get(format!("{base}/orders/{n}")).bearer_auth(&token)
                } else {
                    http.get(format!("{base}/catalog"))
                };
                let t0 = Instant::now();
                let answer = request.send().await;
                let outcome = match answer {
                    Ok(r) => {
                        let status = r.status();
                        // The whole body is read: a client has its answer then.
                        match r.bytes().await {
                            Ok(_) if status == StatusCode::OK => Ok(()),
                            Ok(_) => Err(format!("{} answered {status}", ENDPOINTS[which])),
                            Err(e) => Err(format!("{}: {e}", ENDPOINTS[which])),
                        }
                    }
                    Err(e) => Err(format!("{}: {e}", ENDPOINTS[which])),
                };
                match outcome {
                    Ok(()) => s.ok_ms[which].push(t0.elapsed().as_secs_f64() * 1000.0),
                    Err(e) => {
                        s.errors[which] += 1;
                        s.first_error.get_or_insert(e);
                    }
                }
                i += 1;
            }
            s
        });
    }
    let mut all = GetSamples::default();
    while let Some(s) = set.join_next().await {
        let s = s.context("a GET client")?;
        for k in 0..2 {
            all.ok_ms[k].extend(&s.ok_ms[k]);
            all.errors[k] += s.errors[k];
        }
        if all.first_error.is_none() {
            all.first_error = s.first_error;
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "  GET phase: {clients} keep-alive clients for {seconds} s, alternating the two \
         endpoints; 200s only (ms from send to the whole body)"
    );
    let mut combined = Vec::new();
    for (k, name) in ENDPOINTS.iter().enumerate() {
        combined.extend(&all.ok_ms[k]);
        line(name, &mut all.ok_ms[k], all.errors[k], elapsed);
    }
    let errors = all.errors.iter().sum();
    let rate = line("GET combined", &mut combined, errors, elapsed);
    let p99 = percentile(&combined, 99.0);
    let ok = rate >= GET_RATE_TARGET && p99 <= GET_P99_TARGET && errors == 0;
    println!(
        "    target ≥ {GET_RATE_TARGET:.0}/s with p99 ≤ {GET_P99_TARGET:.0} ms: {} ({rate:.0}/s, p99 {p99:.1} ms{})",
        if ok { "met" } else { "NOT met" },
        if errors > 0 {
            format!(", {errors} errors")
        } else {
            String::new()
        }
    );
    if let Some(e) = all.first_error {
        println!("    first error: {e}");
    }
    Ok(ok)
}

/// Prints one endpoint's figures (sorting `ms`); its rate of 200s.
fn line(name: &str, ms: &mut [f64], errors: usize, elapsed: f64) -> f64 {
    ms.sort_by(f64::total_cmp);
    let rate = ms.len() as f64 / elapsed.max(1e-9);
    println!(
        "    {name:<22} {:>7} ok {rate:>7.0}/s  ms p50 {:.2} p95 {:.2} p99 {:.2} max {:.1}  errors {errors}",
        ms.len(),
        percentile(ms, 50.0),
        percentile(ms, 95.0),
        percentile(ms, 99.0),
        percentile(ms, 100.0),
    );
    rate
}

/// What became of one posted order.
struct Posted {
    /// From the scheduled send to the answer.
    ms: f64,
    /// How late the request left after its scheduled time.
    lag_ms: f64,
    status: Result<StatusCode, String>,
}

async fn post_phase(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    rate: u32,
    seconds: u64,
) -> anyhow::Result<bool> {
    let count = u64::from(rate) * seconds;
    let started = Instant::now();
    let mut set = JoinSet::new();
    for i in 0..count {
        let due = started + Duration::from_secs_f64(i as f64 / f64::from(rate));
        tokio::time::sleep_until(due.into()).await;
        let (http, base, token) = (http.clone(), base.to_owned(), token.to_owned());
        // Each order its own task: a slow answer does not hold back the next.
        set.spawn(async move {
            let lag_ms = due.elapsed().as_secs_f64() * 1000.0;
            let status = place(&http, &base, &token)
                .await
                .map(|(s, _)| s)
                .map_err(|e| format!("{e:#}"));
            Posted {
                ms: due.elapsed().as_secs_f64() * 1000.0,
                lag_ms,
                status,
            }
        });
    }
    let offered = started.elapsed().as_secs_f64();
    let mut created = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
    let mut lags = Vec::with_capacity(created.capacity());
    let (mut accepted, mut errors) = (0usize, 0usize);
    let mut first_error = None;
    while let Some(p) = set.join_next().await {
        let p = p.context("a POST task")?;
        lags.push(p.lag_ms);
        match p.status {
            Ok(StatusCode::CREATED) => created.push(p.ms),
            Ok(StatusCode::ACCEPTED) => accepted += 1,
            Ok(other) => {
                errors += 1;
                first_error.get_or_insert(format!("answered {other}"));
            }
            Err(e) => {
                errors += 1;
                first_error.get_or_insert(e);
            }
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    lags.sort_by(f64::total_cmp);
    println!(
        "  POST phase: {count} orders offered at {rate}/s over {offered:.1} s (open loop: one \
         task per order on a ticker); ms from the scheduled send to the 201"
    );
    let achieved = line(
        "POST /orders (201)",
        &mut created,
        errors + accepted,
        elapsed,
    );
    println!(
        "    202 (still processing after api.command_wait_ms) {accepted}, errors {errors}; \
         send lag behind the ticker p99 {:.2} ms max {:.1}",
        percentile(&lags, 99.0),
        percentile(&lags, 100.0)
    );
    let p99 = percentile(&created, 99.0);
    let ok = p99 <= POST_P99_TARGET && accepted == 0 && errors == 0;
    println!(
        "    target p99 ≤ {POST_P99_TARGET:.0} ms at a steady {rate}/s: {} (achieved {achieved:.0} 201s/s, p99 {p99:.1} ms)",
        if ok { "met" } else { "NOT met" }
    );
    if let Some(e) = first_error {
        println!("    first error: {e}");
    }
    Ok(ok)
}
