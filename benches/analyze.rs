//! `analyze` benchmark: every metric family (groups, SLA with a business-hours calendar, flow,
//! backlog, recurrence, major incidents) on 1,000,000 and 10,000,000 generated incidents, from
//! Parquet, and on 1,000,000 from the CSV export (imported on the fly). The 10M store is ten copies
//! of the 1M one, each shifted by a year. Runs the release binary as a child process and reports its
//! wall time and peak memory (via /usr/bin/time when present).
//!
//! `cargo bench --bench analyze` (or `-- 1000000` to skip the 10M run).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use incidentlab::generate::{generate, write_export, GenerateOptions, GeneratorModel};
use incidentlab::ingest::SourceFormat;
use polars::prelude::*;

fn run(args: &[&str]) -> String {
    let bin = env!("CARGO_BIN_EXE_incidentlab");
    let timed = Path::new("/usr/bin/time").exists();
    let t = Instant::now();
    let out = if timed {
        Command::new("/usr/bin/time")
            .arg("-f")
            .arg("%M")
            .arg(bin)
            .args(args)
            .output()
    } else {
        Command::new(bin).args(args).output()
    }
    .expect("run incidentlab");
    let secs = t.elapsed().as_secs_f64();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mem = String::from_utf8_lossy(&out.stderr)
        .lines()
        .last()
        .and_then(|l| l.trim().parse::<f64>().ok())
        .map(|kb| format!("{:.0} MiB", kb / 1024.0));
    format!(
        "{secs:.2} s, peak memory {}",
        mem.unwrap_or_else(|| "n/a".into())
    )
}

fn main() {
    let only_1m = std::env::args().skip(1).any(|a| a == "1000000");
    let dir = std::env::temp_dir().join("incidentlab-bench");
    std::fs::create_dir_all(&dir).expect("dir");
    let csv = dir.join("servicenow-1000000.csv");
    let store1 = dir.join("analyze-1m.parquet");
    let store10 = dir.join("analyze-10m.parquet");
    if !csv.exists() {
        let opts = GenerateOptions {
            incidents: 1_000_000,
            seed: 1,
            model: GeneratorModel::Independent, // the input the README's figures were measured on
            ..Default::default()
        };
        let g = generate(&opts).expect("generate");
        write_export(SourceFormat::ServiceNow, &g, &csv, &opts).expect("write");
    }
    if !store1.exists() {
        let imported =
            incidentlab::ingest::import_files(std::slice::from_ref(&csv), &Default::default())
                .expect("import");
        incidentlab::store::write_store(&store1, &imported.incidents, &imported.events)
            .expect("store");
    }
    if !only_1m && !store10.exists() {
        let one = incidentlab::store::read_frame(&store1).expect("read");
        let year_ms = 365 * 24 * 3_600_000i64;
        let copies: Vec<LazyFrame> = (0..10)
            .map(|k| {
                one.clone().lazy().with_columns([
                    (col("opened_at").cast(DataType::Int64) + lit(k * year_ms))
                        .cast(DataType::Datetime(
                            TimeUnit::Milliseconds,
                            Some(TimeZone::UTC),
                        ))
                        .alias("opened_at"),
                    (col("resolved_at").cast(DataType::Int64) + lit(k * year_ms))
                        .cast(DataType::Datetime(
                            TimeUnit::Milliseconds,
                            Some(TimeZone::UTC),
                        ))
                        .alias("resolved_at"),
                    (col("closed_at").cast(DataType::Int64) + lit(k * year_ms))
                        .cast(DataType::Datetime(
                            TimeUnit::Milliseconds,
                            Some(TimeZone::UTC),
                        ))
                        .alias("closed_at"),
                    (col("acknowledged_at").cast(DataType::Int64) + lit(k * year_ms))
                        .cast(DataType::Datetime(
                            TimeUnit::Milliseconds,
                            Some(TimeZone::UTC),
                        ))
                        .alias("acknowledged_at"),
                ])
            })
            .collect();
        let mut big = concat(copies, UnionArgs::default())
            .expect("concat")
            .collect()
            .expect("collect");
        incidentlab::store::write_frame(&mut big, &store10).expect("write 10M");
    }
    let sla = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scenarios/sla-standard.toml");
    let sla = sla.to_str().expect("path");
    let common = [
        "--by",
        "priority,assignment_group,month",
        "--sla",
        sla,
        "--output",
        "json",
    ];
    let mut cases: Vec<(&str, PathBuf)> = vec![
        ("1M incidents, Parquet", store1.clone()),
        ("1M incidents, CSV export", csv.clone()),
    ];
    if !only_1m {
        cases.push(("10M incidents, Parquet", store10.clone()));
    }
    for (label, path) in cases {
        let mut args = vec!["analyze", path.to_str().expect("path")];
        args.extend_from_slice(&common);
        println!("analyze {label}: {}", run(&args));
    }
}
