//! The desktop's idle time (no keyboard or mouse input), for auto-away: the X server's
//! screen-saver extension, asked every few seconds on a thread of its own.
//!
//! On Wayland the X server (XWayland) sees only input to X applications, so its idle
//! time would send people away while they type elsewhere: auto-away stays off there.

use std::sync::Arc;
use std::time::Duration;
use switchboard_app::Controller;
use switchboard_app::auto_away::POLL;
use x11rb::connection::Connection;
use x11rb::protocol::screensaver::ConnectionExt as _;
use x11rb::rust_connection::RustConnection;

/// Starts the auto-away thread, when the desktop can say how long it has been idle.
pub fn watch(controller: Arc<Controller>) {
    if std::env::var_os("WAYLAND_DISPLAY").is_some() {
        tracing::info!("auto-away is off on Wayland (its idle time is not readable here)");
        return;
    }
    let idle = match X11Idle::connect() {
        Ok(idle) => idle,
        Err(e) => {
            tracing::info!(error = %e, "auto-away is off: cannot read the idle time");
            return;
        }
    };
    let spawned = std::thread::Builder::new()
        .name("auto-away".into())
        .spawn(move || {
            loop {
                std::thread::sleep(POLL);
                let since_input = idle.since_input();
                if let Err(e) =
                    tauri::async_runtime::block_on(controller.auto_away_tick(since_input))
                {
                    tracing::info!(error = %e, "auto-away could not change the status");
                }
            }
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "auto-away is off: no thread for it");
    }
}

struct X11Idle {
    connection: RustConnection,
    root: u32,
}

impl X11Idle {
    fn connect() -> Result<X11Idle, String> {
        let (connection, screen) = x11rb::connect(None).map_err(|e| e.to_string())?;
        let root = connection
            .setup()
            .roots
            .get(screen)
            .map(|s| s.root)
            .ok_or("the X server named no screen")?;
        let idle = X11Idle { connection, root };
        idle.since_input()
            .ok_or("the X server has no screen-saver extension")?;
        Ok(idle)
    }

    /// Time since the last input on any X client; `None` if the server does not say.
    fn since_input(&self) -> Option<Duration> {
        let reply = self
            .connection
            .screensaver_query_info(self.root)
            .ok()?
            .reply()
            .ok()?;
        Some(Duration::from_millis(reply.ms_since_user_input.into()))
    }
}
