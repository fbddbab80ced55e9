//! The call's sound devices: opened from the settings when a call connects, switched in
//! place when the settings change mid-call, released when the call's media ends.

use crate::controller::Controller;
use crate::error::AppError;
use crate::settings::Settings;
use std::sync::{Arc, Mutex};
use switchboard_client::Event;
use switchboard_client::phone::{CallAudio, OpenAudio};
use switchboard_media::devices::{DeviceHandle, DeviceSwitch, list_devices as system_devices};
use switchboard_media::devices::{open_preferred_microphone, open_preferred_speakers};

/// The devices the settings can pick: sound devices (names as the sound system gives
/// them) and cameras (names as their drivers give them).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct DeviceList {
    pub inputs: Vec<String>,
    pub outputs: Vec<String>,
    pub default_input: Option<String>,
    pub default_output: Option<String>,
    pub cameras: Vec<String>,
}

/// The devices this machine has. Enumeration can take a moment (ALSA probes each card,
/// each camera node is opened), so it runs off the async workers.
pub async fn list_devices() -> Result<DeviceList, AppError> {
    tokio::task::spawn_blocking(|| {
        let sound = system_devices();
        DeviceList {
            inputs: sound.inputs,
            outputs: sound.outputs,
            default_input: sound.default_input,
            default_output: sound.default_output,
            cameras: switchboard_capture::cameras()
                .into_iter()
                .map(|c| c.name)
                .collect(),
        }
    })
    .await
    .map_err(|e| AppError::Devices(format!("Cannot list the devices: {e}")))
}

impl Controller {
    /// Opens the devices the settings name when a call connects; the default ones while
    /// those are unplugged.
    pub(crate) fn open_audio(self: &Arc<Self>) -> OpenAudio {
        let controller = Arc::downgrade(self);
        Arc::new(move || {
            let controller = controller.upgrade().ok_or("the app is closing")?;
            let settings = controller.settings();
            let voice = &controller.voice;
            let (mic_handle, mic) =
                open_preferred_microphone(settings.input_device.as_deref(), Some(voice.clone()))
                    .map_err(|e| e.to_string())?;
            let (speaker_handle, speakers) =
                open_preferred_speakers(settings.output_device.as_deref(), Some(&voice.reference))
                    .map_err(|e| e.to_string())?;
            for handle in [&mic_handle, &speaker_handle] {
                let controller = Arc::downgrade(&controller);
                handle.on_switch(move |switch| {
                    if let Some(controller) = controller.upgrade() {
                        controller.device_switched(switch);
                    }
                });
            }
            if let Ok(mut devices) = controller.devices.lock() {
                *devices = Some([mic_handle, speaker_handle]);
            }
            Ok(CallAudio {
                source: Box::new(mic),
                sink: Box::new(speakers),
                keep: Box::new(ReleaseOnDrop(controller.devices.clone())),
            })
        })
    }

    /// Tells the UI that a call's device moved on its own (called on the device thread).
    fn device_switched(self: &Arc<Self>, switch: DeviceSwitch) {
        tracing::info!(?switch, "sound device moved");
        self.shell.on_event(&Event::SoundDevice { switch }, self);
    }

    /// Saves the settings; a device or processing change applies to a call in progress
    /// at once.
    pub fn save_settings(&self, settings: Settings) -> Result<Settings, AppError> {
        let before = self.settings();
        self.update_saved(|s| s.settings = settings.clone())?;
        self.voice.control.set(settings.voice);
        if let Ok(devices) = self.devices.lock()
            && let Some([mic, speakers]) = devices.as_ref()
        {
            if before.input_device != settings.input_device {
                mic.switch_to(settings.input_device.clone());
            }
            if before.output_device != settings.output_device {
                speakers.switch_to(settings.output_device.clone());
            }
        }
        Ok(settings)
    }
}

/// Releases the call's sound devices when the call's media ends.
struct ReleaseOnDrop(Arc<Mutex<Option<[DeviceHandle; 2]>>>);

impl Drop for ReleaseOnDrop {
    fn drop(&mut self) {
        if let Ok(mut devices) = self.0.lock() {
            devices.take();
        }
    }
}
