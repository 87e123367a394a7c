//! `incidentlab pilot`: did a real pilot work? Before/after, or pilot group vs control
//! (difference-in-differences), with a plain-language verdict and control charts.
//!
#![doc = concat!("```text\n", include_str!("examples/pilot.txt"), "```")]

use std::path::PathBuf;

use clap::Args;

use super::simulate::TableOrJson;
use crate::decide::pilot::PilotOptions;
use crate::error::{Error, Result};
use crate::metrics::sla::SlaPolicy;
use crate::metrics::Filter;
use crate::timeparse::TimeParser;

/// The usage examples of `incidentlab pilot`: the module documentation above and `--help` show them.
pub const EXAMPLES: &str = include_str!("examples/pilot.txt");

#[derive(Debug, Args)]
pub struct PilotArgs {
    /// A store (.parquet, .arrow) or an export to import on the fly.
    pub input: PathBuf,
    /// When the pilot started (date or timestamp, UTC).
    #[arg(long)]
    pub pilot_start: String,
    /// When it ended (default: the end of the data).
    #[arg(long)]
    pub pilot_end: Option<String>,
    /// Only incidents opened from this date count as "before".
    #[arg(long)]
    pub baseline_start: Option<String>,
    /// The pilot group, e.g. 'assignment_group=Service Desk North'; everything else is the control group.
    #[arg(long)]
    pub pilot_group: Option<String>,
    /// SLA policy for computed compliance (default: the source's made_sla flag).
    #[arg(long)]
    pub sla: Option<PathBuf>,
    /// Seed of the bootstrap.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[arg(long, default_value_t = 2000)]
    pub resamples: usize,
    #[command(flatten)]
    pub print: super::TableOutput,
    #[command(flatten)]
    pub export: super::ExportArgs,
}

pub fn run(args: &PilotArgs) -> Result<String> {
    let p = TimeParser::default();
    let when = |s: &str, flag: &str| p.parse(s).map_err(|e| Error::Usage(format!("{flag}: {e}")));
    let group = args
        .pilot_group
        .as_deref()
        .map(Filter::parse)
        .transpose()
        .map_err(Error::Usage)?;
    if let Some(g) = &group {
        if !crate::metrics::TEXT_FILTER_COLUMNS.contains(&g.column.as_str()) {
            return Err(Error::Usage(format!(
                "--pilot-group: '{}' is not a column to group by; use one of {}",
                g.column,
                crate::metrics::TEXT_FILTER_COLUMNS.join(", ")
            )));
        }
    }
    let opts = PilotOptions {
        pilot_start: when(&args.pilot_start, "--pilot-start")?,
        pilot_end: args
            .pilot_end
            .as_deref()
            .map(|s| when(s, "--pilot-end"))
            .transpose()?,
        baseline_start: args
            .baseline_start
            .as_deref()
            .map(|s| when(s, "--baseline-start"))
            .transpose()?,
        pilot_group: group,
        seed: args.seed,
        resamples: args.resamples.max(100),
    };
    let incidents = super::load_incidents(&args.input, &args.export)?;
    let policy = args.sla.as_ref().map(|p| SlaPolicy::load(p)).transpose()?;
    let report = crate::decide::pilot::evaluate_with_policy(&incidents, &opts, policy.as_ref())?;
    if args.print.output == TableOrJson::Json {
        return serde_json::to_string_pretty(&report)
            .map(|s| s + "\n")
            .map_err(Error::Json);
    }
    let r = &report;
    let mut o = format!(
        "pilot from {} to {} (censoring cut-off {}, {} late incidents left out); SLA: {}\n\n",
        r.pilot_start, r.pilot_end, r.censoring_cutoff, r.excluded_censored, r.sla_source
    );
    let arm = |name: &str, c: &crate::decide::pilot::Change| {
        format!(
            "{name}: before n={} (resolved {}) MTTR {:.1} h, median {:.1} h, SLA {:.1}% | after n={} (resolved {}) MTTR {:.1} h, median {:.1} h, SLA {:.1}%\n",
            c.before.incidents, c.before.resolved, c.before.mttr_hours, c.before.median_hours, c.before.sla_compliance * 100.0,
            c.after.incidents, c.after.resolved, c.after.mttr_hours, c.after.median_hours, c.after.sla_compliance * 100.0
        )
    };
    o.push_str(&arm("pilot", &r.pilot));
    if let Some(c) = &r.control {
        o.push_str(&arm("control", c));
    }
    o.push_str(&format!("\nverdict: {}\n", r.verdict));
    for w in &r.warnings {
        o.push_str(&format!("warning: {w}\n"));
    }
    for ch in &r.charts {
        let signals = ch.points.iter().filter(|p| p.signal).count();
        o.push_str(&format!(
            "control chart {}: centre {:.3}, {} weeks, {} special-cause signals\n",
            ch.metric,
            ch.centre,
            ch.points.len(),
            signals
        ));
    }
    Ok(o)
}
