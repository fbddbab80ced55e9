//! A Tauri "hello world" built with the app's own toolchain, Tauri and WebKitGTK: the
//! baseline `tests/desktop/footprint.sh` measures beside the app, so the app's idle
//! memory is read against what any Tauri app costs on the same machine.
//! `cargo build --release -p switchboard --example hello_world --features hello-world`

fn main() {
    if let Err(e) = tauri::Builder::default().run(tauri::generate_context!(
        "../tests/desktop/hello-world/tauri.conf.json"
    )) {
        eprintln!("hello_world: {e}");
        std::process::exit(1);
    }
}
