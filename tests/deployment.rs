//! The deployment files, checked statically (no Docker engine here): the
//! services are there, every CHATORDER__* variable names a real config key,
//! JetStream fsyncs every write, Prometheus scrapes the components and loads
//! the alert rules, and the production overlay loads.

use std::collections::BTreeSet;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// `section.key` for every key in config/default.toml.
fn config_keys() -> BTreeSet<String> {
    let defaults: toml::Table =
        toml::from_str(&read("config/default.toml")).expect("default.toml parses");
    let mut keys = BTreeSet::new();
    for (section, table) in &defaults {
        if let Some(table) = table.as_table() {
            for key in table.keys() {
                keys.insert(format!("{section}.{key}"));
            }
        }
    }
    // Optional keys documented as comments in default.toml.
    keys.extend(
        [
            "telegram.token",
            "discord.token",
            "discord.channel_id",
            "nats.credentials_file",
        ]
        .map(String::from),
    );
    keys
}

fn env_key(var: &str) -> Option<String> {
    let rest = var.strip_prefix("CHATORDER__")?;
    Some(
        rest.split("__")
            .map(str::to_ascii_lowercase)
            .collect::<Vec<_>>()
            .join("."),
    )
}

#[test]
fn compose_services_and_environment_match_the_configuration() {
    let compose: serde_yaml::Value =
        serde_yaml::from_str(&read("compose.yaml")).expect("compose.yaml parses");
    let services = compose["services"].as_mapping().expect("services");
    let names: BTreeSet<&str> = services.keys().filter_map(|k| k.as_str()).collect();
    for needed in [
        "nats",
        "mysql",
        "redis",
        "prometheus",
        "migrate",
        "orders-worker",
        "telegram-bot",
    ] {
        assert!(
            names.contains(needed),
            "compose.yaml lacks service {needed}: {names:?}"
        );
    }
    for infra in ["nats", "mysql", "redis"] {
        assert!(
            services[infra].get("healthcheck").is_some(),
            "{infra} has no health check"
        );
    }
    let keys = config_keys();
    let mut seen = 0;
    // Services share `x-chatorder` through a YAML merge key (`<<`).
    let shared_name = serde_yaml::Value::from("x-chatorder");
    let shared = compose
        .get("x-chatorder")
        .into_iter()
        .map(|s| (&shared_name, s));
    for (name, service) in services.iter().chain(shared) {
        let Some(env) = service.get("environment").and_then(|e| e.as_mapping()) else {
            continue;
        };
        for var in env.keys().filter_map(|k| k.as_str()) {
            if let Some(key) = env_key(var) {
                assert!(
                    keys.contains(&key),
                    "{name:?}: {var} names no config key ({key})"
                );
                seen += 1;
            }
        }
    }
    assert!(seen >= 4, "expected CHATORDER__ variables in compose.yaml");
    for line in read(".env.example").lines() {
        let var = line
            .trim_start_matches("# ")
            .split('=')
            .next()
            .unwrap_or_default();
        if let Some(key) = env_key(var) {
            assert!(
                keys.contains(&key),
                ".env.example: {var} names no config key ({key})"
            );
        }
    }
}

#[test]
fn jetstream_fsyncs_and_prometheus_scrapes_with_alerts() {
    let nats = read("config/nats.conf");
    assert!(
        nats.contains("sync_interval: always"),
        "JetStream must fsync every write in deployment"
    );
    let prom: serde_yaml::Value =
        serde_yaml::from_str(&read("config/prometheus.yml")).expect("prometheus.yml parses");
    let text = serde_yaml::to_string(&prom).expect("yaml");
    assert!(
        text.contains("9464"),
        "Prometheus scrapes the components' metrics port"
    );
    assert!(
        text.contains("alerts.yml"),
        "Prometheus loads the alert rules"
    );
    let alerts: serde_yaml::Value =
        serde_yaml::from_str(&read("config/alerts.yml")).expect("alerts.yml parses");
    let names: Vec<&str> = alerts["groups"][0]["rules"]
        .as_sequence()
        .expect("rules")
        .iter()
        .filter_map(|r| r["alert"].as_str())
        .collect();
    for needed in [
        "ChatorderDeadLetters",
        "ChatorderOutboxStuck",
        "ChatorderCacheDown",
        "ChatorderNoOrdersDuringOpeningHours",
        "ChatorderConsumerLagGrowing",
        "ChatorderTelegramErrors",
        "ChatorderDiscordErrors",
        "ChatorderForecastStale",
        "ChatorderHttp5xx",
        "ChatorderWebhookDeadLetters",
    ] {
        assert!(names.contains(&needed), "missing alert {needed}: {names:?}");
    }
    // Every metric an alert uses is one a component declares.
    let declared = declared_metrics();
    for rule in alerts["groups"][0]["rules"].as_sequence().expect("rules") {
        let expr = rule["expr"].as_str().unwrap_or_default();
        for word in expr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
            if let Some(metric) = word.strip_prefix("chatorder_") {
                let base = metric.trim_end_matches("_bucket");
                assert!(
                    declared.contains(&format!("\"chatorder_{base}\"")),
                    "alert uses undeclared metric chatorder_{metric}"
                );
            }
        }
    }
}

#[test]
fn the_production_overlay_only_names_real_keys() {
    let defaults = read("config/default.toml");
    let production = read("config/production.toml");
    let merged: toml::Table = {
        let mut base: toml::Table = toml::from_str(&defaults).expect("defaults");
        let over: toml::Table = toml::from_str(&production).expect("production");
        for (section, table) in over {
            let target = base
                .entry(section)
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            if let (Some(t), toml::Value::Table(o)) = (target.as_table_mut(), table) {
                t.extend(o);
            }
        }
        base
    };
    assert_eq!(
        merged["database"]["migrate_on_start"].as_bool(),
        Some(false)
    );
    assert_eq!(merged["log"]["format"].as_str(), Some("json"));
    let keys = config_keys();
    for (section, table) in toml::from_str::<toml::Table>(&production).expect("production") {
        for key in table.as_table().expect("table").keys() {
            assert!(
                keys.contains(&format!("{section}.{key}")),
                "production.toml: unknown key {section}.{key}"
            );
        }
    }
}

/// The source of every module that declares metrics.
fn declared_metrics() -> String {
    [
        "workers/orders/src/metrics.rs",
        "bots/telegram/src/metrics.rs",
        "bots/discord/src/metrics.rs",
        "workers/demand/src/metrics.rs",
        "api/src/metrics.rs",
    ]
    .iter()
    .map(|p| read(p))
    .collect()
}

#[test]
fn the_grafana_dashboard_only_charts_declared_metrics() {
    let dash: serde_json::Value =
        serde_json::from_str(&read("config/grafana/dashboards/chatorder.json"))
            .expect("dashboard is JSON");
    let panels = dash["panels"].as_array().expect("panels");
    assert!(panels.len() >= 8, "a dashboard worth opening");
    let declared = declared_metrics();
    let mut charted = 0;
    for panel in panels {
        for target in panel["targets"].as_array().expect("targets") {
            let expr = target["expr"].as_str().expect("expr");
            for word in expr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
                if let Some(metric) = word.strip_prefix("chatorder_") {
                    let base = metric.trim_end_matches("_bucket");
                    assert!(
                        declared.contains(&format!("\"chatorder_{base}\"")),
                        "panel {} charts undeclared metric chatorder_{metric}",
                        panel["title"]
                    );
                    charted += 1;
                }
            }
        }
    }
    assert!(charted >= 10);
    // The panels an operator looks for first.
    let titles: Vec<&str> = panels.iter().filter_map(|p| p["title"].as_str()).collect();
    for needed in [
        "Consumer lag",
        "Forecast accuracy",
        "Dead letters",
        "Outbox",
        "Cache hit",
    ] {
        assert!(
            titles.iter().any(|t| t.contains(needed)),
            "no `{needed}` panel in {titles:?}"
        );
    }
    let datasource = read("config/grafana/provisioning/datasources/prometheus.yml");
    assert!(
        datasource.contains("http://prometheus:9090"),
        "Grafana reads the compose Prometheus"
    );
}
