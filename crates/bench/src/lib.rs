//! Shared by the benchmark binaries: process CPU and memory from /proc, percentiles.

use serde_json::{Value, json};

/// RSS (bytes) and CPU ticks (user + system) of a process, from /proc.
pub fn sample(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let rss_kb: u64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some((rss_kb * 1024, ticks))
}

/// Clock ticks per second in /proc/<pid>/stat (USER_HZ, 100 on Linux).
pub const TICKS_PER_SECOND: f64 = 100.0;

pub fn round(x: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (x * f).round() / f
}

/// p50/p95/p99/max in milliseconds of sorted microsecond samples.
pub fn percentiles(sorted_us: &[u64]) -> Value {
    if sorted_us.is_empty() {
        return json!(null);
    }
    let at =
        |q: f64| sorted_us[((sorted_us.len() as f64 - 1.0) * q).round() as usize] as f64 / 1000.0;
    json!({
        "p50": round(at(0.50), 3),
        "p95": round(at(0.95), 3),
        "p99": round(at(0.99), 3),
        "max": round(at(1.0), 3),
        "n": sorted_us.len(),
    })
}
