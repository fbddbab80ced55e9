//! Tauri's build step, with the config at the workspace root and an ACL for our commands.
//!
//! tauri-build 2.6, `generate_context!` and tauri-cli (which builds the .deb and .rpm)
//! all read `tauri.conf.json` from this crate's directory and have no way to point it
//! elsewhere, so `src-tauri/tauri.conf.json` is a symlink to the root file, and the paths
//! in it (`../ui/dist`, `../icons/`, `package/`) are relative to this directory.

fn main() {
    // The UI is embedded at compile time; say how to build it instead of a cryptic error.
    let dist = std::path::Path::new("../ui/dist/index.html");
    if !dist.exists() {
        println!(
            "cargo:warning=ui/dist is missing: run `npm --prefix ui ci && npm --prefix ui run build` first"
        );
    }
    println!("cargo:rerun-if-changed=../ui/dist");
    // The commands are listed once, in src/commands.rs: the ACL below, the handler
    // main.rs includes, and the UI's ui/src/commands.ts (crates/app/tests/bindings.rs)
    // are all read from it.
    println!("cargo:rerun-if-changed=src/commands.rs");
    let source = std::fs::read_to_string("src/commands.rs")
        .unwrap_or_else(|e| panic!("cannot read src/commands.rs: {e}"));
    let names = command_names(&source);
    // Tauri refuses a command the window's capability does not allow, at run time and
    // only in the real app ("X not allowed"): every command is checked here instead.
    println!("cargo:rerun-if-changed=capabilities/default.json");
    let capability = std::fs::read_to_string("capabilities/default.json")
        .unwrap_or_else(|e| panic!("cannot read capabilities/default.json: {e}"));
    let missing: Vec<String> = names
        .iter()
        .map(|n| format!("\"allow-{}\"", n.replace('_', "-")))
        .filter(|permission| !capability.contains(permission.as_str()))
        .collect();
    if !missing.is_empty() {
        panic!(
            "src-tauri/capabilities/default.json does not allow these commands of src/commands.rs: add {} to its permissions",
            missing.join(", ")
        );
    }
    let handler = format!(
        "tauri::generate_handler![{}]",
        names
            .iter()
            .map(|n| format!("commands::{n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let out = std::env::var("OUT_DIR").unwrap_or_else(|e| panic!("OUT_DIR: {e}"));
    std::fs::write(std::path::Path::new(&out).join("handler.rs"), handler)
        .unwrap_or_else(|e| panic!("cannot write the command handler: {e}"));
    // The manifest keeps the names for the build script's life: leaking them is that.
    let names: Vec<&'static str> = names
        .into_iter()
        .map(|n| &*Box::leak(n.into_boxed_str()))
        .collect();
    let commands = tauri_build::AppManifest::new().commands(Box::leak(names.into_boxed_slice()));
    let attributes = tauri_build::Attributes::new().app_manifest(commands);
    if let Err(e) = tauri_build::try_build(attributes) {
        panic!("tauri build step failed: {e:#}");
    }
}

/// The name of each `#[tauri::command]` function, in order.
fn command_names(source: &str) -> Vec<String> {
    source
        .split("#[tauri::command]")
        .skip(1)
        .filter_map(|item| {
            let after = item.split("pub async fn ").nth(1)?;
            Some(after.split('(').next()?.trim().to_owned())
        })
        .collect()
}
