//! `incidentlab validate desk.toml --against STORE --from DATE`: the desk half of `validate` (see
//! `cli::validate` and `decide::desk::validate` for the rules).

use std::path::Path;
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

use super::validate::ValidateArgs;
use crate::decide::desk::states::{Kind, StateMap};
use crate::decide::desk::validate::{self as dv, RealSide};
use crate::decide::logdist::{self, ActivityInstance, LogDistances};
use crate::error::{DecideError, Error, Result, SimError};
use crate::sim::desk::{DeskRun, DeskRunOptions, DeskSpec};
use crate::sim::stats::{quantile, Estimate};

/// Mean and standard deviation over runs.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct MeanSd {
    pub mean: f64,
    pub sd: f64,
}

fn mean_sd(v: &[f64]) -> MeanSd {
    let e = Estimate::of(v.iter().copied());
    MeanSd {
        mean: e.mean,
        sd: if e.n > 1 { e.sd } else { 0.0 },
    }
}

/// The six distances over runs.
#[derive(Debug, Clone, Serialize)]
pub struct DistanceSummary {
    pub ctd: MeanSd,
    pub aed: MeanSd,
    pub car: MeanSd,
    pub ced: MeanSd,
    pub red: MeanSd,
    pub ngd2: MeanSd,
}

fn summarize(d: &[LogDistances]) -> DistanceSummary {
    let f = |g: fn(&LogDistances) -> f64| mean_sd(&d.iter().map(g).collect::<Vec<_>>());
    DistanceSummary {
        ctd: f(|x| x.ctd),
        aed: f(|x| x.aed),
        car: f(|x| x.car),
        ced: f(|x| x.ced),
        red: f(|x| x.red),
        ngd2: f(|x| x.ngd2),
    }
}

/// MTTR figures of one side.
#[derive(Debug, Clone, Serialize)]
pub struct Mttr<T> {
    pub mean: T,
    pub median: T,
    pub p90: T,
}

#[derive(Debug, Clone, Serialize)]
pub struct ObservedPriority {
    pub resolved: u64,
    pub mttr_hours: Mttr<f64>,
    pub sla_compliance: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SimulatedPriority {
    pub resolved: Estimate,
    pub mttr_hours: Mttr<Estimate>,
    pub sla_compliance: Option<Estimate>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PriorityRow {
    pub priority: String,
    pub test_cases: u64,
    pub observed: ObservedPriority,
    pub simulated: SimulatedPriority,
}

#[derive(Debug, Clone, Serialize)]
pub struct Side {
    pub observed: f64,
    pub simulated: Estimate,
}

#[derive(Debug, Clone, Serialize)]
pub struct PoolRow {
    pub name: String,
    pub people_seen: u32,
    pub agents_max: u32,
    pub observed_visits: u64,
    pub queue_hours: Side,
    pub work_hours: Side,
    pub utilisation: Side,
}

#[derive(Debug, Clone, Serialize)]
pub struct TestSet {
    pub from: String,
    pub cases: u64,
    pub events: u64,
    pub data_end: String,
    pub last_opening: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Baseline {
    pub model: String,
    pub distances: DistanceSummary,
    pub simulated_cases: MeanSd,
}

/// What `validate --output json` prints for a desk.
#[derive(Debug, Clone, Serialize)]
pub struct DeskValidation {
    pub desk: String,
    pub runs: usize,
    pub seed: u64,
    /// `real open state` (no warm-up).
    pub start: String,
    pub open_at_start: u64,
    /// `finished only` or `cut at the data end`.
    pub export: String,
    pub arrival_hours: f64,
    pub simulated_cases: MeanSd,
    pub distances: DistanceSummary,
    /// None when the single-tier fit is impossible (no resolution before `--from`); see `notes`.
    pub baseline: Option<Baseline>,
    pub priorities: Vec<PriorityRow>,
    pub pools: Vec<PoolRow>,
    pub test: TestSet,
    pub seconds: f64,
    pub notes: Vec<String>,
}

fn load_desk(path: &Path) -> Result<DeskSpec> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    toml::from_str(&text).map_err(|e| Error::format(path, e.to_string()))
}

/// One simulated run, reduced to what validation reports.
pub struct RunOut {
    pub log: Vec<ActivityInstance>,
    pub distances: LogDistances,
    pub resolution: Vec<Vec<f64>>,
    pub cases: usize,
    pub run: DeskRun,
}

pub fn run(args: &ValidateArgs) -> Result<String> {
    let started = Instant::now();
    let from_raw = args.from.as_deref().ok_or_else(|| {
        Error::Usage("validating a desk needs --from DATE: the start of the test period (fit the desk with --until the same date)".into())
    })?;
    let from_ms = crate::timeparse::TimeParser::default()
        .parse(from_raw)
        .map_err(|e| Error::Usage(format!("--from: {e}")))?;
    if args.desk_runs() == 0 {
        return Err(Error::Usage("--runs must be at least 1".into()));
    }
    let spec = load_desk(&args.scenario)?;
    let (incidents, events) = super::fit::load_with_events(&args.against, &args.export)?;
    if events.is_empty() {
        return Err(Error::format(
            &args.against,
            "no events table: a desk is validated against an event log (import it with its events)",
        ));
    }
    let o = DeskValidateOptions {
        from_ms,
        runs: args.desk_runs(),
        seed: args.sim.seed,
        threads: args.sim.threads,
    };
    let (mut v, runs, real_log) =
        validate_desk(spec, &incidents, &events, &o).map_err(|e| match e {
            e @ (Error::Decide(_) | Error::Sim(_)) => Error::format(&args.against, e.to_string()),
            other => other,
        })?;
    if let Some(dir) = &args.write_logs {
        let logs: Vec<&[ActivityInstance]> = runs.iter().map(|r| r.log.as_slice()).collect();
        write_logs(dir, &real_log, &logs)?;
    }
    v.seconds = started.elapsed().as_secs_f64();
    if args.print.output == super::simulate::TableOrJson::Json {
        return serde_json::to_string_pretty(&v)
            .map(|x| x + "\n")
            .map_err(Error::Json);
    }
    Ok(text(&v))
}

/// Options of [`validate_desk`].
#[derive(Debug, Clone)]
pub struct DeskValidateOptions {
    pub from_ms: i64,
    pub runs: usize,
    /// Default: the desk's.
    pub seed: Option<u64>,
    pub threads: Option<usize>,
}

/// Runs `work` on a pool of `threads` workers (None: rayon's global pool, one per core).
pub(crate) fn in_pool<T: Send>(
    threads: Option<usize>,
    work: impl FnOnce() -> T + Send,
) -> Result<T> {
    match threads {
        Some(n) => Ok(rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build()
            .map_err(|e| SimError::run(format!("cannot start {n} threads: {e}")))?
            .install(work)),
        None => Ok(work()),
    }
}

/// The prepared simulation of a validation: the desk set to start at `--from` from the real state.
pub struct Prepared<'a> {
    pub spec: DeskSpec,
    pub desk: crate::sim::desk::Desk,
    pub real: RealSide<'a>,
    pub options: DeskRunOptions,
    pub seed: u64,
}

/// Sets the desk to the test period and builds the real open state.
pub fn prepare<'a>(
    mut spec: DeskSpec,
    incidents: &[crate::schema::Incident],
    events: &'a [crate::schema::Event],
    from_ms: i64,
    seed: Option<u64>,
) -> Result<Prepared<'a>> {
    let real = dv::real_side(&spec, incidents, events, from_ms)?;
    spec.start = crate::metrics::recurrence::iso(from_ms);
    spec.horizon_hours = real.end_hours().max(1.0);
    spec.warmup_hours = 0.0;
    let desk = crate::sim::desk::compile(&spec)
        .map_err(|e| SimError::model(format!("the desk is invalid: {} {}", e.field, e.message)))?;
    let options = DeskRunOptions {
        initial: real.open_at_from(),
        keep_log: true,
        extra_agents: Vec::new(),
    };
    let seed = seed.unwrap_or(spec.seed);
    Ok(Prepared {
        spec,
        desk,
        real,
        options,
        seed,
    })
}

/// Validates a desk on the period from `from_ms` (the rules of `decide::desk::validate`); returns the
/// result (with `seconds` = 0: the caller times what it wants), the runs and the real log.
pub fn validate_desk(
    spec: DeskSpec,
    incidents: &[crate::schema::Incident],
    events: &[crate::schema::Event],
    o: &DeskValidateOptions,
) -> Result<(DeskValidation, Vec<RunOut>, Vec<ActivityInstance>)> {
    let p = prepare(spec, incidents, events, o.from_ms, o.seed)?;
    let by = crate::decide::desk::visits::PoolBy::parse(&p.spec.pool_by)
        .unwrap_or_else(|| crate::decide::desk::default_pool_by(events));
    let test_events = p.real.test_events();
    let real_log =
        logdist::activity_log_from_events(&test_events, p.real.pool_name_of(&p.spec, by));
    let runs = in_pool(o.threads, || -> Vec<RunOut> {
        (0..o.runs as u64)
            .into_par_iter()
            .map(|r| one_run(&p.spec, &p.desk, &p.real, &real_log, p.seed, r, &p.options))
            .collect()
    })?;
    let mut notes = Vec::new();
    let baseline = match in_pool(o.threads, || {
        baseline(
            incidents, events, &p.spec, &p.real, &real_log, p.seed, o.runs,
        )
    })? {
        Ok(b) => Some(b),
        Err(e) => {
            notes.push(format!("no single-tier baseline: {e}"));
            None
        }
    };
    let (spec, real) = (&p.spec, &p.real);
    let v = DeskValidation {
        desk: spec.name.clone(),
        runs: o.runs,
        seed: p.seed,
        start: "real open state at --from (no warm-up)".into(),
        open_at_start: p.options.initial.len() as u64,
        export: if real.finished_only {
            "finished only: simulated incidents kept if resolved by the data end".into()
        } else {
            "cut at the data end: simulated incidents and activities cut there".into()
        },
        arrival_hours: real.arrival_hours(),
        simulated_cases: mean_sd(&runs.iter().map(|r| r.cases as f64).collect::<Vec<_>>()),
        distances: summarize(&runs.iter().map(|r| r.distances).collect::<Vec<_>>()),
        baseline,
        priorities: priority_rows(spec, real, &runs),
        pools: pool_rows(spec, real, &runs),
        test: TestSet {
            from: crate::metrics::recurrence::iso(o.from_ms),
            cases: real.test.len() as u64,
            events: test_events.len() as u64,
            data_end: crate::metrics::recurrence::iso(real.end_ms),
            last_opening: crate::metrics::recurrence::iso(real.last_opening_ms),
        },
        seconds: 0.0,
        notes,
    };
    Ok((v, runs, real_log))
}

/// The effect of one more agent (in every hour the pool has any on duty) in one pool: the paired
/// difference (with − without, common random numbers: same seed, stream key and replication) of
/// that pool's mean queue hours and of the overall MTTR of the simulated incidents.
#[derive(Debug, Clone, Serialize)]
pub struct OneMoreAgent {
    pub pool: String,
    pub utilisation: Estimate,
    pub queue_hours: Estimate,
    pub queue_hours_with: Estimate,
    pub queue_hours_difference: Estimate,
    pub mttr_hours: Estimate,
    pub mttr_hours_with: Estimate,
    pub mttr_hours_difference: Estimate,
    /// The paired interval of the queue difference excludes 0.
    pub significant: bool,
}

fn mean_resolution(run: &DeskRun) -> f64 {
    let v: Vec<f64> = run
        .incidents
        .iter()
        .filter(|s| !s.initial)
        .filter_map(|s| s.resolved_hours.map(|r| r - s.opened_hours))
        .collect();
    if v.is_empty() {
        f64::NAN
    } else {
        v.iter().sum::<f64>() / v.len() as f64
    }
}

/// One more agent in the pool with the highest simulated utilisation (see [`OneMoreAgent`]).
pub fn one_more_agent(
    p: &Prepared<'_>,
    runs: usize,
    threads: Option<usize>,
) -> Result<OneMoreAgent> {
    let np = p.spec.pools.len();
    let pair = |extra: Vec<i32>| {
        let mut o = p.options.clone();
        o.keep_log = false;
        o.extra_agents = extra;
        in_pool(threads, || -> Vec<DeskRun> {
            (0..runs as u64)
                .into_par_iter()
                .map(|r| crate::sim::desk::run_desk(&p.desk, p.seed, &p.spec.name, r, &o))
                .collect()
        })
    };
    let base = pair(vec![0; np])?;
    let util = |k: usize| {
        Estimate::of(
            base.iter()
                .filter_map(|r| r.pools.get(k).map(|x| x.utilisation)),
        )
    };
    let k = (0..np)
        .max_by(|a, b| util(*a).mean.total_cmp(&util(*b).mean))
        .ok_or_else(|| SimError::model("the desk has no pools".into()))?;
    let mut extra = vec![0; np];
    extra[k] = 1;
    let with = pair(extra)?;
    let q = |rs: &[DeskRun]| -> Vec<f64> {
        rs.iter()
            .map(|r| r.pools.get(k).map_or(f64::NAN, |x| x.mean_queue_hours))
            .collect()
    };
    let m = |rs: &[DeskRun]| -> Vec<f64> { rs.iter().map(mean_resolution).collect() };
    let (q0, q1, m0, m1) = (q(&base), q(&with), m(&base), m(&with));
    let diff = |a: &[f64], b: &[f64]| Estimate::of(a.iter().zip(b).map(|(x, y)| y - x));
    let dq = diff(&q0, &q1);
    Ok(OneMoreAgent {
        pool: p.spec.pools[k].name.clone(),
        utilisation: util(k),
        queue_hours: Estimate::of(q0.iter().copied()),
        queue_hours_with: Estimate::of(q1.iter().copied()),
        queue_hours_difference: dq,
        mttr_hours: Estimate::of(m0.iter().copied()),
        mttr_hours_with: Estimate::of(m1.iter().copied()),
        mttr_hours_difference: diff(&m0, &m1),
        significant: dq.ci_high < 0.0 || dq.ci_low > 0.0,
    })
}

fn one_run(
    spec: &DeskSpec,
    desk: &crate::sim::desk::Desk,
    real: &RealSide<'_>,
    real_log: &[ActivityInstance],
    seed: u64,
    r: u64,
    options: &DeskRunOptions,
) -> RunOut {
    let run = crate::sim::desk::run_desk(desk, seed, &spec.name, r, options);
    let end_h = real.end_hours();
    let closure = |case: &str, hours: f64| dv::closure_delay(spec, seed, r, case, hours);
    let kept = dv::select(
        &run,
        real.arrival_hours(),
        end_h,
        real.finished_only,
        &closure,
    );
    let log = dv::simulated_log(spec, &run, &kept, real.from_ms, end_h);
    let mut resolution = vec![Vec::new(); spec.priorities.len()];
    for k in &kept {
        if let Some(h) = k.resolved_hours {
            let c = run.incidents[k.index].priority as usize;
            if let Some(v) = resolution.get_mut(c) {
                v.push(h);
            }
        }
    }
    RunOut {
        distances: logdist::distances(real_log, &log),
        log,
        resolution,
        cases: kept.len(),
        run,
    }
}

fn mttr_of(v: &[f64]) -> (f64, f64, f64) {
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    let mean = if s.is_empty() {
        f64::NAN
    } else {
        s.iter().sum::<f64>() / s.len() as f64
    };
    (mean, quantile(&s, 0.5), quantile(&s, 0.9))
}

fn sla_of(v: &[f64], target: Option<f64>) -> Option<f64> {
    let t = target?;
    (!v.is_empty()).then(|| v.iter().filter(|h| **h <= t).count() as f64 / v.len() as f64)
}

fn priority_rows(spec: &DeskSpec, real: &RealSide<'_>, runs: &[RunOut]) -> Vec<PriorityRow> {
    let nc = spec.priorities.len();
    let observed = real.observed_resolution(nc);
    let mut cases = vec![0u64; nc];
    for i in &real.test {
        let c = real
            .class_of
            .get(&real.timelines[*i].0)
            .copied()
            .unwrap_or(0) as usize;
        cases[c.min(nc - 1)] += 1;
    }
    (0..nc)
        .map(|c| {
            let target = spec.sla_resolution_hours.get(c).copied();
            let (m, md, p9) = mttr_of(&observed[c]);
            let sims: Vec<(f64, f64, f64)> =
                runs.iter().map(|r| mttr_of(&r.resolution[c])).collect();
            PriorityRow {
                priority: spec.priorities[c].clone(),
                test_cases: cases[c],
                observed: ObservedPriority {
                    resolved: observed[c].len() as u64,
                    mttr_hours: Mttr {
                        mean: m,
                        median: md,
                        p90: p9,
                    },
                    sla_compliance: sla_of(&observed[c], target),
                },
                simulated: SimulatedPriority {
                    resolved: Estimate::of(runs.iter().map(|r| r.resolution[c].len() as f64)),
                    mttr_hours: Mttr {
                        mean: Estimate::of(sims.iter().map(|x| x.0)),
                        median: Estimate::of(sims.iter().map(|x| x.1)),
                        p90: Estimate::of(sims.iter().map(|x| x.2)),
                    },
                    sla_compliance: target.map(|t| {
                        Estimate::of(
                            runs.iter()
                                .filter_map(|r| sla_of(&r.resolution[c], Some(t))),
                        )
                    }),
                },
            }
        })
        .collect()
}

fn pool_rows(spec: &DeskSpec, real: &RealSide<'_>, runs: &[RunOut]) -> Vec<PoolRow> {
    let observed = dv::observed_pools(spec, real, spec.horizon_hours);
    spec.pools
        .iter()
        .enumerate()
        .map(|(p, pool)| {
            let sim = |f: fn(&crate::sim::desk::PoolRun) -> f64| {
                Estimate::of(runs.iter().filter_map(|r| r.run.pools.get(p).map(f)))
            };
            PoolRow {
                name: pool.name.clone(),
                people_seen: pool.people_seen,
                agents_max: pool.agents.iter().copied().max().unwrap_or(0),
                observed_visits: observed[p].visits,
                queue_hours: Side {
                    observed: observed[p].queue_hours,
                    simulated: sim(|x| x.mean_queue_hours),
                },
                work_hours: Side {
                    observed: observed[p].work_hours,
                    simulated: sim(|x| x.mean_work_hours),
                },
                utilisation: Side {
                    observed: observed[p].utilisation,
                    simulated: sim(|x| x.utilisation),
                },
            }
        })
        .collect()
}

/// The single-tier fit of the training incidents, simulated over the same test period with the tier
/// engine (which starts empty and whose clock starts on a Monday: it runs from the Monday 00:00 UTC
/// before `--from` and only incidents arriving at or after `--from` are kept). Its log: a queue
/// instance (the time waiting for an agent), a work instance and an instantaneous resolution,
/// labelled with the data's dominant label of each kind.
fn baseline(
    incidents: &[crate::schema::Incident],
    events: &[crate::schema::Event],
    spec: &DeskSpec,
    real: &RealSide<'_>,
    real_log: &[ActivityInstance],
    seed: u64,
    runs: usize,
) -> Result<Baseline> {
    let mut train = training_incidents(incidents, real.from_ms);
    let f = fit_single_tier(&mut train)?;
    let (m, offset_h) = single_tier_model(&f, real)?;
    let labels = baseline_labels(events, spec, real)?;
    let out: Vec<(LogDistances, usize)> = (0..runs as u64)
        .into_par_iter()
        .map(|r| {
            let (log, cases) = single_tier_log(&m, seed, r, offset_h, real, &labels);
            (logdist::distances(real_log, &log), cases)
        })
        .collect();
    Ok(Baseline {
        model: format!(
            "single-tier fit of the {} incidents opened before --from ({} agents), tier engine, starting empty",
            train.len(),
            f.staff
        ),
        distances: summarize(&out.iter().map(|x| x.0).collect::<Vec<_>>()),
        simulated_cases: mean_sd(&out.iter().map(|x| x.1 as f64).collect::<Vec<_>>()),
    })
}

/// The incidents known before `--from` (as `fit --until`), with the priority removed from those of
/// a priority with fewer than two resolutions (it cannot have a work-time fit): they join the
/// single-tier fit's mix as incidents without a priority do.
fn training_incidents(
    incidents: &[crate::schema::Incident],
    from_ms: i64,
) -> Vec<crate::schema::Incident> {
    let mut train = incidents.to_vec();
    super::fit::cut_incidents(&mut train, from_ms);
    let mut resolved: std::collections::BTreeMap<u8, usize> = Default::default();
    for i in train.iter().filter(|i| i.resolved_at.is_some()) {
        if let Some(p) = i.priority {
            *resolved.entry(p).or_default() += 1;
        }
    }
    for i in train.iter_mut() {
        if i.priority
            .is_some_and(|p| resolved.get(&p).copied().unwrap_or(0) < 2)
        {
            i.priority = None;
        }
    }
    train
}

/// The single-tier fit (UTC, 60 % utilisation); with too few resolutions per priority, one class
/// for all the training incidents (their priorities are set to 3).
fn fit_single_tier(train: &mut [crate::schema::Incident]) -> Result<crate::decide::fit::Fit> {
    let fit = |t: &[crate::schema::Incident]| {
        crate::decide::fit::fit(t, "single-tier", chrono_tz::UTC, None, 0.6, None)
    };
    if let Ok(f) = fit(&*train) {
        return Ok(f);
    }
    for i in train.iter_mut() {
        i.priority = Some(3);
    }
    fit(&*train)
        .map_err(|m| DecideError::data(format!("the single-tier baseline cannot be fitted: {m}")))
}

/// The fitted scenario compiled to run from the Monday 00:00 UTC before `--from` to the data end,
/// without warm-up; with the offset (hours from that Monday to `--from`).
fn single_tier_model(
    f: &crate::decide::fit::Fit,
    real: &RealSide<'_>,
) -> Result<(crate::sim::model::Model, f64)> {
    let mut sc = crate::sim::model::parse(&crate::decide::fit::scenario_toml(f))
        .map_err(|e| DecideError::model(format!("internal: {} {}", e.field, e.message)))?;
    let offset_h = crate::decide::desk::capacity::hour_of_week(real.from_ms) as f64
        + (real.from_ms.rem_euclid(crate::units::MS_PER_HOUR)) as f64
            / crate::units::MS_PER_HOUR_F64;
    sc.horizon_hours = offset_h + real.end_hours().max(1.0);
    sc.warmup_hours = 0.0;
    let (m, _) = crate::sim::model::compile(&sc)
        .map_err(|e| DecideError::model(format!("internal: {} {}", e.field, e.message)))?;
    Ok((m, offset_h))
}

/// The data's dominant label of each kind (queue, work, resolved) before `--from`, the activities of
/// the single-tier log (defaults "Queued", "In Progress", "Resolved").
fn baseline_labels(
    events: &[crate::schema::Event],
    spec: &DeskSpec,
    real: &RealSide<'_>,
) -> Result<[String; 3]> {
    let states = StateMap::from_table(&spec.states).map_err(DecideError::model)?;
    let labels = dv::dominant_labels(events, real.from_ms, &states);
    let label = |k: Kind, d: &str| labels.get(&k).cloned().unwrap_or_else(|| d.to_string());
    Ok([
        label(Kind::Queue, "Queued"),
        label(Kind::Work, "In Progress"),
        label(Kind::Resolved, "Resolved"),
    ])
}

/// One run of the single-tier model as an activity log of the incidents that arrive in the test
/// period and resolve by the data end (queue, work, resolution per incident), with their count.
fn single_tier_log(
    m: &crate::sim::model::Model,
    seed: u64,
    r: u64,
    offset_h: f64,
    real: &RealSide<'_>,
    [lq, lw, lr]: &[String; 3],
) -> (Vec<ActivityInstance>, usize) {
    let end_h = real.end_hours();
    let (_, trace) =
        crate::sim::engine::run(m, seed, "single-tier", r, crate::sim::engine::Keep::TRACE);
    let mut log = Vec::new();
    let mut cases = 0;
    for t in trace.unwrap_or_default() {
        let (a, z) = (t.arrived_hours - offset_h, t.resolved_hours - offset_h);
        if a < 0.0 || a > real.arrival_hours() || z.is_nan() || z > end_h {
            continue;
        }
        cases += 1;
        let ms = |h: f64| real.from_ms + crate::units::hours_to_ms(h);
        let id = format!("single-tier-{}", t.index);
        let mut push = |act: &str, s: f64, e: f64| {
            log.push(ActivityInstance {
                case_id: id.clone(),
                activity: act.to_string(),
                resource: "desk".into(),
                start_ms: ms(s),
                end_ms: ms(e),
            })
        };
        if t.wait_hours > 0.0 {
            push(lq, a, a + t.wait_hours);
        }
        push(lw, a + t.wait_hours, z);
        push(lr, z, z);
    }
    (log, cases)
}

fn write_logs(dir: &Path, real: &[ActivityInstance], runs: &[&[ActivityInstance]]) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    logdist::write_activity_log_csv(&dir.join("real.csv"), real)?;
    for (i, r) in runs.iter().enumerate() {
        logdist::write_activity_log_csv(&dir.join(format!("simulated-{i}.csv")), r)?;
    }
    Ok(())
}

/// The desk validation as text: the test period, the log distances beside the single-tier
/// baseline's, the cases kept, then per priority and per pool observed beside simulated.
fn text(v: &DeskValidation) -> String {
    let mut o = format!(
        "desk '{}' on the test period from {} ({} cases, {} events; data end {}): {} runs, start: {} ({} open), export: {}\n\n",
        v.desk, v.test.from, v.test.cases, v.test.events, v.test.data_end, v.runs, v.start, v.open_at_start, v.export
    );
    o.push_str(&distance_lines(v));
    o.push_str(&format!(
        "\nsimulated cases kept {:.0} (single-tier {:.0}) vs {} real\n\n",
        v.simulated_cases.mean,
        v.baseline
            .as_ref()
            .map_or(f64::NAN, |b| b.simulated_cases.mean),
        v.test.cases
    ));
    o.push_str(&priority_lines(&v.priorities));
    o.push_str(&pool_lines(&v.pools));
    for n in &v.notes {
        o.push_str(&format!("note: {n}\n"));
    }
    o.push_str(&format!("\n{:.1} s\n", v.seconds));
    o
}

/// The six log distances of the desk (mean and sd over runs) beside the single-tier baseline's
/// mean (NaN without a baseline).
fn distance_lines(v: &DeskValidation) -> String {
    let mut o = format!("{:<6} {:>16} {:>16}\n", "", "desk (sd)", "single-tier");
    let d = &v.distances;
    let nan = MeanSd {
        mean: f64::NAN,
        sd: f64::NAN,
    };
    let none = DistanceSummary {
        ctd: nan,
        aed: nan,
        car: nan,
        ced: nan,
        red: nan,
        ngd2: nan,
    };
    let b = v.baseline.as_ref().map_or(&none, |b| &b.distances);
    for (name, x, y) in [
        ("CTD h", d.ctd, b.ctd),
        ("AED h", d.aed, b.aed),
        ("CAR h", d.car, b.car),
        ("CED h", d.ced, b.ced),
        ("RED h", d.red, b.red),
        ("NGD2", d.ngd2, b.ngd2),
    ] {
        o.push_str(&format!(
            "{name:<6} {:>16} {:>16.2}\n",
            format!("{:.2} ({:.2})", x.mean, x.sd),
            y.mean
        ));
    }
    o
}

/// Per priority: test cases, observed MTTR beside the simulated one [95 % CI], median and p90.
fn priority_lines(priorities: &[PriorityRow]) -> String {
    let mut o = format!(
        "{:<6} {:>6} {:>10} {:>22} {:>10} {:>10} {:>10} {:>10}\n",
        "prio",
        "cases",
        "MTTR obs",
        "MTTR sim [95% CI]",
        "med obs",
        "med sim",
        "p90 obs",
        "p90 sim"
    );
    for p in priorities {
        let s = &p.simulated.mttr_hours;
        o.push_str(&format!(
            "{:<6} {:>6} {:>10.1} {:>22} {:>10.1} {:>10.1} {:>10.1} {:>10.1}\n",
            p.priority,
            p.test_cases,
            p.observed.mttr_hours.mean,
            format!(
                "{:.1} [{:.1}, {:.1}]",
                s.mean.mean, s.mean.ci_low, s.mean.ci_high
            ),
            p.observed.mttr_hours.median,
            s.median.mean,
            p.observed.mttr_hours.p90,
            s.p90.mean
        ));
    }
    o
}

/// Per pool: people seen, agents at most, queue and work hours per visit and utilisation,
/// observed beside simulated (mean over runs).
fn pool_lines(pools: &[PoolRow]) -> String {
    let mut o = format!(
        "\n{:<24} {:>6} {:>6} {:>9} {:>9} {:>9} {:>9} {:>8} {:>8}\n",
        "pool",
        "people",
        "agents",
        "queue obs",
        "queue sim",
        "work obs",
        "work sim",
        "util obs",
        "util sim"
    );
    for p in pools {
        o.push_str(&format!(
            "{:<24} {:>6} {:>6} {:>9.2} {:>9.2} {:>9.2} {:>9.2} {:>7.0}% {:>7.0}%\n",
            p.name,
            p.people_seen,
            p.agents_max,
            p.queue_hours.observed,
            p.queue_hours.simulated.mean,
            p.work_hours.observed,
            p.work_hours.simulated.mean,
            p.utilisation.observed * 100.0,
            p.utilisation.simulated.mean * 100.0
        ));
    }
    o
}
