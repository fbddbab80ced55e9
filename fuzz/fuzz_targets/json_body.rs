//! Request bodies: any bytes give a body or a 400, never a panic; every typed field read
//! the handlers use answers a value or a 400 sentence naming the field.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_protocol::{CallStatus, CallType, PresenceStatus};
use switchboard_server::http::body::{JsonObject, parse_object};

fuzz_target!(|data: &[u8]| {
    let Ok(map) = parse_object(data) else {
        return;
    };
    let body = JsonObject(map);
    let keys: Vec<String> = body.0.keys().take(4).cloned().collect();
    for key in keys.iter().map(String::as_str).chain(["id", "status"]) {
        for result in [
            body.id(key).map(|_| ()),
            body.string(key, 64).map(|_| ()),
            body.required_secret(key, 1024).map(|_| ()),
            body.bool(key).map(|_| ()),
            body.parsed::<CallType>(key).map(|_| ()),
            body.parsed::<CallStatus>(key).map(|_| ()),
            body.parsed::<PresenceStatus>(key).map(|_| ()),
            body.id_list(key).map(|_| ()),
            body.time(key).map(|_| ()),
        ] {
            if let Err(e) = result {
                assert_eq!(e.status, 400, "{}", e.message);
                assert!(!e.message.is_empty());
            }
        }
    }
});
