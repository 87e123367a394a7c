//! `incidentlab validate`: a discovered desk on a later period, or face validation of a tier
//! scenario.
//!
#![doc = concat!("```text\n", include_str!("examples/validate.txt"), "```")]
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
use crate::error::{DecideError, Error, Result};
use crate::metrics::resolution::incident_hours;
use crate::metrics::sla::{compliance, incident_outcome, StopAt, Target};
use crate::metrics::EndEvent;
use crate::report::format::pct;
use crate::sim::replicate::{run_replications, summarize, RunOptions};
use crate::sim::stats::{quantile, Estimate};

/// The usage examples of `incidentlab validate`: the module documentation above and `--help` show them.
pub const EXAMPLES: &str = include_str!("examples/validate.txt");

#[derive(Debug, Args)]
pub struct ValidateArgs {
    pub scenario: PathBuf,
    /// The store (or export) with the observed incidents.
    #[arg(long)]
    pub against: PathBuf,
    /// Simulation flags; on a desk the replications (`--runs`) default to 10 and the seed to the
    /// desk's.
    #[command(flatten)]
    pub sim: super::SimArgs,
    /// Largest relative difference of mean resolution time that counts as agreement.
    #[arg(long, default_value_t = 0.10)]
    pub tolerance: f64,
    #[command(flatten)]
    pub print: super::TableOutput,
    /// Desk validation: the test period starts here (fit the desk with --until the same date).
    #[arg(long)]
    pub from: Option<String>,
    /// Desk validation: write DIR/real.csv and DIR/simulated-<i>.csv activity logs.
    #[arg(long)]
    pub write_logs: Option<PathBuf>,
    /// How an export given to `--against` is read (as `import` reads it).
    #[command(flatten)]
    pub export: super::ExportArgs,
}

impl ValidateArgs {
    /// Desk validation's simulation runs: `--runs` / `--replications`, default 10.
    pub fn desk_runs(&self) -> usize {
        self.sim.replications.unwrap_or(10)
    }
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

/// The recipe for a tier scenario (a desk goes to `validate_desk`): load the scenario and the
/// observed incidents, simulate, set observed beside simulated per priority, print.
pub fn run(args: &ValidateArgs) -> Result<String> {
    if is_desk(&args.scenario)? {
        return super::validate_desk::run(args);
    }
    let overrides = super::simulate::Overrides::of(&args.sim);
    let (m, warnings) = load_scenario(&args.scenario, |s| overrides.apply(s))?;
    let incs = super::load_incidents(&args.against, &args.export)?;
    let mut o = RunOptions::for_model(&m);
    o.threads = args.sim.threads;
    let (runs, _) = run_replications(&m, &o, &|| {})?;
    let s = summarize(&m, &o, &runs, warnings);
    let rows = m
        .priorities
        .iter()
        .enumerate()
        .map(|(k, label)| priority_row(args, &m, &s, &incs, k, label))
        .collect::<Result<Vec<Row>>>()?;
    if args.print.output == TableOrJson::Json {
        return serde_json::to_string_pretty(&serde_json::json!({"scenario": m.name, "tolerance": args.tolerance, "replications": s.replications, "priorities": rows}))
            .map(|x| x + "\n")
            .map_err(Error::Json);
    }
    Ok(face_table(args, &m, &s, &rows))
}

/// One priority's face validation: the observed MTTR (the metrics' one definition: resolved, else
/// closed without a resolution), median, p90 and SLA compliance beside the simulated ones, and
/// whether they agree. A priority without resolved incidents is a data error.
fn priority_row(
    args: &ValidateArgs,
    m: &crate::sim::model::Model,
    s: &crate::sim::replicate::Summary,
    incs: &[crate::schema::Incident],
    k: usize,
    label: &str,
) -> Result<Row> {
    let matches = |p: Option<u8>| {
        m.priorities.len() == 1 || p.map(crate::decide::fit::label).as_deref() == Some(label)
    };
    let mut res: Vec<f64> = incs
        .iter()
        .filter(|i| matches(i.priority))
        .filter_map(|i| incident_hours(i, EndEvent::Resolved))
        .collect();
    if res.is_empty() {
        return Err(DecideError::data(format!("no resolved incidents with priority {label} in {}: the scenario's priorities must be P1, P2 … as `fit` writes them", args.against.display())));
    }
    res.sort_by(|a, b| a.total_cmp(b));
    let target = m.sla_hours[k];
    // SLA by the metrics' definition: the scenario's 24x7 target on the metrics clock (on-hold
    // time paused), met / (met + breached) as of the export's last timestamp.
    let as_of = crate::metrics::incidents_last_timestamp(incs);
    let sla = target.is_finite().then(|| {
        let t = Target::all_hours(target);
        let met = incs
            .iter()
            .filter(|i| matches(i.priority))
            .map(|i| incident_outcome(&t, StopAt::Resolved, i, as_of).met);
        compliance(met).unwrap_or(f64::NAN)
    });
    let c = &s.priorities[label];
    let obs = res.iter().sum::<f64>() / res.len() as f64;
    let rel = (c.resolution_hours.mean - obs) / obs;
    Ok(Row {
        priority: label.to_string(),
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
    })
}

/// The face validation as a text table, one row per priority.
fn face_table(
    args: &ValidateArgs,
    m: &crate::sim::model::Model,
    s: &crate::sim::replicate::Summary,
    rows: &[Row],
) -> String {
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
    for r in rows {
        let sim = &r.simulated_mttr_hours;
        let mttr_sim = format!("{:.2} [{:.2}, {:.2}]", sim.mean, sim.ci_low, sim.ci_high);
        out.push_str(&format!(
            "{:<6} {:>7} {:>9.2} {mttr_sim:>24} {:>+7.1}% {:>9.2} {:>9.2} {:>9} {:>9}  {}\n",
            r.priority,
            r.observed_n,
            r.observed_mttr_hours,
            r.relative_error * 100.0,
            r.observed_p90_hours,
            r.simulated_p90_hours.mean,
            pct(r.observed_sla_compliance),
            pct(r.simulated_sla_compliance.mean),
            if r.agrees { "yes" } else { "NO" }
        ));
    }
    out
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
