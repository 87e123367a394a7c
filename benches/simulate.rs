//! Simulation benchmark: simulated events per second per core on the M/M/c reference model and the
//! baseline scenario, and replication scaling from 1 thread to all cores.
//!
//! ```text
//! cargo bench --bench simulate                       # both scenarios, 200 replications, 1 and all threads
//! cargo bench --bench simulate -- mmc 20 1           # one scenario (name contains "mmc"), 20 replications, 1 thread
//! ```
//! Events per second are given per wall-clock second and per CPU second of the process (the
//! machine is shared: CPU time is less disturbed by other work than wall time). For repeatable
//! figures, count instructions: `valgrind --tool=callgrind <bench binary> mmc 20 1`, minus the
//! count of `mmc 10 1` (start-up), divided by the events of 10 replications (README "Benchmarks").

use std::path::Path;
use std::time::Instant;

use incidentlab::sim::model::{compile, parse, Model};
use incidentlab::sim::replicate::{run_replications, RunOptions};

fn load(path: &str) -> Model {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    let text = std::fs::read_to_string(&p).expect("scenario");
    compile(&parse(&text).expect("parse")).expect("compile").0
}

/// CPU seconds used by the whole process so far (all threads).
fn cpu_seconds() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we own.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 / 1e9
}

/// (events, wall seconds, CPU seconds) of `reps` replications on `threads` threads.
fn measure(m: &Model, reps: usize, threads: usize) -> (f64, f64, f64) {
    let mut o = RunOptions::for_model(m);
    o.replications = reps;
    o.threads = Some(threads);
    let (t, c) = (Instant::now(), cpu_seconds());
    let (runs, _) = run_replications(m, &o, &|| {}).expect("run");
    let (secs, cpu) = (t.elapsed().as_secs_f64(), cpu_seconds() - c);
    let events: u64 = runs.iter().map(|r| r.events).sum();
    (events as f64, secs, cpu)
}

fn main() {
    let cores = std::thread::available_parallelism()
        .map(|p| p.get())
        .unwrap_or(1);
    // Positional arguments (cargo bench passes `--bench` first): scenario filter, replications, threads.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let filter = args.first().cloned().unwrap_or_default();
    let reps: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(200);
    let only_threads: Option<usize> = args.get(2).and_then(|s| s.parse().ok());
    for path in ["scenarios/validation/mmc.toml", "scenarios/baseline.toml"] {
        if !path.contains(&filter) {
            continue;
        }
        let m = load(path);
        if let Some(t) = only_threads {
            let (events, wall, cpu) = measure(&m, reps, t);
            println!(
                "{path}: {reps} replications on {t} thread(s), {:.2} M events; {wall:.2} s wall, {cpu:.2} s CPU = {:.2} M events per CPU second",
                events / 1e6,
                events / cpu / 1e6
            );
            continue;
        }
        measure(&m, 4, 1); // warm caches
        let (events, one, one_cpu) = measure(&m, reps, 1);
        let (_, all, all_cpu) = measure(&m, reps, cores);
        let speedup = one / all;
        println!(
            "{path}: {reps} replications, {:.1} M events; 1 thread {one:.2} s = {:.2} M events/s/core ({:.2} M per CPU second); {cores} threads {all:.2} s ({:.2} M per CPU second), speed-up {speedup:.2}×, parallel efficiency {:.2}",
            events / 1e6,
            events / one / 1e6,
            events / one_cpu / 1e6,
            events / all_cpu / 1e6,
            speedup / cores as f64
        );
    }
}
