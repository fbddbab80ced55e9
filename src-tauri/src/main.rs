//! `switchboard`: the desktop app. Thin glue: the controller (`switchboard-app`) and the
//! client engine do the work, the web UI in `ui/` draws it, and these modules connect
//! the two: commands in, events out, tray, windows, notifications.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod bridge;
mod commands;
mod deep_link;
mod notify;
mod tray;
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
    /// A `switchboard://call/<username>` link to open.
    link: Option<String>,
}

fn paths(data_dir: Option<PathBuf>) -> Result<Paths> {
    let dir = match data_dir {
        Some(dir) => dir,
        None => directories::ProjectDirs::from("", "", "switchboard")
            .map(|d| d.data_dir().to_path_buf())
            .context("cannot find an OS data directory for this user; pass --data-dir")?,
    };
    Ok(Paths {
        settings_file: dir.join("settings.json"),
        data_dir: dir.join("server"),
    })
}

fn main() -> Result<()> {
    switchboard_app::return_large_blocks();
    let started = std::time::Instant::now();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tao=warn,wry=warn".into()),
        )
        .init();
    let args = Args::parse();
    let paths = paths(args.data_dir.clone())?;
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
            None,
        ))
        // Every command of commands.rs, listed by build.rs from that file.
        .invoke_handler(include!(concat!(env!("OUT_DIR"), "/handler.rs")))
        .setup(move |app| {
            let shell = bridge::TauriShell::new(app.handle().clone());
            let controller = Controller::new(paths, TokenStore::default(), shell.clone());
            let quit = controller.clone();
            shell.set_tray(tray::Tray::build(app.handle(), move |app| {
                let (controller, app) = (quit.clone(), app.clone());
                tauri::async_runtime::spawn(async move {
                    controller.shut_down().await;
                    app.exit(0);
                });
            }));
            app.manage(shell);
            app.manage(controller.clone());
            deep_link::listen(app.handle());
            windows::show_when_loaded(app.handle());
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                controller.resume(embedded).await;
                if let Some(link) = first_link {
                    deep_link::open(&handle, &link);
                }
            });
            Ok(())
        })
        .on_page_load(move |webview, payload| windows::page_loaded(webview, started, payload))
        .on_window_event(|window, event| {
            // Closing hides: the app keeps running in the tray and never drops a call.
            if let WindowEvent::CloseRequested { api, .. } = event
                && window.app_handle().tray_by_id("main").is_some()
            {
                api.prevent_close();
                windows::hide(window);
            }
        })
        .run(tauri::generate_context!("../tauri.conf.json"))
        .context("the app failed to run")?;
    drop(runtime);
    Ok(())
}
