//! Import benchmark: a CSV export → canonical Parquet store with the streaming import
//! (`import_to_store`, what `incidentlab import` runs). Prints wall and CPU time, rows per second and
//! the process's peak memory (VmHWM).
//!
//! `cargo bench --bench import` generates 1,000,000 incidents (ServiceNow format, independent
//! model); `cargo bench --bench import -- 200000` another size; `cargo bench --bench import -- FILE.csv`
//! imports an existing export, e.g. the ServiceNow-shaped file of issue 10 made by
//! `benches/compare/make_servicenow_csv.py` (the README's figures; `benches/compare/run.sh` runs
//! this and python-polars and DuckDB on the same file).

use std::path::PathBuf;
use std::time::Instant;

use incidentlab::generate::{generate, write_export, GenerateOptions, GeneratorModel};
use incidentlab::ingest::stream::StreamOptions;
use incidentlab::ingest::{import_to_store, ImportOptions, SourceFormat};

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(f64::NAN)
}

/// User + system CPU seconds of this process so far.
fn cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes the struct it is given.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) } != 0 {
        return f64::NAN;
    }
    let t = |v: libc::timeval| v.tv_sec as f64 + v.tv_usec as f64 / 1e6;
    t(u.ru_utime) + t(u.ru_stime)
}

fn generated(n: usize) -> PathBuf {
    let dir = std::env::temp_dir().join("incidentlab-bench");
    std::fs::create_dir_all(&dir).expect("temp dir");
    let csv = dir.join(format!("servicenow-{n}.csv"));
    if !csv.exists() {
        let opts = GenerateOptions {
            incidents: n,
            seed: 1,
            model: GeneratorModel::Independent,
            ..Default::default()
        };
        let t = Instant::now();
        let g = generate(&opts).expect("generate");
        write_export(SourceFormat::ServiceNow, &g, &csv, &opts).expect("write");
        eprintln!(
            "generated {n} incidents in {:.2} s (not part of the measurement)",
            t.elapsed().as_secs_f64()
        );
    }
    csv
}

fn main() {
    let arg = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let csv = match arg {
        Some(a) if a.parse::<usize>().is_err() => PathBuf::from(a),
        Some(a) => generated(a.parse().unwrap_or(1_000_000)),
        None => generated(1_000_000),
    };
    let store = std::env::temp_dir()
        .join("incidentlab-bench")
        .join("bench-store.parquet");
    let size_mb = std::fs::metadata(&csv)
        .map(|m| m.len() as f64 / 1e6)
        .unwrap_or(f64::NAN);
    let (t, cpu0) = (Instant::now(), cpu_seconds());
    let got = import_to_store(
        std::slice::from_ref(&csv),
        &ImportOptions {
            format: SourceFormat::ServiceNow,
            ..Default::default()
        },
        &store,
        StreamOptions::default(),
    )
    .expect("import");
    got.staged.commit().expect("commit");
    let (wall, cpu) = (t.elapsed().as_secs_f64(), cpu_seconds() - cpu0);
    let s = &got.imported.summary;
    println!(
        "import {} ({size_mb:.0} MB CSV, {} rows → {} incidents, {} rejected): wall {wall:.2} s, CPU {cpu:.2} s ({:.0} rows per CPU s); peak memory {:.0} MiB; {} cores",
        csv.display(),
        s.rows_read,
        s.incidents_imported,
        s.rows_rejected,
        s.rows_read as f64 / cpu,
        peak_rss_mib(),
        std::thread::available_parallelism().map(|p| p.get()).unwrap_or(1)
    );
    let _ = std::fs::remove_file(&store);
}
