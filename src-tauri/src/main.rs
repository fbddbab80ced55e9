//! `switchboard`: the desktop app. Thin glue: the controller (`switchboard-app`) and the
//! client engine do the work, the web UI in `ui/` draws it, and these modules connect
//! the two: commands in, events out, tray, windows, notifications.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod bridge;
mod callbox;
mod commands;
mod deep_link;
mod idle;
mod logs;
mod notify;
#[cfg(target_os = "linux")]
mod painting;
mod shortcuts;
mod startup;
mod tray;
mod video;
mod windows;

use anyhow::{Context, Result};
use clap::Parser;
use std::net::SocketAddr;
use std::path::PathBuf;
use switchboard_app::{Controller, Paths};
use switchboard_client::token_store::TokenStore;
use tauri::{Manager, WindowEvent};

#[derive(Parser, Debug)]
#[command(
    name = "switchboard",
    version,
    about = "Switchboard: call your colleagues"
)]
struct Args {
    /// Host the team's backend in this app (all-in-one), as the first-run choice does.
    #[arg(long)]
    embedded: bool,
    /// Where the embedded backend listens.
    #[arg(long, env = "SWITCHBOARD_LISTEN", default_value = switchboard_app::DEFAULT_LISTEN)]
    listen: SocketAddr,
    /// Settings and the embedded backend's database [default: the OS data directory].
    #[arg(long, env = "SWITCHBOARD_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Started by the desktop session (autostart): with "start minimised" on, the
    /// window stays in the tray.
    #[arg(long)]
    autostarted: bool,
    /// A `switchboard://call/<username>` link to open.
    link: Option<String>,
}

/// What the autostart entry passes, so a start with the session can be told apart.
const AUTOSTARTED: &str = "--autostarted";

/// The app's folder: settings, logs and the embedded backend's data.
fn app_dir(data_dir: Option<PathBuf>) -> Result<PathBuf> {
    match data_dir {
        Some(dir) => Ok(dir),
        None => directories::ProjectDirs::from("", "", "switchboard")
            .map(|d| d.data_dir().to_path_buf())
            .context("cannot find an OS data directory for this user; pass --data-dir"),
    }
}

fn paths(dir: &std::path::Path) -> Paths {
    Paths {
        settings_file: dir.join("settings.json"),
        data_dir: dir.join("server"),
    }
}

fn main() -> Result<()> {
    let started = startup::main_entered();
    switchboard_app::return_large_blocks();
    #[cfg(target_os = "linux")]
    let painting = painting::choose_for_this_machine();
    let args = Args::parse();
    let dir = app_dir(args.data_dir.clone())?;
    let _flush_logs = logs::init(&dir.join("logs"));
    #[cfg(target_os = "linux")]
    tracing::info!(?painting, "WebKit paints the page");
    let paths = paths(&dir);
    let settings = switchboard_app::settings::Saved::load(&paths.settings_file).settings;
    if args.autostarted && settings.start_minimised {
        tracing::info!("started with the session: the window stays in the tray");
        windows::start_hidden();
    }
    // One async worker: calls need a few percent of a core, and a second worker only
    // adds cross-thread wake-ups (docs/benchmarks.md).
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    tauri::async_runtime::set(runtime.handle().clone());
    let embedded = args.embedded.then_some(args.listen);
    let first_link = args.link.clone();

    tauri::Builder::default()
        .plugin(tauri_plugin_single_instance::init(|app, argv, _cwd| {
            // A second launch (or a clicked link) lands here: show the running app.
            windows::show(app);
            if let Some(link) = argv.iter().skip(1).find(|a| a.contains("://")) {
                deep_link::open(app, link);
            }
        }))
        .plugin(tauri_plugin_deep_link::init())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_autostart::init(
            tauri_plugin_autostart::MacosLauncher::LaunchAgent,
            Some(vec![AUTOSTARTED]),
        ))
        .plugin(shortcuts::plugin())
        // The main window's size and position across restarts; the callbox always
        // opens in the corner.
        .plugin(
            tauri_plugin_window_state::Builder::new()
                .with_state_flags(windows::geometry())
                .with_denylist(&[callbox::LABEL])
                .build(),
        )
        // Every command of commands.rs, listed by build.rs from that file.
        .invoke_handler(include!(concat!(env!("OUT_DIR"), "/handler.rs")))
        .setup(move |app| {
            startup::reached(startup::Mark::SetupBegins);
            let shell = bridge::TauriShell::new(app.handle().clone());
            let controller = Controller::new(paths, TokenStore::default(), shell.clone());
            let quit = controller.clone();
            shell.set_tray(tray::Tray::build(app.handle(), move |app| {
                let (controller, app) = (quit.clone(), app.clone());
                tauri::async_runtime::spawn(async move {
                    windows::save_geometry(&app);
                    controller.shut_down().await;
                    app.exit(0);
                });
            }));
            app.manage(shell);
            app.manage(controller.clone());
            idle::watch(controller.clone());
            deep_link::listen(app.handle());
            windows::show_when_loaded(app.handle());
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                controller.resume(embedded).await;
                if let Some(link) = first_link {
                    deep_link::open(&handle, &link);
                }
            });
            startup::reached(startup::Mark::SetupEnds);
            Ok(())
        })
        .on_page_load(move |webview, payload| {
            if windows::page_loaded(webview, started, payload) {
                // After the main window, so that start-up does not wait for it.
                let app = webview.app_handle().clone();
                shortcuts::apply_at_start(&app);
                deep_link::register_scheme(&app);
                tauri::async_runtime::spawn(async move { callbox::prepare(&app) });
            }
        })
        .on_window_event(|window, event| match event {
            // Closing hides: the app keeps running in the tray and never drops a call.
            WindowEvent::CloseRequested { api, .. }
                if window.app_handle().tray_by_id("main").is_some() =>
            {
                api.prevent_close();
                windows::hide(window);
            }
            WindowEvent::Moved(_) | WindowEvent::Resized(_) if window.label() == windows::MAIN => {
                windows::geometry_changed(window.app_handle());
            }
            _ => {}
        })
        .run(tauri::generate_context!())
        .context("the app failed to run")?;
    drop(runtime);
    Ok(())
}
