//! The team's host, found on the local network: the app that hosts the team's backend
//! announces itself with mDNS/DNS-SD (`_switchboard._tcp`), and teammates' apps (and
//! `switchboard-cli discover`) list what answers. The TXT record carries the host's
//! certificate fingerprint, so a host found this way can be pinned before the first
//! request, and the name its user gave it ("Alice's Switchboard").
//!
//! mDNS is link-local: it finds hosts on the same network segment (an office LAN, one
//! Wi-Fi), not across routers or a VPN. Typing the address stays the way there.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// The DNS-SD service type Switchboard hosts announce.
pub const SERVICE_TYPE: &str = "_switchboard._tcp.local.";

/// TXT keys: the certificate's fingerprint (`sha256:<hex>`, as apps and the CLI pin it), whether the
/// host speaks TLS, and the protocol version of this record.
const FINGERPRINT_KEY: &str = "fp";
const SCHEME_KEY: &str = "scheme";
const VERSION_KEY: &str = "v";
const VERSION: &str = "1";

#[derive(Debug, thiserror::Error)]
pub enum DiscoveryError {
    #[error("The local network cannot be searched for team hosts ({0}).")]
    Mdns(String),
    #[error("{0:?} cannot be announced: a host's name is 1 to 63 bytes.")]
    BadName(String),
}

impl From<mdns_sd::Error> for DiscoveryError {
    fn from(e: mdns_sd::Error) -> Self {
        DiscoveryError::Mdns(e.to_string())
    }
}

/// What a hosting app says about itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Announcement {
    /// Shown in teammates' Connect screens ("Alice's Switchboard").
    pub name: String,
    pub port: u16,
    /// `true`: `https` (the host's own certificate, which `fingerprint` names).
    pub tls: bool,
    pub fingerprint: Option<String>,
}

/// A host found on the network.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoundHost {
    pub name: String,
    /// Its addresses, IPv4 first (IPv6 link-local ones need a zone the UI cannot type).
    pub addresses: Vec<IpAddr>,
    pub port: u16,
    pub tls: bool,
    pub fingerprint: Option<String>,
}

impl FoundHost {
    /// The address to connect to: its first IPv4 address, or its first address.
    pub fn url(&self) -> Option<String> {
        let scheme = if self.tls { "https" } else { "http" };
        self.addresses.first().map(|ip| match ip {
            IpAddr::V4(v4) => format!("{scheme}://{v4}:{}", self.port),
            IpAddr::V6(v6) => format!("{scheme}://[{v6}]:{}", self.port),
        })
    }
}

/// Announces a host for as long as it lives; the announcement is withdrawn on drop, so
/// teammates' lists lose it at once rather than after its records expire.
pub struct Announcer {
    daemon: mdns_sd::ServiceDaemon,
    fullname: String,
}

impl Announcer {
    /// Starts answering for `announcement` on every network interface of this machine.
    pub fn start(announcement: &Announcement) -> Result<Announcer, DiscoveryError> {
        let name = announcement.name.trim();
        if name.is_empty() || name.len() > 63 {
            return Err(DiscoveryError::BadName(announcement.name.clone()));
        }
        let daemon = mdns_sd::ServiceDaemon::new()?;
        let mut txt = vec![
            (VERSION_KEY, VERSION.to_owned()),
            (
                SCHEME_KEY,
                if announcement.tls { "https" } else { "http" }.to_owned(),
            ),
        ];
        if let Some(fp) = &announcement.fingerprint {
            txt.push((FINGERPRINT_KEY, fp.clone()));
        }
        // A host name of its own per announcement: two apps on one machine (tests) must
        // not answer for each other's.
        let host = format!(
            "switchboard-{}-{}.local.",
            std::process::id(),
            announcement.port
        );
        let info =
            mdns_sd::ServiceInfo::new(SERVICE_TYPE, name, &host, "", announcement.port, &txt[..])?
                .enable_addr_auto();
        let fullname = info.get_fullname().to_owned();
        daemon.register(info)?;
        tracing::info!(%fullname, port = announcement.port, "announcing the team host on the local network");
        Ok(Announcer { daemon, fullname })
    }
}

impl Drop for Announcer {
    fn drop(&mut self) {
        if let Err(e) = self.daemon.unregister(&self.fullname) {
            tracing::debug!(error = %e, "withdrawing the announcement");
        }
        let _ = self.daemon.shutdown();
    }
}

/// Lists the hosts that answer within `wait` (blocking: mDNS answers come over a second
/// or so). Each host once, by name, in name order.
pub fn find_hosts(wait: Duration) -> Result<Vec<FoundHost>, DiscoveryError> {
    let daemon = mdns_sd::ServiceDaemon::new()?;
    let events = daemon.browse(SERVICE_TYPE)?;
    let deadline = Instant::now() + wait;
    let mut found = BTreeMap::new();
    while let Ok(event) = events.recv_deadline(deadline) {
        match event {
            mdns_sd::ServiceEvent::ServiceResolved(service) if service.is_valid() => {
                let host = found_host(&service);
                found.insert(service.get_fullname().to_owned(), host);
            }
            mdns_sd::ServiceEvent::ServiceRemoved(_, fullname) => {
                found.remove(&fullname);
            }
            _ => {}
        }
    }
    let _ = daemon.stop_browse(SERVICE_TYPE);
    let _ = daemon.shutdown();
    let mut hosts: Vec<FoundHost> = found.into_values().collect();
    hosts.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(hosts)
}

fn found_host(service: &mdns_sd::ResolvedService) -> FoundHost {
    let mut addresses: Vec<IpAddr> = service
        .get_addresses()
        .iter()
        .map(|a| a.to_ip_addr())
        .collect();
    addresses.sort_by_key(|ip| (ip.is_ipv6(), *ip));
    let fullname = service.get_fullname();
    let name = fullname
        .strip_suffix(SERVICE_TYPE)
        .map(|n| n.trim_end_matches('.'))
        .unwrap_or(fullname)
        .replace("\\.", ".")
        .replace("\\032", " ");
    FoundHost {
        name,
        addresses,
        port: service.get_port(),
        tls: service.get_property_val_str(SCHEME_KEY) == Some("https"),
        fingerprint: service
            .get_property_val_str(FINGERPRINT_KEY)
            .map(str::to_owned),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_found_host_gives_the_address_to_type() {
        let host = FoundHost {
            name: "Alice's Switchboard".into(),
            addresses: vec![
                "192.168.1.20".parse().expect("ip"),
                "fe80::1".parse().expect("ip"),
            ],
            port: 8443,
            tls: true,
            fingerprint: Some("ab".repeat(32)),
        };
        assert_eq!(host.url().as_deref(), Some("https://192.168.1.20:8443"));
        let v6 = FoundHost {
            addresses: vec!["fd00::2".parse().expect("ip")],
            tls: false,
            ..host
        };
        assert_eq!(v6.url().as_deref(), Some("http://[fd00::2]:8443"));
    }

    #[test]
    fn a_name_that_dns_sd_cannot_carry_is_refused_in_words() {
        for name in ["", "   ", &"x".repeat(64)] {
            let e = Announcer::start(&Announcement {
                name: name.to_owned(),
                port: 1,
                tls: false,
                fingerprint: None,
            })
            .err()
            .expect("refused");
            assert!(e.to_string().contains("1 to 63 bytes"), "{e}");
        }
    }
}
