//! Scenario comparison with common random numbers, and parameter sweeps.
//!
//! Every scenario is run with the same stream key, so replication r of each sees the same arrivals
//! and the same work per incident; the difference pilot − baseline is taken within each replication
//! and summarised with a Student-t 95 % interval (a paired comparison). A difference is
//! *significant* when its interval excludes 0.

use std::collections::BTreeMap;

use serde::Serialize;

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
pub const METRICS: &[(&str, fn(&ClassResult) -> f64)] = &[
    ("resolution_hours", |c| c.mean_resolution_hours),
    ("wait_hours", |c| c.mean_wait_hours),
    ("resolution_hours_p90", |c| c.resolution_p90),
    ("sla_compliance", |c| c.sla_compliance),
];

fn diff(base: &[RunResult], pilot: &[RunResult], pick: &dyn Fn(&RunResult) -> f64) -> MetricDiff {
    let b: Vec<f64> = base.iter().map(pick).collect();
    let p: Vec<f64> = pilot.iter().map(pick).collect();
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
) -> Result<(Vec<RunResult>, Summary), String> {
    let o = RunOptions {
        replications,
        seed,
        threads,
        stream_key: CRN_KEY.into(),
        trace: false,
    };
    let (runs, _) = run_replications(m, &o, &|| {})?;
    let s = summarize(m, &o, &runs, vec![]);
    Ok((runs, s))
}

/// Compares pilots with a baseline (same priorities required).
pub fn compare(
    baseline: &Model,
    pilots: &[Model],
    replications: usize,
    seed: u64,
    threads: Option<usize>,
    targets: &BTreeMap<String, f64>,
) -> Result<Comparison, String> {
    if replications < 2 {
        return Err("a comparison needs at least 2 replications for confidence intervals".into());
    }
    for t in targets.keys() {
        if t != "all" && !baseline.priorities.contains(t) {
            return Err(format!(
                "target for '{t}', which is not a priority of the scenarios {:?}",
                baseline.priorities
            ));
        }
    }
    let (base_runs, base_summary) = run_crn(baseline, replications, seed, threads)?;
    let mut out = Vec::new();
    for p in pilots {
        if p.priorities != baseline.priorities {
            return Err(format!("scenario '{}' has priorities {:?}, the baseline {:?}: compare scenarios with the same priorities", p.name, p.priorities, baseline.priorities));
        }
        let (runs, summary) = run_crn(p, replications, seed, threads)?;
        let mut overall = BTreeMap::new();
        let mut priorities = BTreeMap::new();
        for (name, f) in METRICS {
            overall.insert(
                name.to_string(),
                diff(&base_runs, &runs, &|r| f(&r.overall)),
            );
        }
        for (k, label) in baseline.priorities.iter().enumerate() {
            let mut m = BTreeMap::new();
            for (name, f) in METRICS {
                m.insert(
                    name.to_string(),
                    diff(&base_runs, &runs, &|r| f(&r.classes[k])),
                );
            }
            priorities.insert(label.clone(), m);
        }
        out.push(PilotComparison {
            scenario: p.name.clone(),
            overall,
            priorities,
            meets_targets: meets(&summary, targets),
            summary,
        });
    }
    Ok(Comparison {
        replications,
        seed,
        baseline_meets_targets: meets(&base_summary, targets),
        baseline: base_summary,
        pilots: out,
        targets: targets.clone(),
    })
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
    pub fn parse(s: &str, m: &Model) -> Result<Sweep, String> {
        let (name, range) = s.split_once('=').ok_or_else(|| {
            format!("--sweep '{s}': expected <tier>_staff=a..b, e.g. l1_staff=4..10")
        })?;
        let name = name.trim();
        let (tier_name, extra) = if let Some(t) = name.strip_suffix("_staff") {
            (t, false)
        } else if let Some(t) = name.strip_suffix("_extra") {
            (t, true)
        } else {
            return Err(format!(
                "--sweep '{name}': the parameter must be <tier>_staff or <tier>_extra"
            ));
        };
        let tier = m
            .tiers
            .iter()
            .position(|t| t.name.eq_ignore_ascii_case(tier_name))
            .ok_or_else(|| {
                format!(
                    "--sweep '{name}': no tier '{tier_name}' in scenario '{}' (tiers: {:?})",
                    m.name,
                    m.tiers.iter().map(|t| t.name.as_str()).collect::<Vec<_>>()
                )
            })?;
        let (range, step) = match range.split_once(':') {
            Some((r, st)) => (
                r,
                st.trim()
                    .parse::<i64>()
                    .map_err(|_| format!("--sweep '{s}': step must be a whole number"))?,
            ),
            None => (range, 1),
        };
        let (a, b) = range
            .split_once("..")
            .ok_or_else(|| format!("--sweep '{s}': expected a range a..b"))?;
        let parse = |x: &str| {
            x.trim()
                .parse::<i64>()
                .map_err(|_| format!("--sweep '{s}': '{x}' is not a whole number"))
        };
        let (a, b) = (parse(a)?, parse(b)?);
        if step < 1 || b < a || (!extra && a < 0) || (b - a) / step > 200 {
            return Err(format!(
                "--sweep '{s}': need a ≤ b, step ≥ 1, at most 200 values{}",
                if extra { "" } else { ", staff ≥ 0" }
            ));
        }
        Ok(Sweep {
            tier,
            extra,
            values: (a..=b).step_by(step as usize).collect(),
            name: name.to_string(),
        })
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

#[derive(Debug, Clone, Serialize)]
pub struct SweepPoint {
    pub value: i64,
    pub mean_staff: f64,
    pub resolution_hours: Estimate,
    pub sla_compliance: Estimate,
    pub sla_compliance_by_priority: BTreeMap<String, Estimate>,
    pub utilisation: Estimate,
    pub meets_targets: Option<bool>,
}

/// Runs the sweep with common random numbers: the curve of SLA compliance and MTTR against the parameter.
pub fn sweep(
    m: &Model,
    sw: &Sweep,
    replications: usize,
    seed: u64,
    threads: Option<usize>,
    targets: &BTreeMap<String, f64>,
) -> Result<Vec<SweepPoint>, String> {
    let mut out = Vec::new();
    for &v in &sw.values {
        let mv = sw.apply(m, v);
        let (_, s) = run_crn(&mv, replications, seed, threads)?;
        let tier = &mv.tiers[sw.tier].name;
        out.push(SweepPoint {
            value: v,
            mean_staff: mv.tiers[sw.tier].schedule.mean_staff(),
            resolution_hours: s.overall.resolution_hours,
            sla_compliance: s.overall.sla_compliance,
            sla_compliance_by_priority: s
                .priorities
                .iter()
                .map(|(k, c)| (k.clone(), c.sla_compliance))
                .collect(),
            utilisation: s.tiers[tier].utilisation,
            meets_targets: meets(&s, targets),
        });
    }
    Ok(out)
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
