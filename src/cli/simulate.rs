//! `incidentlab simulate`: run a scenario file, many replications in parallel.
//!
#![doc = concat!("```text\n", include_str!("examples/simulate.txt"), "```")]
//! A desk file (`[[pools]]`, as `fit` writes from an event log) runs on the desk engine.
//! Flags override the file. Same seed → identical results, whatever `--threads`.

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use polars::prelude::*;

use crate::error::{Error, Result, SimError};
use crate::sim::engine::TraceRecord;
use crate::sim::model::{compile, parse, Model, Scenario, TracedArrival};
use crate::sim::replicate::{run_replications, summarize, ClassSummary, RunOptions, Summary};
use crate::sim::stats::Estimate;

/// The usage examples of `incidentlab simulate`: the module documentation above and `--help` show them.
pub const EXAMPLES: &str = include_str!("examples/simulate.txt");

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum TableOrJson {
    #[default]
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// Scenario or desk file (TOML; see scenarios/ and README "Scenario format", "Desk format").
    pub scenario: PathBuf,
    #[command(flatten)]
    pub sim: super::SimArgs,
    /// Simulated hours (overrides the file).
    #[arg(long)]
    pub horizon: Option<f64>,
    /// Warm-up hours not measured (overrides the file).
    #[arg(long)]
    pub warmup: Option<f64>,
    #[command(flatten)]
    pub print: super::TableOutput,
    /// Write every measured incident of the first replication to this Parquet/Arrow file.
    #[arg(long)]
    pub trace: Option<PathBuf>,
    /// Trace replay: use the real arrivals (times and priorities) of this store instead of the
    /// scenario's arrival process — "what would that period have looked like with …".
    #[arg(long)]
    pub replay: Option<PathBuf>,
    /// Replay only incidents opened on or after this date.
    #[arg(long)]
    pub replay_from: Option<String>,
    /// Replay only incidents opened before this date.
    #[arg(long)]
    pub replay_to: Option<String>,
    /// With --replay: each incident's observed resolution time (opened → resolved, else closed,
    /// as `analyze` measures it) is its work at the first tier, incidents still open at the
    /// store's as-of never finish, and the run is measured up to that as-of. With one tier of
    /// ample 24×7 staff and no escalation it reproduces the incidents (README "Trace replay").
    #[arg(long, requires = "replay")]
    pub replay_work: bool,
    /// Run slice i of n of the replications and write a part file for `incidentlab merge`
    /// (README "Sharded runs").
    #[arg(long)]
    pub shard: Option<String>,
    /// With --shard: the part file to write (default: print it).
    #[arg(long, requires = "shard")]
    pub part: Option<PathBuf>,
    /// How a `--replay` export is read (as `import` reads it).
    #[command(flatten)]
    pub export: super::ExportArgs,
}

/// `simulate --shard i/n`: one slice of the replications as a part file.
fn run_shard(args: &SimulateArgs, spec: &str) -> Result<String> {
    if args.trace.is_some() || args.replay.is_some() {
        return Err(Error::Usage(
            "--shard runs the scenario's own arrivals without a trace: leave out --trace and --replay".into(),
        ));
    }
    let shard = crate::sim::replicate::Shard::parse(spec).map_err(Error::Usage)?;
    let mut request =
        super::merge::Request::read("simulate", std::slice::from_ref(&args.scenario))?;
    request.replications = args.sim.replications;
    request.seed = args.sim.seed;
    request.horizon_hours = args.horizon;
    request.warmup_hours = args.warmup;
    super::merge::run_shard(request, shard, args.sim.threads, args.part.as_deref())
}

/// Real arrivals for trace replay: hours from the Monday 00:00 (UTC) before the first one, and the
/// scenario's class of each priority (`P1` … as `fit` names them).
pub fn replay_trace(args: &SimulateArgs, model: &mut Model) -> Result<()> {
    let Some(path) = &args.replay else {
        return Ok(());
    };
    let p = crate::timeparse::TimeParser::default();
    let when = |s: &Option<String>, flag: &str| {
        s.as_deref()
            .map(|v| p.parse(v).map_err(|e| Error::Usage(format!("{flag}: {e}"))))
            .transpose()
    };
    let (from, to) = (
        when(&args.replay_from, "--replay-from")?,
        when(&args.replay_to, "--replay-to")?,
    );
    let mut incs = super::load_incidents(path, &args.export)?;
    let as_of = crate::metrics::incidents_last_timestamp(&incs);
    incs.retain(|i| from.is_none_or(|f| i.opened_at >= f) && to.is_none_or(|t| i.opened_at < t));
    if incs.is_empty() {
        return Err(SimError::model(format!(
            "{}: no incidents to replay in the chosen period",
            path.display()
        )));
    }
    incs.sort_by_key(|i| i.opened_at);
    let monday0 = crate::units::iso_week_start(crate::units::iso_week(incs[0].opened_at));
    let trace = traced_arrivals(&incs, model, monday0, args.replay_work.then_some(as_of))
        .map_err(|unknown| {
            SimError::model(format!(
            "replay: priorities {:?} of {} are not among the scenario's {:?} (name them P1, P2 … as `fit` does)",
            unknown,
            path.display(),
            model.priorities
        ))
        })?;
    let last = trace.last().map(|t| t.hours).unwrap_or(0.0);
    model.horizon = if args.replay_work {
        crate::units::ms_to_hours(as_of - monday0)
    } else {
        last + 1e-6
    };
    model.warmup = 0.0;
    model.arrival_trace = Some(std::sync::Arc::new(trace));
    Ok(())
}

/// The replayed arrivals of `incs` (sorted by opening) in hours from `monday0`, each with the
/// scenario's class of its priority; with `work_as_of` also its work: the hours from opening to
/// the metrics' stop instant (`resolved_at`, else `closed_at`) when that lies by the as-of, else
/// +∞ (still open then). Err: the count of incidents per priority the scenario lacks.
fn traced_arrivals(
    incs: &[crate::schema::Incident],
    model: &Model,
    monday0: i64,
    work_as_of: Option<i64>,
) -> std::result::Result<Vec<TracedArrival>, std::collections::BTreeMap<String, u64>> {
    let mut trace = Vec::with_capacity(incs.len());
    let mut unknown = std::collections::BTreeMap::new();
    for i in incs {
        let class = if model.priorities.len() == 1 {
            Some(0)
        } else {
            i.priority.and_then(|p| {
                model
                    .priorities
                    .iter()
                    .position(|l| *l == crate::decide::fit::label(p))
            })
        };
        let Some(c) = class else {
            let p = i.priority.map(|p| p.to_string());
            *unknown
                .entry(p.unwrap_or_else(|| "none".into()))
                .or_insert(0u64) += 1;
            continue;
        };
        let work_hours = work_as_of.map(|as_of| {
            let stop = crate::metrics::sla::stop_instant(
                crate::metrics::sla::StopAt::Resolved,
                i.resolved_at,
                i.closed_at,
            );
            match stop {
                Some((s, _)) if s <= as_of => crate::units::ms_to_hours((s - i.opened_at).max(0)),
                _ => f64::INFINITY,
            }
        });
        trace.push(TracedArrival {
            hours: crate::units::ms_to_hours(i.opened_at - monday0),
            class: c as u8,
            work_hours,
        });
    }
    if unknown.is_empty() {
        Ok(trace)
    } else {
        Err(unknown)
    }
}

/// Reads, overrides and compiles a scenario file; errors name the file and the field.
pub fn load_scenario(
    path: &Path,
    tweak: impl FnOnce(&mut Scenario),
) -> Result<(Model, Vec<String>)> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    compile_text(path, &text, tweak)
}

/// Parses, overrides and compiles the text of scenario file `path`.
pub fn compile_text(
    path: &Path,
    text: &str,
    tweak: impl FnOnce(&mut Scenario),
) -> Result<(Model, Vec<String>)> {
    let mut scenario = parse(text).map_err(|e| Error::config(path, e.field, e.message))?;
    tweak(&mut scenario);
    compile(&scenario).map_err(|e| Error::config(path, e.field, e.message))
}

/// The run settings a tier scenario and a desk file share: replications, seed, horizon and warm-up.
pub trait RunSettings {
    /// (replications, seed, horizon hours, warm-up hours), to be overridden in place.
    fn run_settings(&mut self) -> (&mut usize, &mut u64, &mut f64, &mut f64);
}

/// Implements [`RunSettings`] for model file types with the four fields of that name.
macro_rules! run_settings {
    ($($t:ty),*) => {$(
        impl RunSettings for $t {
            fn run_settings(&mut self) -> (&mut usize, &mut u64, &mut f64, &mut f64) {
                let s = self;
                (&mut s.replications, &mut s.seed, &mut s.horizon_hours, &mut s.warmup_hours)
            }
        }
    )*};
}
run_settings!(Scenario, crate::sim::desk::DeskSpec);

/// Command-line overrides of a model file's run settings (`None`: the file's value).
#[derive(Debug, Clone, Copy, Default)]
pub struct Overrides {
    pub replications: Option<usize>,
    pub seed: Option<u64>,
    pub horizon_hours: Option<f64>,
    pub warmup_hours: Option<f64>,
}

impl Overrides {
    /// `--replications` and `--seed` of a simulation flag group; horizon and warm-up the file's.
    pub fn of(sim: &super::SimArgs) -> Overrides {
        Overrides {
            replications: sim.replications,
            seed: sim.seed,
            ..Default::default()
        }
    }

    /// Sets each given setting on the file's model; the others keep the file's values.
    pub fn apply(&self, model: &mut impl RunSettings) {
        let (replications, seed, horizon, warmup) = model.run_settings();
        if let Some(r) = self.replications {
            *replications = r;
        }
        if let Some(x) = self.seed {
            *seed = x;
        }
        if let Some(h) = self.horizon_hours {
            *horizon = h;
        }
        if let Some(w) = self.warmup_hours {
            *warmup = w;
        }
    }
}

/// `simulate`'s overrides: the simulation flags, `--horizon` and `--warmup`.
fn overrides(args: &SimulateArgs) -> Overrides {
    Overrides {
        horizon_hours: args.horizon,
        warmup_hours: args.warmup,
        ..Overrides::of(&args.sim)
    }
}

/// A tier scenario or a desk file (told apart by content: a desk has `[[pools]]` and no
/// `[[tiers]]`), compiled with `overrides` applied.
pub fn load_subject(path: &Path, overrides: &Overrides) -> Result<crate::decide::compare::Subject> {
    use crate::decide::compare::Subject;
    if crate::sim::desk::replicate::is_desk_file(path)? {
        let d = crate::sim::desk::replicate::load_desk_with(path, |s| overrides.apply(s))?;
        return Ok(Subject::Desk(Box::new(d)));
    }
    let (m, _) = load_scenario(path, |s| overrides.apply(s))?;
    Ok(Subject::Tiers(Box::new(m)))
}

/// `simulate` on a desk file: replications of the desk engine and their summary.
fn run_desk_file(
    args: &SimulateArgs,
    progress: &dyn Fn(u64) -> Box<dyn Fn() + Sync>,
) -> Result<String> {
    use crate::sim::desk::replicate::{
        load_desk_with, load_warnings, run_desk_replications, summarize_desk,
    };
    if args.trace.is_some() || args.replay.is_some() {
        return Err(Error::Usage(
            "--trace and --replay work on tier scenarios; for a desk, `validate --write-logs DIR` writes the simulated logs".into(),
        ));
    }
    let desk = load_desk_with(&args.scenario, |s| overrides(args).apply(s))?;
    let reps = desk.spec.replications;
    let tick = progress(reps as u64);
    let runs = run_desk_replications(
        &desk,
        &Default::default(),
        reps,
        desk.spec.seed,
        &desk.spec.name,
        args.sim.threads,
        &*tick,
    )?;
    let summary = summarize_desk(&desk, desk.spec.seed, &runs);
    let warnings = load_warnings(&desk);
    match args.print.output {
        TableOrJson::Json => serde_json::to_string_pretty(
            &serde_json::json!({"summary": summary, "warnings": warnings}),
        )
        .map(|s| s + "\n")
        .map_err(Error::Json),
        TableOrJson::Table => Ok(desk_table(&summary, &warnings)),
    }
}

/// A terminal table of a desk's summary: per priority, then per pool.
pub fn desk_table(s: &crate::sim::desk::DeskSummary, warnings: &[String]) -> String {
    let mut out = format!(
        "desk {} — {} replications, seed {}, from {} for {} h (warm-up {} h), policy {:?}\n\n",
        s.desk, s.replications, s.seed, s.start, s.horizon_hours, s.warmup_hours, s.policy
    );
    out.push_str(&format!(
        "{:<8} {:>9} {:>9} {:>24} {:>10} {:>10} {:>22} {:>8}\n",
        "priority",
        "arrived",
        "open end",
        "MTTR h [95% CI]",
        "median h",
        "p90 h",
        "SLA % [95% CI]",
        "pending"
    ));
    for p in s.priorities.iter().chain([&s.overall]) {
        out.push_str(&format!(
            "{:<8} {:>9.1} {:>9.1} {:>24} {:>10.2} {:>10.2} {:>22} {:>8.1}\n",
            p.priority,
            p.arrived.mean,
            p.open_at_end.mean,
            ci(&p.mttr_hours, 1.0, 2),
            p.mttr_hours_median.mean,
            p.mttr_hours_p90.mean,
            ci(&p.sla_compliance, 100.0, 1),
            p.sla_pending.mean
        ));
    }
    out.push_str(&format!(
        "\n{:<24} {:>7} {:>6} {:>9} {:>22} {:>18} {:>20}\n",
        "pool",
        "agents",
        "conc.",
        "visits",
        "queue h/visit [CI]",
        "work h/visit",
        "utilisation % [CI]"
    ));
    for p in &s.pools {
        out.push_str(&format!(
            "{:<24} {:>7.2} {:>6} {:>9.1} {:>22} {:>18} {:>20}\n",
            p.name,
            p.mean_agents.mean,
            p.concurrency,
            p.visits.mean,
            ci(&p.queue_hours, 1.0, 2),
            ci(&p.work_hours, 1.0, 2),
            ci(&p.utilisation, 100.0, 1)
        ));
    }
    out.push_str(&format!(
        "\nMTTR counts resolved incidents; SLA % = met / (met + breached), open incidents past their target breached, the others pending; events per replication {:.0}\n",
        s.events_per_replication.mean
    ));
    for w in warnings {
        out.push_str(&format!("warning: {w}\n"));
    }
    out
}

pub fn run(args: &SimulateArgs, progress: &dyn Fn(u64) -> Box<dyn Fn() + Sync>) -> Result<String> {
    if let Some(spec) = &args.shard {
        return run_shard(args, spec);
    }
    if crate::sim::desk::replicate::is_desk_file(&args.scenario)? {
        return run_desk_file(args, progress);
    }
    let (mut model, warnings) = load_scenario(&args.scenario, |s| overrides(args).apply(s))?;
    replay_trace(args, &mut model)?;
    let mut opts = RunOptions::for_model(&model);
    opts.threads = args.sim.threads;
    opts.trace = args.trace.is_some();
    let tick = progress(opts.replications as u64);
    let (runs, trace) = run_replications(&model, &opts, &*tick)?;
    let summary = summarize(&model, &opts, &runs, warnings);
    if let (Some(path), Some(trace)) = (&args.trace, trace) {
        write_trace(path, &trace, &model)?;
    }
    match args.print.output {
        TableOrJson::Json => serde_json::to_string_pretty(&summary)
            .map(|s| s + "\n")
            .map_err(Error::Json),
        TableOrJson::Table => Ok(table(&summary)),
    }
}

fn write_trace(path: &Path, trace: &[TraceRecord], m: &Model) -> Result<()> {
    let col_f = |name: &str, f: &dyn Fn(&TraceRecord) -> f64| {
        Column::new(name.into(), trace.iter().map(f).collect::<Vec<f64>>())
    };
    let mut df = DataFrame::new(
        trace.len(),
        vec![
            Column::new(
                "incident".into(),
                trace.iter().map(|t| t.index).collect::<Vec<u32>>(),
            ),
            Column::new(
                "priority".into(),
                trace
                    .iter()
                    .map(|t| m.priorities[usize::from(t.priority - 1)].clone())
                    .collect::<Vec<String>>(),
            ),
            col_f("arrived_hours", &|t| t.arrived_hours),
            col_f("resolved_hours", &|t| t.resolved_hours),
            col_f("resolution_hours", &|t| t.resolved_hours - t.arrived_hours),
            col_f("wait_hours", &|t| t.wait_hours),
            Column::new(
                "tiers_visited".into(),
                trace
                    .iter()
                    .map(|t| u32::from(t.tiers_visited))
                    .collect::<Vec<u32>>(),
            ),
            Column::new(
                "self_healed".into(),
                trace.iter().map(|t| t.self_healed).collect::<Vec<bool>>(),
            ),
        ],
    )?;
    crate::store::write_frame(&mut df, path)
}

fn ci(e: &Estimate, scale: f64, digits: usize) -> String {
    if !e.mean.is_finite() {
        return "–".into();
    }
    if !e.ci_low.is_finite() {
        return format!("{:.*}", digits, e.mean * scale);
    }
    format!(
        "{:.*} [{:.*}, {:.*}]",
        digits,
        e.mean * scale,
        digits,
        e.ci_low * scale,
        digits,
        e.ci_high * scale
    )
}

fn row(label: &str, c: &ClassSummary) -> String {
    format!(
        "{label:<8} {:>9.1} {:>24} {:>22} {:>9.2} {:>9.2} {:>22}\n",
        c.arrived_per_replication.mean,
        ci(&c.resolution_hours, 1.0, 2),
        ci(&c.wait_hours, 1.0, 2),
        c.resolution_hours_p90.mean,
        c.resolution_hours_p95.mean,
        ci(&c.sla_compliance, 100.0, 1),
    )
}

/// A terminal table: means over replications with 95 % confidence intervals.
pub fn table(s: &Summary) -> String {
    let mut out = format!(
        "scenario {} — {} replications, seed {}, horizon {} h (warm-up {} h), policy {:?}\n\n",
        s.scenario, s.replications, s.seed, s.horizon_hours, s.warmup_hours, s.policy
    );
    out.push_str(&format!(
        "{:<8} {:>9} {:>24} {:>22} {:>9} {:>9} {:>22}\n",
        "priority",
        "arrived",
        "MTTR h [95% CI]",
        "wait h [95% CI]",
        "p90 h",
        "p95 h",
        "SLA % [95% CI]"
    ));
    for p in &s.priority_order {
        if let Some(c) = s.priorities.get(p) {
            out.push_str(&row(p, c));
        }
    }
    out.push_str(&row("all", &s.overall));
    out.push_str(&format!(
        "\n{:<12} {:>10} {:>22} {:>22}\n",
        "tier", "mean staff", "utilisation % [CI]", "queue length [CI]"
    ));
    for t in &s.tier_order {
        if let Some(x) = s.tiers.get(t) {
            out.push_str(&format!(
                "{t:<12} {:>10.2} {:>22} {:>22}\n",
                x.mean_staff.mean,
                ci(&x.utilisation, 100.0, 1),
                ci(&x.queue_length, 1.0, 2)
            ));
        }
    }
    out.push_str(&format!(
        "\nLittle's law: L = {:.3}, λW = {:.3}; events per replication {:.0}\n",
        s.littles_l.mean, s.littles_lambda_w.mean, s.events_per_replication.mean
    ));
    for w in &s.warnings {
        out.push_str(&format!("warning: {w}\n"));
    }
    out
}
