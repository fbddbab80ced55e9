//! A virtual X screen (Xvfb) that tests draw known pictures on, so screen sharing can be
//! checked end to end: what was drawn must come out of the other side's decoder.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use switchboard_video::Frame;
use switchboard_video::convert::to_rgba;
use x11rb::connection::Connection;
use x11rb::protocol::xproto::{
    ConnectionExt, CreateGCAux, CreateWindowAux, Gcontext, ImageFormat, Window, WindowClass,
};
use x11rb::rust_connection::RustConnection;
use x11rb::wrapper::ConnectionExt as _;

/// An Xvfb of its own (a free display number, chosen by Xvfb), gone when dropped.
pub struct VirtualScreen {
    xvfb: Child,
    display: String,
    conn: RustConnection,
    root: Window,
    depth: u8,
    gc: Gcontext,
}

impl VirtualScreen {
    /// Starts `Xvfb` with one `width`×`height` 24-bit screen.
    pub fn start(width: u32, height: u32) -> Result<VirtualScreen, String> {
        let mut xvfb = Command::new("Xvfb")
            .args(["-displayfd", "1", "-nolisten", "tcp", "-screen", "0"])
            .arg(format!("{width}x{height}x24"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start Xvfb (apt install xvfb): {e}"))?;
        let mut number = String::new();
        let stdout = xvfb.stdout.take().ok_or("Xvfb gave no stdout")?;
        BufReader::new(stdout)
            .read_line(&mut number)
            .map_err(|e| format!("Xvfb said no display: {e}"))?;
        let display = format!(":{}", number.trim());
        let (conn, screen_num) = RustConnection::connect(Some(&display))
            .map_err(|e| format!("cannot reach Xvfb at {display}: {e}"))?;
        let screen = &conn.setup().roots[screen_num];
        let (root, depth) = (screen.root, screen.root_depth);
        let gc = conn.generate_id().map_err(|e| e.to_string())?;
        conn.create_gc(gc, root, &CreateGCAux::new())
            .map_err(|e| e.to_string())?;
        Ok(VirtualScreen {
            xvfb,
            display,
            conn,
            root,
            depth,
            gc,
        })
    }

    /// Its `DISPLAY` (`:N`).
    pub fn display(&self) -> &str {
        &self.display
    }

    pub fn root(&self) -> Window {
        self.root
    }

    /// A mapped, undecorated window at (`x`, `y`).
    pub fn window(&self, x: i16, y: i16, width: u16, height: u16) -> Result<Window, String> {
        let id = self.conn.generate_id().map_err(|e| e.to_string())?;
        self.conn
            .create_window(
                self.depth,
                id,
                self.root,
                x,
                y,
                width,
                height,
                0,
                WindowClass::INPUT_OUTPUT,
                0,
                &CreateWindowAux::new().override_redirect(1),
            )
            .map_err(|e| e.to_string())?;
        self.conn.map_window(id).map_err(|e| e.to_string())?;
        self.conn.sync().map_err(|e| e.to_string())?;
        Ok(id)
    }

    /// Draws `frame` at the top left of `window`, and waits until the server has it.
    pub fn paint(&self, window: Window, frame: &Frame) -> Result<(), String> {
        let rgba = to_rgba(frame).map_err(|e| e.to_string())?;
        let bgrx: Vec<u8> = rgba
            .chunks_exact(4)
            .flat_map(|p| [p[2], p[1], p[0], 0])
            .collect();
        let row = 4 * frame.width() as usize;
        // In strips: one request may carry at most 256 kB without BIG-REQUESTS.
        let rows_per_strip = (200_000 / row).max(1);
        for (i, strip) in bgrx.chunks(row * rows_per_strip).enumerate() {
            self.conn
                .put_image(
                    ImageFormat::Z_PIXMAP,
                    window,
                    self.gc,
                    frame.width() as u16,
                    (strip.len() / row) as u16,
                    0,
                    (i * rows_per_strip) as i16,
                    0,
                    self.depth,
                    strip,
                )
                .map_err(|e| e.to_string())?;
        }
        self.conn.sync().map_err(|e| e.to_string())
    }
}

impl Drop for VirtualScreen {
    fn drop(&mut self) {
        let _ = self.xvfb.kill();
        let _ = self.xvfb.wait();
    }
}
