//! The tray icon: who I am and my status, missed calls, call-backs due, Show and Quit.

use tauri::image::Image;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::{MouseButton, MouseButtonState, TrayIcon, TrayIconBuilder, TrayIconEvent};
use tauri::{AppHandle, Wry};

/// The menu lines that change, and the icon that shows the missed-call count.
pub struct Tray {
    icon: TrayIcon<Wry>,
    /// The app's icon without a badge.
    plain: Option<Image<'static>>,
    status: MenuItem<Wry>,
    missed: MenuItem<Wry>,
    callbacks: MenuItem<Wry>,
}

impl Tray {
    /// Builds the tray. A desktop without a tray (no status-notifier host) gets a warning
    /// and an app that still works from its window.
    pub fn build(
        app: &AppHandle,
        on_quit: impl Fn(&AppHandle) + Send + Sync + 'static,
    ) -> Option<Tray> {
        match build(app, on_quit) {
            Ok(tray) => Some(tray),
            Err(e) => {
                tracing::warn!(error = %e, "no tray icon");
                None
            }
        }
    }

    pub fn set_status(&self, text: &str) {
        let _ = self.status.set_text(text);
    }

    pub fn set_missed(&self, count: u32) {
        let text = match count {
            0 => "No missed calls".to_owned(),
            1 => "1 missed call".to_owned(),
            n => format!("{n} missed calls"),
        };
        let _ = self.missed.set_text(text);
        self.set_badge(count);
    }

    /// The count drawn on the icon itself (a red disc, "9+" above nine).
    fn set_badge(&self, count: u32) {
        let Some(plain) = &self.plain else { return };
        let (width, height) = (plain.width(), plain.height());
        if width != height {
            return;
        }
        let pixels = switchboard_app::badge::draw(plain.rgba(), width, count);
        let icon = Image::new_owned(pixels, width, height);
        if let Err(e) = self.icon.set_icon(Some(icon)) {
            tracing::info!(error = %e, "cannot draw the missed-call count on the tray icon");
        }
        let tooltip = match count {
            0 => "Switchboard".to_owned(),
            n => format!("Switchboard — {} missed", switchboard_app::badge::label(n)),
        };
        let _ = self.icon.set_tooltip(Some(tooltip));
    }

    /// Call-backs due now (or overdue).
    pub fn set_callbacks_due(&self, count: usize) {
        let text = match count {
            0 => "No call-backs due".to_owned(),
            1 => "1 call-back due".to_owned(),
            n => format!("{n} call-backs due"),
        };
        let _ = self.callbacks.set_text(text);
    }
}

fn build(
    app: &AppHandle,
    on_quit: impl Fn(&AppHandle) + Send + Sync + 'static,
) -> tauri::Result<Tray> {
    let status = MenuItem::with_id(app, "status", "Not signed in", false, None::<&str>)?;
    let missed = MenuItem::with_id(app, "missed", "No missed calls", false, None::<&str>)?;
    let callbacks = MenuItem::with_id(app, "callbacks", "No call-backs due", false, None::<&str>)?;
    let show = MenuItem::with_id(app, "show", "Show Switchboard", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, "quit", "Quit", true, None::<&str>)?;
    let separator = PredefinedMenuItem::separator(app)?;
    let menu = Menu::with_items(
        app,
        &[&status, &missed, &callbacks, &separator, &show, &quit],
    )?;
    let mut builder = TrayIconBuilder::with_id("main")
        .tooltip("Switchboard")
        .menu(&menu)
        .on_menu_event(move |app, event| match event.id().as_ref() {
            "show" => crate::windows::show(app),
            "quit" => on_quit(app),
            _ => {}
        })
        .on_tray_icon_event(|tray, event| {
            if let TrayIconEvent::Click {
                button: MouseButton::Left,
                button_state: MouseButtonState::Up,
                ..
            } = event
            {
                crate::windows::show(tray.app_handle());
            }
        });
    let plain = app.default_window_icon().map(|i| i.clone().to_owned());
    if let Some(icon) = &plain {
        builder = builder.icon(icon.clone());
    }
    let icon = builder.build(app)?;
    Ok(Tray {
        icon,
        plain,
        status,
        missed,
        callbacks,
    })
}
