//! Replications in parallel (rayon) and their summary. Each replication's streams derive from
//! (seed, key, replication index), and results are collected in replication order, so the output is
//! bit-identical for any thread count.

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::Serialize;

use super::engine::{run, RunResult, TraceRecord};
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
}

impl RunOptions {
    pub fn for_model(m: &Model) -> RunOptions {
        RunOptions {
            replications: m.replications,
            seed: m.seed,
            threads: None,
            stream_key: m.name.clone(),
            trace: false,
        }
    }
}

/// Runs the replications; `progress` is called once per finished replication (from any thread).
pub fn run_replications(
    m: &Model,
    o: &RunOptions,
    progress: &(dyn Fn() + Sync),
) -> Result<(Vec<RunResult>, Option<Vec<TraceRecord>>), String> {
    let work = || {
        (0..o.replications as u64)
            .into_par_iter()
            .map(|r| {
                let out = run(m, o.seed, &o.stream_key, r, o.trace && r == 0);
                progress();
                out
            })
            .collect::<Vec<_>>()
    };
    let results = match o.threads {
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build()
            .map_err(|e| format!("cannot start {n} threads: {e}"))?
            .install(work),
        None => work(),
    };
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
    /// Share resolved within the SLA target (unresolved ones count as breaches).
    pub sla_compliance: Estimate,
    pub throughput_per_hour: Estimate,
    pub arrived_per_replication: Estimate,
    pub unresolved_per_replication: Estimate,
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
    }
}

pub fn summarize(m: &Model, o: &RunOptions, runs: &[RunResult], warnings: Vec<String>) -> Summary {
    let mut priorities = BTreeMap::new();
    for (k, label) in m.priorities.iter().enumerate() {
        priorities.insert(label.clone(), class_summary(runs, |r| &r.classes[k]));
    }
    let mut tiers = BTreeMap::new();
    for (k, t) in m.tiers.iter().enumerate() {
        tiers.insert(
            t.name.clone(),
            TierSummary {
                utilisation: Estimate::of(runs.iter().map(|r| r.tiers[k].utilisation)),
                queue_length: Estimate::of(runs.iter().map(|r| r.tiers[k].mean_queue)),
                mean_staff: Estimate::of(runs.iter().map(|r| r.tiers[k].mean_staff)),
            },
        );
    }
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
