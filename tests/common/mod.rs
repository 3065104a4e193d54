//! Test harness: every test gets its own MySQL database, NATS subject/stream
//! prefix and Redis key prefix, so tests run in parallel against the real
//! services and never see each other's data. Nothing sleeps to wait: tests
//! await the event they expect, or wait until the command queue and outbox
//! are drained, each with a timeout.

#![allow(dead_code, clippy::unwrap_used)]

pub mod api;
pub mod bots;
pub mod browser;
pub mod contract;

use std::path::Path;
use std::time::{Duration, Instant};

use async_nats::jetstream::{self, message::PublishMessage};
use chatorder_orders::consumer::DURABLE;
use chatorder_shared::commands::{LineRequest, PlaceOrder};
use chatorder_shared::config::Settings;
use chatorder_shared::domain::{Actor, Fulfilment, OrderNumber, Platform, Role, Sku};
use chatorder_shared::envelope::Envelope;
use chatorder_shared::events::{Event, OrderSnapshot, decode_event};
use chatorder_shared::queries::{QueryRefusal, QueryReply};
use chatorder_shared::subjects::{CommandKind, QueryKind, Subjects};
use diesel_async::RunQueryDsl as _;
use futures::StreamExt as _;
use secrecy::ExposeSecret as _;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

pub const OWNER_ID: &str = "900100";
pub const TIMEOUT: Duration = Duration::from_secs(30);

pub struct TestEnv {
    pub settings: Settings,
    pub subjects: Subjects,
    pub client: async_nats::Client,
    pub js: jetstream::Context,
    db_name: String,
    server_url: String,
    workers: Vec<Worker>,
}

pub struct Worker {
    pub cancel: CancellationToken,
    pub handle: JoinHandle<anyhow::Result<()>>,
}

impl Worker {
    /// Stops the worker as SIGTERM would, and returns its result.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.cancel.cancel();
        tokio::time::timeout(TIMEOUT, self.handle)
            .await
            .expect("worker stops in time")
            .expect("worker task did not panic")
    }
}

impl TestEnv {
    pub async fn new() -> Self {
        Self::with(|_| {}).await
    }

    /// A fresh environment with settings adjusted by `tweak`.
    pub async fn with(tweak: impl FnOnce(&mut Settings)) -> Self {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("config");
        let mut settings = Settings::load_from(&dir).expect("config/default.toml loads");
        let tag = Uuid::new_v4().simple().to_string()[..12].to_owned();
        let url = settings.database.url.expose_secret().to_owned();
        let server_url = url.rsplit_once('/').map(|(b, _)| b.to_owned()).unwrap();
        let db_name = format!("chatorder_test_{tag}");
        settings.database.url = format!("{server_url}/{db_name}").into();
        settings.database.pool_size = 4;
        settings.database.migrate_on_start = false;
        settings.nats.prefix = format!("t{tag}");
        settings.redis.prefix = format!("chatorder-test:{tag}:");
        settings.metrics.listen = String::new();
        settings.discord.owner_user_ids = vec![OWNER_ID.to_owned()];
        settings.worker.ack_wait_seconds = 2;
        settings.worker.retry_delay_ms = 100;
        settings.worker.outbox_poll_ms = 100;
        settings.worker.outbox_grace_ms = 300;
        // Tests place orders at any hour; those about hours set their own.
        settings.shop.always_open = true;
        tweak(&mut settings);
        chatorder_shared::telemetry::init_tracing(&settings.log);

        chatorder_db::pool::migrate(&settings.database.url)
            .await
            .expect("migrations apply");
        let mut conn = chatorder_db::pool::connect(&settings.database.url)
            .await
            .unwrap();
        chatorder_db::catalog::seed_if_empty(
            &mut conn,
            &settings.catalog.seed_file,
            settings.shop.currency,
        )
        .await
        .expect("catalog seeds");
        let subjects = settings.subjects();
        let client = async_nats::connect(&settings.nats.url)
            .await
            .expect("NATS is up");
        let js = jetstream::new(client.clone());
        chatorder_bus::ensure_streams(&js, &subjects, &settings.nats)
            .await
            .expect("streams");
        Self {
            settings,
            subjects,
            client,
            js,
            db_name,
            server_url,
            workers: Vec::new(),
        }
    }

    /// Starts an order-worker replica in this process.
    pub fn spawn_worker(&mut self) {
        let w = self.start_worker(self.settings.clone());
        self.workers.push(w);
    }

    /// Waits until some worker answers queries (a condition, polled). A
    /// worker starts with the schema of a fresh database, which can take a
    /// while when every core is busy with other tests: two minutes.
    pub async fn wait_queries_served(&self) {
        let deadline = Instant::now() + 4 * TIMEOUT;
        let subject = self.subjects.query(QueryKind::Catalog);
        while self
            .client
            .request(subject.clone(), "{}".into())
            .await
            .is_err()
        {
            assert!(
                !self.workers.iter().any(|w| w.handle.is_finished()),
                "an order worker stopped before it answered (its error is above)"
            );
            assert!(Instant::now() < deadline, "no worker answers queries");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits until the Telegram bot's durable event consumer exists, so no
    /// notification of an order placed from now on is missed.
    pub async fn wait_telegram_listening(&self) {
        self.wait_events_consumer(chatorder_telegram::notify::DURABLE, "the Telegram bot")
            .await;
    }

    /// Waits until the Discord board's durable event consumer exists: it
    /// starts with new events, so an order placed before would never get
    /// its card.
    pub async fn wait_discord_listening(&self) {
        self.wait_events_consumer(
            chatorder_discord::feeds::EVENTS_DURABLE,
            "the Discord board",
        )
        .await;
    }

    async fn wait_events_consumer(&self, durable: &str, who: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        let stream = self
            .js
            .get_stream(self.subjects.events_stream())
            .await
            .unwrap();
        while stream
            .get_consumer::<jetstream::consumer::pull::Config>(durable)
            .await
            .is_err()
        {
            assert!(Instant::now() < deadline, "{who} never listened");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Starts a replica the test controls itself.
    pub fn start_worker(&self, settings: Settings) -> Worker {
        let cancel = CancellationToken::new();
        let c = cancel.clone();
        let handle = tokio::spawn(async move {
            let ended = chatorder_orders::worker::run(settings, c).await;
            if let Err(e) = &ended {
                eprintln!("the order worker stopped: {e:#}");
            }
            ended
        });
        Worker { cancel, handle }
    }

    /// Does what a worker killed right after its commit did: takes the next
    /// command from the workers' durable consumer, applies and commits it
    /// (effect, processed row and outbox events together), then dies before
    /// publishing or acknowledging anything. The command stays in flight
    /// and comes back after `ack_wait`.
    pub async fn commit_then_die(&self) {
        let (msg, cmd) = self.take_command().await;
        self.apply_directly(cmd, &[])
            .await
            .expect("the command applies");
        // Dropped unacknowledged, as by SIGKILL.
        drop(msg);
    }

    /// Takes the next command from the workers' durable consumer, as a
    /// worker does, and leaves it unacknowledged.
    pub async fn take_command(
        &self,
    ) -> (
        jetstream::Message,
        chatorder_shared::commands::IncomingCommand,
    ) {
        let consumer =
            chatorder_orders::consumer::ensure_consumer(&self.js, &self.subjects, &self.settings)
                .await
                .expect("the workers' consumer");
        let mut messages = consumer
            .fetch()
            .max_messages(1)
            .expires(TIMEOUT)
            .messages()
            .await
            .expect("fetching a command");
        let msg = messages
            .next()
            .await
            .expect("a command arrives")
            .expect("a command arrives whole");
        let cmd =
            chatorder_shared::commands::decode_command(&self.subjects, &msg.subject, &msg.payload)
                .expect("the command decodes");
        (msg, cmd)
    }

    /// Applies `cmd` in one transaction, as a worker applies a batch alone,
    /// removing the outbox rows of the events in `tidy` in it.
    pub async fn apply_directly(
        &self,
        cmd: chatorder_shared::commands::IncomingCommand,
        tidy: &[String],
    ) -> anyhow::Result<chatorder_orders::apply::Applied> {
        let mut conn = self.db().await;
        chatorder_orders::apply::apply_batch(
            &mut conn,
            &[cmd],
            &self.settings,
            &self.subjects,
            &Default::default(),
            chatorder_orders::apply::How {
                numbers: chatorder_orders::apply::NumberSource::InTransaction,
                dedupe: chatorder_orders::apply::Dedupe::Read,
                tidy,
            },
        )
        .await
    }

    pub async fn db(&self) -> chatorder_db::pool::Conn {
        chatorder_db::pool::connect(&self.settings.database.url)
            .await
            .unwrap()
    }

    /// Publishes a command envelope on its subject (with `Nats-Msg-Id` only
    /// if `dedup` is set), waiting for JetStream to store it.
    pub async fn send<T: Serialize>(
        &self,
        role: Role,
        kind: CommandKind,
        env: &Envelope<T>,
        dedup: bool,
    ) {
        let mut msg = PublishMessage::build().payload(env.to_json().into());
        if dedup {
            msg = msg.message_id(env.id.to_string());
        }
        self.js
            .send_publish(self.subjects.command(role, kind), msg)
            .await
            .unwrap()
            .await
            .expect("JetStream stores the command");
    }

    pub async fn send_raw(&self, subject: &str, payload: Vec<u8>) {
        self.js
            .send_publish(
                subject.to_owned(),
                PublishMessage::build().payload(payload.into()),
            )
            .await
            .unwrap()
            .await
            .expect("JetStream stores the message");
    }

    /// Places an order as `customer`; returns the command (= order) id.
    pub async fn place(&self, customer: &Actor, lines: &[(&str, u32)]) -> Uuid {
        let env = Envelope::new("order.place", customer.clone(), place_cmd(lines));
        self.send(Role::Customer, CommandKind::Place, &env, true)
            .await;
        env.id
    }

    /// Sends an owner's status change; returns the command id.
    pub async fn set_status(
        &self,
        number: OrderNumber,
        status: chatorder_shared::domain::OrderStatus,
    ) -> Uuid {
        let cmd = Envelope::new(
            "order.status",
            owner(),
            chatorder_shared::commands::SetStatus {
                number,
                status,
                reason: None,
                expected_version: None,
            },
        );
        self.send(Role::Owner, CommandKind::Status, &cmd, true)
            .await;
        cmd.id
    }

    /// Waits for the rejection of command `id`.
    pub async fn wait_rejection(&self, id: Uuid) -> chatorder_shared::events::Rejection {
        let env = self
            .wait_event(
                "command.rejected",
                |e| matches!(&e.data, Event::Rejected(r) if r.command_id == id),
            )
            .await;
        match env.data {
            Event::Rejected(r) => r,
            _ => unreachable!(),
        }
    }

    /// Every event in this test's event stream, in order.
    pub async fn events(&self) -> Vec<Envelope<Event>> {
        read_stream(&self.js, &self.subjects.events_stream())
            .await
            .into_iter()
            .map(|m| decode_event(&m.payload).expect("events decode"))
            .collect()
    }

    /// Waits until an event matching `pred` is in the stream.
    pub async fn wait_event(
        &self,
        what: &str,
        pred: impl Fn(&Envelope<Event>) -> bool,
    ) -> Envelope<Event> {
        let stream = self
            .js
            .get_stream(self.subjects.events_stream())
            .await
            .unwrap();
        let consumer = stream
            .create_consumer(jetstream::consumer::pull::OrderedConfig {
                filter_subject: self.subjects.events_wildcard(),
                ..Default::default()
            })
            .await
            .unwrap();
        let mut messages = consumer.messages().await.unwrap();
        let found = tokio::time::timeout(TIMEOUT, async {
            while let Some(Ok(msg)) = messages.next().await {
                let env = decode_event(&msg.payload).expect("events decode");
                if pred(&env) {
                    return env;
                }
            }
            panic!("event stream ended while waiting for {what}");
        })
        .await;
        found.unwrap_or_else(|_| panic!("timed out waiting for {what}"))
    }

    /// Waits for the `placed` event of the order created by command `id`.
    pub async fn wait_placed(&self, id: Uuid) -> OrderSnapshot {
        let env = self
            .wait_event(
                "order.placed",
                |e| matches!(&e.data, Event::Placed { order } if order.id == id),
            )
            .await;
        match env.data {
            Event::Placed { order } => order,
            _ => unreachable!(),
        }
    }

    /// Waits until every command was handled and every event published:
    /// nothing pending or unacknowledged on the worker consumer, and an
    /// empty outbox.
    /// Waits until `sql` (a `SELECT COUNT(*) AS n …`) counts `n`: for what
    /// a bot does after it has answered (its command may still be on the
    /// way when the answer arrives).
    pub async fn wait_count(&self, sql: &str, n: i64) {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let now = self.count(sql).await;
            if now == n {
                return;
            }
            assert!(Instant::now() < deadline, "{sql} counts {now}, not {n}");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    pub async fn settle(&self) {
        let deadline = Instant::now() + TIMEOUT;
        let stream = self
            .js
            .get_stream(self.subjects.commands_stream())
            .await
            .unwrap();
        loop {
            let mut consumer: jetstream::consumer::PullConsumer =
                stream.get_consumer(DURABLE).await.unwrap();
            let info = consumer.info().await.unwrap();
            let queue_empty = info.num_pending == 0 && info.num_ack_pending == 0;
            let outbox = self.count("SELECT COUNT(*) AS n FROM outbox").await;
            if queue_empty && outbox == 0 {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "did not settle: {} pending, {} unacked, outbox {outbox}",
                info.num_pending,
                info.num_ack_pending
            );
            // Polling a condition, not waiting blind.
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Runs one SQL statement in the test's database.
    pub async fn exec(&self, sql: &str) {
        let mut conn = self.db().await;
        diesel::sql_query(sql).execute(&mut conn).await.unwrap();
    }

    pub async fn count(&self, sql: &str) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = self.db().await;
        diesel::sql_query(sql)
            .get_result::<N>(&mut conn)
            .await
            .unwrap()
            .n
    }

    /// Sends a query and decodes the reply.
    pub async fn query<Q: Serialize, T: DeserializeOwned>(
        &self,
        kind: QueryKind,
        q: &Q,
    ) -> Result<T, QueryRefusal> {
        // Owners ask on the owners' subjects, as the owner bot does.
        let as_owner = serde_json::to_value(q).unwrap()["actor"]["role"] == "owner";
        let subject = if as_owner {
            self.subjects.owner_query(kind)
        } else {
            self.subjects.query(kind)
        };
        let reply = tokio::time::timeout(
            TIMEOUT,
            self.client
                .request(subject, serde_json::to_vec(q).unwrap().into()),
        )
        .await
        .expect("query answered in time")
        .expect("query request");
        serde_json::from_slice::<QueryReply<T>>(&reply.payload)
            .unwrap_or_else(|e| {
                panic!("bad reply {e}: {}", String::from_utf8_lossy(&reply.payload))
            })
            .into_result()
    }

    /// `orders.query.get` as `actor` would ask it.
    pub async fn get_order(
        &self,
        actor: Actor,
        number: OrderNumber,
    ) -> Result<OrderSnapshot, QueryRefusal> {
        self.query(
            QueryKind::Get,
            &chatorder_shared::queries::GetOrder { actor, number },
        )
        .await
    }

    /// Stops all replicas started with `spawn_worker`.
    pub async fn stop_workers(&mut self) {
        for w in self.workers.drain(..) {
            w.stop().await.expect("worker stops cleanly");
        }
    }
}

impl Drop for TestEnv {
    fn drop(&mut self) {
        for w in &self.workers {
            w.cancel.cancel();
        }
        // Drop the database and streams on a thread of its own: Drop can't await.
        let server = self.server_url.clone();
        let db = self.db_name.clone();
        let nats = self.settings.nats.url.clone();
        let streams = [
            self.subjects.commands_stream(),
            self.subjects.events_stream(),
            self.subjects.owners_stream(),
            self.subjects.dead_letter_stream(),
            // The Discord bot's key-value buckets.
            format!("KV_{}", self.subjects.stream("DISCORD_BOARD")),
            format!("KV_{}", self.subjects.stream("DISCORD_SEEN")),
            // The Telegram bot's notification receipts and inbox.
            format!(
                "KV_{}",
                self.subjects.stream(chatorder_telegram::receipts::BUCKET)
            ),
            format!(
                "KV_{}",
                self.subjects.stream(chatorder_telegram::inbox::BUCKET)
            ),
        ];
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                if let Ok(mut conn) =
                    chatorder_db::pool::connect(&format!("{server}/").into()).await
                {
                    let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS `{db}`"))
                        .execute(&mut conn)
                        .await;
                }
                if let Ok(client) = async_nats::connect(&nats).await {
                    let js = jetstream::new(client);
                    for s in streams {
                        let _ = js.delete_stream(&s).await;
                    }
                }
            });
        })
        .join();
    }
}

pub async fn read_stream(
    js: &jetstream::Context,
    name: &str,
) -> Vec<jetstream::message::StreamMessage> {
    let mut stream = js.get_stream(name).await.unwrap();
    let state = stream.info().await.unwrap().state.clone();
    let mut out = Vec::new();
    if state.messages == 0 {
        return out;
    }
    for seq in state.first_sequence..=state.last_sequence {
        if let Ok(m) = stream.get_raw_message(seq).await {
            out.push(m);
        }
    }
    out
}

pub fn customer(id: &str) -> Actor {
    Actor {
        role: Role::Customer,
        platform: Platform::Telegram,
        id: id.into(),
        name: Some(format!("Customer {id}")),
        roles: vec![],
    }
}

pub fn owner() -> Actor {
    Actor {
        role: Role::Owner,
        platform: Platform::Discord,
        id: OWNER_ID.into(),
        name: Some("Olga".into()),
        roles: vec![],
    }
}

pub fn place_cmd(lines: &[(&str, u32)]) -> PlaceOrder {
    PlaceOrder {
        lines: lines
            .iter()
            .map(|(s, q)| LineRequest {
                sku: Sku::parse(s).unwrap(),
                qty: *q,
            })
            .collect(),
        fulfilment: Fulfilment::Pickup,
        note: None,
        phone: None,
        promo: None,
        payment: None,
        scheduled_for: None,
    }
}

pub fn number_of(e: &Envelope<Event>) -> Option<OrderNumber> {
    match &e.data {
        Event::Rejected(r) => r.number,
        Event::Message(m) => Some(m.number),
        other => other.order().map(|o| o.number),
    }
}

/// Hours with nothing open today or yesterday: only 10:00-11:00 on the
/// weekday two days from now. Returns when the shop opens next.
pub fn closed_until_the_day_after_tomorrow(s: &mut Settings) -> chrono::DateTime<chrono::Utc> {
    let tz = s.shop.time_zone;
    let day = chrono::Utc::now().with_timezone(&tz).date_naive() + chrono::Days::new(2);
    let mut week: [Vec<chatorder_shared::hours::TimeRange>; 7] = Default::default();
    week[chrono::Datelike::weekday(&day).num_days_from_monday() as usize] =
        vec![chatorder_shared::hours::TimeRange::parse("10:00-11:00").unwrap()];
    s.shop.hours = Some(chatorder_shared::hours::WeeklyHours::new(week).unwrap());
    s.shop.always_open = false;
    chrono::TimeZone::from_local_datetime(&tz, &day.and_hms_opt(10, 0, 0).unwrap())
        .earliest()
        .unwrap()
        .with_timezone(&chrono::Utc)
}
