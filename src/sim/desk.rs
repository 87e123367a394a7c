//! A discovered (or hand-written) multi-pool service desk and its engine. No I/O.
//!
//! INTERFACE SKELETON (session integration): the types and signatures below are fixed so that the
//! desk engine (`sim::desk`, owned by the engine work) and desk discovery (`decide::desk`,
//! `cli::fit`, `cli::validate`, owned by the discovery work) can be built in parallel. Fields may be
//! ADDED by either side (with `#[serde(default)]` so older files still parse); none may be renamed
//! or removed. Nothing may ship with `unimplemented!` left here.
//!
//! The model, in queueing terms: incidents (individuals) arrive by a non-homogeneous Poisson
//! process with an hour-of-week profile, draw a priority, enter a first pool (node) drawn by
//! priority, and at each pool make one *visit*: **queue** (in the pool, no agent working), then
//! **work** (holding one of the pool's agent slots; an agent holds up to `concurrency` incidents at
//! once), possibly interrupted by **external waiting** (user, vendor: holds no agent), then leave
//! the pool: transferred to another pool (routing, back-transfers included) or resolved. Agents on
//! duty follow a 168-slot hour-of-week calendar per pool.

use serde::{Deserialize, Serialize};

#[path = "desk_engine.rs"]
pub mod engine;
#[path = "desk_replicate.rs"]
pub mod replicate;

pub use replicate::{load_desk, parse_desk, run_desk_replications, summarize_desk, DeskSummary};

use super::model::{
    check_run_window, per_class, service, services_per_class, sla_targets, PolicyName, Service,
    ServiceSpec, ShiftEnd,
};

/// A desk as written in TOML (`incidentlab fit` writes one; users may edit it).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeskSpec {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Simulated hours from `start`.
    pub horizon_hours: f64,
    #[serde(default)]
    pub warmup_hours: f64,
    #[serde(default = "default_replications")]
    pub replications: usize,
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// fifo | priority | preemptive | edf — applied within every pool.
    #[serde(default)]
    pub policy: PolicyName,
    #[serde(default)]
    pub shift_end: ShiftEnd,
    /// Priority labels, highest first.
    pub priorities: Vec<String>,
    /// The UTC instant (ISO-8601) that simulated hour 0 stands for. Calendars and the arrival
    /// profile are read in hours of the week from it (hour-of-week 0 = Monday 00:00 UTC).
    pub start: String,
    pub arrivals: DeskArrivals,
    pub pools: Vec<PoolSpec>,
    /// Resolution target per priority, in hours (highest first); empty: no SLA figures.
    #[serde(default)]
    pub sla_resolution_hours: Vec<f64>,
    /// Event label → kind (`queue` | `work` | `wait` | `resolved` | `closed`), as discovered and
    /// as the user may override it; used by discovery and by the activity logs, not by the engine.
    #[serde(default)]
    pub states: std::collections::BTreeMap<String, String>,
    /// How discovery grouped events into pools: `level` | `group` (empty for hand-written desks);
    /// validation maps the real events to pools the same way.
    #[serde(default)]
    pub pool_by: String,
    /// After resolution, the incident is closed later (user confirmation, auto-close): the share of
    /// resolved incidents whose export shows a later closing event, and the delay (hours). Used by
    /// validation's activity logs (the case ends at closure), not by the engine (MTTR ends at
    /// resolution).
    #[serde(default)]
    pub closure_probability: f64,
    #[serde(default)]
    pub closure: Option<ServiceSpec>,
    /// Activity name of the closing event.
    #[serde(default)]
    pub closed_label: String,
    /// Closure by time to resolve (validation logs only): an incident resolved in under
    /// `below_hours` (the first band that fits; beyond the last, the last) is closed later with the
    /// band's `probability` (replacing `closure_probability`) and its resolution is logged as the
    /// band's `resolved_label`. Empty: `closure_probability` and the pools' labels.
    #[serde(default)]
    pub closure_bands: Vec<ClosureBand>,
}

/// One band of [`DeskSpec::closure_bands`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClosureBand {
    pub below_hours: f64,
    pub probability: f64,
    #[serde(default)]
    pub resolved_label: String,
}

impl DeskSpec {
    /// The closure band of an incident resolved after `hours` (None without bands).
    pub fn closure_band(&self, hours: f64) -> Option<&ClosureBand> {
        self.closure_bands
            .iter()
            .find(|b| hours < b.below_hours)
            .or(self.closure_bands.last())
    }
}

fn default_replications() -> usize {
    10
}
fn default_seed() -> u64 {
    1
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeskArrivals {
    /// Mean arrivals per hour over the week (before the profile).
    pub rate_per_hour: f64,
    /// 168 multipliers of the rate (mean 1), hour-of-week 0 = Monday 00:00 UTC.
    pub hour_of_week: Vec<f64>,
    /// Share of each priority, highest first; sums to 1.
    pub priority_mix: Vec<f64>,
    /// Per priority (outer, highest first): probability of each pool (inner, in `pools` order)
    /// being the pool an incident enters first.
    pub entry: Vec<Vec<f64>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolSpec {
    pub name: String,
    /// Distinct people seen working in this pool in the fitted period (0 for hand-written pools).
    #[serde(default)]
    pub people_seen: u32,
    /// Agents on duty for each of the 168 hours of the week (hour 0 = Monday 00:00 UTC).
    pub agents: Vec<u32>,
    /// Incidents one agent holds at once (observed multitasking), ≥ 1.
    #[serde(default = "one")]
    pub concurrency: u32,
    /// Hands-on work per visit (agent-hours), for every priority …
    pub work: Option<ServiceSpec>,
    /// … or one per priority (highest first).
    pub work_by_priority: Option<Vec<ServiceSpec>>,
    /// Probability that a visit includes an external wait (one value, or one per priority).
    #[serde(default)]
    pub wait_probability: Vec<f64>,
    /// Length of one external wait (hours), when there is one.
    pub wait: Option<ServiceSpec>,
    /// Per priority (outer): probability of each next pool (inner, in `pools` order) after a
    /// visit here; whatever is left to 1 is the probability of leaving resolved.
    pub routing: Vec<Vec<f64>>,
    /// Activity labels written to simulated logs for this pool's phases.
    #[serde(default)]
    pub labels: PhaseLabels,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PhaseLabels {
    pub queue: String,
    pub work: String,
    pub wait: String,
    pub resolved: String,
}

impl Default for PhaseLabels {
    fn default() -> Self {
        PhaseLabels {
            queue: "Queued".into(),
            work: "In Progress".into(),
            wait: "Wait".into(),
            resolved: "Resolved".into(),
        }
    }
}

/// The phase an incident is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    Queue,
    Work,
    Wait,
}

/// An incident already open when the simulation starts (validation from the real state).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpenIncident {
    pub case_id: String,
    /// Priority class, 0 = highest.
    pub priority: u8,
    pub pool: usize,
    pub phase: Phase,
    /// When it was opened, in simulated hours (≤ 0).
    pub opened_hours: f64,
}

/// Engine options beyond the model.
#[derive(Debug, Clone, Default)]
pub struct DeskRunOptions {
    /// Incidents open at hour 0.
    pub initial: Vec<OpenIncident>,
    /// Keep per-incident and per-activity records (for logs and distances).
    pub keep_log: bool,
    /// Extra agents per pool (added to every hour the pool has any agent on duty): what-ifs.
    pub extra_agents: Vec<i32>,
}

/// A compiled desk the engine runs: the spec, checked, with its samplers and cumulative tables.
#[derive(Debug, Clone)]
pub struct Desk {
    pub spec: DeskSpec,
    /// `start` in UTC milliseconds since the epoch.
    pub start_ms: i64,
    /// The hour of the week simulated hour 0 falls on (0 = Monday 00:00 UTC; fractional).
    pub start_hour_of_week: f64,
    /// Cumulative priority mix (last = 1).
    pub mix_cdf: Vec<f64>,
    /// Arrival intensity (incidents per hour) for each hour of the week: rate × multiplier.
    pub intensity: Vec<f64>,
    pub intensity_max: f64,
    /// Per priority: cumulative entry probabilities over pools (last = 1).
    pub entry_cdf: Vec<Vec<f64>>,
    /// Resolution target per priority in hours (infinite: none).
    pub sla_hours: Vec<f64>,
    pub pools: Vec<PoolModel>,
}

/// One pool, compiled.
#[derive(Debug, Clone)]
pub struct PoolModel {
    pub name: String,
    /// Agents on duty per hour of the week.
    pub agents: Vec<u32>,
    pub concurrency: u32,
    /// Work per visit, per priority.
    pub work: Vec<Service>,
    /// Probability of an external wait in a visit, per priority.
    pub wait_probability: Vec<f64>,
    pub wait: Option<Service>,
    /// Per priority: cumulative probabilities of the next pool (in `pools` order); a draw above
    /// the last value means resolved.
    pub routing_cdf: Vec<Vec<f64>>,
}

/// A problem with a desk file: the field and how to fix it.
pub use super::model::Invalid;

fn invalid(field: impl Into<String>, message: impl Into<String>) -> Invalid {
    Invalid {
        field: field.into(),
        message: message.into(),
    }
}

const HOUR_MS: f64 = crate::units::MS_PER_HOUR_F64;
const DAY_MS: i64 = 86_400_000;

/// The hour of the week (0 = Monday 00:00 UTC, fractional) of a UTC instant in milliseconds.
pub fn hour_of_week(ms: i64) -> f64 {
    // 1970-01-05 (day 4 of the epoch) was a Monday.
    (ms - 4 * DAY_MS).rem_euclid(7 * DAY_MS) as f64 / HOUR_MS
}

/// Shares that must each lie in [0, 1] and sum to 1 (within 1e-6); returns their cumulative sums.
fn shares_cdf(v: &[f64], len: usize, field: &str, what: &str) -> Result<Vec<f64>, Invalid> {
    if v.len() != len {
        return Err(invalid(
            field,
            format!("has {} values; give {len} ({what})", v.len()),
        ));
    }
    let mut acc = 0.0;
    let mut cdf = Vec::with_capacity(len);
    for (i, x) in v.iter().enumerate() {
        if !(0.0..=1.0).contains(x) {
            return Err(invalid(
                format!("{field}[{i}]"),
                format!("is {x}; a share must be between 0 and 1"),
            ));
        }
        acc += x;
        cdf.push(acc);
    }
    if (acc - 1.0).abs() > 1e-6 {
        return Err(invalid(
            field,
            format!("sums to {acc}; the shares must sum to 1"),
        ));
    }
    if let Some(last) = cdf.last_mut() {
        *last = 1.0;
    }
    Ok(cdf)
}

/// Checks a spec and builds the samplers. Every error names the field and the fix.
pub fn compile(spec: &DeskSpec) -> Result<Desk, Invalid> {
    let k = spec.priorities.len();
    if k == 0 || k > 250 {
        return Err(invalid(
            "priorities",
            "needs 1 to 250 priority labels, highest first",
        ));
    }
    check_run_window(spec.horizon_hours, spec.warmup_hours, spec.replications)?;
    let start_ms = crate::timeparse::TimeParser::default()
        .parse(&spec.start)
        .map_err(|e| {
            invalid(
                "start",
                format!("{e}; write an ISO-8601 UTC instant such as 2012-05-03T11:35:56Z"),
            )
        })?;
    let arrivals = compile_desk_arrivals(&spec.arrivals, k, spec.pools.len())?;
    let sla_hours = sla_targets(&spec.sla_resolution_hours, k, "sla_resolution_hours")?;
    check_closure_bands(&spec.closure_bands)?;
    let pools = compile_pools(&spec.pools, k)?;
    let desk = Desk {
        spec: spec.clone(),
        start_ms,
        start_hour_of_week: hour_of_week(start_ms),
        mix_cdf: arrivals.mix_cdf,
        intensity: arrivals.intensity,
        intensity_max: arrivals.intensity_max,
        entry_cdf: arrivals.entry_cdf,
        sla_hours,
        pools,
    };
    check_flow(&desk)?;
    Ok(desk)
}

/// The arrival side of a desk, compiled (fields as in [`Desk`]).
struct DeskArrivalModel {
    mix_cdf: Vec<f64>,
    intensity: Vec<f64>,
    intensity_max: f64,
    entry_cdf: Vec<Vec<f64>>,
}

/// Checks `[arrivals]` of a desk with `k` priorities and `n` pools: a rate ≥ 0, 168 hour-of-week
/// multipliers, the priority mix and one entry row per priority (shares summing to 1).
fn compile_desk_arrivals(
    a: &DeskArrivals,
    k: usize,
    n: usize,
) -> Result<DeskArrivalModel, Invalid> {
    if !(a.rate_per_hour.is_finite() && a.rate_per_hour >= 0.0) {
        return Err(invalid(
            "arrivals.rate_per_hour",
            format!("is {}; it must be a number ≥ 0", a.rate_per_hour),
        ));
    }
    if a.hour_of_week.len() != 168 || a.hour_of_week.iter().any(|x| !(x.is_finite() && *x >= 0.0)) {
        return Err(invalid(
            "arrivals.hour_of_week",
            format!(
                "has {} values; give 168 multipliers ≥ 0 (hour 0 = Monday 00:00 UTC)",
                a.hour_of_week.len()
            ),
        ));
    }
    let mix_cdf = shares_cdf(
        &a.priority_mix,
        k,
        "arrivals.priority_mix",
        "one share per priority",
    )?;
    if n == 0 || n > usize::from(u16::MAX) {
        return Err(invalid("pools", "needs at least one [[pools]] table"));
    }
    if a.entry.len() != k {
        return Err(invalid(
            "arrivals.entry",
            format!(
                "has {} rows; give one row per priority ({k})",
                a.entry.len()
            ),
        ));
    }
    let entry_cdf = a
        .entry
        .iter()
        .enumerate()
        .map(|(c, row)| {
            shares_cdf(
                row,
                n,
                &format!("arrivals.entry[{c}]"),
                "one probability per pool, in [[pools]] order",
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    let intensity: Vec<f64> = a.hour_of_week.iter().map(|m| m * a.rate_per_hour).collect();
    let intensity_max = intensity.iter().cloned().fold(0.0, f64::max);
    Ok(DeskArrivalModel {
        mix_cdf,
        intensity,
        intensity_max,
        entry_cdf,
    })
}

/// Checks the closure bands: `below_hours` positive, `probability` in [0, 1].
fn check_closure_bands(bands: &[ClosureBand]) -> Result<(), Invalid> {
    for (i, b) in bands.iter().enumerate() {
        if b.below_hours.is_nan() || b.below_hours <= 0.0 || !(0.0..=1.0).contains(&b.probability) {
            return Err(invalid(
                format!("closure_bands[{i}]"),
                "below_hours must be positive and probability in [0, 1]",
            ));
        }
    }
    Ok(())
}

/// Compiles every `[[pools]]` table (names given and unique).
fn compile_pools(specs: &[PoolSpec], k: usize) -> Result<Vec<PoolModel>, Invalid> {
    let n = specs.len();
    let mut pools = Vec::with_capacity(n);
    for (p, pool) in specs.iter().enumerate() {
        if pool.name.trim().is_empty() {
            return Err(invalid(format!("pools[{p}].name"), "give the pool a name"));
        }
        if specs[..p].iter().any(|q| q.name == pool.name) {
            return Err(invalid(
                format!("pools[{p}].name"),
                format!("'{}' is used twice; pool names must be unique", pool.name),
            ));
        }
        pools.push(compile_pool(
            pool,
            &format!("pools[{p}] ({})", pool.name),
            k,
            n,
        )?);
    }
    Ok(pools)
}

/// Compiles one pool (field prefix `f`) of a desk with `k` priorities and `n` pools.
fn compile_pool(pool: &PoolSpec, f: &str, k: usize, n: usize) -> Result<PoolModel, Invalid> {
    if pool.agents.len() != 168 {
        return Err(invalid(
            format!("{f}.agents"),
            format!("has {} values; give 168 (agents on duty per hour of the week, Monday 00:00 UTC first)", pool.agents.len()),
        ));
    }
    if pool.concurrency == 0 {
        return Err(invalid(
            format!("{f}.concurrency"),
            "must be at least 1 (incidents one agent holds at once)",
        ));
    }
    let work = pool_work(pool, f, k)?;
    let (wait_probability, wait) = pool_waits(pool, f, k)?;
    let routing_cdf = routing_cdf(&pool.routing, f, k, n)?;
    Ok(PoolModel {
        name: pool.name.clone(),
        agents: pool.agents.clone(),
        concurrency: pool.concurrency,
        work,
        wait_probability,
        wait,
        routing_cdf,
    })
}

/// Work per visit of each priority (`work` or `work_by_priority`); every mean must be positive.
fn pool_work(pool: &PoolSpec, f: &str, k: usize) -> Result<Vec<Service>, Invalid> {
    let work = services_per_class(
        pool.work.as_ref(),
        pool.work_by_priority.as_deref(),
        k,
        f,
        "work",
    )?;
    if let Some(c) = work
        .iter()
        .position(|w| w.mean().is_nan() || w.mean() <= 0.0)
    {
        return Err(invalid(
            format!("{f}.work"),
            format!(
                "the work of priority {c} has mean {}; work per visit must be positive",
                work[c].mean()
            ),
        ));
    }
    Ok(work)
}

/// The probability of an external wait per priority and the wait's length distribution (needed
/// when any probability is above 0).
fn pool_waits(pool: &PoolSpec, f: &str, k: usize) -> Result<(Vec<f64>, Option<Service>), Invalid> {
    let wait_probability = per_class(
        &pool.wait_probability,
        k,
        &format!("{f}.wait_probability"),
        0.0,
    )?;
    for (i, p) in wait_probability.iter().enumerate() {
        if !(0.0..=1.0).contains(p) {
            return Err(invalid(
                format!("{f}.wait_probability[{i}]"),
                format!("is {p}; a probability must be between 0 and 1"),
            ));
        }
    }
    let wait = pool
        .wait
        .as_ref()
        .map(|w| service(w, &format!("{f}.wait")))
        .transpose()?;
    if wait.is_none() && wait_probability.iter().any(|p| *p > 0.0) {
        return Err(invalid(format!("{f}.wait"), "wait_probability is above 0 but there is no wait distribution: add wait = { dist = ..., ... } or set wait_probability = 0"));
    }
    Ok((wait_probability, wait))
}

/// Per priority, the cumulative transfer probabilities to each of the `n` pools (one row for all
/// priorities, or one per priority; none: every visit resolves). Each row sums to at most 1.
fn routing_cdf(
    routing: &[Vec<f64>],
    f: &str,
    k: usize,
    n: usize,
) -> Result<Vec<Vec<f64>>, Invalid> {
    let rows: Vec<&Vec<f64>> = match routing.len() {
        0 => return Ok(vec![vec![0.0; n]; k]),
        1 => vec![&routing[0]; k],
        m if m == k => routing.iter().collect(),
        m => {
            return Err(invalid(
                format!("{f}.routing"),
                format!("has {m} rows; give one row per priority ({k}), or one for all"),
            ))
        }
    };
    let mut routing_cdf = Vec::with_capacity(k);
    for (c, row) in rows.iter().enumerate() {
        if row.len() != n {
            return Err(invalid(
                format!("{f}.routing[{c}]"),
                format!(
                    "has {} values; give one probability per pool ({n}, in [[pools]] order)",
                    row.len()
                ),
            ));
        }
        let mut acc = 0.0;
        let mut cdf = Vec::with_capacity(n);
        for (q, x) in row.iter().enumerate() {
            if !(0.0..=1.0).contains(x) {
                return Err(invalid(
                    format!("{f}.routing[{c}][{q}]"),
                    format!("is {x}; a probability must be between 0 and 1"),
                ));
            }
            acc += x;
            cdf.push(acc);
        }
        if acc > 1.0 + 1e-6 {
            return Err(invalid(format!("{f}.routing[{c}]"), format!("sums to {acc}; transfer probabilities may sum to at most 1 (the rest is resolved)")));
        }
        routing_cdf.push(cdf);
    }
    Ok(routing_cdf)
}

/// Visits per arriving incident of each pool, per priority: the traffic equations
/// `v = entry + v · R` solved by iteration (R = the transfer probabilities).
pub fn visit_ratios(desk: &Desk) -> Vec<Vec<f64>> {
    let n = desk.pools.len();
    (0..desk.mix_cdf.len())
        .map(|c| {
            let entry: Vec<f64> = (0..n)
                .map(|p| {
                    desk.entry_cdf[c][p]
                        - if p == 0 {
                            0.0
                        } else {
                            desk.entry_cdf[c][p - 1]
                        }
                })
                .collect();
            let mut v = entry.clone();
            for _ in 0..10_000 {
                let mut next = entry.clone();
                for (q, pool) in desk.pools.iter().enumerate() {
                    let cdf = &pool.routing_cdf[c];
                    for p in 0..n {
                        next[p] += v[q] * (cdf[p] - if p == 0 { 0.0 } else { cdf[p - 1] });
                    }
                }
                let change: f64 = next.iter().zip(&v).map(|(a, b)| (a - b).abs()).sum();
                v = next;
                if change < 1e-12 {
                    break;
                }
            }
            v
        })
        .collect()
}

/// Every pool an incident can reach must be able to lead to resolution (else incidents circulate
/// for ever), and every pool that gets work must have agents at some hour.
fn check_flow(desk: &Desk) -> Result<(), Invalid> {
    let n = desk.pools.len();
    for c in 0..desk.mix_cdf.len() {
        let prob = |q: usize, p: usize| {
            let cdf = &desk.pools[q].routing_cdf[c];
            cdf[p] - if p == 0 { 0.0 } else { cdf[p - 1] }
        };
        // Pools from which resolution can be reached.
        let mut ends: Vec<bool> = (0..n)
            .map(|q| desk.pools[q].routing_cdf[c].last().copied().unwrap_or(0.0) < 1.0 - 1e-9)
            .collect();
        loop {
            let mut changed = false;
            for q in 0..n {
                if !ends[q] && (0..n).any(|p| ends[p] && prob(q, p) > 0.0) {
                    ends[q] = true;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        // Pools reachable from entry.
        let mut reach: Vec<bool> = (0..n)
            .map(|p| {
                (desk.entry_cdf[c][p]
                    - if p == 0 {
                        0.0
                    } else {
                        desk.entry_cdf[c][p - 1]
                    })
                    > 0.0
            })
            .collect();
        loop {
            let mut changed = false;
            for q in 0..n {
                for p in 0..n {
                    if reach[q] && !reach[p] && prob(q, p) > 0.0 {
                        reach[p] = true;
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
        let label = &desk.spec.priorities[c];
        for q in 0..n {
            let f = format!("pools[{q}] ({})", desk.pools[q].name);
            if reach[q] && !ends[q] {
                return Err(invalid(format!("{f}.routing[{c}]"), format!("{label} incidents that reach this pool are transferred for ever and never resolved: let a row sum to less than 1 somewhere on the way")));
            }
            if reach[q]
                && desk.intensity_max > 0.0
                && (desk.mix_cdf[c] - if c == 0 { 0.0 } else { desk.mix_cdf[c - 1] }) > 0.0
                && desk.pools[q].agents.iter().all(|a| *a == 0)
            {
                return Err(invalid(format!("{f}.agents"), format!("{label} incidents reach this pool but no agent is ever on duty: give it agents at some hour or route around it")));
            }
        }
    }
    Ok(())
}

/// Checks incidents open at hour 0 against a desk (priority, pool, opened ≤ 0); `run_desk` skips
/// any that fail.
pub fn check_initial(desk: &Desk, initial: &[OpenIncident]) -> Result<(), Invalid> {
    for (i, o) in initial.iter().enumerate() {
        let f = format!("initial[{i}] ({})", o.case_id);
        if usize::from(o.priority) >= desk.spec.priorities.len() {
            return Err(invalid(
                f,
                format!(
                    "priority class {} but the desk has {}",
                    o.priority,
                    desk.spec.priorities.len()
                ),
            ));
        }
        if o.pool >= desk.pools.len() {
            return Err(invalid(
                f,
                format!("pool {} but the desk has {}", o.pool, desk.pools.len()),
            ));
        }
        if o.opened_hours.is_nan() || o.opened_hours > 0.0 {
            return Err(invalid(
                f,
                format!(
                    "opened at hour {}; open incidents must be opened at or before hour 0",
                    o.opened_hours
                ),
            ));
        }
    }
    Ok(())
}

/// One simulated incident.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimIncident {
    /// `initial` incidents keep their case id; new ones are `sim-<index>`.
    pub case_id: String,
    pub priority: u8,
    pub opened_hours: f64,
    /// None: still open at the end of the run.
    pub resolved_hours: Option<f64>,
    pub initial: bool,
}

/// One phase of one visit of one incident.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimActivity {
    /// Index into `DeskRun::incidents`.
    pub incident: u32,
    pub pool: u16,
    pub phase: Phase,
    pub start_hours: f64,
    pub end_hours: f64,
}

/// Per-pool figures of one run over [warmup, horizon).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PoolRun {
    pub visits: u64,
    pub mean_queue_hours: f64,
    pub mean_work_hours: f64,
    pub utilisation: f64,
    pub mean_agents: f64,
}

/// Everything one replication produced.
#[derive(Debug, Clone, Default)]
pub struct DeskRun {
    pub incidents: Vec<SimIncident>,
    /// Empty unless `keep_log`.
    pub activities: Vec<SimActivity>,
    pub pools: Vec<PoolRun>,
    pub events: u64,
}

/// Runs one replication; streams derive from (seed, stream_key, replication, incident index), so
/// two desks with the same arrivals see the same incidents (common random numbers). The engine's
/// rules (visits, slots, waits, capacity changes, initial incidents, the end at the horizon) are
/// stated in [`engine`] and in README "Desk format". Invalid `initial` entries (see
/// [`check_initial`]) are skipped.
pub fn run_desk(
    desk: &Desk,
    seed: u64,
    stream_key: &str,
    replication: u64,
    options: &DeskRunOptions,
) -> DeskRun {
    engine::run_measured(desk, seed, stream_key, replication, options).0
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::stats::Estimate;

    /// A desk with `k` equal-share priorities, constant arrivals, starting on a Monday 00:00 UTC.
    pub(crate) fn desk_spec(pools: Vec<PoolSpec>, rate: f64, k: usize) -> DeskSpec {
        let n = pools.len();
        let mut entry = vec![0.0; n];
        entry[0] = 1.0;
        DeskSpec {
            name: "test".into(),
            description: String::new(),
            horizon_hours: 5000.0,
            warmup_hours: 200.0,
            replications: 10,
            seed: 7,
            policy: PolicyName::Fifo,
            shift_end: ShiftEnd::Finish,
            priorities: (1..=k)
                .map(|i| crate::schema::priority_label(i as u8))
                .collect(),
            start: "2025-01-06T00:00:00Z".into(),
            arrivals: DeskArrivals {
                rate_per_hour: rate,
                hour_of_week: vec![1.0; 168],
                priority_mix: vec![1.0 / k as f64; k],
                entry: vec![entry; k],
            },
            pools,
            sla_resolution_hours: Vec::new(),
            states: Default::default(),
            pool_by: String::new(),
            closure_probability: 0.0,
            closure: None,
            closed_label: String::new(),
            closure_bands: Vec::new(),
        }
    }

    pub(crate) fn pool(name: &str, agents: u32, work: ServiceSpec, routing: Vec<f64>) -> PoolSpec {
        PoolSpec {
            name: name.into(),
            people_seen: 0,
            agents: vec![agents; 168],
            concurrency: 1,
            work: Some(work),
            work_by_priority: None,
            wait_probability: Vec::new(),
            wait: None,
            routing: vec![routing],
            labels: PhaseLabels::default(),
        }
    }

    fn exp(mean: f64) -> ServiceSpec {
        ServiceSpec::Exponential { mean_hours: mean }
    }

    fn runs(d: &Desk, o: &DeskRunOptions, reps: u64) -> Vec<DeskRun> {
        (0..reps).map(|r| run_desk(d, 11, "t", r, o)).collect()
    }

    #[test]
    fn one_pool_matches_erlang_c() {
        // M/M/3, λ = 2.4, μ = 1: W_q = C(3, 2.4) / (3 − 2.4).
        let mut s = desk_spec(vec![pool("A", 3, exp(1.0), vec![0.0])], 2.4, 1);
        s.horizon_hours = 40_000.0;
        s.warmup_hours = 500.0;
        let d = compile(&s).unwrap();
        let rs = runs(&d, &DeskRunOptions::default(), 10);
        let wq = Estimate::of(rs.iter().map(|r| r.pools[0].mean_queue_hours));
        let theory = crate::sim::theory::mmc_mean_wait(3, 2.4, 1.0);
        assert!(
            (wq.mean - theory).abs() < 4.0 * wq.se() + 0.02 * theory,
            "W_q {wq:?} vs Erlang C {theory}"
        );
        assert!(wq.se() < 0.05 * theory, "too noisy to test: {wq:?}");
        let util = Estimate::of(rs.iter().map(|r| r.pools[0].utilisation));
        assert!(
            (util.mean - 0.8).abs() < 4.0 * util.se().max(1e-3),
            "{util:?}"
        );
        let work = Estimate::of(rs.iter().map(|r| r.pools[0].mean_work_hours));
        assert!((work.mean - 1.0).abs() < 4.0 * work.se(), "{work:?}");
    }

    #[test]
    fn concurrency_k_equals_c_times_k_slots() {
        let mut a = pool("A", 2, exp(1.0), vec![0.0]);
        a.concurrency = 3;
        let b = pool("A", 6, exp(1.0), vec![0.0]);
        let da = compile(&desk_spec(vec![a], 4.5, 2)).unwrap();
        let db = compile(&desk_spec(vec![b], 4.5, 2)).unwrap();
        let o = DeskRunOptions::default();
        let (ra, rb) = (run_desk(&da, 3, "k", 0, &o), run_desk(&db, 3, "k", 0, &o));
        assert_eq!(ra.incidents, rb.incidents);
        assert_eq!(ra.pools[0].visits, rb.pools[0].visits);
        assert_eq!(ra.pools[0].mean_queue_hours, rb.pools[0].mean_queue_hours);
        assert_eq!(ra.pools[0].utilisation, rb.pools[0].utilisation);
        // Agents on duty are counted as agents, not slots.
        assert!((ra.pools[0].mean_agents - 2.0).abs() < 1e-9);
        assert!((rb.pools[0].mean_agents - 6.0).abs() < 1e-9);
    }

    #[test]
    fn extra_agents_add_to_every_staffed_hour() {
        let mut a = pool("A", 0, exp(1.0), vec![0.0]);
        a.agents = (0..168).map(|h| if h % 24 < 12 { 2 } else { 0 }).collect();
        let mut plus = a.clone();
        plus.agents = a
            .agents
            .iter()
            .map(|x| if *x > 0 { x + 1 } else { 0 })
            .collect();
        let base = compile(&desk_spec(vec![a], 1.0, 1)).unwrap();
        let cal = compile(&desk_spec(vec![plus], 1.0, 1)).unwrap();
        let extra = DeskRunOptions {
            extra_agents: vec![1],
            ..Default::default()
        };
        let (x, y) = (
            run_desk(&base, 2, "x", 0, &extra),
            run_desk(&cal, 2, "x", 0, &DeskRunOptions::default()),
        );
        assert_eq!(x.incidents, y.incidents);
        assert_eq!(x.pools, y.pools);
        assert!(
            (x.pools[0].mean_agents - 1.5).abs() < 0.01,
            "{}",
            x.pools[0].mean_agents
        );
        let z = run_desk(&base, 2, "x", 0, &DeskRunOptions::default());
        assert!(z.pools[0].mean_queue_hours > x.pools[0].mean_queue_hours);
    }

    #[test]
    fn tandem_routing_probability_sets_the_visits() {
        let p = 0.3;
        let d = compile(&desk_spec(
            vec![
                pool("A", 20, exp(0.5), vec![0.0, p]),
                pool("B", 20, exp(0.5), vec![0.0, 0.0]),
            ],
            3.0,
            1,
        ))
        .unwrap();
        let rs = runs(&d, &DeskRunOptions::default(), 5);
        let (va, vb): (u64, u64) = rs.iter().fold((0, 0), |(a, b), r| {
            (a + r.pools[0].visits, b + r.pools[1].visits)
        });
        let share = vb as f64 / va as f64;
        let se = (p * (1.0 - p) / va as f64).sqrt();
        assert!((share - p).abs() < 4.0 * se + 0.002, "B/A visits {share}");
        // Throughput: what arrived (and left) is resolved, from A or from B.
        let resolved: usize = rs
            .iter()
            .map(|r| {
                r.incidents
                    .iter()
                    .filter(|i| i.resolved_hours.is_some())
                    .count()
            })
            .sum();
        let total: usize = rs.iter().map(|r| r.incidents.len()).sum();
        assert!(resolved as f64 > 0.999 * total as f64);
        assert!((visit_ratios(&d)[0][1] - p).abs() < 1e-12);
    }

    #[test]
    fn waits_add_their_mean_to_sojourn_and_nothing_to_utilisation() {
        let det = |h: f64| ServiceSpec::Deterministic { hours: h };
        let plain = pool("A", 60, det(1.0), vec![0.0]);
        let mut waiting = plain.clone();
        waiting.wait_probability = vec![0.5];
        waiting.wait = Some(det(4.0));
        let d0 = compile(&desk_spec(vec![plain], 2.0, 1)).unwrap();
        let d1 = compile(&desk_spec(vec![waiting], 2.0, 1)).unwrap();
        let o = DeskRunOptions::default();
        let mean_sojourn = |r: &DeskRun| {
            let s: Vec<f64> = r
                .incidents
                .iter()
                .filter(|i| i.opened_hours >= 200.0 && i.opened_hours < 4900.0)
                .filter_map(|i| i.resolved_hours.map(|x| x - i.opened_hours))
                .collect();
            s.iter().sum::<f64>() / s.len() as f64
        };
        let (r0, r1) = (run_desk(&d0, 5, "w", 0, &o), run_desk(&d1, 5, "w", 0, &o));
        let n = r1.incidents.len() as f64;
        assert!((mean_sojourn(&r0) - 1.0).abs() < 1e-9);
        // Sojourn = 1 h work + a 4 h wait with probability 1/2: mean 3, sd of the wait part 2.
        assert!(
            (mean_sojourn(&r1) - 3.0).abs() < 4.0 * 2.0 / n.sqrt(),
            "{}",
            mean_sojourn(&r1)
        );
        assert!((r1.pools[0].mean_work_hours - 1.0).abs() < 1e-9);
        assert!(r1.pools[0].mean_queue_hours.abs() < 1e-9);
        assert!(
            (r0.pools[0].utilisation - r1.pools[0].utilisation).abs()
                < 1e-3 * r0.pools[0].utilisation
        );
    }

    #[test]
    fn back_transfers_are_visits_too() {
        // A → B with 0.5, B → A with 0.4: visits per incident v_A = 1/(1 − 0.2) = 1.25, v_B = 0.625.
        let d = compile(&desk_spec(
            vec![
                pool("A", 30, exp(0.2), vec![0.0, 0.5]),
                pool("B", 30, exp(0.2), vec![0.4, 0.0]),
            ],
            2.0,
            1,
        ))
        .unwrap();
        let v = visit_ratios(&d);
        assert!((v[0][0] - 1.25).abs() < 1e-9 && (v[0][1] - 0.625).abs() < 1e-9);
        let o = DeskRunOptions {
            keep_log: true,
            ..Default::default()
        };
        let r = run_desk(&d, 9, "b", 0, &o);
        let arrived = r
            .incidents
            .iter()
            .filter(|i| i.opened_hours >= 200.0 && i.opened_hours < 4990.0)
            .count() as f64;
        let va = r.pools[0].visits as f64 / arrived;
        let vb = r.pools[1].visits as f64 / arrived;
        assert!(
            (va - 1.25).abs() < 0.03 && (vb - 0.625).abs() < 0.03,
            "{va} {vb}"
        );
        // Some incident goes A → B → A in the log: work in pool 0, then 1, then 0 again.
        let mut ping_pong = 0;
        for id in 0..r.incidents.len() as u32 {
            let pools: Vec<u16> = r
                .activities
                .iter()
                .filter(|a| a.incident == id && a.phase == Phase::Work)
                .map(|a| a.pool)
                .collect();
            if pools.windows(3).any(|w| w == [0, 1, 0]) {
                ping_pong += 1;
            }
        }
        assert!(ping_pong as f64 > 0.15 * arrived, "{ping_pong}");
    }

    #[test]
    fn preemptive_priority_matches_the_mmc_formula_and_edf_with_one_target_is_fifo() {
        // M/M/2 preemptive-resume, λ = 0.48 + 1.12, μ = 1: per-class sojourn from the aggregated queue.
        let mut s = desk_spec(vec![pool("A", 2, exp(1.0), vec![0.0])], 1.6, 2);
        s.arrivals.priority_mix = vec![0.3, 0.7];
        s.horizon_hours = 40_000.0;
        s.warmup_hours = 500.0;
        s.policy = PolicyName::Preemptive;
        let d = compile(&s).unwrap();
        let theory = crate::sim::theory::mmc_preemptive_sojourns(2, &[0.48, 1.12], 1.0);
        let rs = runs(&d, &DeskRunOptions::default(), 8);
        for (c, t) in theory.iter().enumerate() {
            let e = Estimate::of(rs.iter().map(|r| {
                let v: Vec<f64> = r
                    .incidents
                    .iter()
                    .filter(|i| usize::from(i.priority) == c && i.opened_hours >= 500.0)
                    .filter_map(|i| i.resolved_hours.map(|x| x - i.opened_hours))
                    .collect();
                v.iter().sum::<f64>() / v.len() as f64
            }));
            assert!(
                (e.mean - t).abs() < 4.0 * e.se() + 0.02 * t,
                "class {c}: {e:?} vs {t}"
            );
        }
        // EDF with one target for every priority serves in arrival order: exactly FIFO.
        let mut fifo = desk_spec(vec![pool("A", 2, exp(1.0), vec![0.0])], 1.6, 2);
        fifo.sla_resolution_hours = vec![8.0];
        let mut edf = fifo.clone();
        edf.policy = PolicyName::Edf;
        let o = DeskRunOptions::default();
        let (a, b) = (
            run_desk(&compile(&fifo).unwrap(), 1, "e", 0, &o),
            run_desk(&compile(&edf).unwrap(), 1, "e", 0, &o),
        );
        assert_eq!(a.incidents, b.incidents);
        // … and with a tighter target for P1, P1 waits less than under FIFO.
        edf.sla_resolution_hours = vec![2.0, 48.0];
        let c = run_desk(&compile(&edf).unwrap(), 1, "e", 0, &o);
        let mean_p1 = |r: &DeskRun| {
            let v: Vec<f64> = r
                .incidents
                .iter()
                .filter(|i| i.priority == 0)
                .filter_map(|i| i.resolved_hours.map(|x| x - i.opened_hours))
                .collect();
            v.iter().sum::<f64>() / v.len() as f64
        };
        assert!(
            mean_p1(&c) < mean_p1(&a) - 0.1,
            "{} vs {}",
            mean_p1(&c),
            mean_p1(&a)
        );
    }

    fn office_hours(agents: u32) -> Vec<u32> {
        (0..168)
            .map(|h| {
                if h / 24 < 5 && (9..17).contains(&(h % 24)) {
                    agents
                } else {
                    0
                }
            })
            .collect()
    }

    #[test]
    fn calendar_work_starts_only_in_office_hours() {
        for shift_end in [ShiftEnd::Finish, ShiftEnd::Handback] {
            let mut a = pool("A", 0, exp(1.5), vec![0.0]);
            a.agents = office_hours(3);
            let mut s = desk_spec(vec![a], 0.5, 2);
            s.start = "2025-01-08T13:30:00Z".into(); // a Wednesday, half past one
            s.horizon_hours = 1000.0;
            s.policy = PolicyName::Priority;
            s.shift_end = shift_end;
            let d = compile(&s).unwrap();
            assert!((d.start_hour_of_week - (48.0 + 13.5)).abs() < 1e-9);
            let o = DeskRunOptions {
                keep_log: true,
                ..Default::default()
            };
            let r = run_desk(&d, 1, "c", 0, &o);
            let works: Vec<&SimActivity> = r
                .activities
                .iter()
                .filter(|a| a.phase == Phase::Work)
                .collect();
            assert!(works.len() > 100);
            for w in works {
                let how = d.start_hour_of_week + w.start_hours;
                let h = (how.floor() as i64).rem_euclid(168) as usize;
                assert!(
                    d.pools[0].agents[h] > 0,
                    "work started at hour of week {how}"
                );
                if shift_end == ShiftEnd::Handback && w.end_hours < s.horizon_hours {
                    // Handed back at the end of the day: no work runs past 17:00.
                    let day_end = (how / 24.0).floor() * 24.0 + 17.0;
                    assert!(
                        d.start_hour_of_week + w.end_hours <= day_end + 1e-6,
                        "{w:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn initial_incidents_start_in_their_phase() {
        let d = compile(&desk_spec(vec![pool("A", 1, exp(1.0), vec![0.0])], 0.0, 2)).unwrap();
        let open = |id: &str, priority: u8, phase: Phase| OpenIncident {
            case_id: id.into(),
            priority,
            pool: 0,
            phase,
            opened_hours: -5.0,
        };
        let o = DeskRunOptions {
            initial: vec![
                open("q", 0, Phase::Queue),
                open("w", 1, Phase::Work),
                open("bad", 9, Phase::Queue),
            ],
            keep_log: true,
            extra_agents: Vec::new(),
        };
        let r = run_desk(&d, 1, "i", 0, &o);
        assert_eq!(r.incidents.len(), 2, "the invalid one is skipped");
        assert!(check_initial(&d, &o.initial).is_err());
        // The one in work holds the only agent first, although the queued one has higher priority.
        let first = r
            .activities
            .iter()
            .find(|a| a.phase == Phase::Work)
            .unwrap();
        assert_eq!(r.incidents[first.incident as usize].case_id, "w");
        assert_eq!(first.start_hours, 0.0);
        assert!(r
            .incidents
            .iter()
            .all(|i| i.initial && i.opened_hours == -5.0));
    }

    #[test]
    fn open_incidents_stay_open_at_the_horizon() {
        let mut s = desk_spec(vec![pool("A", 1, exp(1.0), vec![0.0])], 1.5, 1);
        s.horizon_hours = 300.0;
        let d = compile(&s).unwrap();
        let r = run_desk(
            &d,
            1,
            "o",
            0,
            &DeskRunOptions {
                keep_log: true,
                ..Default::default()
            },
        );
        let open = r
            .incidents
            .iter()
            .filter(|i| i.resolved_hours.is_none())
            .count();
        assert!(
            open > 20,
            "an overloaded pool leaves incidents open: {open}"
        );
        assert!(r
            .activities
            .iter()
            .all(|a| a.end_hours <= 300.0 && a.start_hours <= a.end_hours));
        assert!(r.incidents.iter().all(|i| i.opened_hours < 300.0));
    }

    #[test]
    fn same_seed_same_results_for_any_thread_count() {
        let d = compile(&desk_spec(
            vec![
                pool("A", 3, exp(0.5), vec![0.0, 0.4]),
                pool("B", 2, exp(1.0), vec![0.2, 0.0]),
            ],
            4.0,
            3,
        ))
        .unwrap();
        let o = DeskRunOptions::default();
        let a = run_desk_replications(&d, &o, 6, 3, "x", Some(1), &|| {}).unwrap();
        let b = run_desk_replications(&d, &o, 6, 3, "x", Some(2), &|| {}).unwrap();
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.incidents, y.incidents);
            assert_eq!(x.pools, y.pools);
            assert_eq!(x.events, y.events);
        }
        assert_ne!(a[0].incidents, a[1].incidents);
    }

    #[test]
    fn invalid_desks_name_the_field() {
        let good = desk_spec(vec![pool("A", 3, exp(0.5), vec![0.0])], 1.0, 2);
        assert!(compile(&good).is_ok());
        let field = |f: &dyn Fn(&mut DeskSpec)| {
            let mut s = good.clone();
            f(&mut s);
            compile(&s).map(|_| ()).unwrap_err().field
        };
        assert_eq!(
            field(&|s| s.arrivals.priority_mix = vec![0.5, 0.4]),
            "arrivals.priority_mix"
        );
        assert_eq!(
            field(&|s| s.pools[0].agents = vec![1; 24]),
            "pools[0] (A).agents"
        );
        assert_eq!(
            field(&|s| s.pools[0].concurrency = 0),
            "pools[0] (A).concurrency"
        );
        assert_eq!(
            field(&|s| s.pools[0].routing = vec![vec![1.2]]),
            "pools[0] (A).routing[0][0]"
        );
        assert_eq!(
            field(&|s| s.pools[0].routing = vec![vec![1.0]]),
            "pools[0] (A).routing[0]"
        );
        assert_eq!(
            field(&|s| s.pools[0].routing = vec![vec![0.0]; 3]),
            "pools[0] (A).routing"
        );
        assert_eq!(
            field(&|s| s.pools[0].work = Some(exp(-1.0))),
            "pools[0] (A).work.mean_hours"
        );
        assert_eq!(
            field(&|s| s.pools[0].agents = vec![0; 168]),
            "pools[0] (A).agents"
        );
        assert_eq!(
            field(&|s| s.pools[0].wait_probability = vec![0.3]),
            "pools[0] (A).wait"
        );
        assert_eq!(field(&|s| s.start = "yesterday".into()), "start");
        assert_eq!(
            field(&|s| s.arrivals.entry = vec![vec![1.0]]),
            "arrivals.entry"
        );
        assert_eq!(
            field(&|s| {
                s.arrivals.hour_of_week.pop();
            }),
            "arrivals.hour_of_week"
        );
        assert_eq!(
            field(&|s| s.sla_resolution_hours = vec![1.0, 2.0, 3.0]),
            "sla_resolution_hours"
        );
    }
}
