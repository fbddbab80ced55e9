//! What the app remembers between runs (never the token: that is in the OS keyring).

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use switchboard_client::Fingerprint;
use switchboard_media::processing::VoiceSettings;

/// The user's preferences, as the UI edits them.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default)]
#[derive(ts_rs::TS)]
pub struct Settings {
    /// Microphone by name; `None` is the system default.
    pub input_device: Option<String>,
    pub output_device: Option<String>,
    /// Where the ringtone plays; `None` is the output device.
    pub ring_device: Option<String>,
    /// The camera a video call sends, by the name its driver gives (stable when it is
    /// plugged into another port); `None` is the first camera found.
    pub camera: Option<String>,
    pub autostart: bool,
    /// Off: incoming calls do not ring (the server still sees this user as available
    /// unless the status says otherwise).
    pub available_for_calls: bool,
    /// Echo cancellation, noise suppression and auto gain on the microphone.
    pub voice: VoiceSettings,
    /// Call at once when a `switchboard://call/…` link is opened, instead of asking
    /// first. Off by default: any web page or message can hold such a link.
    pub call_links_without_asking: bool,
    /// How an incoming call shows itself.
    pub incoming_call_display: IncomingCallDisplay,
    /// Keys that work from any application (empty: none).
    pub shortcuts: Shortcuts,
    /// Status "away" after this long without keyboard or mouse input; 0: never.
    pub auto_away_after_seconds: u32,
    /// Started with the session (autostart): stay in the tray, no window.
    pub start_minimised: bool,
}

/// Where an incoming call rings on screen.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
#[derive(ts_rs::TS)]
pub enum IncomingCallDisplay {
    /// The callbox, unless the app's window is in front (then the window's own modal).
    #[default]
    Auto,
    /// Always the small callbox in the corner, which never takes the keyboard.
    Callbox,
    /// Always the app's window, raised, with the full-window modal.
    Window,
}

/// Global shortcuts, in the form `Ctrl+Alt+M` (modifiers, then one key); empty: unset.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
#[derive(ts_rs::TS)]
pub struct Shortcuts {
    pub toggle_mute: String,
    pub answer: String,
    pub hang_up: String,
    /// Held: the microphone is open; released: muted again.
    pub push_to_talk: String,
}

impl Default for Shortcuts {
    fn default() -> Self {
        Shortcuts {
            toggle_mute: "Ctrl+Alt+M".into(),
            answer: "Ctrl+Alt+A".into(),
            hang_up: "Ctrl+Alt+H".into(),
            push_to_talk: String::new(),
        }
    }
}

/// What a global shortcut does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[derive(ts_rs::TS)]
pub enum ShortcutAction {
    ToggleMute,
    Answer,
    HangUp,
    PushToTalk,
}

impl ShortcutAction {
    pub const ALL: [ShortcutAction; 4] = [
        ShortcutAction::ToggleMute,
        ShortcutAction::Answer,
        ShortcutAction::HangUp,
        ShortcutAction::PushToTalk,
    ];

    /// The name the Settings screen uses for it.
    pub fn label(self) -> &'static str {
        match self {
            ShortcutAction::ToggleMute => "Mute / unmute",
            ShortcutAction::Answer => "Answer",
            ShortcutAction::HangUp => "Hang up",
            ShortcutAction::PushToTalk => "Push to talk",
        }
    }
}

impl Shortcuts {
    /// Each action with its keys, unset ones left out.
    pub fn bound(&self) -> Vec<(ShortcutAction, &str)> {
        ShortcutAction::ALL
            .into_iter()
            .map(|action| (action, self.keys(action)))
            .filter(|(_, keys)| !keys.trim().is_empty())
            .collect()
    }

    pub fn keys(&self, action: ShortcutAction) -> &str {
        match action {
            ShortcutAction::ToggleMute => &self.toggle_mute,
            ShortcutAction::Answer => &self.answer,
            ShortcutAction::HangUp => &self.hang_up,
            ShortcutAction::PushToTalk => &self.push_to_talk,
        }
    }

    /// Two actions on the same keys: a sentence naming both, for the Settings screen.
    /// Keys are compared without case or spaces (`ctrl + alt + m` is `Ctrl+Alt+M`).
    pub fn conflict(&self) -> Option<String> {
        let bound = self.bound();
        let norm = |keys: &str| -> String {
            let mut parts: Vec<String> = keys
                .split('+')
                .map(|p| p.trim().to_ascii_lowercase())
                .map(|p| match p.as_str() {
                    "control" => "ctrl".to_owned(),
                    "option" => "alt".to_owned(),
                    _ => p,
                })
                .collect();
            let key = parts.pop();
            parts.sort();
            parts.extend(key);
            parts.join("+")
        };
        for (i, (first, keys)) in bound.iter().enumerate() {
            if let Some((second, _)) = bound[i + 1..].iter().find(|(_, k)| norm(k) == norm(keys)) {
                return Some(format!(
                    "{} and {} are both on {}: give one of them other keys.",
                    first.label(),
                    second.label(),
                    keys.trim()
                ));
            }
        }
        None
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            input_device: None,
            output_device: None,
            ring_device: None,
            camera: None,
            autostart: false,
            available_for_calls: true,
            voice: VoiceSettings::default(),
            call_links_without_asking: false,
            incoming_call_display: IncomingCallDisplay::Auto,
            shortcuts: Shortcuts::default(),
            auto_away_after_seconds: 10 * 60,
            start_minimised: true,
        }
    }
}

/// Hosting the team's backend in this app.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Hosting {
    pub listen: String,
    pub admin_username: String,
}

/// The file: settings plus where to connect and as whom.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default)]
pub struct Saved {
    pub server_url: Option<String>,
    /// The certificate pinned for `server_url` (from an invite link, the host's screen,
    /// or this app's own host); `None`: an authority must sign it.
    pub server_fingerprint: Option<Fingerprint>,
    pub username: Option<String>,
    pub hosting: Option<Hosting>,
    pub settings: Settings,
}

impl Saved {
    /// Reads the file; a missing one is a first run, a damaged one is reported and kept
    /// aside (renamed) so nothing the user set is silently overwritten.
    pub fn load(path: &Path) -> Saved {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Saved::default(),
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "cannot read the settings");
                return Saved::default();
            }
        };
        match Saved::parse(&text) {
            Ok(saved) => saved,
            Err(e) => {
                let aside = path.with_extension("json.damaged");
                tracing::warn!(path = %path.display(), error = %e, aside = %aside.display(), "the settings file is damaged; starting fresh");
                let _ = std::fs::rename(path, aside);
                Saved::default()
            }
        }
    }

    /// Reads the file's text; `Err` says what is wrong with it.
    pub fn parse(text: &str) -> Result<Saved, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }

    /// Writes atomically (temp file, then rename), so a crash never leaves half a file;
    /// owner-only (`0600`), as the server's own files are: they name the server and the
    /// account.
    pub fn save(&self, path: &Path) -> Result<(), String> {
        use std::io::Write;
        let fail = |e: std::io::Error| format!("Cannot save settings to {}: {e}", path.display());
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(fail)?;
        }
        let text = serde_json::to_vec_pretty(self).map_err(|e| e.to_string())?;
        let temp: PathBuf = path.with_extension("json.tmp");
        // A leftover from a crash keeps its mode if opened again: start afresh.
        let _ = std::fs::remove_file(&temp);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&temp).map_err(fail)?;
        file.write_all(&text).map_err(fail)?;
        drop(file);
        std::fs::rename(&temp, path).map_err(fail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_actions_on_the_same_keys_are_named() {
        let mut keys = Shortcuts::default();
        assert_eq!(keys.conflict(), None);
        keys.push_to_talk = " alt + CTRL + m".into();
        assert_eq!(
            keys.conflict().as_deref(),
            Some(
                "Mute / unmute and Push to talk are both on Ctrl+Alt+M: give one of them other keys."
            )
        );
        keys.push_to_talk = "Ctrl+Alt+N".into();
        assert_eq!(keys.conflict(), None);
        // Unset actions never conflict with each other.
        keys.answer.clear();
        keys.hang_up.clear();
        assert_eq!(keys.conflict(), None);
        assert_eq!(keys.bound().len(), 2);
    }

    #[test]
    fn settings_survive_a_round_trip_and_damage_is_set_aside() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("settings.json");
        assert_eq!(Saved::load(&path), Saved::default());
        let saved = Saved {
            server_url: Some("https://10.0.0.5:8000".into()),
            server_fingerprint: Some(Fingerprint::of(b"the host's certificate")),
            username: Some("ann".into()),
            hosting: None,
            settings: Settings {
                input_device: Some("USB headset".into()),
                autostart: true,
                ..Settings::default()
            },
        };
        saved.save(&path).expect("save");
        assert_eq!(Saved::load(&path), saved);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("stat").permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "settings are the user's alone");
        }

        // A file from before a setting existed reads with that setting's default.
        std::fs::write(&path, r#"{"settings": {"autostart": true}}"#).expect("write");
        let old = Saved::load(&path);
        assert!(old.settings.autostart);
        assert_eq!(old.settings.shortcuts, Shortcuts::default());
        assert_eq!(old.settings.auto_away_after_seconds, 600);

        std::fs::write(&path, "{ not json").expect("write");
        assert_eq!(Saved::load(&path), Saved::default());
        assert!(path.with_extension("json.damaged").exists());
    }
}
