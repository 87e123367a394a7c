//! `incidentlab fit`: calibrate a model from imported data, written as a commented TOML file.
//!
//! With an events table (event logs, ServiceNow audit logs) it discovers the multi-pool desk
//! (`decide::desk`: pools, routing, queue/work/wait per visit, capacity calendars, multitasking);
//! without one (or with `--single-tier`) it fits the single-tier scenario (`decide::fit`).
//!
#![doc = concat!("```text\n", include_str!("examples/fit.txt"), "```")]
//! Then check it: `incidentlab validate desk.toml --against volvo.parquet --from 2012-05-03T11:35:56Z`.

use std::path::PathBuf;

use clap::Args;

use crate::decide::fit::{fit, scenario_toml};
use crate::error::{DecideError, Error, Result};
use crate::metrics::sla::SlaPolicy;

/// The usage examples of `incidentlab fit`: the module documentation above and `--help` show them.
pub const EXAMPLES: &str = include_str!("examples/fit.txt");

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
    /// SLA policy whose targets go into the scenario.
    #[arg(long)]
    pub sla: Option<PathBuf>,
    /// Desk pools: support level or assignment group (default: level when most events name one).
    #[arg(long, value_enum)]
    pub pools: Option<crate::decide::desk::visits::PoolBy>,
    /// With --pools group: the N busiest groups (by visits) are pools, the rest one pool ("other groups").
    #[arg(long)]
    pub top: Option<usize>,
    /// Use only what was known before DATE: incidents opened before it and their events before it.
    #[arg(long)]
    pub until: Option<String>,
    /// A TOML file whose [states] table (label = "queue|work|wait|resolved|closed") overrides the
    /// default state kinds, e.g. a fitted desk you edited.
    #[arg(long)]
    pub states: Option<PathBuf>,
    /// Days before the cut used for capacity calendars and the arrival profile.
    #[arg(long, default_value_t = 28.0)]
    pub window_days: f64,
    /// Fit the single-tier scenario even when the store has events.
    #[arg(long)]
    pub single_tier: bool,
    /// How an export given as input is read (as `import` reads it); `--timezone` is also the
    /// desk's time zone for the hour-of-week arrival profile (default UTC).
    #[command(flatten)]
    pub export: super::ExportArgs,
}

/// Incidents and events from a store (events from `<store>.events.parquet` when present) or from
/// an export imported on the fly.
pub fn load_with_events(
    input: &std::path::Path,
    export: &super::ExportArgs,
) -> Result<(Vec<crate::schema::Incident>, Vec<crate::schema::Event>)> {
    if crate::store::StoreFormat::of(input).is_ok() {
        let incs = crate::store::read_incidents(input)?;
        let ev = crate::store::events_path(input);
        if !ev.exists() {
            return Ok((incs, Vec::new()));
        }
        let df = crate::store::read_frame(&ev)?;
        let events = events_from_frame(&df).map_err(|m| Error::format(&ev, m))?;
        return Ok((incs, events));
    }
    let opts = export.options()?;
    let imported = crate::ingest::import_files(&[input.to_path_buf()], &opts)?;
    Ok((imported.incidents, imported.events))
}

/// Reads an events table back (the inverse of `schema::events_to_frame`); names a missing column.
pub fn events_from_frame(
    df: &polars::prelude::DataFrame,
) -> std::result::Result<Vec<crate::schema::Event>, String> {
    use polars::prelude::*;
    let text = |name: &str| -> std::result::Result<Vec<Option<String>>, String> {
        let c = df
            .column(name)
            .map_err(|_| format!("not an events table: column '{name}' is missing"))?;
        let c = c.str().map_err(|e| format!("column '{name}': {e}"))?;
        Ok(c.iter().map(|v| v.map(str::to_string)).collect())
    };
    let int = |name: &str, dt: DataType| -> std::result::Result<Vec<Option<i64>>, String> {
        let c = df
            .column(name)
            .map_err(|_| format!("not an events table: column '{name}' is missing"))?;
        let c = c
            .cast(&dt)
            .and_then(|c| c.cast(&DataType::Int64))
            .map_err(|e| format!("column '{name}': {e}"))?;
        let c = c.i64().map_err(|e| format!("column '{name}': {e}"))?;
        Ok(c.iter().collect())
    };
    let ms = DataType::Datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC));
    let (id, at) = (text("incident_id")?, int("at", ms)?);
    let (state, sub, group) = (text("state")?, text("sub_state")?, text("group")?);
    let (level, who, line) = (
        text("support_level")?,
        text("assignee")?,
        int("source_line", DataType::Int64)?,
    );
    let mut out = Vec::with_capacity(df.height());
    for i in 0..df.height() {
        let (Some(incident_id), Some(at)) = (id[i].clone(), at[i]) else {
            continue;
        };
        out.push(crate::schema::Event {
            incident_id,
            at,
            state: state[i].clone(),
            sub_state: sub[i].clone(),
            group: group[i].clone(),
            support_level: level[i].clone(),
            assignee: who[i].clone(),
            source_line: line[i].unwrap_or_default().max(0) as u64,
        });
    }
    Ok(out)
}

/// Reads the `[states]` table of a TOML file (a fitted desk or a small file of overrides).
pub fn read_states(path: &std::path::Path) -> Result<crate::decide::desk::states::StateMap> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let table: toml::Table =
        toml::from_str(&text).map_err(|e| Error::format(path, e.to_string()))?;
    let Some(states) = table.get("states").and_then(|v| v.as_table()) else {
        return Err(Error::format(
            path,
            "no [states] table (label = \"queue|work|wait|resolved|closed\")",
        ));
    };
    let mut m = std::collections::BTreeMap::new();
    for (k, v) in states {
        let v = v.as_str().ok_or_else(|| {
            Error::format(
                path,
                format!(
                    "states.\"{k}\": expected a string (queue, work, wait, resolved or closed)"
                ),
            )
        })?;
        m.insert(k.clone(), v.to_string());
    }
    crate::decide::desk::states::StateMap::from_table(&m).map_err(|e| Error::format(path, e))
}

/// The recipe: check the flags, load the incidents and events, then discover the desk (events) or
/// fit the single-tier scenario, check that what is written loads, write it, print its summary.
pub fn run(args: &FitArgs) -> Result<String> {
    if !(args.utilisation > 0.0 && args.utilisation < 1.0) {
        return Err(Error::Usage("--utilisation must be between 0 and 1".into()));
    }
    let tz = args
        .export
        .timezone()
        .map_err(Error::Usage)?
        .unwrap_or(chrono_tz::UTC);
    let policy = args.sla.as_ref().map(|p| SlaPolicy::load(p)).transpose()?;
    let until = parse_until(args)?;
    let (mut incs, events) = load_with_events(&args.input, &args.export)?;
    let name = model_name(args);
    if !events.is_empty() && !args.single_tier {
        return run_desk(args, &incs, &events, name, until, policy.as_ref());
    }
    if let Some(u) = until {
        cut_incidents(&mut incs, u);
    }
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
    check_scenario_loads(&text)?;
    crate::output::write_bytes(&args.out, text.as_bytes())?;
    let why = if events.is_empty() {
        "no events table"
    } else {
        "--single-tier"
    };
    Ok(single_tier_summary(&f, why, &args.out))
}

/// `--until`, parsed (None without it); a bad date is a usage error.
fn parse_until(args: &FitArgs) -> Result<Option<i64>> {
    args.until
        .as_deref()
        .map(|v| {
            crate::timeparse::TimeParser::default()
                .parse(v)
                .map_err(|e| Error::Usage(format!("--until: {e}")))
        })
        .transpose()
}

/// `--name`, else the output file's stem, else "fitted".
fn model_name(args: &FitArgs) -> String {
    args.name.clone().unwrap_or_else(|| {
        args.out
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "fitted".into())
    })
}

/// The written file must load: the fitted scenario's text parses and compiles (checked before
/// writing; a failure is an internal model error).
fn check_scenario_loads(text: &str) -> Result<()> {
    let parsed = crate::sim::model::parse(text).map_err(|e| {
        DecideError::model(format!(
            "internal: fitted scenario does not parse: {} {}",
            e.field, e.message
        ))
    })?;
    crate::sim::model::compile(&parsed).map_err(|e| {
        DecideError::model(format!(
            "internal: fitted scenario is invalid: {} {}",
            e.field, e.message
        ))
    })?;
    Ok(())
}

/// What `fit` prints for a single-tier fit: incidents and span, arrivals, staff, reopen rate, and
/// per priority its share and work-time distribution (with the alternatives' AIC).
fn single_tier_summary(f: &crate::decide::fit::Fit, why: &str, out: &std::path::Path) -> String {
    let mut o = format!(
        "single-tier fit ({why}): {} incidents over {:.0} days → {}\n",
        f.incidents,
        f.span_hours / 24.0,
        out.display()
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
    o
}

/// What was known before `until`: incidents opened before it, with resolution and closure only if
/// they happened before it.
pub fn cut_incidents(incs: &mut Vec<crate::schema::Incident>, until: i64) {
    incs.retain(|i| i.opened_at < until);
    for i in incs.iter_mut() {
        if i.resolved_at.is_some_and(|r| r >= until) {
            i.resolved_at = None;
        }
        if i.closed_at.is_some_and(|r| r >= until) {
            i.closed_at = None;
        }
    }
}

/// The SLA policy's resolution target in hours per priority (empty without a policy): the
/// targets a fitted desk carries.
pub fn resolution_targets(policy: Option<&SlaPolicy>) -> std::collections::BTreeMap<u8, f64> {
    policy
        .map(|p| {
            p.targets
                .iter()
                .map(|(k, t)| (*k, t.resolution_hours))
                .collect()
        })
        .unwrap_or_default()
}

fn run_desk(
    args: &FitArgs,
    incs: &[crate::schema::Incident],
    events: &[crate::schema::Event],
    name: String,
    until: Option<i64>,
    policy: Option<&SlaPolicy>,
) -> Result<String> {
    use crate::decide::desk;
    if args.pools != Some(desk::visits::PoolBy::Group) && args.top.is_some() {
        return Err(Error::Usage("--top applies to --pools group".into()));
    }
    if args.window_days.is_nan() || args.window_days < 1.0 {
        return Err(Error::Usage("--window-days must be at least 1".into()));
    }
    let states = match &args.states {
        Some(p) => read_states(p)?,
        None => Default::default(),
    };
    let sla_hours = resolution_targets(policy);
    let o = desk::DeskFitOptions {
        name,
        pool_by: args.pools,
        top: args.top,
        until_ms: until,
        states,
        window_days: args.window_days,
        sla_hours,
    };
    let f = desk::discover(incs, events, &o).map_err(|m| Error::format(&args.input, m))?;
    let text = desk::render::desk_toml(&f);
    let parsed: crate::sim::desk::DeskSpec = toml::from_str(&text)
        .map_err(|e| DecideError::model(format!("internal: fitted desk does not parse: {e}")))?;
    crate::sim::desk::compile(&parsed).map_err(|e| {
        DecideError::model(format!(
            "internal: fitted desk is invalid: {} {}",
            e.field, e.message
        ))
    })?;
    crate::output::write_bytes(&args.out, text.as_bytes())?;
    Ok(desk_summary(&f, &args.out))
}

fn desk_summary(f: &crate::decide::desk::DeskFit, out: &std::path::Path) -> String {
    let s = &f.spec;
    let mut o = format!(
        "desk discovered (multi-pool, from the events table): {} incidents, {} events before {}, pools by {} → {}\n",
        f.incidents,
        f.events,
        crate::metrics::recurrence::iso(f.cut_ms),
        f.pool_by.name(),
        out.display()
    );
    o.push_str(&format!(
        "arrivals {:.3}/h (last 7 days); priorities {}\n",
        s.arrivals.rate_per_hour,
        s.priorities.join(", ")
    ));
    o.push_str(&format!(
        "{:<24} {:>7} {:>7} {:>7} {:>6} {:>8} {:>8} {:>8} {:>6}\n",
        "pool", "visits", "people", "agents", "conc.", "queue h", "work h", "wait h", "wait%"
    ));
    for (p, fit) in s.pools.iter().zip(&f.pools) {
        o.push_str(&format!(
            "{:<24} {:>7} {:>7} {:>7} {:>6} {:>8.2} {:>8.2} {:>8.2} {:>5.0}%\n",
            p.name,
            fit.visits,
            p.people_seen,
            fit.agents_max,
            p.concurrency,
            fit.mean_queue_hours,
            fit.mean_work_hours,
            fit.mean_wait_hours,
            fit.wait_share * 100.0
        ));
    }
    for n in &f.notes {
        o.push_str(&format!("note: {n}\n"));
    }
    o
}
