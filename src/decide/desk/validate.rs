//! Validation of a desk on a later period (`incidentlab validate desk.toml --against STORE --from
//! DATE`): the real test log against simulated ones, started from the real open state. No I/O.
//!
//! Rules (README "validate: a desk on a later period"):
//! - test set = the incidents whose first event is at or after `--from`; the data end = the last
//!   event of the store;
//! - start: the incidents open at `--from` (first event before it, not resolved by it), each in the
//!   pool and phase of its last event before `--from` (a resolved-then-reopened one waits); no
//!   warm-up;
//! - the simulation runs from `--from` to the data end, arrivals at the desk's fitted rate and
//!   profile; the export's opening window ends at its last opening (it admits no incident opened
//!   later), so simulated incidents opened after the store's last opening are not kept;
//! - the export holds only finished incidents when at least [`FINISHED_ONLY_SHARE`] of the test
//!   incidents are resolved by the data end: then only simulated incidents resolved by the data end
//!   are kept; otherwise simulated incidents are kept if opened by the data end and their activities
//!   are cut there;
//! - simulated activity log: one instance per phase of each visit (activity = the pool's label of
//!   that phase, resource = the pool), and an instantaneous resolution instance.

use std::collections::HashMap;

use serde::Serialize;

use super::states::{Kind, StateMap};
use super::visits::{self, Keys, PoolBy, Timeline};
use super::PoolMap;
use crate::decide::logdist::ActivityInstance;
use crate::error::DecideError;
use crate::schema::{Event, Incident};
use crate::sim::desk::{DeskRun, DeskSpec, OpenIncident, Phase};

/// Share of test incidents resolved by the data end above which the export is "finished only".
pub const FINISHED_ONLY_SHARE: f64 = 0.98;
const HOUR_MS: f64 = crate::units::MS_PER_HOUR_F64;

/// The real side of a validation, derived once.
pub struct RealSide<'a> {
    pub from_ms: i64,
    pub end_ms: i64,
    pub last_opening_ms: i64,
    pub pool_map: PoolMap,
    pub keys: Keys,
    pub timelines: Vec<(String, Timeline<'a>)>,
    /// Indices into `timelines` of the test incidents.
    pub test: Vec<usize>,
    pub finished_only: bool,
    pub class_of: HashMap<String, u8>,
}

/// The priority class of each incident under the desk's priority labels (P1 …); unknown or missing
/// priorities take the desk's most common class.
pub fn class_map(spec: &DeskSpec, incidents: &[Incident]) -> HashMap<String, u8> {
    let common = spec
        .arrivals
        .priority_mix
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map(|(i, _)| i as u8)
        .unwrap_or(0);
    incidents
        .iter()
        .map(|i| {
            let c = i
                .priority
                .and_then(|p| {
                    let l = crate::decide::fit::label(p);
                    spec.priorities.iter().position(|x| *x == l)
                })
                .map(|c| c as u8)
                .unwrap_or(common);
            (i.incident_id.clone(), c)
        })
        .collect()
}

/// Derives the real side; errors when the test set is empty.
pub fn real_side<'a>(
    spec: &DeskSpec,
    incidents: &[Incident],
    events: &'a [Event],
    from_ms: i64,
) -> Result<RealSide<'a>, DecideError> {
    let end_ms = events
        .iter()
        .map(|e| e.at)
        .max()
        .ok_or_else(|| DecideError::Data("the events table is empty".into()))?;
    let by = PoolBy::parse(&spec.pool_by).unwrap_or_else(|| super::default_pool_by(events));
    let states = StateMap::from_table(&spec.states).map_err(DecideError::Model)?;
    let mut keys = Keys::default();
    let timelines = visits::timelines(events, end_ms + 1, by, &states, &mut keys);
    let names: Vec<String> = spec.pools.iter().map(|p| p.name.clone()).collect();
    let pool_map = PoolMap::for_names(&names, &keys);
    let test: Vec<usize> = (0..timelines.len())
        .filter(|i| timelines[*i].1.opened_ms() >= from_ms)
        .collect();
    if test.is_empty() {
        return Err(DecideError::Data(format!(
            "no incident opened at or after --from ({}): nothing to validate on",
            crate::metrics::recurrence::iso(from_ms)
        )));
    }
    let resolved = test
        .iter()
        .filter(|i| timelines[**i].1.end.is_some())
        .count();
    let finished_only = resolved as f64 >= FINISHED_ONLY_SHARE * test.len() as f64;
    let last_opening_ms = timelines
        .iter()
        .map(|t| t.1.opened_ms())
        .max()
        .unwrap_or(from_ms);
    Ok(RealSide {
        from_ms,
        end_ms,
        last_opening_ms,
        pool_map,
        keys,
        timelines,
        test,
        finished_only,
        class_of: class_map(spec, incidents),
    })
}

impl RealSide<'_> {
    pub fn end_hours(&self) -> f64 {
        (self.end_ms - self.from_ms) as f64 / HOUR_MS
    }

    /// Hours from `--from` to the last opening: the export's opening window.
    pub fn arrival_hours(&self) -> f64 {
        (self.last_opening_ms - self.from_ms) as f64 / HOUR_MS
    }

    pub fn test_events(&self) -> Vec<Event> {
        self.test
            .iter()
            .flat_map(|i| self.timelines[*i].1.events.iter().map(|e| (*e).clone()))
            .collect()
    }

    /// The pool name of an event under the desk's pools.
    pub fn pool_name_of(&self, spec: &DeskSpec, by: PoolBy) -> impl Fn(&Event) -> String + '_ {
        let names: Vec<String> = spec.pools.iter().map(|p| p.name.clone()).collect();
        move |e: &Event| {
            let p = by
                .key(e)
                .and_then(|k| self.keys.names.iter().position(|n| *n == k))
                .map(|k| self.pool_map.pool(k as u32))
                .unwrap_or(self.pool_map.fallback);
            names.get(p).cloned().unwrap_or_default()
        }
    }

    /// The incidents open at `--from`, in the pool and phase of their last event before it.
    pub fn open_at_from(&self) -> Vec<OpenIncident> {
        let mut out = Vec::new();
        for (id, t) in &self.timelines {
            if t.opened_ms() >= self.from_ms || t.resolved_ms().is_some_and(|r| r <= self.from_ms) {
                continue;
            }
            let Some(last) = t.events.iter().rposition(|e| e.at < self.from_ms) else {
                continue;
            };
            let phase = match t.kinds[last] {
                Kind::Queue => Phase::Queue,
                Kind::Work => Phase::Work,
                _ => Phase::Wait,
            };
            out.push(OpenIncident {
                case_id: id.clone(),
                priority: self.class_of.get(id).copied().unwrap_or(0),
                pool: self.pool_map.pool(t.keys[last]),
                phase,
                opened_hours: (t.opened_ms() - self.from_ms) as f64 / HOUR_MS,
            });
        }
        out
    }

    /// Resolution hours of the test incidents resolved by the data end, per class.
    pub fn observed_resolution(&self, classes: usize) -> Vec<Vec<f64>> {
        let mut out = vec![Vec::new(); classes];
        for i in &self.test {
            let (id, t) = &self.timelines[*i];
            if let Some(r) = t.resolved_ms() {
                let c = self.class_of.get(id).copied().unwrap_or(0) as usize;
                out[c.min(classes - 1)].push((r - t.opened_ms()) as f64 / HOUR_MS);
            }
        }
        out
    }
}

/// A simulated incident kept by the export's selection rule, with its resolution hours (if any,
/// from opening) and its closing event (absolute simulated hours), if the closure applies.
pub struct Kept {
    pub index: usize,
    pub resolved_hours: Option<f64>,
    pub closed_at_hours: Option<f64>,
}

/// The closing delay of a simulated incident (hours), drawn from its own stream: None when it is
/// not closed by a later event.
pub fn closure_delay(
    spec: &DeskSpec,
    seed: u64,
    run: u64,
    case: &str,
    resolution_hours: f64,
) -> Option<f64> {
    use rand::RngExt;
    let hours = match &spec.closure {
        Some(crate::sim::model::ServiceSpec::Empirical { hours }) if !hours.is_empty() => hours,
        _ => return None,
    };
    let mut rng = crate::random::stream(seed, &["closure", &spec.name, case], &[run]);
    let p = spec
        .closure_band(resolution_hours)
        .map_or(spec.closure_probability, |b| b.probability);
    if rng.random::<f64>() >= p {
        return None;
    }
    Some(hours[rng.random_range(0..hours.len())])
}

/// The simulated incidents selected as the export selects (see the module rules): opened in
/// `[0, open_until_hours]`, and resolved by `end_hours` when the export holds finished ones only.
pub fn select(
    run: &DeskRun,
    open_until_hours: f64,
    end_hours: f64,
    finished_only: bool,
    closure: &dyn Fn(&str, f64) -> Option<f64>,
) -> Vec<Kept> {
    run.incidents
        .iter()
        .enumerate()
        .filter(|(_, s)| {
            !s.initial && s.opened_hours >= 0.0 && s.opened_hours <= open_until_hours.min(end_hours)
        })
        .filter_map(|(index, s)| {
            let resolved = s.resolved_hours.filter(|r| *r <= end_hours);
            let closed =
                resolved.and_then(|r| closure(&s.case_id, r - s.opened_hours).map(|d| r + d));
            // The export holds incidents resolved by its end; a closure due after it is not
            // logged (BPIC 2013 keeps resolved incidents whose closing event lies beyond its end).
            if finished_only && resolved.is_none() {
                return None;
            }
            Some(Kept {
                index,
                resolved_hours: resolved.map(|r| r - s.opened_hours),
                closed_at_hours: closed.filter(|c| *c <= end_hours),
            })
        })
        .collect()
}

/// The simulated activity log of the selected incidents (times cut at the data end).
pub fn simulated_log(
    spec: &DeskSpec,
    run: &DeskRun,
    kept: &[Kept],
    from_ms: i64,
    end_hours: f64,
) -> Vec<ActivityInstance> {
    let keep: HashMap<u32, ()> = kept.iter().map(|k| (k.index as u32, ())).collect();
    let ms = |h: f64| from_ms + (h.min(end_hours) * HOUR_MS).round() as i64;
    let mut log = Vec::new();
    let mut last_pool: HashMap<u32, u16> = HashMap::new();
    for a in &run.activities {
        if !keep.contains_key(&a.incident) || a.start_hours > end_hours {
            continue;
        }
        let Some(pool) = spec.pools.get(a.pool as usize) else {
            continue;
        };
        let activity = match a.phase {
            Phase::Queue => &pool.labels.queue,
            Phase::Work => &pool.labels.work,
            Phase::Wait => &pool.labels.wait,
        };
        last_pool.insert(a.incident, a.pool);
        log.push(ActivityInstance {
            case_id: run.incidents[a.incident as usize].case_id.clone(),
            activity: activity.clone(),
            resource: pool.name.clone(),
            start_ms: ms(a.start_hours),
            end_ms: ms(a.end_hours),
        });
    }
    for k in kept {
        let s = &run.incidents[k.index];
        let Some(r) = s.resolved_hours.filter(|r| *r <= end_hours) else {
            continue;
        };
        let pool = last_pool
            .get(&(k.index as u32))
            .and_then(|p| spec.pools.get(*p as usize))
            .or(spec.pools.first());
        if let Some(pool) = pool {
            let label = spec
                .closure_band(r - s.opened_hours)
                .map(|b| &b.resolved_label)
                .filter(|l| !l.is_empty())
                .unwrap_or(&pool.labels.resolved);
            log.push(ActivityInstance {
                case_id: s.case_id.clone(),
                activity: label.clone(),
                resource: pool.name.clone(),
                start_ms: ms(r),
                end_ms: ms(k.closed_at_hours.unwrap_or(r)),
            });
            if let Some(c) = k.closed_at_hours {
                log.push(ActivityInstance {
                    case_id: s.case_id.clone(),
                    activity: spec.closed_label.clone(),
                    resource: pool.name.clone(),
                    start_ms: ms(c),
                    end_ms: ms(c),
                });
            }
        }
    }
    log.sort_by(|a, b| (&a.case_id, a.start_ms, a.end_ms).cmp(&(&b.case_id, b.start_ms, b.end_ms)));
    log
}

/// Observed per-pool figures over `[from, from + hours)`: visits starting in it (finished ones),
/// their mean queue and work hours, and utilisation = work-interval hours held in the pool in the
/// window / scheduled slot-hours (agents × concurrency) of the desk over the window.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct ObservedPool {
    pub visits: u64,
    pub queue_hours: f64,
    pub work_hours: f64,
    pub utilisation: f64,
}

pub fn observed_pools(spec: &DeskSpec, real: &RealSide<'_>, hours: f64) -> Vec<ObservedPool> {
    let np = spec.pools.len();
    let (w0, w1) = (real.from_ms, real.from_ms + (hours * HOUR_MS) as i64);
    let mut sums = vec![(0u64, 0f64, 0f64, 0f64); np];
    for (_, t) in &real.timelines {
        let (vs, ivs) = visits::visits(t, real.end_ms + 1);
        for v in vs.iter().filter(|v| v.start_ms >= w0 && v.start_ms < w1) {
            if v.exit == visits::Exit::Censored {
                continue;
            }
            let s = &mut sums[real.pool_map.pool(v.key)];
            s.0 += 1;
            s.1 += v.queue_ms as f64 / HOUR_MS;
            s.2 += v.work_ms as f64 / HOUR_MS;
        }
        for (iv, _) in ivs.iter().filter(|(iv, _)| iv.kind == Kind::Work) {
            let (a, b) = (iv.start_ms.max(w0), iv.end_ms.min(w1));
            if b > a {
                sums[real.pool_map.pool(iv.key)].3 += (b - a) as f64 / HOUR_MS;
            }
        }
    }
    (0..np)
        .map(|p| {
            let pool = &spec.pools[p];
            let mut slots = 0f64;
            let mut h = w0;
            while h < w1 {
                let how = super::capacity::hour_of_week(h);
                let step = ((w1 - h) as f64 / HOUR_MS).min(1.0);
                slots +=
                    f64::from(pool.agents.get(how).copied().unwrap_or(0) * pool.concurrency.max(1))
                        * step;
                h += HOUR_MS as i64;
            }
            let (n, q, w, busy) = sums[p];
            let mean = |x: f64| if n == 0 { f64::NAN } else { x / n as f64 };
            ObservedPool {
                visits: n,
                queue_hours: mean(q),
                work_hours: mean(w),
                utilisation: if slots > 0.0 { busy / slots } else { f64::NAN },
            }
        })
        .collect()
}

/// The dominant label of each kind among events before `cut_ms` (for the single-tier baseline's log).
pub fn dominant_labels(events: &[Event], cut_ms: i64, states: &StateMap) -> HashMap<Kind, String> {
    let mut best: HashMap<Kind, (u64, String)> = HashMap::new();
    for (l, k, n, _) in super::label_table(events, cut_ms, states) {
        let e = best.entry(k).or_insert((0, String::new()));
        if n > e.0 {
            *e = (n, l);
        }
    }
    best.into_iter().map(|(k, (_, l))| (k, l)).collect()
}
