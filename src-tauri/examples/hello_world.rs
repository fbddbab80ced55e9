//! A Tauri "hello world" built with the app's own toolchain, Tauri and WebKitGTK: the
//! baseline `tests/desktop/footprint.sh` measures beside the app, so the app's idle
//! memory and its start-up are read against what any Tauri app costs on the same machine.
//! `cargo build --release -p switchboard --example hello_world --features hello-world`

fn main() {
    let started = std::time::Instant::now();
    // The one addition to a plain hello world: the line the app logs on its first load,
    // so the two start-ups are timed alike (the window is shown from the start here).
    let logged = std::sync::atomic::AtomicBool::new(false);
    if let Err(e) = tauri::Builder::default()
        .on_page_load(move |_, payload| {
            if payload.event() == tauri::webview::PageLoadEvent::Finished
                && !logged.swap(true, std::sync::atomic::Ordering::Relaxed)
            {
                eprintln!(
                    "window loaded since_start_ms={}",
                    started.elapsed().as_millis()
                );
            }
        })
        .run(tauri::generate_context!(
            "../tests/desktop/hello-world/tauri.conf.json"
        ))
    {
        eprintln!("hello_world: {e}");
        std::process::exit(1);
    }
}
