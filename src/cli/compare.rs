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
use crate::decide::compare::{compare_subjects, parse_targets, sweep_subject, Subject};
use crate::error::{DecideError, Error, Result};
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
    let command = if args.sweep.is_some() {
        if args.scenarios.len() > 1 {
            return Err(Error::Usage(
                "--sweep varies the baseline alone: give one scenario".into(),
            ));
        }
        "compare-sweep"
    } else {
        if args.scenarios.len() < 2 {
            return Err(Error::Usage(
                "compare needs a baseline and at least one pilot scenario (or --sweep)".into(),
            ));
        }
        "compare"
    };
    let mut request = super::merge::Request::read(command, &args.scenarios)?;
    request.replications = args.sim.replications;
    request.seed = args.sim.seed;
    request.sweep = args.sweep.clone();
    request.target = args.target.clone();
    super::merge::run_shard(request, shard, args.sim.threads, args.part.as_deref())
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

// Over 80 lines: two output paths (sweep, comparison), each a text table whose column layout is
// written inline beside its header; the computations are in decide::compare. Splitting it into
// run_sweep/run_comparison is open under issue 11.
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
    let base = load_subject(&args.scenarios[0], None)?;
    let reps = args.sim.replications.unwrap_or(base.replications());
    let seed = args.sim.seed.unwrap_or(base.seed());
    if let Some(sw) = &args.sweep {
        if args.scenarios.len() > 1 {
            return Err(Error::Usage(
                "--sweep varies the baseline alone: give one scenario".into(),
            ));
        }
        let (sw, points) = sweep_subject(&base, sw, reps, seed, args.sim.threads, &targets)?;
        let base_name = base.name();
        return match args.print.output {
            TableOrJson::Json => {
                crate::decide::compare::sweep_json(base_name, &sw, (reps, seed), &targets, &points)
                    .map_err(DecideError::into)
            }
            TableOrJson::Table => {
                let mut o = format!("sweep {} on '{}' — {reps} replications, seed {seed}, common random numbers\n\n", sw.name, base_name);
                o.push_str(&format!(
                    "{:>6} {:>10} {:>26} {:>26} {:>12} {:>6}",
                    "value",
                    "mean staff",
                    "MTTR h [95% CI]",
                    "SLA % [95% CI]",
                    "utilisation",
                    "meets"
                ));
                let desk = matches!(base, Subject::Desk(_));
                o.push_str(if desk {
                    "      pool queue h/visit [95% CI]\n"
                } else {
                    "\n"
                });
                for p in &points {
                    let r = &p.resolution_hours;
                    let s = &p.sla_compliance;
                    o.push_str(&format!(
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
                    ));
                    match &p.queue_hours {
                        Some(q) => o.push_str(&format!(
                            "      {:.3} [{:.3}, {:.3}]\n",
                            q.mean, q.ci_low, q.ci_high
                        )),
                        None => o.push('\n'),
                    }
                }
                Ok(o)
            }
        };
    }
    if args.scenarios.len() < 2 {
        return Err(Error::Usage(
            "compare needs a baseline and at least one pilot scenario (or --sweep)".into(),
        ));
    }
    let pilots = args.scenarios[1..]
        .iter()
        .map(|p| load_subject(p, None))
        .collect::<Result<Vec<_>>>()?;
    let c = compare_subjects(&base, &pilots, reps, seed, args.sim.threads, &targets)?;
    match args.print.output {
        TableOrJson::Json => serde_json::to_string_pretty(&c)
            .map(|s| s + "\n")
            .map_err(Error::Json),
        TableOrJson::Table => {
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
                o.push_str(&format!(
                    "\n{} vs {}{}\n",
                    p.scenario,
                    base.name(),
                    match p.meets_targets {
                        Some(true) => " — meets every target",
                        Some(false) => " — misses a target",
                        None => "",
                    }
                ));
                o.push_str(&format!(
                    "{:<8} {:>12} {:>30} {:>30} {:>30}\n",
                    "priority", "MTTR h base", "Δ MTTR h", "Δ wait h", "Δ SLA points"
                ));
                let mut rows: Vec<(&str, &BTreeMap<String, crate::decide::compare::MetricDiff>)> =
                    base.priorities()
                        .iter()
                        .filter_map(|l| p.priorities.get(l).map(|m| (l.as_str(), m)))
                        .collect();
                rows.push(("all", &p.overall));
                for (label, m) in rows {
                    let mark = |k: &str| if m[k].significant { "*" } else { " " };
                    o.push_str(&format!(
                        "{label:<8} {:>12.2} {:>29}{} {:>29}{} {:>29}{}\n",
                        m["resolution_hours"].baseline.mean,
                        est(&m["resolution_hours"].difference, 1.0, 2),
                        mark("resolution_hours"),
                        est(&m["wait_hours"].difference, 1.0, 2),
                        mark("wait_hours"),
                        est(&m["sla_compliance"].difference, 100.0, 1),
                        mark("sla_compliance"),
                    ));
                }
                if !p.pools.is_empty() {
                    o.push_str(&format!(
                        "{:<24} {:>14} {:>30} {:>30}\n",
                        "pool", "queue h base", "Δ queue h/visit", "Δ utilisation points"
                    ));
                    for name in base.units() {
                        let Some(m) = p.pools.get(&name) else {
                            continue;
                        };
                        let mark = |k: &str| if m[k].significant { "*" } else { " " };
                        o.push_str(&format!(
                            "{name:<24} {:>14.3} {:>29}{} {:>29}{}\n",
                            m["queue_hours"].baseline.mean,
                            est(&m["queue_hours"].difference, 1.0, 3),
                            mark("queue_hours"),
                            est(&m["utilisation"].difference, 100.0, 1),
                            mark("utilisation"),
                        ));
                    }
                }
            }
            Ok(o)
        }
    }
}
