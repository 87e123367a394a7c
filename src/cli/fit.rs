//! `incidentlab fit`: calibrate a scenario from imported data, written as a commented TOML file.
//!
//! ```text
//! incidentlab fit store.parquet -o scenarios/fitted.toml
//! incidentlab fit volvo.parquet --staff 12 --timezone Europe/Brussels --sla scenarios/sla-standard.toml -o scenarios/volvo.toml
//! ```
//! Then check it: `incidentlab validate scenarios/fitted.toml --against store.parquet`.

use std::path::PathBuf;

use clap::Args;

use crate::decide::fit::{fit, scenario_toml};
use crate::error::{Error, Result};
use crate::metrics::sla::SlaPolicy;
use crate::timeparse::parse_tz;

#[derive(Debug, Args)]
pub struct FitArgs {
    /// The store (or an export, imported on the fly) to fit from.
    pub input: PathBuf,
    /// Where to write the scenario.
    #[arg(short = 'o', long = "output-file")]
    pub out: PathBuf,
    /// Scenario name (default: the output file's stem).
    #[arg(long)]
    pub name: Option<String>,
    /// Agents on the desk (default: enough for the target utilisation).
    #[arg(long)]
    pub staff: Option<u32>,
    /// Utilisation used to infer staff when --staff is not given (low, so that simulated queueing
    /// stays small: the data's resolution times already contain today's queueing).
    #[arg(long, default_value_t = 0.6)]
    pub utilisation: f64,
    /// Time zone of the desk, for the hour-of-week arrival profile.
    #[arg(long, default_value = "UTC")]
    pub timezone: String,
    /// SLA policy whose targets go into the scenario.
    #[arg(long)]
    pub sla: Option<PathBuf>,
    /// Format of an export given as input.
    #[arg(long, value_enum, default_value = "auto")]
    pub format: crate::ingest::SourceFormat,
}

pub fn run(args: &FitArgs) -> Result<String> {
    if !(args.utilisation > 0.0 && args.utilisation < 1.0) {
        return Err(Error::Usage("--utilisation must be between 0 and 1".into()));
    }
    let tz = parse_tz(&args.timezone).map_err(Error::Usage)?;
    let policy = args.sla.as_ref().map(|p| SlaPolicy::load(p)).transpose()?;
    let incs = super::load_incidents(&args.input, args.format, None, None)?;
    let name = args.name.clone().unwrap_or_else(|| {
        args.out
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "fitted".into())
    });
    let f = fit(
        &incs,
        &name,
        tz,
        args.staff,
        args.utilisation,
        policy.as_ref(),
    )
    .map_err(|m| Error::format(&args.input, m))?;
    let text = scenario_toml(&f);
    // The written file must load: check it before writing.
    let parsed = crate::sim::model::parse(&text).map_err(|e| {
        Error::Usage(format!(
            "internal: fitted scenario does not parse: {} {}",
            e.field, e.message
        ))
    })?;
    crate::sim::model::compile(&parsed).map_err(|e| {
        Error::Usage(format!(
            "internal: fitted scenario is invalid: {} {}",
            e.field, e.message
        ))
    })?;
    crate::output::write_bytes(&args.out, text.as_bytes())?;
    let mut o = format!(
        "fitted {} incidents over {:.0} days → {}\n",
        f.incidents,
        f.span_hours / 24.0,
        args.out.display()
    );
    o.push_str(&format!("arrivals {:.3}/h (trend {:+.1} % per 30 days); staff {} (utilisation {:.0} %); reopen {:.1} %\n", f.rate_per_hour, f.trend_per_30_days * 100.0, f.staff, f.utilisation * 100.0, f.reopen_probability * 100.0));
    for ((p, m), fits) in f.priorities.iter().zip(&f.mix).zip(&f.work) {
        let alts: Vec<String> = fits
            .iter()
            .map(|x| format!("{} {:.1}", x.dist, x.aic))
            .collect();
        o.push_str(&format!(
            "  {p}: {:.1} % of incidents, work {} (AIC: {})\n",
            m * 100.0,
            fits[0].toml(),
            alts.join(", ")
        ));
    }
    for n in &f.notes {
        o.push_str(&format!("note: {n}\n"));
    }
    Ok(o)
}
