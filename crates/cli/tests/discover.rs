//! The team's host, found on the LAN (issue 24): this process announces a host with
//! mDNS/DNS-SD; `switchboard-cli discover` run from a second address (a network namespace
//! joined by a veth pair, as a teammate's machine) lists it with the address it is
//! reached at and its fingerprint. Needs root and `ip netns`: run by scripts/test.

#[path = "../../../tests/support/netns.rs"]
mod netns;

use netns::SecondAddress;
use switchboard_discovery::{Announcement, Announcer};

fn discover_from(peer: &SecondAddress) -> Vec<serde_json::Value> {
    let out = peer.run(
        crate::common::BIN,
        &["discover", "--seconds", "3", "--json"],
    );
    assert!(
        out.status.success(),
        "discover: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect()
}

#[test]
#[ignore = "needs root and ip netns: run by scripts/test"]
fn a_teammate_on_the_lan_finds_the_host_with_its_address_and_fingerprint() {
    let peer = SecondAddress::new();
    let fingerprint = format!("sha256:{}", "ab".repeat(32));
    let port = 40_000 + (std::process::id() % 20_000) as u16;
    let announcer = Announcer::start(&Announcement {
        name: "Alice's Switchboard".into(),
        port,
        tls: true,
        fingerprint: Some(fingerprint.clone()),
    })
    .expect("announce");

    let found = discover_from(&peer);
    let ours: Vec<_> = found
        .iter()
        .filter(|h| h["name"] == "Alice's Switchboard")
        .collect();
    assert_eq!(ours.len(), 1, "found once: {found:?}");
    let host = ours[0];
    // Reached over the link: the address this side of the veth pair has.
    assert_eq!(
        host["url"].as_str(),
        Some(format!("https://{}:{port}", peer.host).as_str()),
        "{host}"
    );
    assert_eq!(host["fingerprint"].as_str(), Some(fingerprint.as_str()));

    // Withdrawn when the host stops: the next search does not list it.
    drop(announcer);
    let after = discover_from(&peer);
    assert!(
        after.iter().all(|h| h["name"] != "Alice's Switchboard"),
        "still listed after it stopped: {after:?}"
    );
}
