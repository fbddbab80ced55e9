//! The desktop's settings file, as a crash, a hand edit or another version may leave it:
//! it reads or is refused (the app then keeps it aside), never panics, and what reads
//! writes back to the same settings.
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_app::settings::Saved;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(saved) = Saved::parse(text) {
        let written = serde_json::to_string(&saved).expect("settings serialise");
        assert_eq!(Saved::parse(&written).ok(), Some(saved));
    }
});
