//! `incidentlab validate`: a discovered desk on a later period, or face validation of a tier
//! scenario.
//!
//! ```text
//! incidentlab validate desk.toml --against volvo.parquet --from 2012-05-03T11:35:56Z --runs 10 --output json
//! incidentlab validate desk.toml --against volvo.parquet --from 2012-05-03T11:35:56Z --write-logs logs/
//! incidentlab validate scenarios/fitted.toml --against store.parquet
//! incidentlab validate scenarios/fitted.toml --against store.parquet --tolerance 0.1 --output json
//! ```
//! A desk (a file with `[[pools]]`, as `fit` writes from an events table) is validated as
//! `decide::desk::validate` states: the test set is the incidents opened at or after `--from`, the
//! simulation starts from the real open state, its logs are selected and cut as the export is, and
//! the log distances (CTD, AED, CAR, CED, RED, NGD2), MTTR/SLA per priority and per-pool figures are
//! set beside the real ones and beside the single-tier fit on the same split (`baseline`).
//!
//! For a tier scenario:
//! A priority agrees when the simulated mean resolution time is within the tolerance (default 10 %)
//! of the observed mean, or the observed mean lies inside the simulation's 95 % interval. Observed SLA compliance: resolved incidents within the scenario's 24×7
//! target, among resolved incidents (no clock pauses, as in the simulation).

use std::path::PathBuf;

use clap::Args;
use serde::Serialize;

use super::simulate::{load_scenario, TableOrJson};
use crate::error::{Error, Result};
use crate::sim::replicate::{run_replications, summarize, RunOptions};
use crate::sim::stats::{quantile, Estimate};

#[derive(Debug, Args)]
pub struct ValidateArgs {
    pub scenario: PathBuf,
    /// The store (or export) with the observed incidents.
    #[arg(long)]
    pub against: PathBuf,
    #[arg(long)]
    pub replications: Option<usize>,
    #[arg(long)]
    pub threads: Option<usize>,
    /// Largest relative difference of mean resolution time that counts as agreement.
    #[arg(long, default_value_t = 0.10)]
    pub tolerance: f64,
    #[arg(long, value_enum, default_value = "table")]
    pub output: TableOrJson,
    #[arg(long, value_enum, default_value = "auto")]
    pub format: crate::ingest::SourceFormat,
    /// Desk validation: the test period starts here (fit the desk with --until the same date).
    #[arg(long)]
    pub from: Option<String>,
    /// Desk validation: simulation runs (replications).
    #[arg(long, default_value_t = 10)]
    pub runs: usize,
    /// Desk validation: write DIR/real.csv and DIR/simulated-<i>.csv activity logs.
    #[arg(long)]
    pub write_logs: Option<PathBuf>,
    /// Desk validation: seed of the runs (default: the desk's).
    #[arg(long)]
    pub seed: Option<u64>,
}

#[derive(Debug, Serialize)]
pub struct Row {
    pub priority: String,
    pub observed_n: u64,
    pub observed_mttr_hours: f64,
    pub observed_median_hours: f64,
    pub observed_p90_hours: f64,
    pub observed_sla_compliance: Option<f64>,
    pub simulated_mttr_hours: Estimate,
    pub simulated_median_hours: Estimate,
    pub simulated_p90_hours: Estimate,
    pub simulated_sla_compliance: Estimate,
    pub relative_error: f64,
    pub agrees: bool,
}

pub fn run(args: &ValidateArgs) -> Result<String> {
    if is_desk(&args.scenario)? {
        return super::validate_desk::run(args);
    }
    let (m, warnings) = load_scenario(&args.scenario, |s| {
        if let Some(r) = args.replications {
            s.replications = r;
        }
    })?;
    let incs = super::load_incidents(&args.against, args.format, None, None)?;
    let mut o = RunOptions::for_model(&m);
    o.threads = args.threads;
    let (runs, _) = run_replications(&m, &o, &|| {}).map_err(Error::Usage)?;
    let s = summarize(&m, &o, &runs, warnings);
    let mut rows = Vec::new();
    for (k, label) in m.priorities.iter().enumerate() {
        let matches = |p: Option<u8>| {
            if m.priorities.len() == 1 {
                true
            } else {
                p.map(crate::decide::fit::label).as_deref() == Some(label.as_str())
            }
        };
        let mut res: Vec<f64> = incs
            .iter()
            .filter(|i| matches(i.priority))
            .filter_map(|i| {
                i.resolved_at
                    .map(|r| crate::units::ms_to_hours(r - i.opened_at))
            })
            .collect();
        if res.is_empty() {
            return Err(Error::Usage(format!("no resolved incidents with priority {label} in {}: the scenario's priorities must be P1, P2 … as `fit` writes them", args.against.display())));
        }
        res.sort_by(|a, b| a.total_cmp(b));
        let target = m.sla_hours[k];
        let sla = target.is_finite().then(|| {
            let ok = incs
                .iter()
                .filter(|i| matches(i.priority))
                .filter_map(|i| {
                    i.resolved_at
                        .map(|r| crate::units::ms_to_hours(r - i.opened_at))
                })
                .filter(|h| *h <= target)
                .count();
            ok as f64 / res.len() as f64
        });
        let c = &s.priorities[label];
        let obs = res.iter().sum::<f64>() / res.len() as f64;
        let rel = (c.resolution_hours.mean - obs) / obs;
        rows.push(Row {
            priority: label.clone(),
            observed_n: res.len() as u64,
            observed_mttr_hours: obs,
            observed_median_hours: quantile(&res, 0.5),
            observed_p90_hours: quantile(&res, 0.9),
            observed_sla_compliance: sla,
            simulated_mttr_hours: c.resolution_hours,
            simulated_median_hours: c.resolution_hours_p50,
            simulated_p90_hours: c.resolution_hours_p90,
            simulated_sla_compliance: c.sla_compliance,
            relative_error: rel,
            // Within the tolerance, or the observed mean inside the simulation's interval (small samples).
            agrees: rel.abs() <= args.tolerance
                || (c.resolution_hours.ci_low <= obs && obs <= c.resolution_hours.ci_high),
        });
    }
    if args.output == TableOrJson::Json {
        return serde_json::to_string_pretty(&serde_json::json!({"scenario": m.name, "tolerance": args.tolerance, "replications": s.replications, "priorities": rows}))
            .map(|x| x + "\n")
            .map_err(|e| Error::Usage(e.to_string()));
    }
    let mut out = format!("face validation of '{}' against {} — {} replications, tolerance ±{:.0} % on mean resolution time\n\n", m.name, args.against.display(), s.replications, args.tolerance * 100.0);
    out.push_str(&format!(
        "{:<6} {:>7} {:>9} {:>24} {:>8} {:>9} {:>9} {:>9} {:>9}  {}\n",
        "prio",
        "n obs",
        "MTTR obs",
        "MTTR sim [95% CI]",
        "error",
        "p90 obs",
        "p90 sim",
        "SLA obs",
        "SLA sim",
        "agrees"
    ));
    for r in &rows {
        out.push_str(&format!(
            "{:<6} {:>7} {:>9.2} {:>24} {:>+7.1}% {:>9.2} {:>9.2} {:>9} {:>9}  {}\n",
            r.priority,
            r.observed_n,
            r.observed_mttr_hours,
            format!(
                "{:.2} [{:.2}, {:.2}]",
                r.simulated_mttr_hours.mean,
                r.simulated_mttr_hours.ci_low,
                r.simulated_mttr_hours.ci_high
            ),
            r.relative_error * 100.0,
            r.observed_p90_hours,
            r.simulated_p90_hours.mean,
            r.observed_sla_compliance
                .map(|x| format!("{:.1}%", x * 100.0))
                .unwrap_or("–".into()),
            if r.simulated_sla_compliance.mean.is_finite() {
                format!("{:.1}%", r.simulated_sla_compliance.mean * 100.0)
            } else {
                "–".into()
            },
            if r.agrees { "yes" } else { "NO" }
        ));
    }
    Ok(out)
}

/// Whether a model file is a desk (has `[[pools]]`) rather than a tier scenario.
fn is_desk(path: &std::path::Path) -> Result<bool> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(toml::from_str::<toml::Table>(&text)
        .map(|t| t.contains_key("pools"))
        .unwrap_or(false))
}
