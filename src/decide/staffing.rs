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
//!
//! Desks ([`search`] on a desk): the levers are two bands of each pool's week — Mon–Fri 08:00–18:00 UTC
//! and the other hours — so the answer reads "+1 agent in pool X during Mon–Fri 08–18". One agent more on a lever adds one agent to every hour of the
//! band; each step takes the lever with the largest cut of the shortfall per added agent-hour
//! (ties: the smaller shortfall), then levers give agents back while the targets stay met. Erlang
//! C per pool uses the pool's visit rate (traffic equations), its mean work and its concurrency
//! (agents = ⌈slots / concurrency⌉).

use std::collections::BTreeMap;

use serde::Serialize;

use super::compare::{meets, run_crn, Subject};
use crate::error::DecideError;
use crate::sim::desk::Desk;
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

impl Candidate {
    /// A candidate's figures from its simulated summary (SLA per priority and overall as `all`).
    fn of(
        deltas: Vec<i64>,
        mean_staff: Vec<f64>,
        s: &Summary,
        targets: &BTreeMap<String, f64>,
    ) -> Candidate {
        Candidate {
            deltas,
            agent_hours_per_week: mean_staff.iter().sum::<f64>() * 168.0,
            mean_staff,
            sla_compliance: s
                .priorities
                .iter()
                .map(|(k, c)| (k.clone(), c.sla_compliance))
                .chain([("all".to_string(), s.overall.sla_compliance)])
                .collect(),
            resolution_hours: s.overall.resolution_hours,
            meets_targets: meets(s, targets) == Some(true),
        }
    }
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
    /// Desks: what each entry of `deltas` adds agents to (pool and band of hours); `tiers` then
    /// names the pools and `mean_staff` is per pool.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub levers: Vec<String>,
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

/// What the greedy search found.
struct Greedy {
    optimum: Option<Candidate>,
    cost_curve: Vec<Candidate>,
    notes: Vec<String>,
}

type EvalFn<'a> = dyn FnMut(&[i64]) -> Result<Eval, DecideError> + 'a;

/// Simulates one staffing candidate (agents added per lever): the mean staff per tier or pool and
/// the simulated summary, or `None` when that staffing is impossible (fewer than 0 agents, nobody
/// ever on duty).
type RunFn<'a> = dyn FnMut(&[i64]) -> Result<Option<(Vec<f64>, Summary)>, DecideError> + 'a;

/// Whether candidate `c` is a better step than `best` from `current`: the smaller shortfall (ties:
/// fewer agent-hours), or with `per_hour` the larger cut of the shortfall per added agent-hour.
fn better(
    c: &(Candidate, f64),
    best: &(Candidate, f64),
    current: &(Candidate, f64),
    per_hour: bool,
) -> bool {
    if per_hour {
        let rate = |x: &(Candidate, f64)| {
            (current.1 - x.1)
                / (x.0.agent_hours_per_week - current.0.agent_hours_per_week).max(1e-9)
        };
        let (rc, rb) = (rate(c), rate(best));
        if rc > 0.0 || rb > 0.0 {
            return rc > rb;
        }
    }
    c.1 < best.1 || (c.1 == best.1 && c.0.agent_hours_per_week < best.0.agent_hours_per_week)
}

/// The search's steps, in order: add agents until the targets are met ([`Search::add_agents`]),
/// give agents back while they stay met ([`Search::give_back`]), then the cost curve around the
/// optimum ([`Search::cost_curve`]). `d` is the current staffing change per lever and `current`
/// its candidate with its shortfall.
struct Search<'e, 'f> {
    k: usize,
    eval: &'e mut EvalFn<'f>,
    d: Vec<i64>,
    current: (Candidate, f64),
}

impl Search<'_, '_> {
    /// Adds one agent at a time on the lever that is the [`better`] step, until every target is met,
    /// `max_steps` agents are added, or three agents in a row do not shrink the shortfall (then
    /// staffing is not the constraint). Returns whether the search stopped for that last reason.
    fn add_agents(&mut self, max_steps: usize, per_hour: bool) -> Result<bool, DecideError> {
        let (mut steps, mut flat) = (0, 0);
        while !self.current.0.meets_targets && steps < max_steps && flat < 3 {
            steps += 1;
            let mut best: Option<(Vec<i64>, (Candidate, f64))> = None;
            for t in 0..self.k {
                let mut nd = self.d.clone();
                nd[t] += 1;
                if let Some(c) = (self.eval)(&nd)? {
                    if best
                        .as_ref()
                        .is_none_or(|b| better(&c, &b.1, &self.current, per_hour))
                    {
                        best = Some((nd, c));
                    }
                }
            }
            let Some((nd, c)) = best else { break };
            flat = if c.1 < self.current.1 - 1e-4 {
                0
            } else {
                flat + 1
            };
            self.d = nd;
            self.current = c;
        }
        Ok(flat >= 3)
    }

    /// Takes one agent off each lever in turn while the targets stay met, until none can go.
    fn give_back(&mut self) -> Result<(), DecideError> {
        loop {
            let mut improved = false;
            for t in 0..self.k {
                let mut nd = self.d.clone();
                nd[t] -= 1;
                if let Some(c) = (self.eval)(&nd)? {
                    if c.0.meets_targets {
                        self.d = nd;
                        self.current = c;
                        improved = true;
                    }
                }
            }
            if !improved {
                return Ok(());
            }
        }
    }

    /// The current candidate and its neighbours (one agent more or less on each lever), by
    /// agent-hours per week.
    fn cost_curve(&mut self) -> Result<Vec<Candidate>, DecideError> {
        let mut curve = vec![self.current.0.clone()];
        for t in 0..self.k {
            for delta in [-1i64, 1] {
                let mut nd = self.d.clone();
                nd[t] += delta;
                if let Some((c, _)) = (self.eval)(&nd)? {
                    curve.push(c);
                }
            }
        }
        curve.sort_by(|a, b| a.agent_hours_per_week.total_cmp(&b.agent_hours_per_week));
        Ok(curve)
    }
}

/// Why no staffing met the targets: with `flat` (more agents stopped helping), the priorities that
/// stay below their targets and `limits`, what bounds them; else the step limit.
fn unmet_note(
    current: &Candidate,
    targets: &BTreeMap<String, f64>,
    flat: bool,
    max_steps: usize,
    limits: &str,
) -> String {
    if !flat {
        return format!("no staffing within {max_steps} added agents meets every target");
    }
    let gaps: Vec<String> = targets
        .iter()
        .filter_map(|(p, t)| {
            current
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
    format!(
        "more agents stop helping: {}. {limits} exceeds the target for too many incidents — change the process (swarming, automation, routing), not only the staffing",
        gaps.join(", ")
    )
}

/// Adds agents one lever at a time until every target is met, then gives agents back.
fn greedy(
    k: usize,
    targets: &BTreeMap<String, f64>,
    max_steps: usize,
    per_hour: bool,
    limits: &str,
    eval: &mut EvalFn,
) -> Result<Greedy, DecideError> {
    let d = vec![0i64; k];
    let current = eval(&d)?.ok_or_else(|| {
        DecideError::Model("the scenario's own staffing cannot be simulated".into())
    })?;
    let mut search = Search {
        k,
        eval,
        d,
        current,
    };
    let flat = search.add_agents(max_steps, per_hour)?;
    let mut notes = Vec::new();
    if search.current.0.meets_targets {
        search.give_back()?;
    } else {
        notes.push(unmet_note(
            &search.current.0,
            targets,
            flat,
            max_steps,
            limits,
        ));
    }
    let optimum = search
        .current
        .0
        .meets_targets
        .then(|| search.current.0.clone());
    Ok(Greedy {
        optimum,
        cost_curve: search.cost_curve()?,
        notes,
    })
}

/// A staffing search's settings: the SLA compliance targets, replications per candidate, the seed
/// of the common random numbers, worker threads, and the most agents the search adds.
struct SearchRun<'a> {
    targets: &'a BTreeMap<String, f64>,
    replications: usize,
    seed: u64,
    threads: Option<usize>,
    max_steps: usize,
}

/// The greedy search over `k` levers where `run` simulates one candidate; each candidate is
/// simulated once (cached). Returns what the search found and how many candidates were simulated.
fn run_greedy(
    k: usize,
    r: &SearchRun,
    (per_hour, limits): (bool, &str),
    run: &mut RunFn,
) -> Result<(Greedy, usize), DecideError> {
    let targets = r.targets;
    let mut evaluated = 0usize;
    let mut cache: BTreeMap<Vec<i64>, Eval> = BTreeMap::new();
    let mut eval = |d: &[i64]| -> Result<Eval, DecideError> {
        if let Some(c) = cache.get(d) {
            return Ok(c.clone());
        }
        let res = run(d)?.map(|(mean_staff, s)| {
            evaluated += 1;
            let c = Candidate::of(d.to_vec(), mean_staff, &s, targets);
            (c, shortfall(&s, targets))
        });
        cache.insert(d.to_vec(), res.clone());
        Ok(res)
    };
    let g = greedy(k, targets, r.max_steps, per_hour, limits, &mut eval)?;
    Ok((g, evaluated))
}

/// What both searches need: targets on known priorities, SLA targets, and ≥ 2 replications.
/// `what` names the model and its SLA field in the messages.
fn check_search(
    targets: &BTreeMap<String, f64>,
    priorities: &[String],
    sla_hours: &[f64],
    replications: usize,
    what: (&str, &str),
) -> Result<(), DecideError> {
    let (model, sla_field) = what;
    if targets.is_empty() {
        return Err(DecideError::usage(
            "--target",
            " needs at least one priority target, e.g. P1=95%,P2=90%",
        ));
    }
    for p in targets.keys() {
        if p != "all" && !priorities.contains(p) {
            return Err(DecideError::usage(
                "--target",
                format!(" {p}: no such priority in the {model} (priorities: {priorities:?})"),
            ));
        }
    }
    if sla_hours.iter().all(|h| h.is_infinite()) {
        return Err(DecideError::Model(format!(
            "the {model} has no {sla_field}: SLA compliance cannot be computed"
        )));
    }
    if replications < 2 {
        return Err(DecideError::Model(
            "the search needs at least 2 replications for confidence intervals".into(),
        ));
    }
    Ok(())
}

/// The least staffing that meets every target (see the module doc): per tier of a tier scenario,
/// per pool and band of hours of a desk.
pub fn search(
    subject: &Subject,
    targets: &BTreeMap<String, f64>,
    replications: usize,
    seed: u64,
    threads: Option<usize>,
    max_steps: usize,
) -> Result<StaffingResult, DecideError> {
    let r = SearchRun {
        targets,
        replications,
        seed,
        threads,
        max_steps,
    };
    match subject {
        Subject::Tiers(m) => search_tiers(m, &r),
        Subject::Desk(d) => search_pools(d, &r),
    }
}

/// The result of a search: `units` names the tiers or pools, `erlang_c` their Erlang-C agents,
/// `levers` (desks) what each staffing change adds agents to.
fn staffing_result(
    r: &SearchRun,
    (g, evaluated): (Greedy, usize),
    units: Vec<String>,
    erlang_c: Vec<Option<u32>>,
    levers: Vec<String>,
) -> StaffingResult {
    StaffingResult {
        tiers: units,
        targets: r.targets.clone(),
        replications: r.replications,
        optimum: g.optimum,
        cost_curve: g.cost_curve,
        evaluated,
        erlang_c,
        notes: g.notes,
        levers,
    }
}

/// The least staffing per tier of a tier scenario: a lever per tier ([`apply`]).
fn search_tiers(m: &Model, r: &SearchRun) -> Result<StaffingResult, DecideError> {
    check_search(
        r.targets,
        &m.priorities,
        &m.sla_hours,
        r.replications,
        ("scenario", "[sla] resolution_hours"),
    )?;
    let mut run = |d: &[i64]| -> Result<Option<(Vec<f64>, Summary)>, DecideError> {
        let Some(mm) = apply(m, d) else {
            return Ok(None);
        };
        let (_, s) = run_crn(&mm, r.replications, r.seed, r.threads)?;
        let mean_staff = mm.tiers.iter().map(|t| t.schedule.mean_staff()).collect();
        Ok(Some((mean_staff, s)))
    };
    let limits = "The work itself (service and escalation times)";
    let found = run_greedy(m.tiers.len(), r, (false, limits), &mut run)?;
    Ok(staffing_result(
        r,
        found,
        m.tiers.iter().map(|t| t.name.clone()).collect(),
        tier_erlang(m, r.targets),
        Vec::new(),
    ))
}

/// Erlang-C agents per tier (constant, 24×7): each tier's arrival rate is the rate of incidents
/// that reach it (escalation shares of the tiers before it, the knowledge uplift at the first),
/// its work the mean work of those incidents.
fn tier_erlang(m: &Model, targets: &BTreeMap<String, f64>) -> Vec<Option<u32>> {
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
        for (r, esc) in reach.iter_mut().zip(&tier.escalate) {
            let mut p = *esc;
            if t == 0 {
                p *= 1.0 - m.knowledge_uplift;
            }
            *r *= p;
        }
    }
    erlang
}

/// A desk staffing lever: one band of one pool's staffed hours.
#[derive(Debug, Clone, PartialEq)]
pub struct Lever {
    pub pool: usize,
    /// e.g. `Service Desk, Mon–Fri 08–18`.
    pub name: String,
    /// The hours of the week (0 = Monday 00:00 UTC) an added agent covers.
    pub hours: Vec<usize>,
}

/// Whether an hour of the week lies in Mon–Fri 08:00–18:00.
pub fn office_hour(h: usize) -> bool {
    h / 24 < 5 && (8..18).contains(&(h % 24))
}

/// Each pool's hours of the week in two bands: Mon–Fri 08–18 (50 h) and the other 118 h. An agent
/// added to a band covers every hour of it, staffed before or not (cover for hours nobody works yet
/// is a staffing choice too).
pub fn desk_levers(d: &Desk) -> Vec<Lever> {
    let mut out = Vec::new();
    for (p, pool) in d.pools.iter().enumerate() {
        let (office, other): (Vec<usize>, Vec<usize>) = (0..168).partition(|&h| office_hour(h));
        for (hours, band) in [(office, "Mon–Fri 08–18"), (other, "outside Mon–Fri 08–18")] {
            out.push(Lever {
                pool: p,
                name: format!("{}, {band} ({} h/week)", pool.name, hours.len()),
                hours,
            });
        }
    }
    out
}

/// The desk with `deltas[i]` agents added to every hour of lever i; None when an hour would have
/// fewer than 0 agents or a pool none at all.
pub fn apply_levers(d: &Desk, levers: &[Lever], deltas: &[i64]) -> Option<Desk> {
    let mut d = d.clone();
    for (l, delta) in levers.iter().zip(deltas) {
        for &h in &l.hours {
            let v = i64::from(d.pools[l.pool].agents[h]) + delta;
            if v < 0 || v > i64::from(u32::MAX / 2) {
                return None;
            }
            d.pools[l.pool].agents[h] = v as u32;
        }
    }
    for (p, pool) in d.pools.iter().enumerate() {
        if pool.agents.iter().all(|a| *a == 0) {
            return None;
        }
        d.spec.pools[p].agents = pool.agents.clone();
    }
    Some(d)
}

/// The least staffing per pool and band of hours of a desk: two levers per pool
/// ([`desk_levers`], [`apply_levers`]), the step with the largest cut of the shortfall per added
/// agent-hour.
fn search_pools(desk: &Desk, r: &SearchRun) -> Result<StaffingResult, DecideError> {
    check_search(
        r.targets,
        &desk.spec.priorities,
        &desk.sla_hours,
        r.replications,
        ("desk", "sla_resolution_hours"),
    )?;
    let levers = desk_levers(desk);
    let mut run = |deltas: &[i64]| -> Result<Option<(Vec<f64>, Summary)>, DecideError> {
        let Some(dd) = apply_levers(desk, &levers, deltas) else {
            return Ok(None);
        };
        let mean_staff = (0..dd.pools.len())
            .map(|p| super::compare::mean_agents(&dd, p))
            .collect();
        let runs = Subject::Desk(Box::new(dd)).run_crn(r.replications, r.seed, r.threads)?;
        Ok(Some((mean_staff, runs.summary)))
    };
    let limits = "The time incidents spend outside queues (work, external waits, transfers)";
    let found = run_greedy(levers.len(), r, (true, limits), &mut run)?;
    Ok(staffing_result(
        r,
        found,
        desk.pools.iter().map(|p| p.name.clone()).collect(),
        desk_erlang(desk, r.targets),
        levers.iter().map(|l| l.name.clone()).collect(),
    ))
}

/// Erlang-C agents per pool (constant, 24×7): visit rate from the traffic equations, mean work,
/// slots → agents by the pool's concurrency.
fn desk_erlang(d: &Desk, targets: &BTreeMap<String, f64>) -> Vec<Option<u32>> {
    let ratios = crate::sim::desk::visit_ratios(d);
    let lambda0 = d.intensity.iter().sum::<f64>() / 168.0;
    let k = d.mix_cdf.len();
    let share = |c: usize| d.mix_cdf[c] - if c == 0 { 0.0 } else { d.mix_cdf[c - 1] };
    let strictest = targets.values().cloned().fold(0.0, f64::max);
    let tightest = d.sla_hours.iter().cloned().fold(f64::INFINITY, f64::min);
    d.pools
        .iter()
        .enumerate()
        .map(|(p, pool)| {
            let lam: f64 = (0..k).map(|c| lambda0 * share(c) * ratios[c][p]).sum();
            if lam <= 0.0 {
                return None;
            }
            let work = (0..k)
                .map(|c| lambda0 * share(c) * ratios[c][p] * pool.work[c].mean())
                .sum::<f64>()
                / lam;
            let tau = (tightest - work).max(0.1);
            erlang_c_staff(lam, 1.0 / work, tau, strictest)
                .map(|slots| slots.div_ceil(pool.concurrency))
        })
        .collect()
}
