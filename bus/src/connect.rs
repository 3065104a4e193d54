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
    let servers = server_addrs(&settings.url)?;
    // async-nats ignores credentials in the URL; take them from there, so
    // a deployment can give each component its NATS user in one setting
    // (docs/security.md).
    let userinfo = servers.iter().find(|a| a.has_user_pass()).cloned();
    if let Some(addr) = userinfo {
        match (addr.username(), addr.password()) {
            (Some(user), Some(pass)) => {
                options = options.user_and_password(user.to_owned(), pass.to_owned());
            }
            (Some(token), None) => options = options.token(token.to_owned()),
            _ => {}
        }
    }
    options.connect(servers.as_slice()).await.with_context(|| {
        format!(
            "could not reach NATS at {}. Is nats-server running with JetStream (-js)? \
             Locally: scripts/services.sh starts it",
            redact_url(&settings.url)
        )
    })
}

/// The servers of `nats.url`: one URL, or several separated by commas (the
/// nodes of a cluster; the client fails over between them).
pub fn server_addrs(url: &str) -> anyhow::Result<Vec<async_nats::ServerAddr>> {
    let servers = url
        .split(',')
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(|u| {
            u.parse::<async_nats::ServerAddr>().with_context(|| {
                format!(
                    "nats.url: `{}` is not a NATS URL (nats://host:port, several separated by commas)",
                    redact_url(u)
                )
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    anyhow::ensure!(
        !servers.is_empty(),
        "nats.url is empty: give the NATS server, e.g. nats://127.0.0.1:4223"
    );
    Ok(servers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cluster_is_several_urls_separated_by_commas() {
        let one = server_addrs("nats://127.0.0.1:4223").unwrap_or_default();
        assert_eq!(one.len(), 1);
        let three =
            server_addrs("nats://a:4222, nats://b:4222,nats://u:p@c:4222").unwrap_or_default();
        assert_eq!(three.len(), 3);
        assert!(three[2].has_user_pass());
        let bad = server_addrs("nats://a:4222,http://[::1").map(|_| ());
        assert!(bad.is_err_and(|e| e.to_string().contains("is not a NATS URL")));
        assert!(server_addrs(" , ").is_err());
    }
}
