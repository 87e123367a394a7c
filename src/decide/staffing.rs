//! The least staffing that meets SLA targets, found by simulation with common random numbers, and
//! the Erlang-C answer for comparison.
//!
//! Search: each tier's staffing moves by whole agents — a constant-staff tier by its count, a tier on
//! shifts by an agent added to (or removed from) every staffed shift segment. From the scenario's
//! own staffing, agents are added one at a time to the tier whose extra agent most reduces the worst
//! shortfall against the targets, until every target is met (its 95 % CI lower bound ≥ target); then
//! each tier in turn gives agents back while the targets stay met. Every candidate is simulated with
//! the same random numbers, so candidates differ only by staffing.
//!
//! Erlang C, the spreadsheet answer: per tier, an M/M/c queue with the tier's mean arrival rate and
//! mean work time; the least c for which P(wait ≤ τ) ≥ the strictest target, where τ = the tightest
//! resolution target minus the tier's mean work time (at least 6 minutes). It ignores priorities,
//! shifts, escalation timing and reopen rework — which is why simulation matters.

use std::collections::BTreeMap;

use serde::Serialize;

use super::compare::{meets, run_crn};
use crate::sim::model::Model;
use crate::sim::replicate::Summary;
use crate::sim::stats::Estimate;
use crate::sim::theory::erlang_c_staff;

#[derive(Debug, Clone, Serialize)]
pub struct Candidate {
    /// Agents added (or removed, negative) per tier relative to the scenario.
    pub deltas: Vec<i64>,
    /// Mean staff on duty per tier.
    pub mean_staff: Vec<f64>,
    /// Agent-hours per week, all tiers.
    pub agent_hours_per_week: f64,
    pub sla_compliance: BTreeMap<String, Estimate>,
    pub resolution_hours: Estimate,
    pub meets_targets: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct StaffingResult {
    pub tiers: Vec<String>,
    pub targets: BTreeMap<String, f64>,
    pub replications: usize,
    pub optimum: Option<Candidate>,
    /// The optimum and its neighbours (one agent more or less on each tier), by agent-hours.
    pub cost_curve: Vec<Candidate>,
    pub evaluated: usize,
    /// Erlang-C agents per tier (constant, 24×7).
    pub erlang_c: Vec<Option<u32>>,
    pub notes: Vec<String>,
}

/// The model with `deltas` agents added to every staffed segment of each tier; `None` when a tier
/// would have nobody ever, or fewer than zero agents.
pub fn apply(m: &Model, deltas: &[i64]) -> Option<Model> {
    let mut m = m.clone();
    for (t, d) in m.tiers.iter_mut().zip(deltas) {
        let single = t.schedule.segments.len() == 1;
        for seg in t.schedule.segments.iter_mut() {
            if seg.1 > 0 || single {
                let v = i64::from(seg.1) + d;
                if v < 0 {
                    return None;
                }
                seg.1 = v as u32;
            }
        }
        if t.schedule.max_staff() == 0 {
            return None;
        }
    }
    Some(m)
}

/// Shortfall against the targets: Σ max(0, target − CI lower bound).
fn shortfall(s: &Summary, targets: &BTreeMap<String, f64>) -> f64 {
    targets
        .iter()
        .map(|(p, t)| {
            let c = if p == "all" {
                Some(&s.overall)
            } else {
                s.priorities.get(p)
            };
            c.map(|c| (t - c.sla_compliance.ci_low.max(0.0)).max(0.0))
                .unwrap_or(1.0)
        })
        .sum()
}

type Eval = Option<(Candidate, f64)>;

pub fn search(
    m: &Model,
    targets: &BTreeMap<String, f64>,
    replications: usize,
    seed: u64,
    threads: Option<usize>,
    max_steps: usize,
) -> Result<StaffingResult, String> {
    if targets.is_empty() {
        return Err("--target needs at least one priority target, e.g. P1=95%,P2=90%".into());
    }
    for p in targets.keys() {
        if p != "all" && !m.priorities.contains(p) {
            return Err(format!(
                "--target {p}: no such priority in the scenario (priorities: {:?})",
                m.priorities
            ));
        }
    }
    if m.sla_hours.iter().all(|h| h.is_infinite()) {
        return Err(
            "the scenario has no [sla] resolution_hours: SLA compliance cannot be computed".into(),
        );
    }
    if replications < 2 {
        return Err("the search needs at least 2 replications for confidence intervals".into());
    }
    let mut evaluated = 0usize;
    let mut cache: BTreeMap<Vec<i64>, Eval> = BTreeMap::new();
    let mut eval = |d: &[i64]| -> Result<Eval, String> {
        if let Some(c) = cache.get(d) {
            return Ok(c.clone());
        }
        let res = match apply(m, d) {
            None => None,
            Some(mm) => {
                evaluated += 1;
                let (_, s) = run_crn(&mm, replications, seed, threads)?;
                let mean_staff: Vec<f64> =
                    mm.tiers.iter().map(|t| t.schedule.mean_staff()).collect();
                let c = Candidate {
                    deltas: d.to_vec(),
                    agent_hours_per_week: mean_staff.iter().sum::<f64>() * 168.0,
                    mean_staff,
                    sla_compliance: s
                        .priorities
                        .iter()
                        .map(|(k, c)| (k.clone(), c.sla_compliance))
                        .chain([("all".to_string(), s.overall.sla_compliance)])
                        .collect(),
                    resolution_hours: s.overall.resolution_hours,
                    meets_targets: meets(&s, targets) == Some(true),
                };
                Some((c, shortfall(&s, targets)))
            }
        };
        cache.insert(d.to_vec(), res.clone());
        Ok(res)
    };
    let k = m.tiers.len();
    let mut d = vec![0i64; k];
    let mut current = eval(&d)?.ok_or("the scenario's own staffing cannot be simulated")?;
    let mut steps = 0;
    let mut flat = 0;
    while !current.0.meets_targets && steps < max_steps && flat < 3 {
        steps += 1;
        let mut best: Option<(Vec<i64>, (Candidate, f64))> = None;
        for t in 0..k {
            let mut nd = d.clone();
            nd[t] += 1;
            if let Some(c) = eval(&nd)? {
                let better = best.as_ref().is_none_or(|b| {
                    c.1 < b.1 .1
                        || (c.1 == b.1 .1 && c.0.agent_hours_per_week < b.1 .0.agent_hours_per_week)
                });
                if better {
                    best = Some((nd, c));
                }
            }
        }
        match best {
            Some((nd, c)) => {
                // Three agents in a row that do not shrink the shortfall: staffing is not the constraint.
                flat = if c.1 < current.1 - 1e-4 { 0 } else { flat + 1 };
                d = nd;
                current = c;
            }
            None => break,
        }
    }
    let mut notes = Vec::new();
    if !current.0.meets_targets {
        if flat >= 3 {
            let gaps: Vec<String> = targets
                .iter()
                .filter_map(|(p, t)| {
                    current
                        .0
                        .sla_compliance
                        .get(p)
                        .filter(|e| e.ci_low < *t)
                        .map(|e| {
                            format!(
                                "{p} stays at {:.1}% (target {:.0}%)",
                                e.mean * 100.0,
                                t * 100.0
                            )
                        })
                })
                .collect();
            notes.push(format!(
                "more agents stop helping: {}. The work itself (service and escalation times) exceeds the target for too many incidents — change the process (swarming, automation, routing), not only the staffing",
                gaps.join(", ")
            ));
        } else {
            notes.push(format!(
                "no staffing within {max_steps} added agents meets every target"
            ));
        }
    } else {
        loop {
            let mut improved = false;
            for t in 0..k {
                let mut nd = d.clone();
                nd[t] -= 1;
                if let Some(c) = eval(&nd)? {
                    if c.0.meets_targets {
                        d = nd;
                        current = c;
                        improved = true;
                    }
                }
            }
            if !improved {
                break;
            }
        }
    }
    let optimum = current.0.meets_targets.then(|| current.0.clone());
    let mut cost_curve = vec![current.0.clone()];
    for t in 0..k {
        for delta in [-1i64, 1] {
            let mut nd = d.clone();
            nd[t] += delta;
            if let Some((c, _)) = eval(&nd)? {
                cost_curve.push(c);
            }
        }
    }
    cost_curve.sort_by(|a, b| a.agent_hours_per_week.total_cmp(&b.agent_hours_per_week));
    let mean_profile = m.profile.iter().sum::<f64>() / 168.0;
    let lambda0 = m.rate_per_hour * mean_profile * (1.0 - m.self_heal_share);
    let mix: Vec<f64> = (0..m.priorities.len())
        .map(|i| m.mix_cdf[i] - if i == 0 { 0.0 } else { m.mix_cdf[i - 1] })
        .collect();
    let strictest = targets.values().cloned().fold(0.0, f64::max);
    let tightest_h = m.sla_hours.iter().cloned().fold(f64::INFINITY, f64::min);
    let mut reach = vec![1.0; mix.len()];
    let mut erlang = Vec::new();
    for (t, tier) in m.tiers.iter().enumerate() {
        let lam: f64 = (0..mix.len()).map(|c| lambda0 * mix[c] * reach[c]).sum();
        let work: f64 = if lam > 0.0 {
            (0..mix.len())
                .map(|c| lambda0 * mix[c] * reach[c] * tier.service[c].mean())
                .sum::<f64>()
                / lam
        } else {
            0.0
        };
        let tau = (tightest_h - work).max(0.1);
        erlang.push(if lam > 0.0 && work > 0.0 {
            erlang_c_staff(lam, 1.0 / work, tau, strictest)
        } else {
            None
        });
        for c in 0..mix.len() {
            let mut p = tier.escalate[c];
            if t == 0 {
                p *= 1.0 - m.knowledge_uplift;
            }
            reach[c] *= p;
        }
    }
    Ok(StaffingResult {
        tiers: m.tiers.iter().map(|t| t.name.clone()).collect(),
        targets: targets.clone(),
        replications,
        optimum,
        cost_curve,
        evaluated,
        erlang_c: erlang,
        notes,
    })
}
