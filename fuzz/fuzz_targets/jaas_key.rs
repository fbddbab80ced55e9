//! The JaaS private key as an admin pastes it (PEM, PKCS#1 or PKCS#8, or one line of
//! base64): anything else is a sentence, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Err(sentence) = switchboard_server::jaas::parse_private_key(text)
    {
        assert!(!sentence.is_empty());
    }
});
