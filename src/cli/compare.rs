//! `incidentlab compare`: scenarios against a baseline with common random numbers, or a sweep.
//!
#![doc = concat!("```text\n", include_str!("examples/compare.txt"), "```")]
//! Desk files (`[[pools]]`, as `fit` writes) are compared with desks: the table adds each pool's
//! paired Δ queue time per visit and Δ utilisation.
//! Differences are pilot − baseline within each replication (paired), with 95 % CIs; `*` marks a
//! difference whose interval excludes 0.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::Args;

use super::simulate::{load_subject, TableOrJson};
use crate::decide::compare::{
    compare_subjects, parse_targets, sweep_subject, Comparison, MetricDiff, PilotComparison,
    Subject,
};
use crate::error::{Error, Result};
use crate::sim::stats::Estimate;

/// The usage examples of `incidentlab compare`: the module documentation above and `--help` show them.
pub const EXAMPLES: &str = include_str!("examples/compare.txt");

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// The baseline scenario (or desk), then the pilots.
    #[arg(required = true)]
    pub scenarios: Vec<PathBuf>,
    /// Replications and seed default to the baseline file's.
    #[command(flatten)]
    pub sim: super::SimArgs,
    /// SLA compliance targets, e.g. P1=95%,P2=90%,all=0.9.
    #[arg(long)]
    pub target: Option<String>,
    /// Sweep a parameter of the baseline: <tier>_staff=a..b or <tier>_extra=a..b[:step]; on a desk
    /// <pool>_extra=a..b (agents added to every hour the pool has agents).
    #[arg(long)]
    pub sweep: Option<String>,
    #[command(flatten)]
    pub print: super::TableOutput,
    /// Run slice i of n of the work (sweep points or scenarios × replications) and write a part
    /// file for `incidentlab merge` (README "Sharded runs").
    #[arg(long)]
    pub shard: Option<String>,
    /// With --shard: the part file to write (default: print it).
    #[arg(long, requires = "shard")]
    pub part: Option<PathBuf>,
}

/// `compare --shard i/n`: one slice of the comparison or sweep as a part file.
fn run_shard(args: &CompareArgs, spec: &str) -> Result<String> {
    let shard = crate::sim::replicate::Shard::parse(spec).map_err(Error::Usage)?;
    let command = work_kind(args)?;
    let mut request = super::merge::Request::read(command, &args.scenarios)?;
    request.replications = args.sim.replications;
    request.seed = args.sim.seed;
    request.sweep = args.sweep.clone();
    request.target = args.target.clone();
    super::merge::run_shard(request, shard, args.sim.threads, args.part.as_deref())
}

/// The work the scenarios given ask for: `compare-sweep` (one scenario and `--sweep`) or `compare`
/// (a baseline and at least one pilot); any other count is a usage error.
fn work_kind(args: &CompareArgs) -> Result<&'static str> {
    if args.sweep.is_some() {
        if args.scenarios.len() > 1 {
            return Err(Error::Usage(
                "--sweep varies the baseline alone: give one scenario".into(),
            ));
        }
        return Ok("compare-sweep");
    }
    if args.scenarios.len() < 2 {
        return Err(Error::Usage(
            "compare needs a baseline and at least one pilot scenario (or --sweep)".into(),
        ));
    }
    Ok("compare")
}

fn est(e: &Estimate, scale: f64, d: usize) -> String {
    if !e.mean.is_finite() {
        return "–".into();
    }
    format!(
        "{:+.*} [{:+.*}, {:+.*}]",
        d,
        e.mean * scale,
        d,
        e.ci_low * scale,
        d,
        e.ci_high * scale
    )
}

/// The recipe: targets, the baseline and its run settings, then the sweep of the baseline or the
/// paired comparison of the pilots with it.
pub fn run(args: &CompareArgs) -> Result<String> {
    if let Some(spec) = &args.shard {
        return run_shard(args, spec);
    }
    let targets: BTreeMap<String, f64> = args
        .target
        .as_deref()
        .map(parse_targets)
        .transpose()
        .map_err(Error::Usage)?
        .unwrap_or_default();
    let base = load_subject(&args.scenarios[0], &Default::default())?;
    let reps = args.sim.replications.unwrap_or(base.replications());
    let seed = args.sim.seed.unwrap_or(base.seed());
    work_kind(args)?;
    match &args.sweep {
        Some(sw) => run_sweep(args, &base, sw, (reps, seed), &targets),
        None => run_comparison(args, &base, (reps, seed), &targets),
    }
}

/// `--sweep`: the baseline at each value of the parameter, common random numbers throughout.
fn run_sweep(
    args: &CompareArgs,
    base: &Subject,
    sw: &str,
    (reps, seed): (usize, u64),
    targets: &BTreeMap<String, f64>,
) -> Result<String> {
    let (sw, points) = sweep_subject(base, sw, reps, seed, args.sim.threads, targets)?;
    let base_name = base.name();
    match args.print.output {
        TableOrJson::Json => {
            crate::decide::compare::sweep_json(base_name, &sw, (reps, seed), targets, &points)
                .map_err(Error::from)
        }
        TableOrJson::Table => Ok(sweep_table(base, &sw.name, (reps, seed), &points)),
    }
}

/// The sweep as a text table: one row per value (a desk adds the swept pool's queue time).
fn sweep_table(
    base: &Subject,
    parameter: &str,
    (reps, seed): (usize, u64),
    points: &[crate::decide::compare::SweepPoint],
) -> String {
    let mut o = format!(
        "sweep {parameter} on '{}' — {reps} replications, seed {seed}, common random numbers\n\n",
        base.name()
    );
    o.push_str(&format!(
        "{:>6} {:>10} {:>26} {:>26} {:>12} {:>6}",
        "value", "mean staff", "MTTR h [95% CI]", "SLA % [95% CI]", "utilisation", "meets"
    ));
    o.push_str(if matches!(base, Subject::Desk(_)) {
        "      pool queue h/visit [95% CI]\n"
    } else {
        "\n"
    });
    for p in points {
        o.push_str(&sweep_row(p));
    }
    o
}

/// One value of the sweep: mean staff, MTTR and SLA compliance with their CIs, utilisation,
/// whether it meets the targets, and (desks) the pool's queue hours per visit.
fn sweep_row(p: &crate::decide::compare::SweepPoint) -> String {
    let (r, s) = (&p.resolution_hours, &p.sla_compliance);
    let mut o = format!(
        "{:>6} {:>10.2} {:>26} {:>26} {:>11.1}% {:>6}",
        p.value,
        p.mean_staff,
        format!("{:.2} [{:.2}, {:.2}]", r.mean, r.ci_low, r.ci_high),
        format!(
            "{:.1} [{:.1}, {:.1}]",
            s.mean * 100.0,
            s.ci_low * 100.0,
            s.ci_high * 100.0
        ),
        p.utilisation.mean * 100.0,
        p.meets_targets
            .map(|b| if b { "yes" } else { "no" })
            .unwrap_or("–")
    );
    match &p.queue_hours {
        Some(q) => o.push_str(&format!(
            "      {:.3} [{:.3}, {:.3}]\n",
            q.mean, q.ci_low, q.ci_high
        )),
        None => o.push('\n'),
    }
    o
}

/// The pilots against the baseline, paired within each replication.
fn run_comparison(
    args: &CompareArgs,
    base: &Subject,
    (reps, seed): (usize, u64),
    targets: &BTreeMap<String, f64>,
) -> Result<String> {
    let pilots = args.scenarios[1..]
        .iter()
        .map(|p| load_subject(p, &Default::default()))
        .collect::<Result<Vec<_>>>()?;
    let c = compare_subjects(base, &pilots, reps, seed, args.sim.threads, targets)?;
    match args.print.output {
        TableOrJson::Json => serde_json::to_string_pretty(&c)
            .map(|s| s + "\n")
            .map_err(Error::Json),
        TableOrJson::Table => Ok(comparison_table(base, &c, (reps, seed), targets)),
    }
}

/// The comparison as text: the header and targets, then one block per pilot.
fn comparison_table(
    base: &Subject,
    c: &Comparison,
    (reps, seed): (usize, u64),
    targets: &BTreeMap<String, f64>,
) -> String {
    let mut o = format!("baseline '{}' — {reps} replications, seed {seed}, common random numbers; differences are pilot − baseline (paired 95% CI), * = significant\n", base.name());
    if !targets.is_empty() {
        o.push_str(&format!(
            "targets: {}; baseline meets them: {}\n",
            targets
                .iter()
                .map(|(k, v)| format!("{k} {:.0}%", v * 100.0))
                .collect::<Vec<_>>()
                .join(", "),
            if c.baseline_meets_targets == Some(true) {
                "yes"
            } else {
                "no"
            }
        ));
    }
    for p in &c.pilots {
        o.push_str(&pilot_block(base, p));
    }
    o
}

/// One pilot against the baseline: a row per priority and overall (baseline MTTR, Δ MTTR, Δ wait,
/// Δ SLA points) and, for desks, a row per pool (baseline queue time, Δ queue, Δ utilisation).
fn pilot_block(base: &Subject, p: &PilotComparison) -> String {
    let mut o = format!(
        "\n{} vs {}{}\n",
        p.scenario,
        base.name(),
        match p.meets_targets {
            Some(true) => " — meets every target",
            Some(false) => " — misses a target",
            None => "",
        }
    );
    o.push_str(&format!(
        "{:<8} {:>12} {:>30} {:>30} {:>30}\n",
        "priority", "MTTR h base", "Δ MTTR h", "Δ wait h", "Δ SLA points"
    ));
    let mut rows: Vec<(&str, &Diffs)> = base
        .priorities()
        .iter()
        .filter_map(|l| p.priorities.get(l).map(|m| (l.as_str(), m)))
        .collect();
    rows.push(("all", &p.overall));
    for (label, m) in rows {
        o.push_str(&format!("{label:<8} {}", diff_row(m, 12, PRIORITY_COLUMNS)));
    }
    if !p.pools.is_empty() {
        o.push_str(&format!(
            "{:<24} {:>14} {:>30} {:>30}\n",
            "pool", "queue h base", "Δ queue h/visit", "Δ utilisation points"
        ));
        for name in base.units() {
            if let Some(m) = p.pools.get(&name) {
                o.push_str(&format!("{name:<24} {}", diff_row(m, 14, POOL_COLUMNS)));
            }
        }
    }
    o
}

/// Metric name → paired difference, as the comparison holds them per priority and per pool.
type Diffs = BTreeMap<String, MetricDiff>;

/// The columns of a table row: (metric, scale, decimals); the first metric's baseline mean opens
/// the row, then each metric's difference with its `*`.
type Columns = &'static [(&'static str, f64, usize)];

const PRIORITY_COLUMNS: Columns = &[
    ("resolution_hours", 1.0, 2),
    ("wait_hours", 1.0, 2),
    ("sla_compliance", 100.0, 1),
];
const POOL_COLUMNS: Columns = &[("queue_hours", 1.0, 3), ("utilisation", 100.0, 1)];

/// One row after its label: the baseline mean of the first column's metric (`width` wide), then
/// per column the difference [95 % CI] and `*` when significant; a metric the comparison lacks
/// prints "–".
fn diff_row(m: &Diffs, width: usize, columns: Columns) -> String {
    let (first, _, digits) = columns[0];
    let mut o = match m.get(first) {
        Some(d) => format!("{:>width$.digits$}", d.baseline.mean),
        None => format!("{:>width$}", "–"),
    };
    for (k, scale, digits) in columns {
        let (cell, mark) = match m.get(*k) {
            Some(d) => (
                est(&d.difference, *scale, *digits),
                if d.significant { "*" } else { " " },
            ),
            None => ("–".to_string(), " "),
        };
        o.push_str(&format!(" {cell:>29}{mark}"));
    }
    o.push('\n');
    o
}
