//! Which sound host the devices come from, and the names they go by there: ALSA by
//! default on Linux, cpal's PulseAudio host when `SWITCHBOARD_SOUND_HOST` chooses it.
//! The host is connected once and kept (a PulseAudio host is a connection to the sound
//! server); a question that fails is asked again on a fresh connection.

use cpal::traits::{DeviceTrait, HostTrait};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Direction {
    Input,
    Output,
}

impl Direction {
    pub(crate) fn word(self) -> &'static str {
        match self {
            Direction::Input => "input",
            Direction::Output => "output",
        }
    }
}

/// The sound host, connected once: a PulseAudio host is a connection to the sound server,
/// and the device watch asks for the device list four times a second.
static HOST: Mutex<Option<Connected>> = Mutex::new(None);

struct Connected {
    host: Arc<cpal::Host>,
    /// Since when the default stands in for a chosen host that could not be used (its
    /// sound server restarting, say): the chosen one is tried again after
    /// [`RETRY_CHOSEN_AFTER`], so the process does not stay on the stand-in for good.
    stand_in_since: Option<Instant>,
}

const RETRY_CHOSEN_AFTER: Duration = Duration::from_secs(5);

fn host() -> Arc<cpal::Host> {
    let mut connected = HOST.lock().unwrap_or_else(PoisonError::into_inner);
    let retrying = match connected.as_ref() {
        Some(Connected {
            host,
            stand_in_since,
        }) if stand_in_since.is_none_or(|since| since.elapsed() < RETRY_CHOSEN_AFTER) => {
            return host.clone();
        }
        Some(_) => true,
        None => false,
    };
    // Connecting may take up to 2 s (cpal's limit for a sound server that does not
    // answer); the device threads' watches wait meanwhile, their streams do not.
    let (host, stand_in_since) = match chosen_host(retrying) {
        Chosen::Host(host) => (host, None),
        Chosen::Unusable => (default_host(), Some(Instant::now())),
        Chosen::Nothing => (default_host(), None),
    };
    if !(retrying && stand_in_since.is_some()) {
        tracing::info!(host = host.id().name(), "sound devices");
    }
    let host = Arc::new(host);
    *connected = Some(Connected {
        host: host.clone(),
        stand_in_since,
    });
    host
}

/// ALSA on Linux, the platform's own host elsewhere. Not cpal's PulseAudio host, which
/// cpal itself would take where a server runs: its client drops the connection, and with
/// it every stream of the process, when a system call is interrupted (the process stopped
/// and continued, a suspend, a signal), and a call is silent until the streams reopen.
fn default_host() -> cpal::Host {
    #[cfg(target_os = "linux")]
    if let Ok(host) = cpal::host_from_id(cpal::HostId::Alsa) {
        return host;
    }
    cpal::default_host()
}

/// What `SWITCHBOARD_SOUND_HOST` asks for.
enum Chosen {
    Host(cpal::Host),
    /// A host this build has, which cannot be used now.
    Unusable,
    /// Nothing, or a name no host here has.
    Nothing,
}

/// `SWITCHBOARD_SOUND_HOST` names the sound host to use (`alsa`, `pulseaudio`, as
/// `switchboard-cli devices` would then list them): for trying the PulseAudio host, and
/// how the tests keep it working. `retrying`: a failure was told already.
fn chosen_host(retrying: bool) -> Chosen {
    let Ok(chosen) = std::env::var("SWITCHBOARD_SOUND_HOST") else {
        return Chosen::Nothing;
    };
    let id = cpal::available_hosts()
        .into_iter()
        .find(|id| id.name().eq_ignore_ascii_case(&chosen));
    match id.map(cpal::host_from_id) {
        Some(Ok(host)) => Chosen::Host(host),
        Some(Err(e)) if retrying => {
            tracing::debug!(%chosen, error = %e, "SWITCHBOARD_SOUND_HOST still cannot be used");
            Chosen::Unusable
        }
        Some(Err(e)) => {
            tracing::warn!(%chosen, error = %e, "SWITCHBOARD_SOUND_HOST cannot be used now; using the default until it can");
            Chosen::Unusable
        }
        None => {
            let known: Vec<&str> = cpal::available_hosts().iter().map(|id| id.name()).collect();
            tracing::warn!(%chosen, ?known, "SWITCHBOARD_SOUND_HOST names no sound host here; using the default");
            Chosen::Nothing
        }
    }
}

/// Drops the connection to a sound server that stopped answering, so the next look at
/// the devices connects again.
fn reconnect() {
    HOST.lock().unwrap_or_else(PoisonError::into_inner).take();
}

/// Asks `host` for something; once more on a fresh connection when it fails, since the
/// sound server may have restarted (a PipeWire update, `pulseaudio -k`).
fn with_host<T>(ask: impl Fn(&cpal::Host) -> Result<T, cpal::Error>) -> Result<T, cpal::Error> {
    ask(&host()).or_else(|_| {
        reconnect();
        ask(&host())
    })
}

/// Each device of one direction with the name it goes by here: its own (ALSA's, or the
/// sound server's description). On a sound server, where two devices can share a
/// description (two headsets of the same model), the server's id for each is added to
/// theirs. ALSA's names stay as they were: its `hw:`, `plughw:` and `front:` entries for
/// one card share a name, and the first of them is the one a name opens.
pub(crate) fn named_devices(
    direction: Direction,
) -> Result<Vec<(String, cpal::Device)>, cpal::Error> {
    let (host, devices): (cpal::HostId, Vec<cpal::Device>) = with_host(|host| {
        let devices = match direction {
            Direction::Input => host.input_devices()?.collect(),
            Direction::Output => host.output_devices()?.collect(),
        };
        Ok((host.id(), devices))
    })?;
    let names: Vec<String> = devices.iter().map(ToString::to_string).collect();
    Ok(devices
        .into_iter()
        .zip(&names)
        .map(|(device, name)| {
            let shared = names.iter().filter(|n| *n == name).count() > 1;
            let name = match device.id() {
                Ok(id) if shared && names_are_descriptions(host) => {
                    format!("{name} ({})", id.id())
                }
                _ => name.clone(),
            };
            (name, device)
        })
        .collect())
}

/// Whether a host names its devices by the sound server's descriptions.
fn names_are_descriptions(host: cpal::HostId) -> bool {
    #[cfg(target_os = "linux")]
    let descriptions = host == cpal::HostId::PulseAudio;
    #[cfg(not(target_os = "linux"))]
    let descriptions = {
        let _ = host;
        false
    };
    descriptions
}

/// The system's default device among `devices` (as [`named_devices`] gave them), by its
/// name here. On PulseAudio that is the device `PULSE_SOURCE` / `PULSE_SINK` names when
/// set, as for every other PulseAudio client, else the server's default.
pub(crate) fn default_device(
    direction: Direction,
    devices: Vec<(String, cpal::Device)>,
) -> Option<(String, cpal::Device)> {
    let host = host();
    let wanted = match (host.id(), direction) {
        #[cfg(target_os = "linux")]
        (cpal::HostId::PulseAudio, Direction::Input) => std::env::var("PULSE_SOURCE").ok(),
        #[cfg(target_os = "linux")]
        (cpal::HostId::PulseAudio, Direction::Output) => std::env::var("PULSE_SINK").ok(),
        _ => None,
    };
    let by_env = wanted.and_then(|wanted| {
        devices
            .iter()
            .find(|(_, d)| d.id().is_ok_and(|id| id.id() == wanted))
    });
    if let Some((name, device)) = by_env {
        return Some((name.clone(), device.clone()));
    }
    let default = match direction {
        Direction::Input => host.default_input_device(),
        Direction::Output => host.default_output_device(),
    }?;
    // By the name the list gives it; a default the list leaves out keeps its own.
    let listed = default.id().ok().and_then(|id| {
        devices
            .into_iter()
            .find(|(_, d)| d.id().is_ok_and(|other| other == id))
    });
    Some(listed.unwrap_or_else(|| (default.to_string(), default)))
}
