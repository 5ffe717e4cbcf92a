//! Prometheus metrics, rendered as text without a metrics
//! library: HTTP requests and latency by route (kept in memory), and job
//! counts by direction and state, job durations and queue depth (read from
//! the job store at scrape time, so CLI jobs count too).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

use artisync_jobs::JobStore;

const HTTP_BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];
const JOB_BUCKETS: [f64; 10] = [0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 60.0];

#[derive(Default, Clone)]
struct Histogram {
    counts: Vec<u64>,
    sum: f64,
    count: u64,
}

impl Histogram {
    fn observe(&mut self, buckets: &[f64], v: f64) {
        if self.counts.is_empty() {
            self.counts = vec![0; buckets.len()];
        }
        for (i, b) in buckets.iter().enumerate() {
            if v <= *b {
                self.counts[i] += 1;
            }
        }
        self.sum += v;
        self.count += 1;
    }

    fn render(&self, out: &mut String, name: &str, labels: &str, buckets: &[f64]) {
        let sep = if labels.is_empty() { "" } else { "," };
        for (i, b) in buckets.iter().enumerate() {
            let c = self.counts.get(i).copied().unwrap_or(0);
            let _ = writeln!(out, "{name}_bucket{{{labels}{sep}le=\"{b}\"}} {c}");
        }
        let _ = writeln!(
            out,
            "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {}",
            self.count
        );
        let _ = writeln!(out, "{name}_sum{{{labels}}} {}", self.sum);
        let _ = writeln!(out, "{name}_count{{{labels}}} {}", self.count);
    }
}

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    latency: Mutex<BTreeMap<String, Histogram>>,
}

fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

impl Metrics {
    pub fn observe_http(&self, method: &str, route: &str, status: u16, took: Duration) {
        if let Ok(mut r) = self.requests.lock() {
            *r.entry((method.to_string(), route.to_string(), status))
                .or_default() += 1;
        }
        if let Ok(mut l) = self.latency.lock() {
            l.entry(route.to_string())
                .or_default()
                .observe(&HTTP_BUCKETS, took.as_secs_f64());
        }
    }

    /// The Prometheus text exposition of everything.
    pub fn render(&self, jobs: &JobStore) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP artisync_http_requests_total HTTP requests by method, route and status.\n",
        );
        out.push_str("# TYPE artisync_http_requests_total counter\n");
        if let Ok(r) = self.requests.lock() {
            for ((m, route, s), n) in r.iter() {
                let _ = writeln!(
                    out,
                    "artisync_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{s}\"}} {n}",
                    label(m),
                    label(route)
                );
            }
        }
        out.push_str("# HELP artisync_http_request_duration_seconds HTTP latency by route.\n");
        out.push_str("# TYPE artisync_http_request_duration_seconds histogram\n");
        if let Ok(l) = self.latency.lock() {
            for (route, h) in l.iter() {
                h.render(
                    &mut out,
                    "artisync_http_request_duration_seconds",
                    &format!("route=\"{}\"", label(route)),
                    &HTTP_BUCKETS,
                );
            }
        }
        out.push_str("# HELP artisync_jobs_total Jobs by direction and state (success, conflict, error, cancelled, or still queued/running).\n");
        out.push_str("# TYPE artisync_jobs_total gauge\n");
        let counts = jobs.counts().unwrap_or_default();
        let mut queued = 0;
        let mut running = 0;
        for (direction, state, n) in &counts {
            let _ = writeln!(
                out,
                "artisync_jobs_total{{direction=\"{}\",state=\"{}\"}} {n}",
                label(direction),
                label(state)
            );
            match state.as_str() {
                "queued" => queued += n,
                "running" => running += n,
                _ => {}
            }
        }
        out.push_str("# HELP artisync_job_queue_depth Jobs waiting for a worker.\n# TYPE artisync_job_queue_depth gauge\n");
        let _ = writeln!(out, "artisync_job_queue_depth {queued}");
        out.push_str(
            "# HELP artisync_jobs_running Jobs being run.\n# TYPE artisync_jobs_running gauge\n",
        );
        let _ = writeln!(out, "artisync_jobs_running {running}");
        out.push_str(
            "# HELP artisync_job_duration_seconds Duration of finished jobs by direction.\n",
        );
        out.push_str("# TYPE artisync_job_duration_seconds histogram\n");
        let mut by_dir: BTreeMap<String, Histogram> = BTreeMap::new();
        for (direction, ms) in jobs.durations().unwrap_or_default() {
            by_dir
                .entry(direction)
                .or_default()
                .observe(&JOB_BUCKETS, ms as f64 / 1000.0);
        }
        for (direction, h) in &by_dir {
            h.render(
                &mut out,
                "artisync_job_duration_seconds",
                &format!("direction=\"{}\"", label(direction)),
                &JOB_BUCKETS,
            );
        }
        out
    }
}
