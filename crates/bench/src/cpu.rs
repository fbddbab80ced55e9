//! What the servers cost while a run measures: their RSS and CPU ticks, and the busy
//! share of the cores they are pinned to.

use crate::Args;
use serde_json::{Value, json};
use switchboard_bench::{round, sample};

/// RSS and CPU ticks summed over the server processes.
pub(crate) fn sample_all(pids: &[u32]) -> (u64, u64) {
    pids.iter()
        .filter_map(|&pid| sample(pid))
        .fold((0, 0), |(rss, ticks), (r, t)| (rss + r, ticks + t))
}

/// Busy and total jiffies of the server cores, from /proc/stat: everything that ran there
/// (the instances, and PostgreSQL, Redis and nginx when they are pinned with them).
pub(crate) fn core_ticks(cpus: &[usize]) -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let mut busy = 0;
    let mut total = 0;
    for line in stat.lines() {
        let mut fields = line.split_whitespace();
        let Some(name) = fields.next() else { continue };
        let Some(cpu) = name
            .strip_prefix("cpu")
            .and_then(|n| n.parse::<usize>().ok())
        else {
            continue;
        };
        if !cpus.contains(&cpu) {
            continue;
        }
        let values: Vec<u64> = fields.filter_map(|v| v.parse().ok()).collect();
        let all: u64 = values.iter().take(8).sum();
        let idle = values.get(3).copied().unwrap_or(0) + values.get(4).copied().unwrap_or(0);
        busy += all - idle;
        total += all;
    }
    (busy, total)
}

pub(crate) fn server_cpus(args: &Args) -> Vec<usize> {
    args.server_cpu
        .as_deref()
        .map(|list| {
            list.split(',')
                .filter_map(|c| c.trim().parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Busy share of the server cores between two `core_ticks` readings (100 % = all of them).
pub(crate) fn busy_pct(before: (u64, u64), after: (u64, u64)) -> Value {
    let total = after.1.saturating_sub(before.1);
    if total == 0 {
        return Value::Null;
    }
    json!(round(
        after.0.saturating_sub(before.0) as f64 / total as f64 * 100.0,
        1
    ))
}
