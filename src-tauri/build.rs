//! Tauri's build step, with the config at the workspace root and an ACL for our commands.
//!
//! tauri-build 2.6 reads `tauri.conf.json` from this crate's directory and has no way to
//! point it elsewhere (`Attributes::config_path` does not exist; `TAURI_CONFIG` only
//! merges), so `src-tauri/tauri.conf.json` is a symlink to the root file. The app itself
//! embeds the root file through `generate_context!("../tauri.conf.json")`, so the paths
//! in it (`ui/dist`, `icons/`) are relative to the workspace root.

fn main() {
    // The UI is embedded at compile time; say how to build it instead of a cryptic error.
    let dist = std::path::Path::new("../ui/dist/index.html");
    if !dist.exists() {
        println!(
            "cargo:warning=ui/dist is missing: run `npm --prefix ui ci && npm --prefix ui run build` first"
        );
    }
    println!("cargo:rerun-if-changed=../ui/dist");
    let commands = tauri_build::AppManifest::new().commands(&[
        "app_state",
        "host_team",
        "sign_in",
        "sign_out",
        "set_status",
        "call_user",
        "answer_call",
        "reject_call",
        "hang_up",
        "set_muted",
        "call_history",
        "list_devices",
        "save_settings",
        "add_teammate",
    ]);
    let attributes = tauri_build::Attributes::new().app_manifest(commands);
    if let Err(e) = tauri_build::try_build(attributes) {
        panic!("tauri build step failed: {e:#}");
    }
}
