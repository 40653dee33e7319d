//! `/metrics` (`FASTERAPI_METRICS=1`, or a path): requests by route and status, a latency
//! histogram, requests in flight and the blocking pool's queue, per core, in Prometheus'
//! text format.
//!
//! Each core writes only its own `CoreMetrics`, behind a mutex that nobody else takes except
//! a scrape (so it is never contended on the request path); a scrape on any core reads every
//! core's.

use std::fmt::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// Upper bounds of the latency buckets, in seconds (finer than Prometheus' defaults at the
/// low end, where this server's answers are).
const BUCKETS: [f64; 14] =
    [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0, 2.5, 10.0];

#[derive(Default)]
struct RouteMetrics {
    /// (status, count), a handful per route.
    statuses: Vec<(u16, u64)>,
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

impl RouteMetrics {
    fn record(&mut self, status: u16, took: Duration) {
        match self.statuses.iter_mut().find(|(s, _)| *s == status) {
            Some((_, n)) => *n += 1,
            None => self.statuses.push((status, 1)),
        }
        let seconds = took.as_secs_f64();
        if let Some(i) = BUCKETS.iter().position(|&b| seconds <= b) {
            self.buckets[i] += 1;
        }
        self.count += 1;
        self.sum += seconds;
    }
}

pub struct CoreMetrics {
    core: usize,
    labels: Vec<String>,
    /// One per route, then one for unmatched requests.
    routes: Vec<RouteMetrics>,
    pub in_flight: i64,
    pub pool_queued: i64,
    /// Requests waiting for the main-interpreter lane (the queue all cores share).
    pub lane_queued: i64,
}

/// The label of requests that matched no route.
const UNMATCHED: &str = "(unmatched)";

impl CoreMetrics {
    /// `route`: an index into the route labels, or `None` for an unmatched request.
    pub fn record(&mut self, route: Option<usize>, status: u16, took: Duration) {
        let i = route.unwrap_or(self.labels.len());
        self.routes[i].record(status, took);
    }
}

/// Every core's metrics, for the process.
#[derive(Default)]
pub struct Registry {
    cores: Mutex<Vec<Arc<Mutex<CoreMetrics>>>>,
}

/// The process's registry.
pub fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(Registry::default)
}

impl Registry {
    /// A core's metrics, registered for scrapes. `labels`: "GET /path" per route.
    pub fn register(&self, core: usize, labels: Vec<String>) -> Arc<Mutex<CoreMetrics>> {
        let routes = (0..=labels.len()).map(|_| RouteMetrics::default()).collect();
        let metrics =
            Arc::new(Mutex::new(CoreMetrics { core, labels, routes, in_flight: 0, pool_queued: 0, lane_queued: 0 }));
        let mut cores = self.cores.lock().unwrap_or_else(|p| p.into_inner());
        cores.retain(|m| m.lock().map(|m| m.core != core).unwrap_or(true));
        cores.push(metrics.clone());
        metrics
    }

    /// The text exposition format (version 0.0.4).
    pub fn render(&self) -> String {
        let cores: Vec<_> = self.cores.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let mut out = String::with_capacity(4096);
        out.push_str("# HELP fasterapi_requests_total Requests answered, by core, route and status.\n");
        out.push_str("# TYPE fasterapi_requests_total counter\n");
        for core in &cores {
            let m = core.lock().unwrap_or_else(|p| p.into_inner());
            for (i, route) in m.routes.iter().enumerate() {
                let label = m.labels.get(i).map_or(UNMATCHED, String::as_str);
                for (status, n) in &route.statuses {
                    let _ = writeln!(
                        out,
                        "fasterapi_requests_total{{core=\"{}\",route=\"{}\",status=\"{status}\"}} {n}",
                        m.core,
                        escape(label)
                    );
                }
            }
        }
        out.push_str("# HELP fasterapi_request_duration_seconds Time from the request to its response's head.\n");
        out.push_str("# TYPE fasterapi_request_duration_seconds histogram\n");
        for core in &cores {
            let m = core.lock().unwrap_or_else(|p| p.into_inner());
            for (i, route) in m.routes.iter().enumerate() {
                if route.count == 0 {
                    continue;
                }
                let label = escape(m.labels.get(i).map_or(UNMATCHED, String::as_str));
                let mut cumulative = 0;
                for (bound, n) in BUCKETS.iter().zip(route.buckets) {
                    cumulative += n;
                    let _ = writeln!(
                        out,
                        "fasterapi_request_duration_seconds_bucket{{core=\"{}\",route=\"{label}\",le=\"{bound}\"}} {cumulative}",
                        m.core
                    );
                }
                let (core, count, sum) = (m.core, route.count, route.sum);
                let _ = writeln!(out, "fasterapi_request_duration_seconds_bucket{{core=\"{core}\",route=\"{label}\",le=\"+Inf\"}} {count}");
                let _ =
                    writeln!(out, "fasterapi_request_duration_seconds_sum{{core=\"{core}\",route=\"{label}\"}} {sum}");
                let _ = writeln!(
                    out,
                    "fasterapi_request_duration_seconds_count{{core=\"{core}\",route=\"{label}\"}} {count}"
                );
            }
        }
        out.push_str("# HELP fasterapi_requests_in_flight Requests being handled.\n");
        out.push_str("# TYPE fasterapi_requests_in_flight gauge\n");
        for core in &cores {
            let m = core.lock().unwrap_or_else(|p| p.into_inner());
            let _ = writeln!(out, "fasterapi_requests_in_flight{{core=\"{}\"}} {}", m.core, m.in_flight);
        }
        out.push_str(
            "# HELP fasterapi_blocking_queue_depth Sync handler calls queued or running in the core's pool.\n",
        );
        out.push_str("# TYPE fasterapi_blocking_queue_depth gauge\n");
        for core in &cores {
            let m = core.lock().unwrap_or_else(|p| p.into_inner());
            let _ = writeln!(out, "fasterapi_blocking_queue_depth{{core=\"{}\"}} {}", m.core, m.pool_queued);
        }
        out.push_str("# HELP fasterapi_lane_queue_depth Requests waiting for the main-interpreter lane, as last seen by the core.\n");
        out.push_str("# TYPE fasterapi_lane_queue_depth gauge\n");
        for core in &cores {
            let m = core.lock().unwrap_or_else(|p| p.into_inner());
            let _ = writeln!(out, "fasterapi_lane_queue_depth{{core=\"{}\"}} {}", m.core, m.lane_queued);
        }
        out
    }
}

/// Label values escape backslash, double quote and newline.
fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_a_cumulative_histogram() {
        let registry = Registry::default();
        let core = registry.register(3, vec!["GET /a".into()]);
        {
            let mut m = core.lock().unwrap();
            m.record(Some(0), 200, Duration::from_micros(300));
            m.record(Some(0), 200, Duration::from_millis(20));
            m.record(Some(0), 500, Duration::from_millis(20));
            m.record(None, 404, Duration::from_micros(50));
            m.in_flight = 2;
        }
        let text = registry.render();
        assert!(text.contains("fasterapi_requests_total{core=\"3\",route=\"GET /a\",status=\"200\"} 2\n"), "{text}");
        assert!(
            text.contains("fasterapi_requests_total{core=\"3\",route=\"(unmatched)\",status=\"404\"} 1\n"),
            "{text}"
        );
        assert!(text.contains("_bucket{core=\"3\",route=\"GET /a\",le=\"0.0005\"} 1\n"), "{text}");
        assert!(text.contains("_bucket{core=\"3\",route=\"GET /a\",le=\"0.025\"} 3\n"), "{text}");
        assert!(text.contains("_bucket{core=\"3\",route=\"GET /a\",le=\"+Inf\"} 3\n"), "{text}");
        assert!(text.contains("fasterapi_requests_in_flight{core=\"3\"} 2\n"), "{text}");
    }
}
