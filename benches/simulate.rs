//! Simulation benchmark: simulated events per second per core on the M/M/c reference model and the
//! baseline scenario, and replication scaling from 1 thread to all cores.
//!
//! `cargo bench --bench simulate`

use std::path::Path;
use std::time::Instant;

use incidentlab::sim::model::{compile, parse, Model};
use incidentlab::sim::replicate::{run_replications, RunOptions};

fn load(path: &str) -> Model {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    let text = std::fs::read_to_string(&p).expect("scenario");
    compile(&parse(&text).expect("parse")).expect("compile").0
}

fn measure(m: &Model, reps: usize, threads: usize) -> (f64, f64) {
    let mut o = RunOptions::for_model(m);
    o.replications = reps;
    o.threads = Some(threads);
    let t = Instant::now();
    let (runs, _) = run_replications(m, &o, &|| {}).expect("run");
    let secs = t.elapsed().as_secs_f64();
    let events: u64 = runs.iter().map(|r| r.events).sum();
    (events as f64, secs)
}

fn main() {
    let cores = std::thread::available_parallelism()
        .map(|p| p.get())
        .unwrap_or(1);
    for (path, reps) in [
        ("scenarios/validation/mmc.toml", 200),
        ("scenarios/baseline.toml", 200),
    ] {
        let m = load(path);
        measure(&m, 4, 1); // warm caches
        let (events, one) = measure(&m, reps, 1);
        let (_, all) = measure(&m, reps, cores);
        println!(
            "{path}: {reps} replications, {:.1} M events; 1 thread {one:.2} s = {:.2} M events/s/core; {cores} threads {all:.2} s (speed-up {:.2}×)",
            events / 1e6,
            events / one / 1e6,
            one / all
        );
    }
}
