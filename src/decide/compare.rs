//! Scenario comparison with common random numbers, and parameter sweeps.
//!
//! Every scenario is run with the same stream key, so replication r of each sees the same arrivals
//! and the same work per incident; the difference pilot − baseline is taken within each replication
//! and summarised with a Student-t 95 % interval (a paired comparison). A difference is
//! *significant* when its interval excludes 0.
//!
//! Desks (`sim::desk`) are compared the same way ([`Subject`]): the same stream key gives every desk
//! the same incidents (arrival times, priorities, paths and work), so desks that differ only in
//! staffing or policy are compared pairwise; per-pool queue time, work time and utilisation are
//! compared too. A desk is compared only with desks, a tier scenario only with tier scenarios.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::error::DecideError;
use crate::sim::desk::{Desk, DeskRunOptions, PoolRun};
use crate::sim::engine::{ClassResult, RunResult};
use crate::sim::model::Model;
use crate::sim::replicate::{run_replications, summarize, RunOptions, Summary};
use crate::sim::stats::Estimate;

/// The stream key shared by all scenarios in a comparison.
pub const CRN_KEY: &str = "common-random-numbers";

/// A metric in two scenarios and their paired difference (pilot − baseline).
#[derive(Debug, Clone, Serialize)]
pub struct MetricDiff {
    pub baseline: Estimate,
    pub pilot: Estimate,
    pub difference: Estimate,
    pub significant: bool,
}

/// The metrics compared, by name, with how to read them from one replication's class result.
/// A named metric of one replication's class result.
pub type ClassMetric = (&'static str, fn(&ClassResult) -> f64);

pub const METRICS: &[ClassMetric] = &[
    ("resolution_hours", |c| c.mean_resolution_hours),
    ("wait_hours", |c| c.mean_wait_hours),
    ("resolution_hours_p90", |c| c.resolution_p90),
    ("sla_compliance", |c| c.sla_compliance),
];

fn diff(base: &[RunResult], pilot: &[RunResult], pick: &dyn Fn(&RunResult) -> f64) -> MetricDiff {
    paired(
        base.iter().map(pick).collect(),
        pilot.iter().map(pick).collect(),
    )
}

/// The paired difference of a metric's values per replication (`b[r]` baseline, `p[r]` pilot):
/// both estimates and the estimate of `p[r] − b[r]`, significant when its interval excludes 0.
fn paired(b: Vec<f64>, p: Vec<f64>) -> MetricDiff {
    let d = Estimate::of(b.iter().zip(&p).map(|(x, y)| y - x));
    MetricDiff {
        baseline: Estimate::of(b),
        pilot: Estimate::of(p),
        significant: d.ci_low > 0.0 || d.ci_high < 0.0,
        difference: d,
    }
}

/// One pilot against the baseline.
#[derive(Debug, Clone, Serialize)]
pub struct PilotComparison {
    pub scenario: String,
    /// metric → difference, overall.
    pub overall: BTreeMap<String, MetricDiff>,
    /// priority → metric → difference.
    pub priorities: BTreeMap<String, BTreeMap<String, MetricDiff>>,
    /// Whether the pilot meets every SLA compliance target (95 % CI lower bound ≥ target).
    pub meets_targets: Option<bool>,
    pub summary: Summary,
    /// Desks only: pool → metric (`queue_hours`, `work_hours`, `utilisation`) → difference.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub pools: BTreeMap<String, BTreeMap<String, MetricDiff>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub replications: usize,
    pub seed: u64,
    pub baseline: Summary,
    pub baseline_meets_targets: Option<bool>,
    pub pilots: Vec<PilotComparison>,
    pub targets: BTreeMap<String, f64>,
}

/// Checks targets (priority label → compliance) against a summary: lower CI bound ≥ target.
pub fn meets(summary: &Summary, targets: &BTreeMap<String, f64>) -> Option<bool> {
    if targets.is_empty() {
        return None;
    }
    Some(targets.iter().all(|(p, t)| {
        let e = if p == "all" {
            Some(&summary.overall)
        } else {
            summary.priorities.get(p)
        };
        e.is_some_and(|c| {
            c.sla_compliance.ci_low >= *t
                || (c.sla_compliance.n == 1 && c.sla_compliance.mean >= *t)
        })
    }))
}

/// Runs one model with common random numbers.
pub fn run_crn(
    m: &Model,
    replications: usize,
    seed: u64,
    threads: Option<usize>,
) -> Result<(Vec<RunResult>, Summary), DecideError> {
    let o = RunOptions {
        replications,
        seed,
        threads,
        stream_key: CRN_KEY.into(),
        trace: false,
        waits: false,
    };
    let (runs, _) = run_replications(m, &o, &|| {}).map_err(DecideError::simulation)?;
    let s = summarize(m, &o, &runs, vec![]);
    Ok((runs, s))
}

/// What a comparison, sweep or staffing search simulates: a tier scenario or a desk.
#[derive(Debug, Clone)]
pub enum Subject {
    Tiers(Box<Model>),
    Desk(Box<Desk>),
}

/// Replications of a subject with common random numbers.
#[derive(Debug, Clone)]
pub struct SubjectRuns {
    pub runs: Vec<RunResult>,
    /// Desks: each replication's per-pool figures (empty for tier scenarios).
    pub pools: Vec<Vec<PoolRun>>,
    pub summary: Summary,
}

impl Subject {
    pub fn name(&self) -> &str {
        match self {
            Subject::Tiers(m) => &m.name,
            Subject::Desk(d) => &d.spec.name,
        }
    }
    pub fn priorities(&self) -> &[String] {
        match self {
            Subject::Tiers(m) => &m.priorities,
            Subject::Desk(d) => &d.spec.priorities,
        }
    }
    pub fn replications(&self) -> usize {
        match self {
            Subject::Tiers(m) => m.replications,
            Subject::Desk(d) => d.spec.replications,
        }
    }
    pub fn seed(&self) -> u64 {
        match self {
            Subject::Tiers(m) => m.seed,
            Subject::Desk(d) => d.spec.seed,
        }
    }
    /// Tier or pool names.
    pub fn units(&self) -> Vec<String> {
        match self {
            Subject::Tiers(m) => m.tiers.iter().map(|t| t.name.clone()).collect(),
            Subject::Desk(d) => d.pools.iter().map(|p| p.name.clone()).collect(),
        }
    }

    /// Runs the subject with the shared stream key [`CRN_KEY`].
    pub fn run_crn(
        &self,
        replications: usize,
        seed: u64,
        threads: Option<usize>,
    ) -> Result<SubjectRuns, DecideError> {
        match self {
            Subject::Tiers(m) => {
                let (runs, summary) = run_crn(m, replications, seed, threads)?;
                Ok(SubjectRuns {
                    runs,
                    pools: Vec::new(),
                    summary,
                })
            }
            Subject::Desk(d) => {
                let out = crate::sim::desk::replicate::run_desk_results(
                    d,
                    &DeskRunOptions::default(),
                    replications,
                    seed,
                    CRN_KEY,
                    threads,
                )
                .map_err(DecideError::simulation)?;
                let (pools, runs): (Vec<_>, Vec<_>) = out.into_iter().unzip();
                let summary = crate::sim::desk::replicate::tier_form_summary(d, seed, &runs);
                Ok(SubjectRuns {
                    runs,
                    pools,
                    summary,
                })
            }
        }
    }
}

/// The per-pool metrics of desk comparisons.
/// A named metric of one replication's pool figures.
pub type PoolMetric = (&'static str, fn(&PoolRun) -> f64);

pub const POOL_METRICS: &[PoolMetric] = &[
    ("queue_hours", |p| p.mean_queue_hours),
    ("work_hours", |p| p.mean_work_hours),
    ("utilisation", |p| p.utilisation),
];

/// Paired per-pool differences between two desks' replications (pools matched by name). Empty
/// unless both sides carry pool figures: a tier scenario's runs have none (its tier names are not
/// pools), and differences of nothing would be NaN rows.
pub fn pool_diffs(
    base_names: &[String],
    base: &[Vec<PoolRun>],
    pilot_names: &[String],
    pilot: &[Vec<PoolRun>],
) -> BTreeMap<String, BTreeMap<String, MetricDiff>> {
    let mut out = BTreeMap::new();
    if base.is_empty() || pilot.is_empty() {
        return out;
    }
    for (bi, name) in base_names.iter().enumerate() {
        let Some(pi) = pilot_names.iter().position(|n| n == name) else {
            continue;
        };
        let mut m = BTreeMap::new();
        for (metric, f) in POOL_METRICS {
            let b: Vec<f64> = base
                .iter()
                .map(|r| r.get(bi).map(f).unwrap_or(f64::NAN))
                .collect();
            let p: Vec<f64> = pilot
                .iter()
                .map(|r| r.get(pi).map(f).unwrap_or(f64::NAN))
                .collect();
            m.insert(metric.to_string(), paired(b, p));
        }
        out.insert(name.clone(), m);
    }
    out
}

/// Compares pilots with a baseline (same priorities required).
pub fn compare(
    baseline: &Model,
    pilots: &[Model],
    replications: usize,
    seed: u64,
    threads: Option<usize>,
    targets: &BTreeMap<String, f64>,
) -> Result<Comparison, DecideError> {
    let pilots: Vec<Subject> = pilots
        .iter()
        .map(|m| Subject::Tiers(Box::new(m.clone())))
        .collect();
    compare_subjects(
        &Subject::Tiers(Box::new(baseline.clone())),
        &pilots,
        replications,
        seed,
        threads,
        targets,
    )
}

/// What a comparison needs before anything runs: ≥ 2 replications, targets on known priorities,
/// pilots of the baseline's kind with its priorities.
pub fn check_comparison(
    baseline: &Subject,
    pilots: &[Subject],
    replications: usize,
    targets: &BTreeMap<String, f64>,
) -> Result<(), DecideError> {
    if replications < 2 {
        return Err(DecideError::Model(
            "a comparison needs at least 2 replications for confidence intervals".into(),
        ));
    }
    let priorities = baseline.priorities();
    for t in targets.keys() {
        if t != "all" && !priorities.contains(t) {
            return Err(DecideError::usage(
                "--target",
                format!(
                    ": target for '{t}', which is not a priority of the scenarios {priorities:?}"
                ),
            ));
        }
    }
    for p in pilots {
        if matches!(p, Subject::Desk(_)) != matches!(baseline, Subject::Desk(_)) {
            return Err(DecideError::ScenarioMismatch(format!("'{}' and the baseline '{}' are of different kinds (a desk and a tier scenario): their random numbers do not pair; compare desks with desks and tier scenarios with tier scenarios", p.name(), baseline.name())));
        }
        if p.priorities() != priorities {
            return Err(DecideError::ScenarioMismatch(format!("scenario '{}' has priorities {:?}, the baseline {:?}: compare scenarios with the same priorities", p.name(), p.priorities(), priorities)));
        }
    }
    Ok(())
}

/// A tier scenario's replications (run with [`CRN_KEY`]) with their summary, as
/// [`Subject::run_crn`] gives them.
pub fn tier_runs(m: &Model, runs: Vec<RunResult>, seed: u64) -> SubjectRuns {
    let o = RunOptions {
        replications: runs.len(),
        seed,
        threads: None,
        stream_key: CRN_KEY.into(),
        trace: false,
        waits: false,
    };
    let summary = summarize(m, &o, &runs, vec![]);
    SubjectRuns {
        runs,
        pools: Vec::new(),
        summary,
    }
}

/// Compares pilots with a baseline, tier scenarios or desks (not mixed; same priorities).
pub fn compare_subjects(
    baseline: &Subject,
    pilots: &[Subject],
    replications: usize,
    seed: u64,
    threads: Option<usize>,
    targets: &BTreeMap<String, f64>,
) -> Result<Comparison, DecideError> {
    check_comparison(baseline, pilots, replications, targets)?;
    let base = baseline.run_crn(replications, seed, threads)?;
    let pilot_runs = pilots
        .iter()
        .map(|p| p.run_crn(replications, seed, threads))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(assemble_comparison(
        baseline,
        pilots,
        base,
        pilot_runs,
        (replications, seed),
        targets,
    ))
}

/// The comparison from the subjects' replications (`runs` = (replications, seed) they were run with).
pub fn assemble_comparison(
    baseline: &Subject,
    pilots: &[Subject],
    base: SubjectRuns,
    pilot_runs: Vec<SubjectRuns>,
    runs: (usize, u64),
    targets: &BTreeMap<String, f64>,
) -> Comparison {
    let (replications, seed) = runs;
    let priorities = baseline.priorities();
    let mut out = Vec::new();
    for (p, pr) in pilots.iter().zip(pilot_runs) {
        let mut overall = BTreeMap::new();
        let mut by_priority = BTreeMap::new();
        for (name, f) in METRICS {
            overall.insert(
                name.to_string(),
                diff(&base.runs, &pr.runs, &|r| f(&r.overall)),
            );
        }
        for (k, label) in priorities.iter().enumerate() {
            let mut m = BTreeMap::new();
            for (name, f) in METRICS {
                m.insert(
                    name.to_string(),
                    diff(&base.runs, &pr.runs, &|r| f(&r.classes[k])),
                );
            }
            by_priority.insert(label.clone(), m);
        }
        let pools = pool_diffs(&baseline.units(), &base.pools, &p.units(), &pr.pools);
        out.push(PilotComparison {
            scenario: p.name().to_string(),
            overall,
            priorities: by_priority,
            meets_targets: meets(&pr.summary, targets),
            summary: pr.summary,
            pools,
        });
    }
    Comparison {
        replications,
        seed,
        baseline_meets_targets: meets(&base.summary, targets),
        baseline: base.summary,
        pilots: out,
        targets: targets.clone(),
    }
}

/// A sweep parameter: `<tier>_staff` (constant staff) or `<tier>_extra` (agents added to every
/// staffed shift segment), over an integer range `a..b` (inclusive), optionally `a..b:step`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sweep {
    pub tier: usize,
    pub extra: bool,
    pub values: Vec<i64>,
    pub name: String,
}

impl Sweep {
    pub fn parse(s: &str, m: &Model) -> Result<Sweep, DecideError> {
        let (name, range) = s.split_once('=').ok_or_else(|| {
            sweep_usage(format!(
                " '{s}': expected <tier>_staff=a..b, e.g. l1_staff=4..10"
            ))
        })?;
        let name = name.trim();
        let (tier_name, extra) = if let Some(t) = name.strip_suffix("_staff") {
            (t, false)
        } else if let Some(t) = name.strip_suffix("_extra") {
            (t, true)
        } else {
            return Err(sweep_usage(format!(
                " '{name}': the parameter must be <tier>_staff or <tier>_extra"
            )));
        };
        let tier = m
            .tiers
            .iter()
            .position(|t| t.name.eq_ignore_ascii_case(tier_name))
            .ok_or_else(|| {
                sweep_usage(format!(
                    " '{name}': no tier '{tier_name}' in scenario '{}' (tiers: {:?})",
                    m.name,
                    m.tiers.iter().map(|t| t.name.as_str()).collect::<Vec<_>>()
                ))
            })?;
        let values = parse_range(s, range, extra)?;
        Ok(Sweep {
            tier,
            extra,
            values,
            name: name.to_string(),
        })
    }

    /// A desk sweep: `<pool>_extra=a..b[:step]`, agents added to every hour the pool has agents
    /// (the pool's name matched ignoring case, with `_` or `-` standing for spaces).
    pub fn parse_desk(s: &str, d: &Desk) -> Result<Sweep, DecideError> {
        let (name, range) = s.split_once('=').ok_or_else(|| {
            sweep_usage(format!(
                " '{s}': expected <pool>_extra=a..b, e.g. \"Service Desk_extra=0..3\""
            ))
        })?;
        let name = name.trim();
        let Some(pool_name) = name.strip_suffix("_extra") else {
            return Err(sweep_usage(format!(
                " '{name}': on a desk the parameter is <pool>_extra (agents added to every staffed hour)"
            )));
        };
        let norm = |x: &str| x.trim().to_lowercase().replace(['_', '-'], " ");
        let tier = d
            .pools
            .iter()
            .position(|p| norm(&p.name) == norm(pool_name))
            .ok_or_else(|| {
                sweep_usage(format!(
                    " '{name}': no pool '{pool_name}' in desk '{}' (pools: {:?})",
                    d.spec.name,
                    d.pools.iter().map(|p| p.name.as_str()).collect::<Vec<_>>()
                ))
            })?;
        Ok(Sweep {
            tier,
            extra: true,
            values: parse_range(s, range, true)?,
            name: name.to_string(),
        })
    }

    /// The desk with `v` agents added to every hour its pool has agents (never below 0).
    pub fn apply_desk(&self, d: &Desk, v: i64) -> Desk {
        let mut d = d.clone();
        add_agents(&mut d, self.tier, &|_| true, v);
        d
    }

    /// The model with the parameter set to `v`.
    pub fn apply(&self, m: &Model, v: i64) -> Model {
        let mut m = m.clone();
        let sched = &mut m.tiers[self.tier].schedule;
        if self.extra {
            for seg in sched.segments.iter_mut() {
                if seg.1 > 0 {
                    seg.1 = (i64::from(seg.1) + v).max(0) as u32;
                }
            }
        } else {
            sched.segments = vec![(0.0, v.max(0) as u32)];
        }
        m
    }
}

/// A usage error about `--sweep`; `detail` follows the flag's name in the message.
fn sweep_usage(detail: String) -> DecideError {
    DecideError::usage("--sweep", detail)
}

/// `a..b` or `a..b:step` (whole numbers, inclusive, at most 201 values).
fn parse_range(s: &str, range: &str, extra: bool) -> Result<Vec<i64>, DecideError> {
    let (range, step) = match range.split_once(':') {
        Some((r, st)) => (
            r,
            st.trim()
                .parse::<i64>()
                .map_err(|_| sweep_usage(format!(" '{s}': step must be a whole number")))?,
        ),
        None => (range, 1),
    };
    let (a, b) = range
        .split_once("..")
        .ok_or_else(|| sweep_usage(format!(" '{s}': expected a range a..b")))?;
    let parse = |x: &str| {
        x.trim()
            .parse::<i64>()
            .map_err(|_| sweep_usage(format!(" '{s}': '{x}' is not a whole number")))
    };
    let (a, b) = (parse(a)?, parse(b)?);
    if step < 1 || b < a || (!extra && a < 0) || (b - a) / step > 200 {
        return Err(sweep_usage(format!(
            " '{s}': need a ≤ b, step ≥ 1, at most 200 values{}",
            if extra { "" } else { ", staff ≥ 0" }
        )));
    }
    Ok((a..=b).step_by(step as usize).collect())
}

/// Adds `delta` agents to pool `pool` of a compiled desk in every hour of the week `band(h)`
/// selects where the pool has agents (never below 0).
pub fn add_agents(d: &mut Desk, pool: usize, band: &dyn Fn(usize) -> bool, delta: i64) {
    if let (Some(p), Some(sp)) = (d.pools.get_mut(pool), d.spec.pools.get_mut(pool)) {
        for h in 0..p.agents.len() {
            if p.agents[h] > 0 && band(h) {
                p.agents[h] =
                    (i64::from(p.agents[h]) + delta).clamp(0, i64::from(u32::MAX / 2)) as u32;
            }
        }
        sp.agents = p.agents.clone();
    }
}

/// Mean agents on duty over the week of a desk's pool.
pub fn mean_agents(d: &Desk, pool: usize) -> f64 {
    d.pools[pool]
        .agents
        .iter()
        .map(|a| f64::from(*a))
        .sum::<f64>()
        / 168.0
}

#[derive(Debug, Clone, Serialize)]
pub struct SweepPoint {
    pub value: i64,
    pub mean_staff: f64,
    pub resolution_hours: Estimate,
    pub sla_compliance: Estimate,
    pub sla_compliance_by_priority: BTreeMap<String, Estimate>,
    pub utilisation: Estimate,
    pub meets_targets: Option<bool>,
    /// Desks: the swept pool's mean queue time per visit (hours).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue_hours: Option<Estimate>,
}

impl SweepPoint {
    /// One point of a sweep from its simulated summary; `node` is the swept tier or pool.
    fn of(
        value: i64,
        mean_staff: f64,
        s: &Summary,
        node: &str,
        targets: &BTreeMap<String, f64>,
        queue_hours: Option<Estimate>,
    ) -> SweepPoint {
        SweepPoint {
            value,
            mean_staff,
            resolution_hours: s.overall.resolution_hours,
            sla_compliance: s.overall.sla_compliance,
            sla_compliance_by_priority: s
                .priorities
                .iter()
                .map(|(k, c)| (k.clone(), c.sla_compliance))
                .collect(),
            utilisation: s.tiers[node].utilisation,
            meets_targets: meets(s, targets),
            queue_hours,
        }
    }
}

/// Runs the sweep with common random numbers: the curve of SLA compliance and MTTR against the parameter.
pub fn sweep(
    m: &Model,
    sw: &Sweep,
    replications: usize,
    seed: u64,
    threads: Option<usize>,
    targets: &BTreeMap<String, f64>,
) -> Result<Vec<SweepPoint>, DecideError> {
    let mut out = Vec::new();
    for &v in &sw.values {
        let mv = sw.apply(m, v);
        let (runs, _) = run_crn(&mv, replications, seed, threads)?;
        out.push(sweep_point(&mv, sw, v, runs, seed, targets));
    }
    Ok(out)
}

/// One point of a tier sweep from its replications: `mv` is the model at value `v`
/// ([`Sweep::apply`]), `runs` its replications with [`CRN_KEY`] and `seed`.
pub fn sweep_point(
    mv: &Model,
    sw: &Sweep,
    v: i64,
    runs: Vec<RunResult>,
    seed: u64,
    targets: &BTreeMap<String, f64>,
) -> SweepPoint {
    let s = tier_runs(mv, runs, seed).summary;
    SweepPoint::of(
        v,
        mv.tiers[sw.tier].schedule.mean_staff(),
        &s,
        &mv.tiers[sw.tier].name,
        targets,
        None,
    )
}

/// The JSON that `compare --sweep … --output json` prints (one trailing newline).
pub fn sweep_json(
    scenario: &str,
    sw: &Sweep,
    runs: (usize, u64),
    targets: &BTreeMap<String, f64>,
    points: &[SweepPoint],
) -> Result<String, DecideError> {
    let (replications, seed) = runs;
    let text = serde_json::to_string_pretty(
        &serde_json::json!({"scenario": scenario, "parameter": sw.name, "replications": replications, "seed": seed, "targets": targets, "points": points}),
    )?;
    Ok(text + "\n")
}

/// One point of a desk sweep: the desk with `v` agents added to the swept pool
/// ([`Sweep::apply_desk`]), simulated with common random numbers; the pool's mean queue time per
/// visit is the point's `queue_hours`.
fn desk_sweep_point(
    d: &Desk,
    sw: &Sweep,
    v: i64,
    runs: (usize, u64, Option<usize>),
    targets: &BTreeMap<String, f64>,
) -> Result<SweepPoint, DecideError> {
    let (replications, seed, threads) = runs;
    let dv = sw.apply_desk(d, v);
    let r = Subject::Desk(Box::new(dv.clone())).run_crn(replications, seed, threads)?;
    let queue = Estimate::of(r.pools.iter().map(|p| {
        p.get(sw.tier)
            .map(|x| x.mean_queue_hours)
            .unwrap_or(f64::NAN)
    }));
    Ok(SweepPoint::of(
        v,
        mean_agents(&dv, sw.tier),
        &r.summary,
        &dv.pools[sw.tier].name,
        targets,
        Some(queue),
    ))
}

/// A sweep of a tier scenario (`<tier>_staff`, `<tier>_extra`) or of a desk (`<pool>_extra`).
pub fn sweep_subject(
    subject: &Subject,
    spec: &str,
    replications: usize,
    seed: u64,
    threads: Option<usize>,
    targets: &BTreeMap<String, f64>,
) -> Result<(Sweep, Vec<SweepPoint>), DecideError> {
    match subject {
        Subject::Tiers(m) => {
            let sw = Sweep::parse(spec, m)?;
            let points = sweep(m, &sw, replications, seed, threads, targets)?;
            Ok((sw, points))
        }
        Subject::Desk(d) => {
            let sw = Sweep::parse_desk(spec, d)?;
            let points = sw
                .values
                .iter()
                .map(|&v| desk_sweep_point(d, &sw, v, (replications, seed, threads), targets))
                .collect::<Result<Vec<_>, _>>()?;
            Ok((sw, points))
        }
    }
}

/// Simulates a subject alone (its own name as the stream key, its file's replications and seed).
pub fn simulate_subject(subject: &Subject) -> Result<Summary, crate::error::SimError> {
    match subject {
        Subject::Tiers(m) => {
            let o = RunOptions::for_model(m);
            let (runs, _) = run_replications(m, &o, &|| {})?;
            Ok(summarize(m, &o, &runs, vec![]))
        }
        Subject::Desk(d) => {
            let out = crate::sim::desk::replicate::run_desk_results(
                d,
                &DeskRunOptions::default(),
                d.spec.replications,
                d.spec.seed,
                &d.spec.name,
                None,
            )?;
            let runs: Vec<RunResult> = out.into_iter().map(|x| x.1).collect();
            Ok(crate::sim::desk::replicate::tier_form_summary(
                d,
                d.spec.seed,
                &runs,
            ))
        }
    }
}

/// Parses `P1=95%,P2=90%,all=0.9` into fractions.
pub fn parse_targets(s: &str) -> Result<BTreeMap<String, f64>, String> {
    let mut out = BTreeMap::new();
    for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (k, v) = part
            .split_once('=')
            .ok_or_else(|| format!("--target '{part}': expected PRIORITY=95%"))?;
        let v = v.trim();
        let x = match v.strip_suffix('%') {
            Some(p) => p.trim().parse::<f64>().map(|x| x / 100.0),
            None => v.parse::<f64>(),
        }
        .map_err(|_| format!("--target '{part}': '{v}' is not a share like 95% or 0.95"))?;
        if !(0.0..=1.0).contains(&x) {
            return Err(format!(
                "--target '{part}': a compliance target lies between 0 and 100 %"
            ));
        }
        out.insert(k.trim().to_string(), x);
    }
    Ok(out)
}
