//! Helpers shared by the client's integration tests: a team server as a host runs it
//! (HTTPS with a certificate of its own), reached the way a teammate's app reaches it
//! (the certificate pinned by its fingerprint), and the engine's events.

#![allow(dead_code)] // each test file uses its own subset

use std::time::Duration;
use switchboard_client::{Api, Event, Fingerprint, Trust};
use switchboard_server::{Server, ServerConfig, ServerTls};
use tokio::sync::broadcast;

#[path = "../../../../tests/support/serve.rs"]
mod serve;
pub use serve::{PASSWORD, serve};

/// A team server on 127.0.0.1 serving HTTPS with its own certificate, holding accounts
/// `names` (password [`PASSWORD`]).
pub struct Host {
    pub server: Server,
    pub config: ServerConfig,
    pub fingerprint: Fingerprint,
    _dir: tempfile::TempDir,
}

impl Host {
    pub async fn start(names: &[&str]) -> Host {
        Host::start_with(names, |_| {}).await
    }

    /// `tune` changes the configuration before the server starts.
    pub async fn start_with(names: &[&str], tune: impl FnOnce(&mut ServerConfig)) -> Host {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut config = own_tls(&dir);
        tune(&mut config);
        let server = serve(config.clone(), names).await;
        let fingerprint = server.fingerprint().expect("serving https");
        Host {
            server,
            config,
            fingerprint,
            _dir: dir,
        }
    }

    /// `https://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        let url = self.server.url();
        assert!(url.starts_with("https://"), "{url}");
        url
    }

    /// A client that pins this server's certificate, not signed in.
    pub fn api(&self) -> Api {
        pinned(&self.url(), self.fingerprint)
    }

    /// A client that pins this server's certificate, signed in as `name`.
    pub async fn signed_in(&self, name: &str) -> Api {
        signed_in(&self.url(), self.fingerprint, name).await
    }
}

/// A host's configuration: data in `dir`, HTTPS with a certificate it makes there.
pub fn own_tls(dir: &tempfile::TempDir) -> ServerConfig {
    let mut config = ServerConfig::new(dir.path().to_path_buf());
    config.tls = ServerTls::Own;
    config
}

/// A client for `url` that trusts only the certificate with `fingerprint`.
pub fn pinned(url: &str, fingerprint: Fingerprint) -> Api {
    Api::with_trust(url, Trust::Pinned(fingerprint)).expect("url")
}

pub async fn signed_in(url: &str, fingerprint: Fingerprint, name: &str) -> Api {
    let mut api = pinned(url, fingerprint);
    api.login(name, PASSWORD).await.expect("login over https");
    api
}

/// The next event `pick` accepts, within `within`.
pub async fn next<T>(
    events: &mut broadcast::Receiver<Event>,
    within: Duration,
    mut pick: impl FnMut(&Event) -> Option<T>,
) -> T {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Ok(event)) => {
                if let Some(found) = pick(&event) {
                    return found;
                }
            }
            Ok(Err(broadcast::error::RecvError::Lagged(_))) => {}
            Ok(Err(e)) => panic!("event stream: {e}"),
            Err(_) => panic!("no such event within {within:?}"),
        }
    }
}
