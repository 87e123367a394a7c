//! The process-wide observer of finished replications (the CLI's spinner for comparisons, sweeps
//! and staffing searches) hears of every replication exactly once, whatever the thread count. Its
//! own test binary: the observer is set once per process.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use incidentlab::sim::model::{compile, parse};
use incidentlab::sim::replicate::{observe_replications, run_replications, RunOptions};

static SEEN: AtomicU64 = AtomicU64::new(0);

#[test]
fn every_replication_is_observed_once() {
    assert!(observe_replications(Box::new(|| {
        SEEN.fetch_add(1, Ordering::Relaxed);
    })));
    assert!(
        !observe_replications(Box::new(|| {})),
        "the observer is set once"
    );
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/validation/mmc.toml");
    let text = std::fs::read_to_string(p).unwrap();
    let (mut m, _) = compile(&parse(&text).unwrap()).unwrap();
    m.horizon = 300.0;
    m.warmup = 50.0;
    let mut expected = 0;
    for (replications, threads) in [(7, 1), (13, 2), (1, 2)] {
        let mut o = RunOptions::for_model(&m);
        o.replications = replications;
        o.threads = Some(threads);
        let ticks = AtomicU64::new(0);
        let (runs, _) = run_replications(&m, &o, &|| {
            ticks.fetch_add(1, Ordering::Relaxed);
        })
        .unwrap();
        expected += replications as u64;
        assert_eq!(runs.len(), replications);
        assert_eq!(ticks.load(Ordering::Relaxed), replications as u64);
        assert_eq!(SEEN.load(Ordering::Relaxed), expected);
    }
}
