//! Replications in parallel (rayon) and their summary. Each replication's streams derive from
//! (seed, key, replication index), and results are collected in replication order, so the output is
//! bit-identical for any thread count.

use std::collections::BTreeMap;
use std::ops::Range;

use crate::error::SimError;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::engine::{run, Keep, RunResult, TraceRecord};
use super::model::Model;
use super::stats::Estimate;

/// How to run the replications.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub replications: usize,
    pub seed: u64,
    /// Worker threads (None: rayon's default, one per core).
    pub threads: Option<usize>,
    /// Names the random streams: the scenario name, or a shared key for common random numbers.
    pub stream_key: String,
    /// Keep the per-incident trace of the first replication.
    pub trace: bool,
    /// Keep every measured wait in each replication's [`RunResult::waits`].
    pub waits: bool,
}

impl RunOptions {
    pub fn for_model(m: &Model) -> RunOptions {
        RunOptions {
            replications: m.replications,
            seed: m.seed,
            threads: None,
            stream_key: m.name.clone(),
            trace: false,
            waits: false,
        }
    }
}

/// Told of every replication (or other unit of simulation work) that finishes anywhere in the
/// process: the CLI's activity indicator for comparisons, sweeps and staffing searches, whose number
/// of replications is not known ahead. Set at most once, by the program; the library only calls it.
static OBSERVER: std::sync::OnceLock<Box<dyn Fn() + Send + Sync>> = std::sync::OnceLock::new();

/// Sets the process's [`OBSERVER`] of finished replications; false if one was set before.
pub fn observe_replications(f: Box<dyn Fn() + Send + Sync>) -> bool {
    OBSERVER.set(f).is_ok()
}

/// Runs `f(u)` for every unit `u` of `units` in parallel, on `threads` worker threads (None:
/// rayon's default pool, one per core); the results in unit order, whatever the thread count.
pub(crate) fn in_unit_order<T: Send>(
    threads: Option<usize>,
    units: Range<u64>,
    f: impl Fn(u64) -> T + Sync,
) -> Result<Vec<T>, SimError> {
    let observer = OBSERVER.get();
    let unit = |u| {
        let out = f(u);
        if let Some(o) = observer {
            o();
        }
        out
    };
    let work = || units.into_par_iter().map(unit).collect::<Vec<T>>();
    match threads {
        Some(n) => Ok(rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build()
            .map_err(|e| SimError::Run(format!("cannot start {n} threads: {e}")))?
            .install(work)),
        None => Ok(work()),
    }
}

/// Runs the replications; `progress` is called once per finished replication (from any thread).
pub fn run_replications(
    m: &Model,
    o: &RunOptions,
    progress: &(dyn Fn() + Sync),
) -> Result<(Vec<RunResult>, Option<Vec<TraceRecord>>), SimError> {
    let results = in_unit_order(o.threads, 0..o.replications as u64, |r| {
        let keep = Keep {
            trace: o.trace && r == 0,
            waits: o.waits,
        };
        let out = run(m, o.seed, &o.stream_key, r, keep);
        progress();
        out
    })?;
    let mut trace = None;
    let mut runs = Vec::with_capacity(results.len());
    for (r, t) in results {
        if trace.is_none() {
            trace = t;
        }
        runs.push(r);
    }
    Ok((runs, trace))
}

/// One slice of a sharded run: shard `index` (1-based) of `count`.
///
/// The work of a command is a list of *units*: each (model, replication) pair, models in their
/// order (a sweep's points, or the baseline then each pilot), replications 0 … r−1 within each:
/// unit u is replication u mod r of model u div r. Shard i of n runs units
/// ⌊(i−1)·U/n⌋ … ⌊i·U/n⌋−1 (contiguous, sizes differ by at most one). Every replication's random
/// streams derive from (seed, key, replication index) alone, so any unit gives the same result on
/// any machine, in any shard, with any thread count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    /// Parses `i/n` (1 ≤ i ≤ n).
    pub fn parse(s: &str) -> Result<Shard, String> {
        let bad = || format!("--shard '{s}': expected i/n with 1 ≤ i ≤ n, e.g. 2/8");
        let (i, n) = s.trim().split_once('/').ok_or_else(bad)?;
        let (index, count) = (
            i.trim().parse::<usize>().map_err(|_| bad())?,
            n.trim().parse::<usize>().map_err(|_| bad())?,
        );
        if index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    /// The units of `total` this shard runs.
    pub fn units(&self, total: usize) -> Range<usize> {
        let at = |i: usize| (total as u128 * i as u128 / self.count as u128) as usize;
        at(self.index - 1)..at(self.index)
    }
}

/// Runs `units` of a list of models (`replications` each, unit numbering as in [`Shard`]) with
/// the stream key `key`; results in unit order. Unit u gives exactly replication u mod r of
/// [`run_replications`] on model u div r.
pub fn run_units(
    models: &[Model],
    replications: usize,
    seed: u64,
    key: &str,
    units: Range<usize>,
    threads: Option<usize>,
) -> Result<Vec<RunResult>, SimError> {
    if replications == 0 || units.end > models.len() * replications {
        return Err(SimError::Run(format!(
            "units {}..{} outside the {} × {replications} of the run",
            units.start,
            units.end,
            models.len()
        )));
    }
    in_unit_order(threads, units.start as u64..units.end as u64, |u| {
        let u = u as usize;
        run(
            &models[u / replications],
            seed,
            key,
            (u % replications) as u64,
            Keep::FIGURES,
        )
        .0
    })
}

/// Per priority (or overall) summary across replications. Times in hours, shares as fractions.
#[derive(Debug, Clone, Serialize)]
pub struct ClassSummary {
    /// Mean time to resolve (MTTR): arrival → resolution.
    pub resolution_hours: Estimate,
    /// Mean time spent waiting in queues (all tiers).
    pub wait_hours: Estimate,
    /// Share of incidents that waited at all.
    pub p_wait: Estimate,
    pub resolution_hours_p50: Estimate,
    pub resolution_hours_p90: Estimate,
    pub resolution_hours_p95: Estimate,
    /// SLA compliance = met / (met + breached), the metrics' definition seen at the horizon
    /// ([`super::sla`]): an incident still open at the horizon (or resolved only after it) is
    /// breached once past its target and pending (left out) before.
    pub sla_compliance: Estimate,
    pub throughput_per_hour: Estimate,
    pub arrived_per_replication: Estimate,
    pub unresolved_per_replication: Estimate,
    /// Incidents met per replication (resolved within target by the horizon).
    pub sla_met: Estimate,
    /// Incidents breached per replication (past their target, resolved or open at the horizon).
    pub sla_breached: Estimate,
    /// Incidents pending per replication (open at the horizon, not yet past their target).
    pub sla_pending: Estimate,
}

#[derive(Debug, Clone, Serialize)]
pub struct TierSummary {
    pub utilisation: Estimate,
    pub queue_length: Estimate,
    pub mean_staff: Estimate,
}

/// What `simulate` reports.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub scenario: String,
    pub replications: usize,
    pub seed: u64,
    pub horizon_hours: f64,
    pub warmup_hours: f64,
    pub policy: super::model::PolicyName,
    pub overall: ClassSummary,
    pub priorities: BTreeMap<String, ClassSummary>,
    /// Priority labels, highest first (the order of `priorities`' keys may differ).
    pub priority_order: Vec<String>,
    pub tiers: BTreeMap<String, TierSummary>,
    pub tier_order: Vec<String>,
    /// Little's law check: time-average number in system vs arrival rate × mean time in system.
    pub littles_l: Estimate,
    pub littles_lambda_w: Estimate,
    pub reopened_per_replication: Estimate,
    pub self_healed_per_replication: Estimate,
    pub events_per_replication: Estimate,
    pub warnings: Vec<String>,
}

/// Per-class estimates over replications (shared with the desk summary).
pub(crate) fn class_summary(
    runs: &[RunResult],
    pick: impl Fn(&RunResult) -> &super::engine::ClassResult,
) -> ClassSummary {
    let e = |f: &dyn Fn(&super::engine::ClassResult) -> f64| {
        Estimate::of(runs.iter().map(|r| f(pick(r))))
    };
    ClassSummary {
        resolution_hours: e(&|c| c.mean_resolution_hours),
        wait_hours: e(&|c| c.mean_wait_hours),
        p_wait: e(&|c| c.p_wait),
        resolution_hours_p50: e(&|c| c.resolution_p50),
        resolution_hours_p90: e(&|c| c.resolution_p90),
        resolution_hours_p95: e(&|c| c.resolution_p95),
        sla_compliance: e(&|c| c.sla_compliance),
        throughput_per_hour: e(&|c| c.throughput_per_hour),
        arrived_per_replication: e(&|c| c.arrived as f64),
        unresolved_per_replication: e(&|c| c.unresolved as f64),
        sla_met: e(&|c| c.sla_met as f64),
        sla_breached: e(&|c| c.sla_breached as f64),
        sla_pending: e(&|c| c.sla_pending as f64),
    }
}

/// Per priority class and per tier (or pool, in the same order as the runs' `classes` and
/// `tiers`), the estimates over replications: shared by tier models and desks in tier form.
pub fn class_and_tier_summaries<'a>(
    priorities: &[String],
    tier_names: impl Iterator<Item = &'a str>,
    runs: &[RunResult],
) -> (
    BTreeMap<String, ClassSummary>,
    BTreeMap<String, TierSummary>,
) {
    let classes = priorities
        .iter()
        .enumerate()
        .map(|(k, label)| (label.clone(), class_summary(runs, |r| &r.classes[k])))
        .collect();
    let tiers = tier_names
        .enumerate()
        .map(|(k, name)| {
            (
                name.to_string(),
                TierSummary {
                    utilisation: Estimate::of(runs.iter().map(|r| r.tiers[k].utilisation)),
                    queue_length: Estimate::of(runs.iter().map(|r| r.tiers[k].mean_queue)),
                    mean_staff: Estimate::of(runs.iter().map(|r| r.tiers[k].mean_staff)),
                },
            )
        })
        .collect();
    (classes, tiers)
}

pub fn summarize(m: &Model, o: &RunOptions, runs: &[RunResult], warnings: Vec<String>) -> Summary {
    let (priorities, tiers) =
        class_and_tier_summaries(&m.priorities, m.tiers.iter().map(|t| t.name.as_str()), runs);
    Summary {
        scenario: m.name.clone(),
        replications: runs.len(),
        seed: o.seed,
        horizon_hours: m.horizon,
        warmup_hours: m.warmup,
        policy: m.policy,
        overall: class_summary(runs, |r| &r.overall),
        priorities,
        priority_order: m.priorities.clone(),
        tiers,
        tier_order: m.tiers.iter().map(|t| t.name.clone()).collect(),
        littles_l: Estimate::of(runs.iter().map(|r| r.mean_in_system)),
        littles_lambda_w: Estimate::of(
            runs.iter()
                .map(|r| r.arrival_rate * r.overall.mean_resolution_hours),
        ),
        reopened_per_replication: Estimate::of(runs.iter().map(|r| r.reopened as f64)),
        self_healed_per_replication: Estimate::of(runs.iter().map(|r| r.self_healed as f64)),
        events_per_replication: Estimate::of(runs.iter().map(|r| r.events as f64)),
        warnings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_every_unit_once() {
        assert_eq!(Shard::parse(" 2/3 ").unwrap(), Shard { index: 2, count: 3 });
        for bad in ["0/3", "4/3", "3", "a/3", "1/0", "-1/3"] {
            assert!(Shard::parse(bad).unwrap_err().contains(bad), "{bad}");
        }
        for total in [0usize, 1, 2, 10, 11, 1000] {
            for count in 1..=7 {
                let mut next = 0;
                for index in 1..=count {
                    let r = Shard { index, count }.units(total);
                    assert_eq!(r.start, next);
                    assert!(r.len() <= total / count + 1);
                    next = r.end;
                }
                assert_eq!(next, total);
            }
        }
    }

    #[test]
    fn units_are_the_replications_of_the_unsharded_run() {
        let text = include_str!("../../scenarios/validation/mmc.toml");
        let mut m = super::super::model::compile(&super::super::model::parse(text).unwrap())
            .unwrap()
            .0;
        m.horizon = 300.0;
        m.warmup = 50.0;
        let mut o = RunOptions::for_model(&m);
        o.replications = 5;
        let (all, _) = run_replications(&m, &o, &|| {}).unwrap();
        let models = vec![m.clone(), m.clone()];
        let units = run_units(&models, 5, o.seed, &o.stream_key, 3..8, Some(2)).unwrap();
        let words: Vec<_> = units.iter().map(RunResult::to_words).collect();
        let want: Vec<_> = [3, 4, 0, 1, 2].iter().map(|&r| all[r].to_words()).collect();
        assert_eq!(words, want);
        assert!(run_units(&models, 5, 1, "k", 0..11, None).is_err());
    }
}
