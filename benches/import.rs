//! Import benchmark: N generated incidents (default 1,000,000) as a ServiceNow CSV → canonical
//! Parquet store. Prints wall time of each stage, rows per second and the process's peak memory.
//!
//! `cargo bench --bench import` (or `-- 200000` for another size).

use std::time::Instant;

use incidentlab::generate::{generate, write_export, GenerateOptions, GeneratorModel};
use incidentlab::ingest::{import_files, ImportOptions, SourceFormat};

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

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let dir = std::env::temp_dir().join("incidentlab-bench");
    std::fs::create_dir_all(&dir).expect("temp dir");
    let csv = dir.join(format!("servicenow-{n}.csv"));
    let store = dir.join(format!("store-{n}.parquet"));
    let opts = GenerateOptions {
        incidents: n,
        seed: 1,
        model: GeneratorModel::Independent, // the input the README's figures were measured on
        ..Default::default()
    };
    if !csv.exists() {
        let t = Instant::now();
        let g = generate(&opts).expect("generate");
        write_export(SourceFormat::ServiceNow, &g, &csv, &opts).expect("write");
        eprintln!(
            "generated {n} incidents in {:.2} s (not part of the measurement)",
            t.elapsed().as_secs_f64()
        );
    }
    let size_mb = std::fs::metadata(&csv)
        .map(|m| m.len() as f64 / 1e6)
        .unwrap_or(f64::NAN);
    let t = Instant::now();
    let imported = import_files(
        std::slice::from_ref(&csv),
        &ImportOptions {
            format: SourceFormat::ServiceNow,
            ..Default::default()
        },
    )
    .expect("import");
    let parse_s = t.elapsed().as_secs_f64();
    let t2 = Instant::now();
    incidentlab::store::write_store(&store, &imported.incidents, &imported.events).expect("store");
    let write_s = t2.elapsed().as_secs_f64();
    let total = t.elapsed().as_secs_f64();
    assert_eq!(imported.summary.incidents_imported as usize, n);
    println!(
        "import {n} incidents ({size_mb:.0} MB CSV): parse+check {parse_s:.2} s, write Parquet {write_s:.2} s, total {total:.2} s ({:.0} rows/s); peak memory {:.0} MiB; {} cores",
        n as f64 / total,
        peak_rss_mib(),
        std::thread::available_parallelism().map(|p| p.get()).unwrap_or(1)
    );
}
