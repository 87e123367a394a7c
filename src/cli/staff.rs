//! `incidentlab staff`: the least staffing that meets every SLA target, by simulation.
//!
#![doc = concat!("```text\n", include_str!("examples/staff.txt"), "```")]
//! On a desk file the answer is in agents per pool and band of hours (Mon–Fri 08–18 and outside).
//! A target is met when the 95 % CI lower bound of the simulated compliance reaches it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::Args;

use super::simulate::{load_subject, TableOrJson};
use crate::decide::compare::parse_targets;
use crate::decide::staffing::{search, Candidate, StaffingResult};
use crate::error::{Error, Result};

/// The usage examples of `incidentlab staff`: the module documentation above and `--help` show them.
pub const EXAMPLES: &str = include_str!("examples/staff.txt");

#[derive(Debug, Args)]
pub struct StaffArgs {
    pub scenario: PathBuf,
    /// SLA compliance targets per priority, e.g. P1=95%,P2=90% (all=… for overall).
    #[arg(long, required = true)]
    pub target: String,
    /// Replications per candidate default to 40 (not the file's).
    #[command(flatten)]
    pub sim: super::SimArgs,
    /// Give up after adding this many agents.
    #[arg(long, default_value_t = 40)]
    pub max_steps: usize,
    #[command(flatten)]
    pub print: super::TableOutput,
}

/// The recipe: parse the targets, load the scenario or desk, search, print.
pub fn run(args: &StaffArgs) -> Result<String> {
    let targets = parse_targets(&args.target).map_err(Error::Usage)?;
    let subject = load_subject(&args.scenario, &Default::default())?;
    let seed = args.sim.seed.unwrap_or(subject.seed());
    let reps = args.sim.replications.unwrap_or(40);
    let (threads, steps) = (args.sim.threads, args.max_steps);
    let r = search(&subject, &targets, reps, seed, threads, steps)?;
    if args.print.output == TableOrJson::Json {
        return serde_json::to_string_pretty(&r)
            .map(|s| s + "\n")
            .map_err(Error::Json);
    }
    let mut o = format!("staffing for '{}' — {} replications per candidate, {} candidates simulated (common random numbers)\n", subject.name(), r.replications, r.evaluated);
    o.push_str(&format!(
        "targets: {}\n\n",
        targets
            .iter()
            .map(|(k, v)| format!("{k} ≥ {:.0}%", v * 100.0))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    o.push_str(&optimum_lines(&r));
    o.push_str(&cost_curve_lines(&r, &targets));
    o.push_str(&erlang_line(&r));
    for n in &r.notes {
        o.push_str(&format!("note: {n}\n"));
    }
    Ok(o)
}

/// The least staffing found: agents added per lever (desk) or per tier, the mean on duty, the
/// agent-hours per week and the MTTR there; or that none meets every target.
fn optimum_lines(r: &StaffingResult) -> String {
    let mut o = String::new();
    match &r.optimum {
        Some(c) if !r.levers.is_empty() => {
            for (k, l) in r.levers.iter().enumerate() {
                if c.deltas[k] != 0 {
                    o.push_str(&format!("  {:+} agent(s) in {l}\n", c.deltas[k]));
                }
            }
            if c.deltas.iter().all(|d| *d == 0) {
                o.push_str("  the desk's own staffing meets every target\n");
            }
            for (k, t) in r.tiers.iter().enumerate() {
                o.push_str(&format!(
                    "  {t:<24} mean {:.2} agents on duty\n",
                    c.mean_staff[k]
                ));
            }
            o.push_str(&cost_line(c));
        }
        Some(c) => {
            for (k, t) in r.tiers.iter().enumerate() {
                o.push_str(&format!(
                    "  {t:<10} {:+} agents per shift → mean {:.2} on duty\n",
                    c.deltas[k], c.mean_staff[k]
                ));
            }
            o.push_str(&cost_line(c));
        }
        None => o.push_str("  no staffing found that meets every target\n"),
    }
    o
}

/// A candidate's agent-hours per week and simulated MTTR.
fn cost_line(c: &Candidate) -> String {
    format!(
        "  {:.0} agent-hours per week; MTTR {:.2} h\n",
        c.agent_hours_per_week, c.resolution_hours.mean
    )
}

/// The cost curve around the optimum: per candidate its agent-hours, deltas, SLA compliance (mean
/// and 95 % CI lower bound) per target and whether it meets them.
fn cost_curve_lines(r: &StaffingResult, targets: &BTreeMap<String, f64>) -> String {
    let mut o = String::from(if r.levers.is_empty() {
        "\ncost curve (one agent more or less per tier around the optimum):\n"
    } else {
        "\ncost curve (one agent more or less per pool and band around the optimum):\n"
    });
    for (k, l) in r.levers.iter().enumerate() {
        o.push_str(&format!("  deltas[{k}] = {l}\n"));
    }
    for c in &r.cost_curve {
        let sla: Vec<String> = targets
            .keys()
            .map(|k| {
                c.sla_compliance
                    .get(k)
                    .map(|e| format!("{k} {:.1}% [{:.1}]", e.mean * 100.0, e.ci_low * 100.0))
                    .unwrap_or_default()
            })
            .collect();
        o.push_str(&format!(
            "  {:>7.0} agent-h/week  deltas {:?}  {}  {}\n",
            c.agent_hours_per_week,
            c.deltas,
            sla.join("  "),
            if c.meets_targets { "meets" } else { "misses" }
        ));
    }
    o
}

/// Erlang C's agents per tier or pool (constant, around the clock) and their agent-hours per week,
/// for comparison with the simulated answer.
fn erlang_line(r: &StaffingResult) -> String {
    let mut o = String::from(if r.levers.is_empty() {
        "\nErlang C (ignores priorities, shifts and escalation timing), constant agents per tier: "
    } else {
        "\nErlang C (ignores priorities, calendars, waits and transfer timing), constant agents per pool: "
    });
    o.push_str(
        &r.tiers
            .iter()
            .zip(&r.erlang_c)
            .map(|(t, c)| format!("{t} {}", c.map(|x| x.to_string()).unwrap_or("–".into())))
            .collect::<Vec<_>>()
            .join(", "),
    );
    let erlang_hours: u32 = r.erlang_c.iter().flatten().sum::<u32>() * 168;
    o.push_str(&format!(
        " = {erlang_hours} agent-hours per week around the clock\n"
    ));
    o
}
