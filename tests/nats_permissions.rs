//! The NATS permissions of `config/nats-permissions.conf`, on a real
//! nats-server of our own (own port and data directory; the machine's NATS is
//! untouched): the customer bot cannot publish owners' commands or queries,
//! the owner bot cannot publish customers', nobody unnamed gets in, and no
//! component can delete a stream. This is what makes the role a command's
//! subject grants trustworthy (docs/security.md).

#![allow(clippy::unwrap_used)]

use std::future::IntoFuture as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chatorder_shared::config::NatsSettings;
use futures::StreamExt as _;

struct Server {
    child: Child,
    dir: PathBuf,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

const PASSWORDS: [(&str, &str, &str); 5] = [
    ("NATS_ORDER_WORKER_PASSWORD", "order-worker", "pw-orders"),
    ("NATS_TELEGRAM_PASSWORD", "telegram-bot", "pw-telegram"),
    ("NATS_DISCORD_PASSWORD", "discord-bot", "pw-discord"),
    ("NATS_DEMAND_PASSWORD", "demand-worker", "pw-demand"),
    ("NATS_API_PASSWORD", "api", "pw-api"),
];

/// The nats-server the project runs (scripts/services.sh installs it).
fn nats_server() -> PathBuf {
    chatorder_kit::servers::nats_server_bin()
        .expect("nats-server is installed (scripts/services.sh installs it)")
}

fn start_server() -> Server {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::temp_dir().join(format!("chatorder-nats-perm-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(dir.join("js")).unwrap();
    std::fs::copy(
        root.join("config/nats-permissions.conf"),
        dir.join("nats-permissions.conf"),
    )
    .unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    std::fs::write(
        dir.join("nats.conf"),
        format!(
            "listen: 127.0.0.1:{port}\njetstream {{\n  store_dir: \"{}\"\n  sync_interval: always\n}}\ninclude ./nats-permissions.conf\n",
            dir.join("js").display()
        ),
    )
    .unwrap();
    let mut cmd = Command::new(nats_server());
    cmd.arg("-c")
        .arg(dir.join("nats.conf"))
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (var, _, pw) in PASSWORDS {
        cmd.env(var, pw);
    }
    let child = cmd.spawn().expect("nats-server starts");
    let server = Server { child, dir, port };
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "our nats-server did not listen");
        std::thread::sleep(Duration::from_millis(20));
    }
    server
}

fn nats_settings(url: String) -> NatsSettings {
    NatsSettings {
        url,
        prefix: String::new(),
        credentials_file: None,
        events_max_age_days: 1,
        stream_replicas: 1,
        atomic_batch_from: chatorder_bus::batch::BATCH_FROM,
    }
}

/// Connects as `user` the way a component does: credentials in nats.url.
async fn connect(server: &Server, user: &str) -> async_nats::Client {
    let pw = PASSWORDS.iter().find(|p| p.1 == user).unwrap().2;
    let settings = nats_settings(format!("nats://{user}:{pw}@127.0.0.1:{}", server.port));
    chatorder_bus::connect(&settings, user)
        .await
        .unwrap_or_else(|e| panic!("{user} connects: {e:#}"))
}

/// Everything that reaches `sub` until a marker published by `from`
/// arrives (so no "did it arrive?" guesswork with sleeps). Core NATS
/// delivers at most once: a marker lost in transit (seen twice under a
/// fully loaded CI machine, not explained) is published again, each second
/// for ten seconds. Every call's marker is its own, so a late copy of an
/// earlier one is skipped, never taken for this one.
async fn drain(
    sub: &mut async_nats::Subscriber,
    marker_from: &async_nats::Client,
    marker_subject: &str,
) -> Vec<String> {
    let marker = format!("marker {}", uuid::Uuid::new_v4());
    let mut got = Vec::new();
    for _ in 0..10 {
        marker_from
            .publish(marker_subject.to_owned(), marker.clone().into())
            .await
            .unwrap();
        marker_from.flush().await.unwrap();
        while let Ok(msg) = tokio::time::timeout(Duration::from_secs(1), sub.next()).await {
            let msg = msg.expect("subscription open");
            if msg.payload.as_ref() == marker.as_bytes() {
                return got;
            }
            if !msg.payload.starts_with(b"marker ") {
                got.push(msg.subject.to_string());
            }
        }
    }
    panic!("the marker never arrived on {marker_subject}");
}

/// Waits until `client` is heard on `subject` (its connection is up and
/// authorised), then empties `sub` of the warm-up messages.
async fn warm_up(sub: &mut async_nats::Subscriber, client: &async_nats::Client, subject: &str) {
    for _ in 0..40 {
        client
            .publish(subject.to_owned(), "warm".into())
            .await
            .unwrap();
        client.flush().await.unwrap();
        if let Ok(Some(_)) = tokio::time::timeout(Duration::from_millis(250), sub.next()).await {
            while let Ok(Some(_)) =
                tokio::time::timeout(Duration::from_millis(100), sub.next()).await
            {}
            return;
        }
    }
    panic!("{subject} never arrived from a permitted client");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_owner_bot_publishes_owner_commands_and_queries() {
    let server = start_server();
    let worker = connect(&server, "order-worker").await;
    let telegram = connect(&server, "telegram-bot").await;
    let discord = connect(&server, "discord-bot").await;
    let mut commands = worker.subscribe("orders.cmd.>").await.unwrap();
    let mut queries = worker.subscribe("orders.query.>").await.unwrap();
    worker.flush().await.unwrap();
    warm_up(&mut commands, &telegram, "orders.cmd.customer.register").await;
    warm_up(&mut commands, &discord, "orders.cmd.owner.catalog").await;

    // The customer bot: its own subjects arrive, the owners' never do.
    for subject in [
        "orders.cmd.customer.place",
        "orders.cmd.owner.status",
        "orders.cmd.owner.catalog",
        "orders.cmd.customer.cancel",
    ] {
        telegram
            .publish(subject.to_owned(), "{}".into())
            .await
            .unwrap();
    }
    telegram.flush().await.unwrap();
    let got = drain(&mut commands, &telegram, "orders.cmd.customer.register").await;
    assert_eq!(
        got,
        ["orders.cmd.customer.place", "orders.cmd.customer.cancel"]
    );

    // The owner bot: the other way round.
    for subject in ["orders.cmd.customer.place", "orders.cmd.owner.status"] {
        discord
            .publish(subject.to_owned(), "{}".into())
            .await
            .unwrap();
    }
    let got = drain(&mut commands, &discord, "orders.cmd.owner.catalog").await;
    assert_eq!(got, ["orders.cmd.owner.status"]);

    // Queries: owners' queries only from the owner bot.
    for subject in [
        "orders.query.owner.get",
        "orders.query.owner.pending",
        "orders.query.get",
    ] {
        telegram
            .publish(subject.to_owned(), "{}".into())
            .await
            .unwrap();
    }
    let got = drain(&mut queries, &telegram, "orders.query.customer").await;
    assert_eq!(got, ["orders.query.get"]);
    discord
        .publish("orders.query.get".to_owned(), "{}".into())
        .await
        .unwrap();
    let got = drain(&mut queries, &discord, "orders.query.owner.pending").await;
    assert!(got.is_empty(), "{got:?}");

    // The customer bot cannot listen in on commands either.
    let mut snoop = telegram.subscribe("orders.cmd.>").await.unwrap();
    telegram.flush().await.unwrap();
    discord
        .publish("orders.cmd.owner.status".to_owned(), "secret".into())
        .await
        .unwrap();
    discord.flush().await.unwrap();
    let snooped = tokio::time::timeout(Duration::from_millis(500), snoop.next()).await;
    assert!(
        matches!(snooped, Err(_) | Ok(None)),
        "the customer bot must not receive commands: {snooped:?}"
    );

    // The HTTP API acts for owner keys, web owners and logged-in customers:
    // both roles' commands arrive; it never forges an order event.
    let api = connect(&server, "api").await;
    drain(&mut commands, &discord, "orders.cmd.owner.catalog").await;
    warm_up(&mut commands, &api, "orders.cmd.owner.message").await;
    for subject in ["orders.cmd.customer.place", "orders.cmd.owner.status"] {
        api.publish(subject.to_owned(), "{}".into()).await.unwrap();
    }
    api.flush().await.unwrap();
    // The permitted ones arrive (waited for, not raced against a marker
    // from another connection).
    let mut arrived = Vec::new();
    for _ in 0..2 {
        let msg = tokio::time::timeout(Duration::from_secs(10), commands.next())
            .await
            .expect("the API's commands arrive")
            .expect("subscription open");
        arrived.push(msg.subject.to_string());
    }
    arrived.sort();
    assert_eq!(
        arrived,
        ["orders.cmd.customer.place", "orders.cmd.owner.status"]
    );
    let mut events = discord.subscribe("orders.evt.>").await.unwrap();
    discord.flush().await.unwrap();
    api.publish("orders.evt.placed".to_owned(), "forged".into())
        .await
        .unwrap();
    api.flush().await.unwrap();
    let forged = drain(&mut events, &worker, "orders.evt.marker").await;
    assert!(forged.is_empty(), "the API published an event: {forged:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strangers_are_refused_and_nobody_deletes_a_stream() {
    let server = start_server();
    // No user, a wrong password, an unknown user.
    for url in [
        format!("nats://127.0.0.1:{}", server.port),
        format!("nats://telegram-bot:wrong@127.0.0.1:{}", server.port),
        format!("nats://mallory:pw@127.0.0.1:{}", server.port),
    ] {
        let r = async_nats::ConnectOptions::new()
            .max_reconnects(Some(1))
            .connection_timeout(Duration::from_secs(2))
            .connect(&url);
        let r = tokio::time::timeout(Duration::from_secs(3), async {
            let c = Box::pin(r).await?;
            c.flush().await.map_err(std::io::Error::other)?;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(c)
        })
        .await;
        assert!(
            !matches!(r, Ok(Ok(_))),
            "{url} must not get a working connection"
        );
    }

    // The order worker sets up the streams; nobody may delete or purge them.
    let worker = connect(&server, "order-worker").await;
    let js = async_nats::jetstream::new(worker);
    let subjects = chatorder_shared::subjects::Subjects::new("").unwrap();
    chatorder_bus::ensure_streams(&js, &subjects, &nats_settings(String::new()))
        .await
        .expect("the order worker creates the streams");
    for user in [
        "order-worker",
        "telegram-bot",
        "discord-bot",
        "demand-worker",
        "api",
    ] {
        let js = async_nats::jetstream::new(connect(&server, user).await);
        assert!(
            tokio::time::timeout(
                Duration::from_secs(2),
                js.delete_stream(subjects.commands_stream())
            )
            .await
            .map_or(true, |r| r.is_err()),
            "{user} must not delete the command stream"
        );
    }
    let js = async_nats::jetstream::new(connect(&server, "order-worker").await);
    assert!(
        js.get_stream(subjects.commands_stream()).await.is_ok(),
        "the command stream is still there"
    );

    // The order worker purges the commands it has acknowledged, and may
    // purge no other stream; nobody else may purge the commands.
    let purge = |js: async_nats::jetstream::Context, name: String| async move {
        let stream = js.get_stream(&name).await.expect("the stream");
        tokio::time::timeout(
            Duration::from_secs(2),
            stream.purge().sequence(1).into_future(),
        )
        .await
        .is_ok_and(|r| r.is_ok())
    };
    assert!(
        purge(js.clone(), subjects.commands_stream()).await,
        "the order worker purges the command stream"
    );
    for name in [
        subjects.events_stream(),
        subjects.owners_stream(),
        subjects.dead_letter_stream(),
    ] {
        assert!(
            !purge(js.clone(), name.clone()).await,
            "the order worker must not purge {name}"
        );
    }
    for user in ["telegram-bot", "discord-bot", "demand-worker", "api"] {
        let js = async_nats::jetstream::new(connect(&server, user).await);
        assert!(
            !purge(js, subjects.commands_stream()).await,
            "{user} must not purge the command stream"
        );
    }
}

/// The Telegram bot keeps its notification receipts and says it is alive
/// under its own user (a bucket its permissions forgot would leave other
/// bot processes taking its sends under way for ones cut short).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_telegram_bot_keeps_receipts_and_says_it_is_alive() {
    use chatorder_telegram::receipts::{ALIVE_SUFFIX, BUCKET, Delivery, Receipts};
    use futures::TryStreamExt as _;
    let server = start_server();
    let js = async_nats::jetstream::new(connect(&server, "telegram-bot").await);
    let receipts = Receipts::open(&js, BUCKET.into(), 1)
        .await
        .expect("the Telegram bot opens its receipts");
    assert_eq!(receipts.begin("e1", 7, "Hello").await, Delivery::New);
    receipts.delivered("e1").await;
    assert_eq!(receipts.unwritten(), 0, "the final receipt was written");
    let alive = js
        .get_key_value(format!("{BUCKET}{ALIVE_SUFFIX}"))
        .await
        .unwrap();
    let bots: Vec<String> = alive.keys().await.unwrap().try_collect().await.unwrap();
    assert_eq!(bots.len(), 1, "the bot said it is alive: {bots:?}");
}

/// Customers' sessions live in the bot's own bucket: the bot's user may
/// write and read them (without the grant a save would wait for NATS and
/// fail, and every customer would start over at each update).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_telegram_bot_keeps_customers_sessions() {
    use chatorder_telegram::conversation::Session;
    use chatorder_telegram::store::{BUCKET, Store};
    let server = start_server();
    let js = async_nats::jetstream::new(connect(&server, "telegram-bot").await);
    let store = Store::open(
        &js,
        BUCKET.into(),
        1,
        Duration::from_secs(3600),
        "redis://127.0.0.1:1/0",
        "",
    )
    .await
    .expect("the Telegram bot opens its sessions")
    .with_patience(Duration::from_secs(3));
    let mut session = Session::default();
    assert!(session.take_update(7));
    store
        .save(42, &session)
        .await
        .expect("the bot saves a session");
    let mut read = store.load(42).await.expect("the bot reads a session");
    assert!(!read.take_update(7), "the saved session is read back");
}
