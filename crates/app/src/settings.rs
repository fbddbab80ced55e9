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
    pub autostart: bool,
    /// Off: incoming calls do not ring (the server still sees this user as available
    /// unless the status says otherwise).
    pub available_for_calls: bool,
    /// Echo cancellation, noise suppression and auto gain on the microphone.
    pub voice: VoiceSettings,
    /// Call at once when a `switchboard://call/…` link is opened, instead of asking
    /// first. Off by default: any web page or message can hold such a link.
    pub call_links_without_asking: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            input_device: None,
            output_device: None,
            ring_device: None,
            autostart: false,
            available_for_calls: true,
            voice: VoiceSettings::default(),
            call_links_without_asking: false,
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

        std::fs::write(&path, "{ not json").expect("write");
        assert_eq!(Saved::load(&path), Saved::default());
        assert!(path.with_extension("json.damaged").exists());
    }
}
