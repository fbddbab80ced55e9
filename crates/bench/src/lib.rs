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

/// The cumulative buckets (`le` upper bound in seconds → count) of one Prometheus
/// histogram in a `/metrics` text, e.g. `switchboard_invite_handling_seconds`; `labels`
/// picks one series of a labelled one (`mode="write",`, as the exporter prints them
/// before `le`), or is empty. Several texts (one per instance) add up into `into`.
pub fn histogram_buckets(text: &str, name: &str, labels: &str, into: &mut Vec<(f64, f64)>) {
    let prefix = format!("{name}_bucket{{{labels}le=\"");
    for line in text.lines() {
        let Some(rest) = line.strip_prefix(&prefix) else {
            continue;
        };
        let Some((le, count)) = rest.split_once("\"} ") else {
            continue;
        };
        let le = if le == "+Inf" {
            f64::INFINITY
        } else {
            match le.parse::<f64>() {
                Ok(le) => le,
                Err(_) => continue,
            }
        };
        let Ok(count) = count.trim().parse::<f64>() else {
            continue;
        };
        match into.iter_mut().find(|(bound, _)| *bound == le) {
            Some((_, total)) => *total += count,
            None => into.push((le, count)),
        }
    }
    into.sort_by(|a, b| a.0.total_cmp(&b.0));
}

/// The `q` quantile of cumulative buckets, interpolated linearly inside the bucket it
/// falls in, as Prometheus's `histogram_quantile` does (in the same unit as the bounds).
/// `None` without observations; the last finite bound when it falls in `+Inf`.
pub fn histogram_quantile(q: f64, buckets: &[(f64, f64)]) -> Option<f64> {
    let total = buckets.last()?.1;
    if total <= 0.0 {
        return None;
    }
    let rank = q * total;
    let (mut lower, mut below) = (0.0, 0.0);
    for &(bound, count) in buckets {
        if count >= rank {
            if bound.is_infinite() {
                return Some(lower);
            }
            let inside = count - below;
            let share = if inside > 0.0 {
                (rank - below) / inside
            } else {
                1.0
            };
            return Some(lower + (bound - lower) * share);
        }
        (lower, below) = (bound, count);
    }
    Some(lower)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "# TYPE h histogram
h_bucket{le=\"0.001\"} 50
h_bucket{le=\"0.002\"} 90
h_bucket{le=\"0.005\"} 100
h_bucket{le=\"+Inf\"} 100
h_sum 0.12
h_count 100
";

    #[test]
    fn quantiles_interpolate_inside_their_bucket_and_instances_add_up() {
        let mut buckets = Vec::new();
        histogram_buckets(TEXT, "h", "", &mut buckets);
        assert_eq!(buckets.len(), 4);
        let q = |q, buckets: &[(f64, f64)]| histogram_quantile(q, buckets).expect("observations");
        assert!((q(0.5, &buckets) - 0.001).abs() < 1e-12);
        assert!((q(0.7, &buckets) - 0.0015).abs() < 1e-12);
        assert!((q(0.99, &buckets) - (0.002 + 0.003 * 0.9)).abs() < 1e-12);
        // A second instance with the same counts: the same quantiles, twice the total.
        histogram_buckets(TEXT, "h", "", &mut buckets);
        assert_eq!(buckets.last().map(|b| b.1), Some(200.0));
        assert!((q(0.7, &buckets) - 0.0015).abs() < 1e-12);
        // Other metrics and empty histograms.
        let mut none = Vec::new();
        histogram_buckets(TEXT, "other", "", &mut none);
        assert_eq!(histogram_quantile(0.99, &none), None);
        assert_eq!(
            histogram_quantile(0.99, &[(1.0, 0.0), (f64::INFINITY, 0.0)]),
            None
        );
        // Beyond the last finite bound: that bound.
        assert_eq!(
            histogram_quantile(0.99, &[(1.0, 1.0), (f64::INFINITY, 10.0)]),
            Some(1.0)
        );
    }

    #[test]
    fn one_series_of_a_labelled_histogram_is_read_alone() {
        let text = "t_bucket{mode=\"read\",le=\"0.001\"} 10
t_bucket{mode=\"read\",le=\"+Inf\"} 10
t_bucket{mode=\"write\",le=\"0.001\"} 1
t_bucket{mode=\"write\",le=\"+Inf\"} 4
";
        let mut write = Vec::new();
        histogram_buckets(text, "t", "mode=\"write\",", &mut write);
        assert_eq!(write, vec![(0.001, 1.0), (f64::INFINITY, 4.0)]);
        let mut unlabelled = Vec::new();
        histogram_buckets(text, "t", "", &mut unlabelled);
        assert!(unlabelled.is_empty());
    }
}
