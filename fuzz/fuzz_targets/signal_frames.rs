//! Signaling frames as a peer (or a stranger) may send them: parsing never panics, and a
//! frame that parses writes back to JSON that parses to the same frame.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_protocol::signal::{ClientSignal, ServerSignal};
use switchboard_protocol::ws::Notification;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(frame) = ClientSignal::parse(text) {
        let json = frame.to_json();
        let again = ClientSignal::parse(&json).expect("a written client frame parses");
        assert_eq!(again.to_json(), json);
    }
    if let Ok(frame) = ServerSignal::parse(text) {
        let json = frame.to_json();
        let again = ServerSignal::parse(&json).expect("a written server frame parses");
        assert_eq!(again.to_json(), json);
    }
    if let Ok(notification) = serde_json::from_str::<Notification>(text) {
        let json = serde_json::to_string(&notification).expect("serialises");
        let again: Notification = serde_json::from_str(&json).expect("reads back");
        assert_eq!(again, notification);
    }
});
