//! The launch path end to end: threads per core, setup one at a time, stats over the mesh.

use runtime::{run, CoreSet, CoreStats, IoChoice, RuntimeConfig};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

fn config(n: usize, io: IoChoice) -> RuntimeConfig {
    // As many of the `n` cores as this machine has (CI machines have 2).
    let available = CoreSet::available();
    let count = n.min(available.len()).to_string();
    let mut c = RuntimeConfig::new(CoreSet::parse_within(Some(&count), &available).unwrap());
    c.pin = false;
    c.io = io;
    c.grace = Duration::from_millis(200);
    c
}

#[test]
fn every_core_reports_its_stats_to_the_leader() {
    for io in [IoChoice::Epoll, IoChoice::Auto] {
        let cfg = config(2, io);
        let n = cfg.cores.len();
        let running = AtomicUsize::new(0);
        let order = Mutex::new(Vec::new());
        let report = run(&cfg, |ctx| {
            // Setup runs one core at a time: nobody else is inside setup right now.
            assert_eq!(running.fetch_add(1, Ordering::SeqCst), 0);
            order.lock().unwrap().push(ctx.index);
            std::thread::sleep(Duration::from_millis(20));
            running.fetch_sub(1, Ordering::SeqCst);
            let index = ctx.index as u64;
            Ok(async move { CoreStats { accepted: index + 1, handled: 10 * (index + 1) } })
        })
        .unwrap();
        assert_eq!(*order.lock().unwrap(), (0..n).collect::<Vec<_>>());
        assert_eq!(report.stats.len(), n);
        for (i, s) in report.stats.iter().enumerate() {
            assert_eq!(s.handled, 10 * (i as u64 + 1), "{io:?}");
        }
        assert!(report.signal.is_none());
    }
}

#[test]
fn a_failing_setup_stops_the_started_cores_and_says_why() {
    let cfg = config(2, IoChoice::Epoll);
    if cfg.cores.len() < 2 {
        return;
    }
    let err = run(&cfg, |ctx| {
        let shutdown = ctx.shutdown.clone();
        if ctx.index == 1 {
            return Err("core 1: app failed to import".to_string());
        }
        Ok(async move {
            shutdown.wait().await;
            CoreStats::default()
        })
    })
    .unwrap_err();
    assert_eq!(err.to_string(), "core 1: app failed to import");
}

#[test]
fn a_signal_to_the_controller_drains_every_core() {
    let cfg = config(2, IoChoice::Auto);
    let controller = nix::sys::pthread::pthread_self();
    let report = run(&cfg, move |ctx| {
        let shutdown = ctx.shutdown.clone();
        if ctx.index == 0 {
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(100));
                // Aimed at the controller thread, which has SIGTERM blocked and waits for it.
                nix::sys::pthread::pthread_kill(controller, nix::sys::signal::Signal::SIGTERM).unwrap();
            });
        }
        Ok(async move {
            shutdown.wait().await;
            assert!(shutdown.deadline().is_some());
            CoreStats { accepted: 1, handled: 1 }
        })
    })
    .unwrap();
    assert_eq!(report.signal, Some("SIGTERM"));
    assert_eq!(report.stats.iter().map(|s| s.handled).sum::<u64>(), cfg.cores.len() as u64);
}
