//! Desk discovery: a multi-pool [`DeskSpec`] from an events table (`incidentlab fit` on a store with
//! events). No I/O: the CLI reads the store and writes the file ([`render::desk_toml`]).
//!
//! What is discovered, each with its rule (also in README and as comments in the fitted file):
//! - **pools** ([`visits::PoolBy`]): support levels, or assignment groups with `--top N` busiest
//!   (by visits) kept and the rest merged into one pool named `other groups`;
//! - **state kinds** ([`states`]): queue / work / wait / resolved / closed per event label;
//! - **visits** ([`visits`]): queue, work and external-wait time per visit, and how it ended;
//! - **arrivals**: the current level (incidents opened in the last 7 days before the cut, per hour),
//!   the 168-hour profile from the capacity window, the priority mix from the whole period, the
//!   entry pool by priority from the incidents opened in the window;
//! - **recent behaviour**: entry, routing, work and waiting from the visits starting in the capacity
//!   window (fewer than [`MIN_RECENT_VISITS`] finished there: the whole period);
//! - **routing**: per priority and pool, the share of visits transferred to each pool, censoring-aware
//!   ([`outcome_shares`], Aalen–Johansen) (a
//!   pool's own row included, for merged groups and back-transfers) or resolved; a (priority, pool)
//!   with fewer than [`MIN_ROWS`] finished visits takes the pool's row over all priorities;
//! - **work per visit**: [`crate::decide::fit::best_fit`] (AIC among four families, empirical
//!   fallback) of the visits' work hours (at least one minute), per priority where a priority has at
//!   least [`MIN_FIT`] finished visits in the pool, else over the pool; fewer than 20 visits: drawn
//!   from the observed values;
//! - **external waiting**: the share of finished visits with any wait (per priority, same fallback)
//!   and the fitted length of a visit's total wait;
//! - **capacity** ([`capacity`]): agents per hour of week and concurrency.

pub mod capacity;
pub mod render;
pub mod states;
pub mod validate;
pub mod visits;

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use crate::decide::fit::{best_fit, label as priority_label, Fitted};
use crate::schema::{Event, Incident};
use crate::sim::desk::{DeskArrivals, DeskSpec, PhaseLabels, PoolSpec};
use crate::sim::model::ServiceSpec;
use capacity::{Activity, Held};
use states::{Kind, StateMap};
use visits::{Exit, Keys, PoolBy, Timeline, Visit};

/// Fewest finished visits of a (priority, pool) for its own routing row / wait share / entry row.
pub const MIN_ROWS: usize = 30;
/// Fewest finished visits of a (priority, pool) for its own work distribution.
pub const MIN_FIT: usize = 100;
/// Fewest finished visits starting in the window for entry, routing, work and waiting to be fitted
/// from the window only (else over the whole period).
pub const MIN_RECENT_VISITS: usize = 200;
/// Name of the pool the groups outside `--top` are merged into.
pub const OTHER_GROUPS: &str = "other groups";
const HOUR_MS: i64 = crate::units::MS_PER_HOUR;

/// Options of desk discovery.
#[derive(Debug, Clone)]
pub struct DeskFitOptions {
    pub name: String,
    /// None: `level` when most events name a support level, else `group`.
    pub pool_by: Option<PoolBy>,
    /// Groups kept as their own pool (`--pools group`; default 10).
    pub top: Option<usize>,
    /// Use only incidents opened, and events, before this instant.
    pub until_ms: Option<i64>,
    pub states: StateMap,
    /// The capacity window before the cut, in days.
    pub window_days: f64,
    /// Resolution target per priority number (hours), for `sla_resolution_hours`.
    pub sla_hours: BTreeMap<u8, f64>,
}

impl Default for DeskFitOptions {
    fn default() -> Self {
        DeskFitOptions {
            name: "desk".into(),
            pool_by: None,
            top: None,
            until_ms: None,
            states: StateMap::default(),
            window_days: 28.0,
            sla_hours: BTreeMap::new(),
        }
    }
}

/// What discovery found about one pool (beside its spec).
#[derive(Debug, Clone, Serialize)]
pub struct PoolFit {
    pub name: String,
    /// Raw groups/levels merged into it.
    pub members: usize,
    pub people_seen: u32,
    pub people_in_window: u32,
    pub visits: u64,
    pub finished_visits: u64,
    pub mean_queue_hours: f64,
    pub mean_work_hours: f64,
    pub mean_wait_hours: f64,
    pub wait_share: f64,
    pub concurrency_peak: f64,
    pub multitasking: f64,
    pub agents_max: u32,
    pub agent_hours_per_week: u32,
    pub work_by_priority: bool,
    /// Pool-wide work fits, best first.
    pub work_fits: Vec<Fitted>,
    pub work_note: Option<String>,
}

/// The discovered desk and what it was discovered from.
#[derive(Debug, Clone)]
pub struct DeskFit {
    pub spec: DeskSpec,
    pub pools: Vec<PoolFit>,
    pub pool_by: PoolBy,
    pub incidents: u64,
    pub events: u64,
    pub cut_ms: i64,
    pub window: (i64, i64),
    /// Incidents opened in the last 7 days before the cut, and in the whole window.
    pub opened_last_week: u64,
    pub opened_in_window: u64,
    /// Label, kind, events, whether no rule matched it.
    pub labels: Vec<(String, Kind, u64, bool)>,
    pub notes: Vec<String>,
}

/// The incidents' priority classes: 0 = highest of those present.
pub struct Classes {
    pub numbers: Vec<u8>,
    pub of: HashMap<String, u8>,
}

/// Priority classes from the incident table; incidents without a priority take the most common.
pub fn classes(incidents: &[Incident], notes: &mut Vec<String>) -> Classes {
    let mut counts: BTreeMap<u8, u64> = BTreeMap::new();
    for p in incidents.iter().filter_map(|i| i.priority) {
        *counts.entry(p).or_default() += 1;
    }
    if counts.is_empty() {
        counts.insert(3, 0);
        notes.push("no incident has a priority: one class P3".into());
    }
    let numbers: Vec<u8> = counts.keys().copied().collect();
    let common = counts
        .iter()
        .max_by_key(|(p, n)| (**n, std::cmp::Reverse(**p)))
        .map(|(p, _)| *p)
        .unwrap_or(numbers[0]);
    let missing = incidents.iter().filter(|i| i.priority.is_none()).count();
    if missing > 0 {
        notes.push(format!(
            "{missing} incidents without a priority are counted as {}",
            priority_label(common)
        ));
    }
    let class_of = |p: u8| numbers.iter().position(|n| *n == p).unwrap_or(0) as u8;
    let of = incidents
        .iter()
        .map(|i| {
            (
                i.incident_id.clone(),
                class_of(i.priority.unwrap_or(common)),
            )
        })
        .collect();
    Classes { numbers, of }
}

/// The pool layout: raw key → pool index, pool names.
#[derive(Debug, Clone)]
pub struct PoolMap {
    pub names: Vec<String>,
    pub of_key: Vec<usize>,
    /// Pool for events without any pool (the merged pool, or the first).
    pub fallback: usize,
}

impl PoolMap {
    pub fn pool(&self, key: u32) -> usize {
        self.of_key
            .get(key as usize)
            .copied()
            .unwrap_or(self.fallback)
    }

    /// Rebuilds the map of a fitted desk's pools for other keys (validation): a key names its own
    /// pool when one has its name, else the merged pool when there is one, else the first.
    pub fn for_names(pools: &[String], keys: &Keys) -> PoolMap {
        let fallback = pools.iter().position(|p| p == OTHER_GROUPS).unwrap_or(0);
        let of_key = keys
            .names
            .iter()
            .map(|k| pools.iter().position(|p| p == k).unwrap_or(fallback))
            .collect();
        PoolMap {
            names: pools.to_vec(),
            of_key,
            fallback,
        }
    }
}

fn pool_map(by: PoolBy, top: usize, keys: &Keys, all_visits: &[Vec<Visit>]) -> PoolMap {
    let mut count = vec![0u64; keys.names.len()];
    let mut unknown = 0u64;
    for v in all_visits.iter().flatten() {
        match count.get_mut(v.key as usize) {
            Some(c) => *c += 1,
            None => unknown += 1,
        }
    }
    let mut order: Vec<usize> = (0..keys.names.len()).filter(|k| count[*k] > 0).collect();
    match by {
        PoolBy::Level => order.sort_by(|a, b| keys.names[*a].cmp(&keys.names[*b])),
        PoolBy::Group => order.sort_by(|a, b| count[*b].cmp(&count[*a]).then(a.cmp(b))),
    }
    let kept = if by == PoolBy::Group {
        top.max(1)
    } else {
        usize::MAX
    };
    let mut names: Vec<String> = order
        .iter()
        .take(kept)
        .map(|k| keys.names[*k].clone())
        .collect();
    let merged = order.len() > names.len() || unknown > 0 || names.is_empty();
    let fallback = if merged {
        names.push(OTHER_GROUPS.into());
        names.len() - 1
    } else {
        0
    };
    let mut of_key = vec![fallback; keys.names.len()];
    for (i, k) in order.iter().take(kept).enumerate() {
        of_key[*k] = i;
    }
    PoolMap {
        names,
        of_key,
        fallback,
    }
}

/// Decides `level` or `group` when not given: level when at least half the events name one.
pub fn default_pool_by(events: &[Event]) -> PoolBy {
    let with_level = events
        .iter()
        .filter(|e| PoolBy::Level.key(e).is_some())
        .count();
    if with_level * 2 >= events.len() && with_level > 0 {
        PoolBy::Level
    } else {
        PoolBy::Group
    }
}

/// Everything gathered from the timelines, by pool index.
struct Gathered {
    /// (class, pool, visit)
    visits: Vec<(u8, usize, Visit)>,
    /// Entry pool per incident, with its class.
    entries: Vec<(u8, usize)>,
    /// Visit outcomes (class, pool, outcome, visit length ms): outcome `Some(Some(to))` a transfer,
    /// `Some(None)` resolved, `None` censored at the cut.
    exits: Vec<(u8, usize, Option<Option<usize>>, i64)>,
    activities: Vec<Vec<Activity>>,
    held: Vec<Vec<Held>>,
    people: Vec<HashSet<u32>>,
    label_events: BTreeMap<(usize, Kind), BTreeMap<String, u64>>,
    resolved_labels: BTreeMap<String, u64>,
}

fn gather(
    tls: &[(String, Timeline<'_>)],
    vis: &[Vec<Visit>],
    ivs: &[Vec<(visits::Interval, &Event)>],
    map: &PoolMap,
    classes: &Classes,
    since_ms: i64,
) -> Gathered {
    let np = map.names.len();
    let mut g = Gathered {
        visits: Vec::new(),
        entries: Vec::new(),
        exits: Vec::new(),
        activities: vec![Vec::new(); np],
        held: vec![Vec::new(); np],
        people: vec![HashSet::new(); np],
        label_events: BTreeMap::new(),
        resolved_labels: BTreeMap::new(),
    };
    let mut persons: HashMap<&str, u32> = HashMap::new();
    for (((id, tl), vs), iv) in tls.iter().zip(vis).zip(ivs) {
        let class = classes.of.get(id).copied().unwrap_or(0);
        if let Some(v) = vs.first().filter(|_| tl.opened_ms() >= since_ms) {
            g.entries.push((class, map.pool(v.key)));
        }
        for v in vs.iter().filter(|v| v.start_ms >= since_ms) {
            let p = map.pool(v.key);
            let outcome = match v.exit {
                Exit::To(k) => Some(Some(map.pool(k))),
                Exit::Resolved => Some(None),
                Exit::Censored => None,
            };
            g.exits
                .push((class, p, outcome, v.queue_ms + v.work_ms + v.wait_ms));
            g.visits.push((class, p, v.clone()));
        }
        for (i, e) in tl.events.iter().enumerate() {
            let p = map.pool(tl.keys[i]);
            let kind = tl.kinds[i];
            let slot = if kind.is_end() { Kind::Resolved } else { kind };
            *g.label_events
                .entry((p, slot))
                .or_default()
                .entry(states::label(e))
                .or_default() += 1;
            if kind == Kind::Queue {
                continue;
            }
            if let Some(who) = e.assignee.as_deref() {
                let next = persons.len() as u32;
                let person = *persons.entry(who).or_insert(next);
                g.activities[p].push(Activity {
                    person,
                    at_ms: e.at,
                });
                g.people[p].insert(person);
            }
        }
        if let Some(end) = tl.end {
            *g.resolved_labels
                .entry(states::label(tl.events[end]))
                .or_default() += 1;
        }
        for (interval, e) in iv {
            if interval.kind != Kind::Work {
                continue;
            }
            if let Some(who) = e.assignee.as_deref() {
                let next = persons.len() as u32;
                let person = *persons.entry(who).or_insert(next);
                g.held[map.pool(interval.key)].push(Held {
                    person,
                    start_ms: interval.start_ms,
                    end_ms: interval.end_ms,
                });
            }
        }
    }
    g
}

fn hours(ms: i64) -> f64 {
    crate::units::ms_to_hours(ms)
}

/// Shares over `n` outcomes from counts; all zero when there is nothing.
fn shares(counts: &[u64], total: u64) -> Vec<f64> {
    counts
        .iter()
        .map(|c| {
            if total == 0 {
                0.0
            } else {
                *c as f64 / total as f64
            }
        })
        .collect()
}

fn entry_rows(g: &Gathered, nc: usize, np: usize) -> Vec<Vec<f64>> {
    let mut counts = vec![vec![0u64; np]; nc];
    for (c, p) in &g.entries {
        counts[*c as usize][*p] += 1;
    }
    let pooled: Vec<u64> = (0..np).map(|p| counts.iter().map(|r| r[p]).sum()).collect();
    let pooled_total: u64 = pooled.iter().sum();
    counts
        .iter()
        .map(|r| {
            let n: u64 = r.iter().sum();
            if (n as usize) < MIN_ROWS {
                shares(&pooled, pooled_total)
            } else {
                shares(r, n)
            }
        })
        .collect()
}

/// Aalen–Johansen estimate of the outcome shares of visits with censoring: items (visit length,
/// outcome), outcome `None` = censored at the cut, `Some(None)` = resolved, `Some(Some(q))` = to
/// pool q. At each length where visits end, each outcome's share grows by S × (its exits) / (visits
/// still in the pool), and S (the share of visits not yet ended) falls by the ended ones. The mass
/// left in S after the longest observed exit is spread over the outcomes in proportion. Returns the
/// transfer shares per pool (what is left to 1 is resolution) and the number of finished visits.
pub fn outcome_shares(items: &mut [(i64, Option<Option<usize>>)], np: usize) -> (Vec<f64>, u64) {
    // Exits before censorings at equal lengths (the usual Kaplan–Meier convention).
    items.sort_by_key(|(d, o)| (*d, o.is_none()));
    let mut at_risk = items.len() as f64;
    let (mut s, mut resolved) = (1.0f64, 0.0f64);
    let mut to = vec![0.0f64; np];
    let mut finished = 0u64;
    let mut i = 0;
    while i < items.len() {
        let d = items[i].0;
        let (mut ended, mut gone) = (0.0, 0.0);
        let mut j = i;
        while j < items.len() && items[j].0 == d {
            gone += 1.0;
            if let Some(o) = items[j].1 {
                ended += 1.0;
                finished += 1;
                let w = s / at_risk;
                match o {
                    Some(q) if q < np => to[q] += w,
                    _ => resolved += w,
                }
            }
            j += 1;
        }
        s *= 1.0 - ended / at_risk;
        at_risk -= gone;
        i = j;
    }
    let total = resolved + to.iter().sum::<f64>();
    if total <= 0.0 {
        return (vec![0.0; np], finished);
    }
    (to.iter().map(|x| x / total).collect(), finished)
}

/// Routing shares of one pool per class (censoring-aware, [`outcome_shares`]) and the finished
/// visits they rest on; a class with fewer than [`MIN_ROWS`] finished visits takes the pool's row
/// over all classes.
fn routing_rows(g: &Gathered, pool: usize, nc: usize, np: usize) -> Vec<(Vec<f64>, u64)> {
    let mut items: Vec<Vec<(i64, Option<Option<usize>>)>> = vec![Vec::new(); nc];
    for (c, p, o, d) in &g.exits {
        if *p == pool {
            items[*c as usize].push((*d, *o));
        }
    }
    let mut all: Vec<(i64, Option<Option<usize>>)> = items.iter().flatten().copied().collect();
    let pooled = outcome_shares(&mut all, np);
    items
        .iter_mut()
        .map(|it| {
            let own = outcome_shares(it, np);
            if (own.1 as usize) < MIN_ROWS {
                pooled.clone()
            } else {
                own
            }
        })
        .collect()
}

/// Whether, for one priority, every pool can reach a pool whose row leaves some chance of
/// resolution (else incidents would be transferred for ever).
fn resolves(rows: &[Vec<f64>]) -> bool {
    let np = rows.len();
    let mut ok: Vec<bool> = rows
        .iter()
        .map(|r| r.iter().sum::<f64>() < 1.0 - 1e-9)
        .collect();
    for _ in 0..np {
        for p in 0..np {
            if !ok[p] && rows[p].iter().enumerate().any(|(q, x)| *x > 0.0 && ok[q]) {
                ok[p] = true;
            }
        }
    }
    ok.iter().all(|x| *x)
}

/// Routing rows of every pool per class. Where a priority's routing would never end (small
/// samples), one pseudo-resolution is added to each of its rows (shares = count / (total + 1)).
fn routing_all(g: &Gathered, nc: usize, np: usize) -> Vec<Vec<Vec<f64>>> {
    let counts: Vec<Vec<(Vec<f64>, u64)>> = (0..np).map(|p| routing_rows(g, p, nc, np)).collect();
    let mut out: Vec<Vec<Vec<f64>>> = (0..np)
        .map(|p| counts[p].iter().map(|(r, _)| r.clone()).collect())
        .collect();
    for c in 0..nc {
        let rows: Vec<Vec<f64>> = (0..np).map(|p| out[p][c].clone()).collect();
        if !resolves(&rows) {
            for p in 0..np {
                let (row, n) = &counts[p][c];
                let keep = *n as f64 / (*n as f64 + 1.0);
                out[p][c] = row.iter().map(|x| x * keep).collect();
            }
        }
    }
    out
}

/// A service spec from a sample of hours (values floored at one minute).
pub fn fit_sample(sample: &[f64]) -> (ServiceSpec, Vec<Fitted>, Option<String>) {
    let x: Vec<f64> = sample.iter().map(|h| h.max(1.0 / 60.0)).collect();
    if x.is_empty() {
        return (
            ServiceSpec::Deterministic { hours: 1.0 / 60.0 },
            Vec::new(),
            Some("no finished visit: one minute".into()),
        );
    }
    if x.len() < 20 {
        let mut v = x.clone();
        v.sort_by(|a, b| a.total_cmp(b));
        return (
            ServiceSpec::Empirical { hours: v },
            Vec::new(),
            Some(format!(
                "{} finished visits: drawn from the observed values",
                x.len()
            )),
        );
    }
    let (fits, note) = best_fit(&x);
    (fits[0].service_spec(), fits, note)
}

fn pool_work(
    g: &Gathered,
    pool: usize,
    nc: usize,
) -> (
    Option<ServiceSpec>,
    Option<Vec<ServiceSpec>>,
    Vec<Fitted>,
    Option<String>,
) {
    let finished = |c: Option<u8>| -> Vec<f64> {
        g.visits
            .iter()
            .filter(|(k, p, v)| *p == pool && v.exit != Exit::Censored && c.is_none_or(|c| *k == c))
            .map(|(_, _, v)| hours(v.work_ms))
            .collect()
    };
    let all = finished(None);
    let (spec, fits, note) = fit_sample(&all);
    let per: Vec<Vec<f64>> = (0..nc as u8).map(|c| finished(Some(c))).collect();
    let enough = per.iter().filter(|s| s.len() >= MIN_FIT).count();
    if nc < 2 || enough < 2 {
        return (Some(spec), None, fits, note);
    }
    let by = per
        .iter()
        .map(|s| {
            if s.len() >= MIN_FIT {
                fit_sample(s).0
            } else {
                spec.clone()
            }
        })
        .collect();
    (None, Some(by), fits, note)
}

fn pool_wait(g: &Gathered, pool: usize, nc: usize) -> (Vec<f64>, Option<ServiceSpec>, f64) {
    let mut n = vec![0usize; nc];
    let mut with = vec![0usize; nc];
    let mut lengths = Vec::new();
    for (c, p, v) in &g.visits {
        if *p != pool || v.exit == Exit::Censored {
            continue;
        }
        n[*c as usize] += 1;
        if v.wait_ms > 0 {
            with[*c as usize] += 1;
            lengths.push(hours(v.wait_ms));
        }
    }
    let (tn, tw): (usize, usize) = (n.iter().sum(), with.iter().sum());
    let pooled = if tn == 0 { 0.0 } else { tw as f64 / tn as f64 };
    let probs = (0..nc)
        .map(|c| {
            if n[c] < MIN_ROWS {
                pooled
            } else {
                with[c] as f64 / n[c] as f64
            }
        })
        .collect();
    let wait = (!lengths.is_empty()).then(|| fit_sample(&lengths).0);
    (probs, wait, pooled)
}

fn dominant(m: Option<&BTreeMap<String, u64>>) -> Option<String> {
    m?.iter()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        .map(|(l, _)| l.clone())
}

fn pool_labels(g: &Gathered, pool: usize) -> PhaseLabels {
    let d = PhaseLabels::default();
    let global = |k: Kind| -> BTreeMap<String, u64> {
        let mut out = BTreeMap::new();
        for ((_, kind), m) in &g.label_events {
            if *kind == k {
                for (l, n) in m {
                    *out.entry(l.clone()).or_default() += n;
                }
            }
        }
        out
    };
    let pick = |k: Kind, default: &str| {
        dominant(g.label_events.get(&(pool, k)))
            .or_else(|| dominant(Some(&global(k))))
            .unwrap_or_else(|| default.to_string())
    };
    PhaseLabels {
        queue: pick(Kind::Queue, &d.queue),
        work: pick(Kind::Work, &d.work),
        wait: pick(Kind::Wait, &d.wait),
        resolved: dominant(Some(&g.resolved_labels)).unwrap_or(d.resolved),
    }
}

/// The 168-hour arrival profile (mean 1) from openings in the window.
pub fn arrival_profile(opened: &[i64], window: (i64, i64)) -> Vec<f64> {
    let mut count = [0f64; 168];
    let mut occ = [0f64; 168];
    for h in window.0.div_euclid(HOUR_MS)..=(window.1 - 1).div_euclid(HOUR_MS) {
        occ[capacity::hour_of_week(h * HOUR_MS)] += 1.0;
    }
    for t in opened.iter().filter(|t| **t >= window.0 && **t < window.1) {
        count[capacity::hour_of_week(*t)] += 1.0;
    }
    let rate: Vec<f64> = (0..168)
        .map(|h| {
            if occ[h] > 0.0 {
                count[h] / occ[h]
            } else {
                f64::NAN
            }
        })
        .collect();
    let known: Vec<f64> = rate.iter().copied().filter(|r| r.is_finite()).collect();
    let mean = known.iter().sum::<f64>() / known.len().max(1) as f64;
    if mean <= 0.0 {
        return vec![1.0; 168];
    }
    // Hours of the week that never occurred in the window take the mean; then rescale to mean 1.
    let filled: Vec<f64> = rate
        .iter()
        .map(|r| if r.is_finite() { *r } else { mean })
        .collect();
    let m = filled.iter().sum::<f64>() / 168.0;
    filled.iter().map(|r| r / m).collect()
}

/// The capacity window: the `window_days` before the cut, starting no earlier than the first
/// opening of an incident with events; with that first opening.
fn capacity_window(
    tls: &[(String, Timeline<'_>)],
    cut_ms: i64,
    window_days: f64,
) -> (i64, (i64, i64)) {
    let first_event = tls
        .iter()
        .map(|(_, t)| t.opened_ms())
        .min()
        .unwrap_or(cut_ms);
    let window = (
        (cut_ms - (window_days * 24.0 * crate::units::MS_PER_HOUR_F64) as i64).max(first_event),
        cut_ms,
    );
    (first_event, window)
}

/// What entry, routing, work and waiting are fitted from: the visits starting in the window, the
/// desk as it is now; with fewer than [`MIN_RECENT_VISITS`] finished visits there, the whole period
/// (and a note says so).
fn gather_recent(
    tls: &[(String, Timeline<'_>)],
    vis: &[Vec<Visit>],
    ivs: &[Vec<(visits::Interval, &Event)>],
    (map, classes): (&PoolMap, &Classes),
    window_start: i64,
    notes: &mut Vec<String>,
) -> Gathered {
    let g = gather(tls, vis, ivs, map, classes, window_start);
    let finished_recent = g
        .visits
        .iter()
        .filter(|v| v.2.exit != Exit::Censored)
        .count();
    if finished_recent >= MIN_RECENT_VISITS {
        return g;
    }
    notes.push(format!(
        "{finished_recent} finished visits start in the window: entry, routing, work and waiting are fitted over the whole period"
    ));
    gather(tls, vis, ivs, map, classes, i64::MIN)
}

/// The discovered arrivals (the module doc's rules) and the openings they are counted from.
struct ArrivalsFit {
    arrivals: DeskArrivals,
    /// Incidents opened in the last 7 days before the cut (no earlier than the first opening).
    opened_last_week: u64,
    opened_in_window: u64,
}

fn desk_arrivals(
    tls: &[(String, Timeline<'_>)],
    classes: &Classes,
    g: &Gathered,
    np: usize,
    (cut_ms, first_event, window): (i64, i64, (i64, i64)),
) -> ArrivalsFit {
    let opened: Vec<i64> = tls.iter().map(|(_, t)| t.opened_ms()).collect();
    let week_start = (cut_ms - 168 * HOUR_MS).max(first_event);
    let opened_last_week = opened.iter().filter(|t| **t >= week_start).count() as u64;
    let nc = classes.numbers.len();
    let mut mix_counts = vec![0u64; nc];
    for (id, _) in tls {
        mix_counts[classes.of.get(id).copied().unwrap_or(0) as usize] += 1;
    }
    ArrivalsFit {
        arrivals: DeskArrivals {
            rate_per_hour: opened_last_week as f64 / (hours(cut_ms - week_start)).max(1.0),
            hour_of_week: arrival_profile(&opened, window),
            priority_mix: shares(&mix_counts, tls.len() as u64),
            entry: entry_rows(g, nc, np),
        },
        opened_last_week,
        opened_in_window: opened.iter().filter(|t| **t >= window.0).count() as u64,
    }
}

/// Every pool's spec, with its routing rows, and what was found about it.
fn pools(
    g: &Gathered,
    map: &PoolMap,
    nc: usize,
    window: (i64, i64),
    whole: (i64, i64),
) -> (Vec<PoolSpec>, Vec<PoolFit>) {
    let mut pools = Vec::new();
    let mut fits = Vec::new();
    for (p, routing) in routing_all(g, nc, map.names.len()).into_iter().enumerate() {
        let (mut spec, fit) = pool_spec(g, p, map, nc, window, whole);
        spec.routing = routing;
        pools.push(spec);
        fits.push(fit);
    }
    (pools, fits)
}

/// The resolution target of each priority class (hours) from `sla_hours`; empty without targets,
/// an error when targets are given but one of the data's priorities has none.
fn class_sla_hours(classes: &Classes, sla_hours: &BTreeMap<u8, f64>) -> Result<Vec<f64>, String> {
    let mut sla = Vec::new();
    for p in &classes.numbers {
        if let Some(h) = sla_hours.get(p) {
            sla.push(*h);
        } else if !sla_hours.is_empty() {
            return Err(format!(
                "the SLA policy has no target for priority {p}, present in the data"
            ));
        }
    }
    Ok(sla)
}

/// The cut (`until_ms`, else just after the last event), the key table and the incidents'
/// timelines of the events before the cut.
struct CutTimelines<'a> {
    cut_ms: i64,
    keys: Keys,
    /// (incident id, timeline) per incident with events before the cut.
    tls: Vec<(String, Timeline<'a>)>,
}

/// The timelines before the cut; an error when the events table is empty or fewer than 20
/// incidents have events before the cut.
fn timelines_before_cut<'a>(
    events: &'a [Event],
    o: &DeskFitOptions,
    by: PoolBy,
) -> Result<CutTimelines<'a>, String> {
    let last_event = events
        .iter()
        .map(|e| e.at)
        .max()
        .ok_or("the events table is empty")?;
    let cut_ms = o.until_ms.unwrap_or(last_event + 1);
    let mut keys = Keys::default();
    let tls = visits::timelines(events, cut_ms, by, &o.states, &mut keys);
    if tls.len() < 20 {
        return Err(format!(
            "{} incidents with events before the cut are too few to discover a desk (need at least 20)",
            tls.len()
        ));
    }
    Ok(CutTimelines { cut_ms, keys, tls })
}

/// Discovers the desk (the module doc's rules). Errors name what is missing.
pub fn discover(
    incidents: &[Incident],
    events: &[Event],
    o: &DeskFitOptions,
) -> Result<DeskFit, String> {
    let mut notes = Vec::new();
    let by = o.pool_by.unwrap_or_else(|| default_pool_by(events));
    let CutTimelines { cut_ms, keys, tls } = timelines_before_cut(events, o, by)?;
    let in_scope: HashSet<&str> = tls.iter().map(|(id, _)| id.as_str()).collect();
    let incs: Vec<Incident> = incidents
        .iter()
        .filter(|i| in_scope.contains(i.incident_id.as_str()))
        .cloned()
        .collect();
    let classes = classes(&incs, &mut notes);
    let (vis, ivs): (Vec<Vec<Visit>>, Vec<_>) =
        tls.iter().map(|(_, t)| visits::visits(t, cut_ms)).unzip();
    let map = pool_map(by, o.top.unwrap_or(10), &keys, &vis);
    let (first_event, window) = capacity_window(&tls, cut_ms, o.window_days);
    let g = gather_recent(&tls, &vis, &ivs, (&map, &classes), window.0, &mut notes);
    let nc = classes.numbers.len();
    let arrivals = desk_arrivals(
        &tls,
        &classes,
        &g,
        map.names.len(),
        (cut_ms, first_event, window),
    );
    let (pools, fits) = pools(&g, &map, nc, window, (first_event, cut_ms));
    let labels = label_table(events, cut_ms, &o.states);
    let (closure_probability, closure, closed_label) = closure(&tls, cut_ms);
    let closure_bands = closure_bands(&tls, cut_ms, closure_probability);
    for (l, _, n, unknown) in &labels {
        if *unknown {
            notes.push(format!(
                "label '{l}' ({n} events) matched no rule and counts as work"
            ));
        }
    }
    let sla = class_sla_hours(&classes, &o.sla_hours)?;
    let spec = DeskSpec {
        name: o.name.clone(),
        description: format!("discovered by incidentlab fit from {} incidents", tls.len()),
        horizon_hours: 672.0,
        warmup_hours: 0.0,
        replications: 10,
        seed: 1,
        policy: Default::default(),
        shift_end: Default::default(),
        priorities: classes.numbers.iter().map(|p| priority_label(*p)).collect(),
        start: crate::metrics::recurrence::iso(cut_ms),
        arrivals: arrivals.arrivals,
        pools,
        sla_resolution_hours: sla,
        states: labels
            .iter()
            .map(|(l, k, _, _)| (l.clone(), k.name().to_string()))
            .collect(),
        pool_by: by.name().to_string(),
        closure_probability,
        closure,
        closed_label,
        closure_bands,
    };
    Ok(DeskFit {
        spec,
        pools: fits,
        pool_by: by,
        incidents: tls.len() as u64,
        events: tls.iter().map(|(_, t)| t.events.len() as u64).sum(),
        cut_ms,
        window,
        opened_last_week: arrivals.opened_last_week,
        opened_in_window: arrivals.opened_in_window,
        labels,
        notes,
    })
}

fn pool_spec(
    g: &Gathered,
    p: usize,
    map: &PoolMap,
    nc: usize,
    window: (i64, i64),
    whole: (i64, i64),
) -> (PoolSpec, PoolFit) {
    let people_seen = g.people[p].len() as u32;
    let mut cap = capacity::capacity(&g.activities[p], &g.held[p], window, people_seen);
    if cap.agents.iter().all(|a| *a == 0) && people_seen > 0 {
        // Nobody on duty in the window: the calendar of the whole period, and at least one agent at
        // its busiest hour.
        cap = capacity::capacity(&g.activities[p], &g.held[p], whole, people_seen);
        if cap.agents.iter().all(|a| *a == 0) {
            let best = (0..168)
                .max_by(|a, b| cap.mean_agents[*a].total_cmp(&cap.mean_agents[*b]))
                .unwrap_or(0);
            cap.agents[best] = 1;
        }
    }
    let (work, work_by_priority, work_fits, work_note) = pool_work(g, p, nc);
    let (wait_probability, wait, wait_share) = pool_wait(g, p, nc);
    let mine: Vec<&Visit> = g
        .visits
        .iter()
        .filter(|(_, q, _)| *q == p)
        .map(|(_, _, v)| v)
        .collect();
    let finished: Vec<&&Visit> = mine.iter().filter(|v| v.exit != Exit::Censored).collect();
    let mean = |f: &dyn Fn(&Visit) -> i64| {
        if finished.is_empty() {
            0.0
        } else {
            finished.iter().map(|v| hours(f(v))).sum::<f64>() / finished.len() as f64
        }
    };
    let fit = PoolFit {
        name: map.names[p].clone(),
        members: map.of_key.iter().filter(|k| **k == p).count(),
        people_seen,
        people_in_window: cap.people_in_window,
        visits: mine.len() as u64,
        finished_visits: finished.len() as u64,
        mean_queue_hours: mean(&|v| v.queue_ms),
        mean_work_hours: mean(&|v| v.work_ms),
        mean_wait_hours: mean(&|v| v.wait_ms),
        wait_share,
        concurrency_peak: cap.concurrency_peak,
        multitasking: cap.multitasking,
        agents_max: cap.agents.iter().copied().max().unwrap_or(0),
        agent_hours_per_week: cap.agents.iter().sum(),
        work_by_priority: work_by_priority.is_some(),
        work_fits,
        work_note,
    };
    let spec = PoolSpec {
        name: map.names[p].clone(),
        people_seen,
        agents: cap.agents,
        concurrency: cap.concurrency,
        work,
        work_by_priority,
        wait_probability,
        wait,
        routing: Vec::new(),
        labels: pool_labels(g, p),
    };
    (spec, fit)
}

/// The closure after resolution: the share of resolved incidents whose final run of resolved/closed
/// events goes on to a later (closing) event, and the delay from resolution to it, estimated with
/// censoring (Kaplan–Meier): an incident resolved but not yet closed at the cut is censored at the
/// cut. Share = 1 − S(largest observed delay); delay = up to 500 quantiles of the estimated delay
/// distribution given closure; label = the most frequent label of the closing events.
pub fn closure(tls: &[(String, Timeline<'_>)], cut_ms: i64) -> (f64, Option<ServiceSpec>, String) {
    let mut items: Vec<(f64, bool)> = Vec::new();
    let mut labels: BTreeMap<String, u64> = BTreeMap::new();
    for (_, t) in tls {
        let (Some(end), Some(last)) = (t.end, t.events.last()) else {
            continue;
        };
        let d = hours(last.at - t.events[end].at);
        if d > 0.0 {
            items.push((d, true));
            *labels.entry(states::label(last)).or_default() += 1;
        } else {
            items.push((hours(cut_ms - t.events[end].at).max(0.0), false));
        }
    }
    items.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
    let (jumps, s) = kaplan_meier(&items);
    let p = 1.0 - s;
    if jumps.is_empty() || p <= 0.0 {
        return (0.0, None, String::new());
    }
    let k = jumps.len().min(500);
    let mut values = Vec::with_capacity(k);
    let (mut acc, mut j) = (0.0, 0);
    for q in 0..k {
        let target = (q as f64 + 0.5) / k as f64 * p;
        while j + 1 < jumps.len() && acc + jumps[j].1 < target {
            acc += jumps[j].1;
            j += 1;
        }
        values.push(jumps[j].0);
    }
    (
        p,
        Some(ServiceSpec::Empirical { hours: values }),
        dominant(Some(&labels)).unwrap_or_default(),
    )
}

/// Upper edges (hours to resolve) of the closure bands; the last band has no upper edge.
pub const CLOSURE_BAND_HOURS: [f64; 5] = [0.25, 1.0, 4.0, 24.0, 96.0];
/// Written as the last band's upper edge (no upper edge).
const NO_EDGE_HOURS: f64 = 1e9;

/// Closure by time to resolve: resolved incidents grouped by their hours from opening to resolution
/// ([`CLOSURE_BAND_HOURS`]); per band the Kaplan–Meier share closed by a later event (censored at
/// the cut, as [`closure`]) and the band's most frequent resolution label. A band with fewer than
/// [`MIN_ROWS`] resolved incidents takes the overall share `pooled`. Empty when nothing is closed.
pub fn closure_bands(
    tls: &[(String, Timeline<'_>)],
    cut_ms: i64,
    pooled: f64,
) -> Vec<crate::sim::desk::ClosureBand> {
    let nb = CLOSURE_BAND_HOURS.len() + 1;
    let mut items: Vec<Vec<(f64, bool)>> = vec![Vec::new(); nb];
    let mut labels: Vec<BTreeMap<String, u64>> = vec![BTreeMap::new(); nb];
    for (_, t) in tls {
        let (Some(end), Some(last)) = (t.end, t.events.last()) else {
            continue;
        };
        let ttr = hours(t.events[end].at - t.opened_ms());
        let b = CLOSURE_BAND_HOURS
            .iter()
            .position(|e| ttr < *e)
            .unwrap_or(nb - 1);
        *labels[b].entry(states::label(t.events[end])).or_default() += 1;
        let d = hours(last.at - t.events[end].at);
        items[b].push(if d > 0.0 {
            (d, true)
        } else {
            (hours(cut_ms - t.events[end].at).max(0.0), false)
        });
    }
    if pooled <= 0.0 {
        return Vec::new();
    }
    (0..nb)
        .map(|b| {
            let it = &mut items[b];
            it.sort_by(|a, c| a.0.total_cmp(&c.0).then(c.1.cmp(&a.1)));
            let probability = if it.len() < MIN_ROWS {
                pooled
            } else {
                1.0 - kaplan_meier(it).1
            };
            crate::sim::desk::ClosureBand {
                below_hours: CLOSURE_BAND_HOURS.get(b).copied().unwrap_or(NO_EDGE_HOURS),
                probability: probability.clamp(0.0, 1.0),
                resolved_label: dominant(Some(&labels[b])).unwrap_or_default(),
            }
        })
        .collect()
}

/// Kaplan–Meier over (time, event) sorted by time: the jumps (time, probability mass) and the
/// survival after the last one.
pub fn kaplan_meier(items: &[(f64, bool)]) -> (Vec<(f64, f64)>, f64) {
    let mut s = 1.0;
    let mut at_risk = items.len() as f64;
    let mut jumps = Vec::new();
    let mut i = 0;
    while i < items.len() {
        let t = items[i].0;
        let (mut d, mut n) = (0.0, 0.0);
        while i < items.len() && items[i].0 == t {
            n += 1.0;
            if items[i].1 {
                d += 1.0;
            }
            i += 1;
        }
        if d > 0.0 && at_risk > 0.0 {
            let drop = s * d / at_risk;
            jumps.push((t, drop));
            s -= drop;
        }
        at_risk -= n;
    }
    (jumps, s)
}

/// Every label seen before the cut: its kind, its events, whether no rule matched it.
pub fn label_table(
    events: &[Event],
    cut_ms: i64,
    states: &StateMap,
) -> Vec<(String, Kind, u64, bool)> {
    let mut m: BTreeMap<String, (Kind, u64, bool)> = BTreeMap::new();
    for e in events.iter().filter(|e| e.at < cut_ms) {
        let l = states::label(e);
        let entry = m.entry(l).or_insert_with(|| {
            let (k, unknown) = states.kind(e);
            (k, 0, unknown)
        });
        entry.1 += 1;
    }
    m.into_iter().map(|(l, (k, n, u))| (l, k, n, u)).collect()
}

#[cfg(test)]
mod tests;
