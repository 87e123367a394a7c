//! `incidentlab generate`: a synthetic export with a realistic shape, deterministic from `--seed`.
//!
#![doc = concat!("```text\n", include_str!("examples/generate.txt"), "```")]
//!
//! `--model desk` (the default) runs incidents through staffed pools (people on shifts, queues,
//! transfers, external waits): see `generate::desk`. `--model independent` draws each incident on
//! its own, as the generator did before the desk model.

use std::path::PathBuf;

use clap::Args;

use crate::error::{Error, Result};
use crate::generate::{generate_to, GenerateOptions, GeneratorModel};
use crate::ingest::SourceFormat;
use crate::timeparse::{parse_tz, TimeParser};

/// The usage examples of `incidentlab generate`: the module documentation above and `--help` show them.
pub const EXAMPLES: &str = include_str!("examples/generate.txt");

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Number of incidents.
    #[arg(short = 'n', long, default_value_t = 1000)]
    pub incidents: usize,
    /// How timelines are made: desk (staffed pools with queues, shifts, transfers and waits) or
    /// independent (each incident on its own, the generator before the desk model).
    #[arg(long, value_enum, default_value = "desk")]
    pub model: GeneratorModel,
    /// Random seed: the same seed gives the same file.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Export format to write (any import format but auto).
    #[arg(long, value_enum, default_value = "servicenow")]
    pub format: SourceFormat,
    /// Output file.
    #[arg(short = 'o', long = "output-file", value_name = "FILE")]
    pub out: PathBuf,
    /// First day of the period (date or timestamp, UTC).
    #[arg(long, default_value = "2024-12-31")]
    pub start: String,
    /// Length of the period in days.
    #[arg(long, default_value_t = 365.0)]
    pub days: f64,
    /// When the pilot starts (default: two thirds into the period).
    #[arg(long)]
    pub pilot_start: Option<String>,
    /// Work-time multiplier after the pilot start (0.6 = 40 % faster; 1 = no pilot effect).
    #[arg(long, default_value_t = 0.6)]
    pub pilot_effect: f64,
    /// Only this assignment group benefits from the pilot (default: all).
    #[arg(long)]
    pub pilot_group: Option<String>,
    /// Time zone for formats that write local times.
    #[arg(long, default_value = "UTC")]
    pub timezone: String,
}

pub fn run(args: &GenerateArgs) -> Result<String> {
    if args.format == SourceFormat::Auto {
        return Err(Error::Usage("generate needs a concrete --format (servicenow, servicenow-audit, jira, pagerduty, eventlog, xes, mapping)".into()));
    }
    let parser = TimeParser::default();
    let when = |s: &str, flag: &str| {
        parser
            .parse(s)
            .map_err(|e| Error::Usage(format!("{flag}: {e}")))
    };
    let opts = GenerateOptions {
        model: args.model,
        incidents: args.incidents,
        seed: args.seed,
        start: when(&args.start, "--start")?,
        days: args.days,
        pilot_start: args
            .pilot_start
            .as_deref()
            .map(|s| when(s, "--pilot-start"))
            .transpose()?,
        pilot_effect: args.pilot_effect,
        pilot_group: args.pilot_group.clone(),
        timezone: parse_tz(&args.timezone).map_err(Error::Usage)?,
    };
    let written = generate_to(args.format, &args.out, &opts)?;
    Ok(format!(
        "wrote {} incidents as {} to {}\n",
        written,
        args.format.name(),
        args.out.display()
    ))
}
