//! Desk files (detection, parsing with line numbers), replications in parallel and their summary.
//! Replication r's streams derive from (seed, stream key, r) and results are collected in
//! replication order, so the output is bit-identical for any thread count. The only I/O here is
//! [`load_desk`] reading a desk file.

use std::path::Path;

use crate::error::SimError;
use serde::Serialize;

use super::engine::{measured, run_measured, run_result, sla_outcome};
use super::{compile, Desk, DeskRun, DeskRunOptions, DeskSpec, Invalid};
use crate::error::{Error, Result};
use crate::sim::engine::RunResult;
use crate::sim::model::PolicyName;
use crate::sim::replicate::{class_summary, in_unit_order, Summary};
use crate::sim::stats::Estimate;

/// Whether a TOML text is a desk (it has `[[pools]]` and no `[[tiers]]`) rather than a tier scenario.
pub fn is_desk_text(text: &str) -> bool {
    match toml::from_str::<toml::Table>(text) {
        Ok(t) => t.contains_key("pools") && !t.contains_key("tiers"),
        Err(_) => {
            let has = |h: &str| text.lines().any(|l| l.trim().replace(' ', "") == h);
            has("[[pools]]") && !has("[[tiers]]")
        }
    }
}

/// Parses desk TOML; errors carry the line toml reports.
pub fn parse_desk(text: &str) -> std::result::Result<DeskSpec, Invalid> {
    toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
        Invalid {
            field: line.map(|l| format!("line {l}")).unwrap_or_default(),
            message: e.message().to_string(),
        }
    })
}

/// The line (1-based) where a compile error's field is written, when it can be found: `pools[2]
/// (L2).agents` → the `agents` key of the third `[[pools]]` table; `arrivals.entry[0]` → `entry`
/// under `[arrivals]`; `horizon_hours` → the top-level key.
pub fn locate_field(text: &str, field: &str) -> Option<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let header = |l: &str| l.trim_start().starts_with('[');
    let (from, rest) = if let Some(r) = field.strip_prefix("pools[") {
        let (idx, after) = r.split_once(']')?;
        let idx: usize = idx.parse().ok()?;
        let start = lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.trim().replace(' ', "") == "[[pools]]")
            .nth(idx)?
            .0;
        let after = after
            .split_once(").")
            .map(|x| x.1)
            .or_else(|| after.strip_prefix('.'));
        match after {
            Some(a) => (start + 1, a),
            None => return Some(start + 1),
        }
    } else if let Some(r) = field.strip_prefix("arrivals.") {
        let start = lines.iter().position(|l| l.trim() == "[arrivals]")?;
        (start + 1, r)
    } else {
        (0, field)
    };
    let key: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    if key.is_empty() {
        return None;
    }
    for (i, l) in lines.iter().enumerate().skip(from) {
        if header(l) {
            return None; // the table ended without the key
        }
        if let Some(after) = l.trim_start().strip_prefix(key.as_str()) {
            if after.trim_start().starts_with('=') {
                return Some(i + 1);
            }
        }
    }
    None
}

/// Reads, parses and compiles a desk file; errors name the file, the line and the field.
pub fn load_desk(path: &Path) -> Result<Desk> {
    load_desk_with(path, |_| {})
}

/// [`load_desk`] with the spec changed by `tweak` (command-line overrides) before compiling.
pub fn load_desk_with(path: &Path, tweak: impl FnOnce(&mut DeskSpec)) -> Result<Desk> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut spec = parse_desk(&text).map_err(|e| Error::config(path, e.field, e.message))?;
    tweak(&mut spec);
    compile(&spec).map_err(|e| {
        let field = match locate_field(&text, &e.field) {
            Some(l) => format!("{} (line {l})", e.field),
            None => e.field,
        };
        Error::config(path, field, e.message)
    })
}

/// Reads a file and tells whether it is a desk (see [`is_desk_text`]).
pub fn is_desk_file(path: &Path) -> Result<bool> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(is_desk_text(&text))
}

/// Runs `replications` replications in parallel (rayon), collected in replication order;
/// `progress` is called once per finished replication (from any thread).
pub fn run_desk_replications(
    desk: &Desk,
    options: &DeskRunOptions,
    replications: usize,
    seed: u64,
    stream_key: &str,
    threads: Option<usize>,
    progress: &(dyn Fn() + Sync),
) -> std::result::Result<Vec<DeskRun>, SimError> {
    in_unit_order(threads, 0..replications as u64, |r| {
        let out = super::run_desk(desk, seed, stream_key, r, options);
        progress();
        out
    })
}

/// Replications reduced to what comparisons need: each run's per-pool figures and its
/// [`run_result`] (the tier-engine form). Logs are not kept.
pub fn run_desk_results(
    desk: &Desk,
    options: &DeskRunOptions,
    replications: usize,
    seed: u64,
    stream_key: &str,
    threads: Option<usize>,
) -> std::result::Result<Vec<(Vec<super::PoolRun>, RunResult)>, SimError> {
    let mut o = options.clone();
    o.keep_log = false;
    in_unit_order(threads, 0..replications as u64, |r| {
        let (run, extras) = run_measured(desk, seed, stream_key, r, &o);
        let rr = run_result(desk, &run, &extras);
        (run.pools, rr)
    })
}

/// One priority (or all) over replications. Measured: incidents opened in [warmup, horizon), the
/// initial open ones excluded. MTTR = mean hours opened → resolved of the resolved ones (median,
/// p90 likewise, per replication then averaged). SLA compliance = met / (met + breached): an
/// incident still open at the horizon is breached once past its target and pending (left out)
/// before, as the metrics count open incidents.
#[derive(Debug, Clone, Serialize)]
pub struct PrioritySummary {
    pub priority: String,
    pub arrived: Estimate,
    pub resolved: Estimate,
    pub open_at_end: Estimate,
    pub mttr_hours: Estimate,
    pub mttr_hours_median: Estimate,
    pub mttr_hours_p90: Estimate,
    pub sla_compliance: Estimate,
    /// Open incidents not yet past their target at the horizon.
    pub sla_pending: Estimate,
}

/// One pool over replications (per-run figures of [`super::PoolRun`], window [warmup, horizon)).
#[derive(Debug, Clone, Serialize)]
pub struct PoolSummary {
    pub name: String,
    pub people_seen: u32,
    /// The most agents on duty in any hour of the week (calendar, without what-if extras).
    pub agents_max: u32,
    pub concurrency: u32,
    pub visits: Estimate,
    pub queue_hours: Estimate,
    pub work_hours: Estimate,
    pub utilisation: Estimate,
    pub mean_agents: Estimate,
}

/// What `simulate` reports for a desk.
#[derive(Debug, Clone, Serialize)]
pub struct DeskSummary {
    pub desk: String,
    pub start: String,
    pub replications: usize,
    pub seed: u64,
    pub horizon_hours: f64,
    pub warmup_hours: f64,
    pub policy: PolicyName,
    pub priorities: Vec<PrioritySummary>,
    pub overall: PrioritySummary,
    pub pools: Vec<PoolSummary>,
    pub events_per_replication: Estimate,
}

/// Per replication figures of one class (None = all) of one run: (arrived, resolved, open, mean,
/// median, p90, compliance, pending).
fn class_figures(d: &Desk, run: &DeskRun, class: Option<u8>) -> [f64; 8] {
    let (mut arrived, mut open) = (0u64, 0u64);
    let mut sla = crate::sim::sla::SlaCounts::default();
    let mut soj = Vec::new();
    for i in &run.incidents {
        if !measured(d, i) || class.is_some_and(|c| c != i.priority) {
            continue;
        }
        arrived += 1;
        sla.add(sla_outcome(d, i));
        match i.resolved_hours {
            Some(r) => soj.push(r - i.opened_hours),
            None => open += 1,
        }
    }
    let n = soj.len();
    let mean = if n == 0 {
        f64::NAN
    } else {
        soj.iter().sum::<f64>() / n as f64
    };
    let q = crate::sim::stats::quantiles_unsorted(&mut soj, &[0.5, 0.9]);
    [
        arrived as f64,
        n as f64,
        open as f64,
        mean,
        q[0],
        q[1],
        sla.compliance(),
        sla.pending as f64,
    ]
}

fn priority_summary(d: &Desk, runs: &[DeskRun], class: Option<u8>) -> PrioritySummary {
    let figs: Vec<[f64; 8]> = runs.iter().map(|r| class_figures(d, r, class)).collect();
    let e = |k: usize| Estimate::of(figs.iter().map(|f| f[k]));
    PrioritySummary {
        priority: class
            .map(|c| d.spec.priorities[usize::from(c)].clone())
            .unwrap_or_else(|| "all".into()),
        arrived: e(0),
        resolved: e(1),
        open_at_end: e(2),
        mttr_hours: e(3),
        mttr_hours_median: e(4),
        mttr_hours_p90: e(5),
        sla_compliance: e(6),
        sla_pending: e(7),
    }
}

/// The summary of replications of a desk (per priority, overall, per pool, Student-t 95 % CIs).
pub fn summarize_desk(desk: &Desk, seed: u64, runs: &[DeskRun]) -> DeskSummary {
    let pools = desk
        .pools
        .iter()
        .enumerate()
        .map(|(p, pm)| {
            let e = |f: &dyn Fn(&super::PoolRun) -> f64| {
                Estimate::of(runs.iter().filter_map(|r| r.pools.get(p)).map(f))
            };
            PoolSummary {
                name: pm.name.clone(),
                people_seen: desk.spec.pools[p].people_seen,
                agents_max: pm.agents.iter().copied().max().unwrap_or(0),
                concurrency: pm.concurrency,
                visits: e(&|r| r.visits as f64),
                queue_hours: e(&|r| r.mean_queue_hours),
                work_hours: e(&|r| r.mean_work_hours),
                utilisation: e(&|r| r.utilisation),
                mean_agents: e(&|r| r.mean_agents),
            }
        })
        .collect();
    DeskSummary {
        desk: desk.spec.name.clone(),
        start: desk.spec.start.clone(),
        replications: runs.len(),
        seed,
        horizon_hours: desk.spec.horizon_hours,
        warmup_hours: desk.spec.warmup_hours,
        policy: desk.spec.policy,
        priorities: (0..desk.mix_cdf.len())
            .map(|c| priority_summary(desk, runs, Some(c as u8)))
            .collect(),
        overall: priority_summary(desk, runs, None),
        pools,
        events_per_replication: Estimate::of(runs.iter().map(|r| r.events as f64)),
    }
}

/// A desk's replications in the tier-scenario [`Summary`] form (pools as tiers), for the report and
/// comparisons; see [`run_result`] for the definitions.
pub fn tier_form_summary(desk: &Desk, seed: u64, runs: &[RunResult]) -> Summary {
    let (priorities, tiers) = crate::sim::replicate::class_and_tier_summaries(
        &desk.spec.priorities,
        desk.pools.iter().map(|p| p.name.as_str()),
        runs,
    );
    Summary {
        scenario: desk.spec.name.clone(),
        replications: runs.len(),
        seed,
        horizon_hours: desk.spec.horizon_hours,
        warmup_hours: desk.spec.warmup_hours,
        policy: desk.spec.policy,
        overall: class_summary(runs, |r| &r.overall),
        priorities,
        priority_order: desk.spec.priorities.clone(),
        tiers,
        tier_order: desk.pools.iter().map(|p| p.name.clone()).collect(),
        littles_l: Estimate::of(runs.iter().map(|r| r.mean_in_system)),
        littles_lambda_w: Estimate::of(
            runs.iter()
                .map(|r| r.arrival_rate * r.overall.mean_resolution_hours),
        ),
        reopened_per_replication: Estimate::of(runs.iter().map(|_| 0.0)),
        self_healed_per_replication: Estimate::of(runs.iter().map(|_| 0.0)),
        events_per_replication: Estimate::of(runs.iter().map(|r| r.events as f64)),
        warnings: load_warnings(desk),
    }
}

/// Offered load per pool (visits per hour × mean work) against mean slots: a warning when demand
/// reaches capacity (queues then grow over the horizon).
pub fn load_warnings(desk: &Desk) -> Vec<String> {
    let ratios = super::visit_ratios(desk);
    let lambda = desk.intensity.iter().sum::<f64>() / 168.0;
    let mut out = Vec::new();
    for (p, pm) in desk.pools.iter().enumerate() {
        let load: f64 = (0..desk.mix_cdf.len())
            .map(|c| {
                let share = desk.mix_cdf[c] - if c == 0 { 0.0 } else { desk.mix_cdf[c - 1] };
                lambda * share * ratios[c][p] * pm.work[c].mean()
            })
            .sum();
        let slots = pm.agents.iter().map(|a| f64::from(*a)).sum::<f64>() / 168.0
            * f64::from(pm.concurrency);
        if load > 0.0 && load >= slots {
            out.push(format!(
                "pool {}: offered work {load:.2} slot-hours per hour ≥ mean slots {slots:.2}: its queue grows over the horizon",
                pm.name
            ));
        }
    }
    out
}
