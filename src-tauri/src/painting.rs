//! Where WebKit paints the page. WebKitGTK paints with Skia on the GPU, over GL, by
//! default. A machine with no GPU device (a virtual machine, a remote desktop, a thin
//! client) still gets GL, from Mesa's llvmpipe, which emulates the GPU on the CPU: the page
//! process then holds Skia's GPU textures and caches in its own memory, some 50 MB more
//! for the signed-in window than Skia's CPU painting of the same page (docs/benchmarks.md).
//! So without a GPU the app asks WebKit to paint on the CPU. Compositing stays on either
//! way; only the painting of the page's tiles moves. Programs the app opens (the browser,
//! through xdg-open) inherit the choice, which suits a WebKit browser on the same machine.
//! Not caught: a GPU whose node opens but whose driver Mesa lacks, or a virtual GPU without
//! 3D (virtio-gpu without virgl), where GL is llvmpipe behind a render node.

use std::ffi::OsStr;
use std::path::Path;

/// WebKit's switch: any value but "0" paints on the CPU; "0", or none, on the GPU.
pub const CPU_PAINTING: &str = "WEBKIT_SKIA_ENABLE_CPU_RENDERING";
/// Mesa's switch for software GL even where a GPU is present.
const SOFTWARE_GL: &str = "LIBGL_ALWAYS_SOFTWARE";
/// Where Linux lists GPU devices; hardware GL opens a render node here.
const DRI: &str = "/dev/dri";

/// Where the page is painted, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Painting {
    /// The user set WebKit's switch themselves; it is left as they set it.
    AsTheUserSet,
    /// A GPU is there: WebKit's default.
    Gpu,
    /// No GPU device, or software GL asked for: GL would run on the CPU anyway.
    Cpu,
}

/// The choice, from what the environment says and whether a GPU render node exists.
pub fn choose(user_set_switch: bool, software_gl_asked: bool, render_node: bool) -> Painting {
    if user_set_switch {
        Painting::AsTheUserSet
    } else if software_gl_asked || !render_node {
        Painting::Cpu
    } else {
        Painting::Gpu
    }
}

/// Mesa's reading of a boolean variable: "1", "true", "yes" and "y" are on.
fn is_on(value: Option<&OsStr>) -> bool {
    value
        .and_then(OsStr::to_str)
        .is_some_and(|v| ["1", "true", "yes", "y"].contains(&v.to_ascii_lowercase().as_str()))
}

/// Whether `dri` holds a render node (`renderD128`, …) this user can open: no GPU driver,
/// no node; and one the session may not open (a remote desktop's user outside the
/// `render` group, a container's device rules) leaves Mesa on llvmpipe too.
fn has_render_node(dri: &Path) -> bool {
    std::fs::read_dir(dri).is_ok_and(|entries| {
        entries.flatten().any(|entry| {
            entry.file_name().to_string_lossy().starts_with("renderD")
                && std::fs::OpenOptions::new()
                    .read(true)
                    .write(true)
                    .open(entry.path())
                    .is_ok()
        })
    })
}

/// Chooses for this machine and sets WebKit's switch, which its page process inherits.
/// It changes the environment, which is only sound while no other thread reads it: `main`
/// calls it before the log writer's thread starts (`logs::init`).
pub fn choose_for_this_machine() -> Painting {
    let painting = choose(
        std::env::var_os(CPU_PAINTING).is_some(),
        is_on(std::env::var_os(SOFTWARE_GL).as_deref()),
        has_render_node(Path::new(DRI)),
    );
    if painting == Painting::Cpu {
        // Ours start later; the one thread that may already run is JavaScriptCore's
        // memory scavenger (libpas), started by a constructor of libwebkit2gtk as the
        // library loads, before `main`. It returns memory on a timer and reads no
        // environment variables.
        debug_assert!(
            std::fs::read_dir("/proc/self/task").map_or(0, Iterator::count) <= 2,
            "the environment is changed while threads of ours run"
        );
        // SAFETY: no thread of ours exists yet, and the scavenger above does not touch the
        // environment.
        unsafe { std::env::set_var(CPU_PAINTING, "1") };
    }
    painting
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_combination_is_decided() {
        use Painting::*;
        // (the user set WebKit's switch, software GL asked for, a render node): choice
        let table = [
            ((false, false, false), Cpu),
            ((false, false, true), Gpu),
            ((false, true, false), Cpu),
            ((false, true, true), Cpu),
            ((true, false, false), AsTheUserSet),
            ((true, false, true), AsTheUserSet),
            ((true, true, false), AsTheUserSet),
            ((true, true, true), AsTheUserSet),
        ];
        for ((user_set, software, node), expected) in table {
            assert_eq!(
                choose(user_set, software, node),
                expected,
                "{user_set} {software} {node}"
            );
        }
    }

    #[test]
    fn mesa_booleans_are_read_as_mesa_reads_them() {
        for on in ["1", "true", "TRUE", "yes", "y"] {
            assert!(is_on(Some(OsStr::new(on))), "{on}");
        }
        for off in ["0", "false", "no", "", "2", " 1"] {
            assert!(!is_on(Some(OsStr::new(off))), "{off}");
        }
        assert!(!is_on(None));
    }

    #[test]
    fn a_render_node_is_found_among_other_devices() -> std::io::Result<()> {
        let dri = tempfile::tempdir()?;
        assert!(!has_render_node(dri.path()), "empty");
        std::fs::write(dri.path().join("card0"), b"")?;
        assert!(!has_render_node(dri.path()), "a display device alone");
        // One that cannot be opened for reading and writing (here a directory, which root
        // cannot open so either) is no GPU for this session.
        std::fs::create_dir(dri.path().join("renderD129"))?;
        assert!(!has_render_node(dri.path()), "a node this user cannot open");
        std::fs::write(dri.path().join("renderD128"), b"")?;
        assert!(has_render_node(dri.path()));
        assert!(
            !has_render_node(&dri.path().join("missing")),
            "no /dev/dri at all"
        );
        Ok(())
    }
}
