//! The real `switchboard-server` binary as a child process.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const BIN: &str = env!("CARGO_BIN_EXE_switchboard-server");

/// A `serve` process whose stderr is collected, and the address it reported.
pub struct Served {
    pub child: Child,
    /// `https://` when it said it serves HTTPS.
    pub url: String,
    pub log: Arc<Mutex<String>>,
}

impl Served {
    /// Starts `command` (a `serve` with its arguments) at debug level and waits for the
    /// address it listens on.
    pub fn spawn(mut command: Command) -> Served {
        let mut child = command
            .env("RUST_LOG", "debug")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn serve");
        let stderr = child.stderr.take().expect("stderr");
        let log = Arc::new(Mutex::new(String::new()));
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(addr) = line
                    .split("addr=")
                    .nth(1)
                    .and_then(|rest| rest.split_whitespace().next())
                    .filter(|_| line.contains("listening"))
                {
                    let scheme =
                        if line.contains("scheme=https") || line.contains("scheme=\"https\"") {
                            "https"
                        } else {
                            "http"
                        };
                    let _ = addr_tx.send(format!("{scheme}://{addr}"));
                }
                if let Ok(mut log) = sink.lock() {
                    log.push_str(&line);
                    log.push('\n');
                }
            }
        });
        let url = addr_rx
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|_| {
                let _ = child.kill();
                panic!(
                    "server did not report its address; log: {}",
                    log.lock().map(|l| l.clone()).unwrap_or_default()
                )
            });
        Served { child, url, log }
    }

    /// Everything it logged so far.
    pub fn log(&self) -> String {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// SIGKILL: no shutdown code runs.
    pub fn kill_9(&mut self) {
        self.child.kill().expect("kill -9");
        let _ = self.child.wait();
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
