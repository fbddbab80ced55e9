//! The sound server as tests read it: `pactl`'s short listings. Shared by the tests that
//! check where a stream plays (`#[path]`-included: they live in different crates).

use std::process::Command;

/// `pactl list short <what>` as rows of columns.
pub fn pactl_list(what: &str) -> Vec<Vec<String>> {
    let out = Command::new("pactl")
        .args(["list", "short", what])
        .output()
        .expect("pactl");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split('\t').map(str::to_owned).collect())
        .collect()
}

/// The names of the sinks the server's streams are playing to.
pub fn sinks_playing() -> Vec<String> {
    let sinks = pactl_list("sinks");
    let name_of = |index: &str| {
        sinks
            .iter()
            .find(|s| s.first().map(String::as_str) == Some(index))
            .and_then(|s| s.get(1).cloned())
            .unwrap_or_else(|| format!("sink #{index}"))
    };
    pactl_list("sink-inputs")
        .iter()
        .filter_map(|input| input.get(1).map(|sink| name_of(sink)))
        .collect()
}
