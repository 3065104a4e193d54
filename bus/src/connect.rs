//! Connecting to NATS with the deployment's credentials.

use std::time::Duration;

use anyhow::Context as _;
use chatorder_shared::config::{NatsSettings, redact_url};

/// Connects with a clear message when NATS is not there.
pub async fn connect(settings: &NatsSettings, name: &str) -> anyhow::Result<async_nats::Client> {
    let mut options = async_nats::ConnectOptions::new()
        .name(name)
        .connection_timeout(Duration::from_secs(5))
        .request_timeout(Some(Duration::from_secs(10)));
    if let Some(creds) = &settings.credentials_file {
        options = options
            .credentials_file(creds)
            .await
            .with_context(|| format!("reading NATS credentials {}", creds.display()))?;
    }
    // async-nats ignores credentials in the URL; take them from there, so
    // a deployment can give each component its NATS user in one setting
    // (docs/security.md).
    let userinfo = settings
        .url
        .split(',')
        .filter_map(|u| u.trim().parse::<async_nats::ServerAddr>().ok())
        .find(async_nats::ServerAddr::has_user_pass);
    if let Some(addr) = userinfo {
        match (addr.username(), addr.password()) {
            (Some(user), Some(pass)) => {
                options = options.user_and_password(user.to_owned(), pass.to_owned());
            }
            (Some(token), None) => options = options.token(token.to_owned()),
            _ => {}
        }
    }
    options.connect(&settings.url).await.with_context(|| {
        format!(
            "could not reach NATS at {}. Is nats-server running with JetStream (-js)? \
             Locally: scripts/services.sh starts it",
            redact_url(&settings.url)
        )
    })
}
