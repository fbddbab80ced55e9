//! `switchboard://` links from anywhere (a web page, a chat message): invite and call
//! links parse or are refused, never panic; what parses is well formed and writes back
//! to a link that parses the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_app::links::{call_link_in, invite_in, invite_link, username_in};
use switchboard_client::Fingerprint;

fuzz_target!(|data: &[u8]| {
    let Ok(link) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(invite) = invite_in(link) {
        assert!(invite.server.starts_with("https://"), "{invite:?}");
        let fingerprint = Fingerprint::parse(&invite.fingerprint).expect("a pinned fingerprint");
        let again = invite_in(&invite_link(
            &invite.server,
            &fingerprint,
            invite.code.as_deref(),
        ));
        assert_eq!(again.as_ref(), Some(&invite));
    }
    // A call link that parses names a valid user and a record the server would take.
    if let Some(Ok(call)) = call_link_in(link) {
        assert!(username_in(&format!("switchboard://call/{}", call.username)).is_some());
        if let Some(record) = &call.regarding {
            assert_eq!(record.problem(), None, "{record:?}");
        }
    }
    if let Some(name) = username_in(link) {
        assert!(!name.is_empty());
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || "@.+-_".contains(c))
        );
    }
});
