//! `incidentlab staff`: the least staffing that meets every SLA target, by simulation.
//!
//! ```text
//! incidentlab staff scenarios/baseline.toml --target P1=90%,P2=90%,P3=95%
//! incidentlab staff scenarios/validation/mmc.toml --target P1=80% --replications 40 --output json
//! ```
//! A target is met when the 95 % CI lower bound of the simulated compliance reaches it.

use std::path::PathBuf;

use clap::Args;

use super::simulate::{load_scenario, TableOrJson};
use crate::decide::compare::parse_targets;
use crate::decide::staffing::search;
use crate::error::{Error, Result};

#[derive(Debug, Args)]
pub struct StaffArgs {
    pub scenario: PathBuf,
    /// SLA compliance targets per priority, e.g. P1=95%,P2=90% (all=… for overall).
    #[arg(long, required = true)]
    pub target: String,
    /// Replications per candidate (default 40).
    #[arg(long, default_value_t = 40)]
    pub replications: usize,
    #[arg(long)]
    pub seed: Option<u64>,
    #[arg(long)]
    pub threads: Option<usize>,
    /// Give up after adding this many agents.
    #[arg(long, default_value_t = 40)]
    pub max_steps: usize,
    #[arg(long, value_enum, default_value = "table")]
    pub output: TableOrJson,
}

pub fn run(args: &StaffArgs) -> Result<String> {
    let targets = parse_targets(&args.target).map_err(Error::Usage)?;
    let (m, _) = load_scenario(&args.scenario, |_| {})?;
    let r = search(
        &m,
        &targets,
        args.replications,
        args.seed.unwrap_or(m.seed),
        args.threads,
        args.max_steps,
    )
    .map_err(Error::Usage)?;
    if args.output == TableOrJson::Json {
        return serde_json::to_string_pretty(&r)
            .map(|s| s + "\n")
            .map_err(|e| Error::Usage(e.to_string()));
    }
    let mut o = format!("staffing for '{}' — {} replications per candidate, {} candidates simulated (common random numbers)\n", m.name, r.replications, r.evaluated);
    o.push_str(&format!(
        "targets: {}\n\n",
        targets
            .iter()
            .map(|(k, v)| format!("{k} ≥ {:.0}%", v * 100.0))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    match &r.optimum {
        Some(c) => {
            for (k, t) in r.tiers.iter().enumerate() {
                o.push_str(&format!(
                    "  {t:<10} {:+} agents per shift → mean {:.2} on duty\n",
                    c.deltas[k], c.mean_staff[k]
                ));
            }
            o.push_str(&format!(
                "  {:.0} agent-hours per week; MTTR {:.2} h\n",
                c.agent_hours_per_week, c.resolution_hours.mean
            ));
        }
        None => o.push_str("  no staffing found that meets every target\n"),
    }
    o.push_str("\ncost curve (one agent more or less per tier around the optimum):\n");
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
    o.push_str(
        "\nErlang C (ignores priorities, shifts and escalation timing), constant agents per tier: ",
    );
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
    for n in &r.notes {
        o.push_str(&format!("note: {n}\n"));
    }
    Ok(o)
}
