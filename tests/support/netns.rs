//! A second address for tests: a network namespace joined to this one by a veth pair, as
//! a teammate's machine on the office network would be. Needs root and `ip netns`; tests
//! that use it are `#[ignore]`d in plain `cargo test` and run by scripts/test.
#![allow(dead_code)]

use std::net::Ipv4Addr;
use std::process::{Command, Output};

/// A network namespace with one address, joined to this namespace; removed on drop.
pub struct SecondAddress {
    namespace: String,
    host_link: String,
    /// This namespace's side of the link, which the second address reaches us by.
    pub host: Ipv4Addr,
    /// The second address itself.
    pub client: Ipv4Addr,
}

pub fn ip(args: &[&str]) -> Output {
    let out = Command::new("ip")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("ip {args:?}: {e}"));
    assert!(
        out.status.success(),
        "ip {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

impl SecondAddress {
    pub fn new() -> SecondAddress {
        // Tests of one binary run side by side: each takes its own name and subnet.
        static TAKEN: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = TAKEN.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let id = (std::process::id() % 1000) * 10 + n % 10;
        let subnet = 10 + (id % 200) as u8;
        let me = SecondAddress {
            namespace: format!("sb-peer-{id}"),
            host_link: format!("sbh{id}"),
            host: Ipv4Addr::new(10, 213, subnet, 1),
            client: Ipv4Addr::new(10, 213, subnet, 2),
        };
        let peer_link = format!("sbp{id}");
        ip(&["netns", "add", &me.namespace]);
        ip(&[
            "link",
            "add",
            &me.host_link,
            "type",
            "veth",
            "peer",
            "name",
            &peer_link,
        ]);
        ip(&["link", "set", &peer_link, "netns", &me.namespace]);
        ip(&[
            "addr",
            "add",
            &format!("{}/24", me.host),
            "dev",
            &me.host_link,
        ]);
        ip(&["link", "set", &me.host_link, "up"]);
        let inside = |args: &[&str]| {
            let mut all = vec!["netns", "exec", me.namespace.as_str(), "ip"];
            all.extend_from_slice(args);
            ip(&all)
        };
        inside(&[
            "addr",
            "add",
            &format!("{}/24", me.client),
            "dev",
            &peer_link,
        ]);
        inside(&["link", "set", &peer_link, "up"]);
        inside(&["link", "set", "lo", "up"]);
        me
    }

    /// Runs `program args` from the second address.
    pub fn run(&self, program: &str, args: &[&str]) -> Output {
        Command::new("ip")
            .args(["netns", "exec", &self.namespace, program])
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{program} in {}: {e}", self.namespace))
    }
}

impl Drop for SecondAddress {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "del", &self.namespace])
            .output();
        let _ = Command::new("ip")
            .args(["link", "del", &self.host_link])
            .output();
    }
}
