//! Host mode: the whole backend in this app, for a team with no server.
//!
//! The server crate runs in-process on the app's runtime; teammates connect to one of
//! this machine's LAN addresses, over HTTPS with the host's own certificate (made on
//! first start in the data directory and kept), whose fingerprint their apps pin from the
//! invite link. The database lives in the app's data directory, and the app reaches it
//! only through the running [`Server`] (its accounts), never a second store of its own.

use crate::error::AppError;
use serde::Serialize;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use switchboard_client::Fingerprint;
use switchboard_server::domain::DomainError;
use switchboard_server::{NewAccount, Server, ServerConfig, ServerTls};

/// Where hosting listens unless told otherwise: every interface, so teammates can reach it.
pub const DEFAULT_LISTEN: &str = "0.0.0.0:8000";

/// Where teammates reach the hosted backend.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
pub struct HostInfo {
    /// For this app itself (loopback).
    pub url: String,
    /// For teammates: one per LAN address of this machine.
    pub lan_urls: Vec<String>,
    /// The SHA-256 of the server's certificate (`sha256:…`), which teammates' apps pin.
    pub fingerprint: String,
    /// The same in groups of four, for comparing by eye or reading aloud.
    pub fingerprint_grouped: String,
    /// One per LAN address: `switchboard://join?server=…&fp=…`, to send to teammates.
    pub invite_links: Vec<String>,
    pub admin_username: String,
    pub data_dir: String,
}

/// The running embedded backend.
pub(crate) struct Host {
    server: Server,
    data_dir: PathBuf,
    /// Its announcement on the local network, while it listens beyond this machine.
    announcer: Option<switchboard_discovery::Announcer>,
}

/// A team host found on the local network, for the Connect screen.
#[derive(Clone, Debug, Serialize, ts_rs::TS)]
pub struct FoundHost {
    /// What its user called it ("Alice's Switchboard").
    pub name: String,
    /// Where to connect: `https://ADDR:PORT`.
    pub url: String,
    /// Its certificate's fingerprint (`sha256:…`), to pin, if it said one.
    pub fingerprint: Option<String>,
}

/// Lists team hosts that answer on the local network within `wait` (blocking).
pub fn find_hosts(wait: std::time::Duration) -> Result<Vec<FoundHost>, AppError> {
    let hosts =
        switchboard_discovery::find_hosts(wait).map_err(|e| AppError::Hosting(e.to_string()))?;
    Ok(hosts
        .into_iter()
        .filter_map(|h| {
            Some(FoundHost {
                url: h.url()?,
                name: h.name,
                fingerprint: h.fingerprint,
            })
        })
        .collect())
}

impl Host {
    /// Serves on `listen` from `data_dir`. A busy port is said in words.
    pub async fn start(listen: SocketAddr, data_dir: &Path) -> Result<Host, AppError> {
        let mut config = ServerConfig::new(data_dir.to_path_buf());
        config.tls = ServerTls::Own;
        // Video rooms: 8x8 JaaS or another Jitsi domain, from the same environment
        // variables as the headless server (docs/api.md).
        config.jitsi = switchboard_server::jaas::JitsiSettings::from_env();
        let server = Server::bind(listen, config).await.map_err(|e| {
            AppError::Hosting(format!("Cannot host on {listen}: {e}. Is another Switchboard already hosting there? Choose another address."))
        })?;
        tracing::info!(url = %server.url(), data_dir = %data_dir.display(), "hosting the team backend");
        let mut host = Host {
            server,
            data_dir: data_dir.to_path_buf(),
            announcer: None,
        };
        host.announce(&format!("Switchboard on {}", machine_name()));
        Ok(host)
    }

    /// Announces this host on the local network as `name` (in place of any earlier
    /// announcement), when it listens beyond this machine. Hosting goes on without it
    /// if the network refuses multicast: teammates can still type the address.
    pub fn announce(&mut self, name: &str) {
        let addr = self.server.local_addr();
        if addr.ip().is_loopback() {
            return;
        }
        self.announcer = None;
        let announcement = switchboard_discovery::Announcement {
            name: name.to_owned(),
            port: addr.port(),
            tls: true,
            fingerprint: self.server.fingerprint().map(|f| f.to_string()),
        };
        match switchboard_discovery::Announcer::start(&announcement) {
            Ok(announcer) => self.announcer = Some(announcer),
            Err(e) => tracing::warn!(error = %e, "the team host is not announced on the network"),
        }
    }

    /// The address the server is bound to.
    pub fn listen_addr(&self) -> SocketAddr {
        self.server.local_addr()
    }

    /// The loopback URL this app signs in through.
    pub fn local_url(&self) -> String {
        let port = self.server.local_addr().port();
        format!("https://127.0.0.1:{port}")
    }

    /// The certificate's fingerprint, which this app and teammates' apps pin.
    pub fn fingerprint(&self) -> Result<Fingerprint, AppError> {
        self.server
            .fingerprint()
            .ok_or_else(|| AppError::Hosting("The embedded backend is not serving HTTPS.".into()))
    }

    /// `https://ADDR:PORT` for each LAN address of this machine: where teammates reach it.
    pub fn lan_urls(&self) -> Vec<String> {
        lan_urls(self.server.local_addr())
    }

    pub fn info(&self, admin_username: &str) -> HostInfo {
        let addr = self.server.local_addr();
        let lan_urls = lan_urls(addr);
        let fingerprint = self.server.fingerprint();
        HostInfo {
            url: self.local_url(),
            invite_links: fingerprint.map_or_else(Vec::new, |fp| {
                lan_urls
                    .iter()
                    .map(|url| crate::links::invite_link(url, &fp, None))
                    .collect()
            }),
            lan_urls,
            fingerprint: fingerprint.map(|f| f.to_string()).unwrap_or_default(),
            fingerprint_grouped: fingerprint.map(|f| f.grouped()).unwrap_or_default(),
            admin_username: admin_username.to_owned(),
            data_dir: self.data_dir.display().to_string(),
        }
    }

    /// Creates the admin account, unless that username already exists (hosting again
    /// after a restart: the sign-in then checks the password).
    pub async fn ensure_admin(
        &self,
        username: &str,
        password: &str,
        full_name: &str,
    ) -> Result<(), AppError> {
        // No email: the admin can add one later, and a made-up one fails validation.
        let account = NewAccount {
            username: username.trim().to_owned(),
            email: String::new(),
            full_name: full_name.trim().to_owned(),
            password: password.to_owned(),
            is_admin: true,
        };
        let created = match self.server.accounts().create(account).await {
            Ok(_) => true,
            Err(e) if e.is_conflict() => false,
            Err(DomainError::Invalid(problem)) => return Err(AppError::Invalid(problem)),
            Err(e) => return Err(AppError::Hosting(e.to_string())),
        };
        if !created {
            tracing::info!("the admin account exists already; signing in to it");
        }
        Ok(())
    }

    pub async fn stop(mut self) {
        self.announcer = None;
        if let Err(e) = self.server.shutdown().await {
            tracing::warn!(error = %e, "the embedded backend did not stop cleanly");
        }
    }
}

/// This machine's name, for an announcement before anyone named the host.
fn machine_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|n| n.trim().to_owned())
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "this computer".to_owned())
}

/// `https://<ip>:<port>` for each non-loopback IPv4 address when listening on all
/// interfaces; the listen address itself otherwise.
fn lan_urls(addr: SocketAddr) -> Vec<String> {
    let port = addr.port();
    if !addr.ip().is_unspecified() {
        return vec![format!("https://{addr}")];
    }
    let mut urls: Vec<String> = if_addrs::get_if_addrs()
        .unwrap_or_default()
        .into_iter()
        .filter(|i| !i.is_loopback())
        .filter_map(|i| match i.ip() {
            IpAddr::V4(ip) => Some(format!("https://{ip}:{port}")),
            IpAddr::V6(_) => None,
        })
        .collect();
    if urls.is_empty() {
        // No network but loopback: only this machine can connect.
        urls.push(format!("https://127.0.0.1:{port}"));
    }
    urls
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_client::{Api, Trust};

    #[tokio::test]
    async fn the_admin_account_is_created_once_and_can_sign_in() {
        let dir = tempfile::tempdir().expect("temp dir");
        let listen: SocketAddr = "127.0.0.1:0".parse().expect("address");
        let host = Host::start(listen, dir.path())
            .await
            .expect("hosting starts");
        host.ensure_admin("alice", "short", "Alice")
            .await
            .expect_err("a short password is refused before anything is stored");
        host.ensure_admin(" alice ", "a-long-password", " Alice Martin ")
            .await
            .expect("the admin account is created");
        // A second run (restart, or the first-run form sent twice) keeps the account.
        host.ensure_admin("alice", "a-long-password", "Alice Martin")
            .await
            .expect("an existing admin is kept");
        let pinned = Trust::Pinned(host.fingerprint().expect("https"));
        let mut api = Api::with_trust(&host.local_url(), pinned).expect("api");
        let login = api
            .login("alice", "a-long-password")
            .await
            .expect("the admin signs in");
        assert!(login.user.is_admin);
        assert_eq!(login.user.full_name, "Alice Martin");
        host.stop().await;
    }
}
