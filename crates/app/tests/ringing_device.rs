//! The ringtone on its own output device, through real sound devices: `tests/sound-check.sh`
//! runs this in a PulseAudio server with a third null sink, `headset`, which its ALSA
//! configuration offers as the output device "Switchboard test headset" (beside the
//! default, `spk`). Ringing there must play there and not on the default speakers; a
//! ringing device that is gone rings on the default instead.
//!
//! Where it plays is read from the sound server: the sink its stream is connected to.
//! (Recording the null sinks' monitors was tried first: on a sink nothing else had
//! played to, parecord delivered only 0.3–0.9 s of 2.3 s, too erratic to judge by.)

#[path = "../../../tests/support/pulse.rs"]
mod pulse;

use pulse::sinks_playing;
use std::time::Duration;
use switchboard_app::ringtone::Ringtone;
use switchboard_media::devices::EchoReference;

const HEADSET: &str = "Switchboard test headset";

/// Rings on `device`; returns the sinks its stream played to.
async fn ring_on(device: Option<&str>) -> Vec<String> {
    let ringtone =
        Ringtone::start(device.map(str::to_owned), &EchoReference::default()).expect("a ringtone");
    tokio::time::sleep(Duration::from_millis(700)).await;
    let playing = sinks_playing();
    drop(ringtone);
    // The stream closes with the ringtone.
    for _ in 0..50 {
        if sinks_playing().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        sinks_playing().is_empty(),
        "the ringing stream stays open: {:?}",
        sinks_playing()
    );
    playing
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a sound server: run by tests/sound-check.sh"]
async fn the_ringtone_plays_on_its_own_device_and_falls_back_to_the_default() {
    assert_eq!(
        ring_on(Some(HEADSET)).await,
        ["headset"],
        "the chosen ringing device"
    );
    assert_eq!(ring_on(None).await, ["spk"], "the default output");
    assert_eq!(
        ring_on(Some("a headset that is unplugged")).await,
        ["spk"],
        "a ringing device that is gone rings on the default"
    );
}
