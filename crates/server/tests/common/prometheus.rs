//! Reading a server's `--metrics-listen` endpoint: where it is, and one sample of it.

use super::process::Served;
use reqwest::StatusCode;

impl Served {
    /// `http://ADDR/metrics` of a server started with `--metrics-listen`, from its log.
    pub fn metrics_url(&self) -> String {
        let log = self.log();
        let addr = log
            .lines()
            .find(|l| l.contains("metrics at GET /metrics"))
            .and_then(|line| line.split("addr=").nth(1))
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("no metrics address in the log:\n{log}"));
        format!("http://{addr}/metrics")
    }
}

/// The metrics text at `url`.
pub async fn scrape(url: &str) -> String {
    let res = reqwest::get(url).await.expect("scrape /metrics");
    assert_eq!(res.status(), StatusCode::OK);
    res.text().await.expect("the metrics text")
}

/// The value of the sample `name{labels}` (the whole series name as Prometheus prints
/// it), or 0 when it is not there yet.
pub fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|l| {
            l.strip_prefix(series)?
                .strip_prefix(' ')?
                .trim()
                .parse()
                .ok()
        })
        .unwrap_or(0.0)
}
