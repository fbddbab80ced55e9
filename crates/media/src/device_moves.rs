//! What a device thread does when the devices change under a call: leaves a device that
//! is gone for the default, takes the chosen one back when it returns (a pure rule), and
//! tells whoever listens of each move it made on its own.

use std::sync::{Arc, Mutex};

/// What the device watch does on a tick.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum WatchMove {
    /// The device in use is gone: the system default takes over.
    ToDefault,
    /// The device the user chose is back after a fallback: take it again.
    BackTo(String),
}

/// `open`: the device asked for now (`None`: the default); `chosen`: the user's choice;
/// `present`: whether the system lists a device now.
pub(crate) fn watch_step(
    open: Option<&str>,
    chosen: Option<&str>,
    present: impl Fn(&str) -> bool,
) -> Option<WatchMove> {
    match (open, chosen) {
        (Some(open), _) if !present(open) => Some(WatchMove::ToDefault),
        (None, Some(chosen)) if present(chosen) => Some(WatchMove::BackTo(chosen.to_owned())),
        _ => None,
    }
}

/// Why a device thread moved to another device without being asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum SwitchReason {
    /// The device in use failed or was unplugged: the system default took over.
    Gone,
    /// The device the user chose was plugged in again.
    Back,
}

/// A device thread moved a stream on its own: what to tell the user.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DeviceSwitch {
    /// `input` (the microphone) or `output` (speakers, ringtone).
    pub direction: String,
    pub from: String,
    pub to: String,
    pub reason: SwitchReason,
}

/// Called with each [`DeviceSwitch`] (on the device thread: keep it short).
pub type OnSwitch = Box<dyn Fn(DeviceSwitch) + Send>;

/// What a device thread shares with its handle: the device in use, and who hears of moves.
#[derive(Clone, Default)]
pub(crate) struct Shared {
    pub(crate) current: Arc<Mutex<String>>,
    pub(crate) on_switch: Arc<Mutex<Option<OnSwitch>>>,
}

impl Shared {
    /// A stream is open on `shown`; tells the watcher when the thread moved there itself.
    /// `direction`: `input` or `output`.
    pub(crate) fn opened(&self, direction: &str, shown: String, moved: Option<SwitchReason>) {
        let Ok(mut current) = self.current.lock() else {
            return;
        };
        let from = std::mem::replace(&mut *current, shown.clone());
        drop(current);
        let Some(reason) = moved.filter(|_| from != shown) else {
            return;
        };
        if let Ok(on_switch) = self.on_switch.lock()
            && let Some(on_switch) = on_switch.as_ref()
        {
            on_switch(DeviceSwitch {
                direction: direction.to_owned(),
                from,
                to: shown,
                reason,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_watch_leaves_a_gone_device_and_takes_the_chosen_one_back() {
        let only = |listed: &'static [&'static str]| move |n: &str| listed.contains(&n);
        let headset = Some("headset");
        // In use and listed: stay.
        assert_eq!(watch_step(headset, headset, only(&["headset"])), None);
        // Unplugged: the default.
        assert_eq!(
            watch_step(headset, headset, only(&[])),
            Some(WatchMove::ToDefault)
        );
        // On the default after that, still unplugged: stay.
        assert_eq!(watch_step(None, headset, only(&[])), None);
        // Plugged in again: back to it.
        assert_eq!(
            watch_step(None, headset, only(&["headset"])),
            Some(WatchMove::BackTo("headset".into()))
        );
        // The default by choice: nothing to watch for.
        assert_eq!(watch_step(None, None, only(&["headset"])), None);
    }

    #[test]
    fn a_move_is_told_once_and_only_when_the_thread_made_it() {
        let shared = Shared::default();
        let told = Arc::new(Mutex::new(Vec::new()));
        let sink = told.clone();
        *shared.on_switch.lock().unwrap() = Some(Box::new(move |s| sink.lock().unwrap().push(s)));
        shared.opened("output", "headset".into(), None);
        shared.opened("output", "default".into(), Some(SwitchReason::Gone));
        // Reopened on the same device after a failure: nothing changed for the user.
        shared.opened("output", "default".into(), Some(SwitchReason::Gone));
        shared.opened("output", "headset".into(), Some(SwitchReason::Back));
        // The user's own switch is not announced back to them.
        shared.opened("output", "default".into(), None);
        let told = told.lock().unwrap();
        let moves: Vec<_> = told
            .iter()
            .map(|s| (s.from.as_str(), s.to.as_str(), s.reason))
            .collect();
        assert_eq!(
            moves,
            [
                ("headset", "default", SwitchReason::Gone),
                ("default", "headset", SwitchReason::Back)
            ]
        );
        assert_eq!(told[0].direction, "output");
    }
}
