//! Incident timelines and pool visits, from the events table.
//!
//! Rules (stated in README and in the fitted file):
//! - an incident's events are ordered by time, then source line; only events before the cut
//!   (`--until`, else the data's last event) are used;
//! - the *pool* of an event is its support level (`--pools level`; `L2/L3` ranks as `L2`, as import
//!   does) or its group (`--pools group`); an event without one takes the incident's previous
//!   event's pool (its next one's at the start);
//! - the incident ends at the first event of its final run of resolved/closed events (as the
//!   import's `resolved_at`); with no such run it is still open at the cut (censored);
//! - each interval from an event to the next one belongs to the event's pool and kind; a resolved
//!   event followed by more work (a reopening) counts as external waiting;
//! - a *visit* is a maximal run of intervals in one pool; it ends by a transfer to the next pool,
//!   by resolution (the last visit of a resolved incident) or is censored at the cut.

use std::collections::HashMap;

use super::states::{Kind, StateMap};
use crate::schema::Event;

/// How events are grouped into pools.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum PoolBy {
    /// Support line (`ST Level`: L1, L2, L3).
    #[default]
    Level,
    /// Assignment group / support team.
    Group,
}

impl PoolBy {
    pub fn name(self) -> &'static str {
        match self {
            PoolBy::Level => "level",
            PoolBy::Group => "group",
        }
    }

    pub fn parse(s: &str) -> Option<PoolBy> {
        match s {
            "level" => Some(PoolBy::Level),
            "group" => Some(PoolBy::Group),
            _ => None,
        }
    }

    /// The raw pool key of an event (before `--top` merging).
    pub fn key(self, e: &Event) -> Option<String> {
        match self {
            PoolBy::Level => e
                .support_level
                .as_deref()
                .map(|l| l.split('/').next().unwrap_or(l).trim().to_string())
                .filter(|l| !l.is_empty()),
            PoolBy::Group => e
                .group
                .as_deref()
                .map(|g| g.trim().to_string())
                .filter(|g| !g.is_empty()),
        }
    }
}

/// One incident's events with their kinds and pool keys.
#[derive(Debug, Clone)]
pub struct Timeline<'a> {
    pub events: Vec<&'a Event>,
    pub kinds: Vec<Kind>,
    /// Index into the key table (after filling gaps); `u32::MAX` when the incident names no pool.
    pub keys: Vec<u32>,
    /// Index of the first event of the final resolved/closed run, if the incident is resolved.
    pub end: Option<usize>,
}

impl Timeline<'_> {
    pub fn opened_ms(&self) -> i64 {
        self.events[0].at
    }
    pub fn resolved_ms(&self) -> Option<i64> {
        self.end.map(|i| self.events[i].at)
    }
}

/// Interns pool keys.
#[derive(Debug, Clone, Default)]
pub struct Keys {
    pub names: Vec<String>,
    index: HashMap<String, u32>,
}

impl Keys {
    pub fn intern(&mut self, k: &str) -> u32 {
        if let Some(i) = self.index.get(k) {
            return *i;
        }
        let i = self.names.len() as u32;
        self.names.push(k.to_string());
        self.index.insert(k.to_string(), i);
        i
    }
}

/// Groups events by incident (only those before `cut_ms`) into timelines, in first-event order.
pub fn timelines<'a>(
    events: &'a [Event],
    cut_ms: i64,
    by: PoolBy,
    states: &StateMap,
    keys: &mut Keys,
) -> Vec<(String, Timeline<'a>)> {
    // A log that names who holds an incident (most events carry an assignee) says "nobody is
    // working on it" with an empty assignee: ServiceNow audit rows of a transfer are `Active` with
    // no `assigned_to` until someone in the new group takes it. Such work-kind events count as
    // queue; a log without assignees keeps its state labels as they are.
    let named = events.iter().filter(|e| e.assignee.is_some()).count();
    let assignees_recorded = 2 * named >= events.len() && named > 0;
    let mut by_incident: HashMap<&str, Vec<&'a Event>> = HashMap::new();
    for e in events.iter().filter(|e| e.at < cut_ms) {
        by_incident
            .entry(e.incident_id.as_str())
            .or_default()
            .push(e);
    }
    let mut out: Vec<(String, Timeline<'a>)> = by_incident
        .into_iter()
        .map(|(id, mut evs)| {
            evs.sort_by_key(|e| (e.at, e.source_line));
            (
                id.to_string(),
                timeline(evs, by, states, keys, assignees_recorded),
            )
        })
        .collect();
    out.sort_by(|a, b| (a.1.opened_ms(), &a.0).cmp(&(b.1.opened_ms(), &b.0)));
    out
}

fn timeline<'a>(
    events: Vec<&'a Event>,
    by: PoolBy,
    states: &StateMap,
    keys: &mut Keys,
    assignees_recorded: bool,
) -> Timeline<'a> {
    let kinds: Vec<Kind> = events
        .iter()
        .map(|e| match states.kind(e).0 {
            Kind::Work if assignees_recorded && e.assignee.is_none() => Kind::Queue,
            k => k,
        })
        .collect();
    let raw: Vec<Option<u32>> = events
        .iter()
        .map(|e| by.key(e).map(|k| keys.intern(&k)))
        .collect();
    let first_known = raw.iter().flatten().next().copied().unwrap_or(u32::MAX);
    let mut last = first_known;
    let keys_filled = raw
        .iter()
        .map(|k| {
            if let Some(k) = k {
                last = *k;
            }
            last
        })
        .collect();
    let mut end = None;
    if kinds.last().is_some_and(|k| k.is_end()) {
        let mut i = kinds.len() - 1;
        while i > 0 && kinds[i - 1].is_end() {
            i -= 1;
        }
        end = Some(i);
    }
    Timeline {
        events,
        kinds,
        keys: keys_filled,
        end,
    }
}

/// How a visit ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Transferred to the pool with this key.
    To(u32),
    Resolved,
    /// Still in the pool at the cut.
    Censored,
}

/// One interval an agent spent working (or an incident waited) in a pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval {
    pub key: u32,
    pub kind: Kind,
    pub start_ms: i64,
    pub end_ms: i64,
}

/// One visit of an incident to a pool.
#[derive(Debug, Clone, PartialEq)]
pub struct Visit {
    pub key: u32,
    pub start_ms: i64,
    pub queue_ms: i64,
    pub work_ms: i64,
    pub wait_ms: i64,
    /// Separate external waits (runs of wait intervals).
    pub waits: u32,
    pub exit: Exit,
}

/// The visits of one timeline, and its intervals (each with the event that started it).
pub fn visits<'a>(t: &Timeline<'a>, cut_ms: i64) -> (Vec<Visit>, Vec<(Interval, &'a Event)>) {
    let n = t.events.len();
    let stop = t.end.unwrap_or(n);
    let mut out: Vec<Visit> = Vec::new();
    let mut intervals = Vec::new();
    let new_visit = |key, start_ms| Visit {
        key,
        start_ms,
        queue_ms: 0,
        work_ms: 0,
        wait_ms: 0,
        waits: 0,
        exit: Exit::Censored,
    };
    let mut prev_kind = None;
    for i in 0..stop {
        let (e, key) = (t.events[i], t.keys[i]);
        let end_ms = if i + 1 < n {
            t.events[i + 1].at
        } else {
            cut_ms
        };
        let kind = if t.kinds[i].is_end() {
            Kind::Wait
        } else {
            t.kinds[i]
        };
        if out.last().map(|v| v.key) != Some(key) {
            if let Some(v) = out.last_mut() {
                v.exit = Exit::To(key);
            }
            out.push(new_visit(key, e.at));
            prev_kind = None;
        }
        let d = (end_ms - e.at).max(0);
        // Never empty here: a visit was pushed above unless the last one has this key.
        let Some(v) = out.last_mut() else { continue };
        match kind {
            Kind::Queue => v.queue_ms += d,
            Kind::Wait => {
                v.wait_ms += d;
                if prev_kind != Some(Kind::Wait) {
                    v.waits += 1;
                }
            }
            _ => v.work_ms += d,
        }
        prev_kind = Some(kind);
        intervals.push((
            Interval {
                key,
                kind,
                start_ms: e.at,
                end_ms,
            },
            e,
        ));
    }
    if let Some(end) = t.end {
        let key = t.keys[end];
        match out.last_mut() {
            Some(v) if v.key == key || key == u32::MAX => v.exit = Exit::Resolved,
            Some(v) => {
                // Resolved by another pool than the one that held it: a transfer, then an
                // immediate resolution there.
                v.exit = Exit::To(key);
                let mut r = new_visit(key, t.events[end].at);
                r.exit = Exit::Resolved;
                out.push(r);
            }
            None => {
                let mut r = new_visit(key, t.events[end].at);
                r.exit = Exit::Resolved;
                out.push(r);
            }
        }
    }
    (out, intervals)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn ev(id: &str, hour: f64, state: &str, sub: &str, level: &str, who: &str) -> Event {
        Event {
            incident_id: id.into(),
            at: (hour * crate::units::MS_PER_HOUR_F64) as i64,
            state: Some(state.into()),
            sub_state: (!sub.is_empty()).then(|| sub.into()),
            group: Some(format!("G-{level}")),
            support_level: (!level.is_empty()).then(|| level.into()),
            assignee: (!who.is_empty()).then(|| who.into()),
            source_line: (hour * 10.0) as u64,
        }
    }

    #[test]
    fn work_without_an_assignee_is_queue_when_the_log_names_assignees() {
        // ServiceNow audit shape: a transfer to L2 is `Active` with nobody assigned for 2 h, then
        // someone takes it (3 h of work), then it is resolved.
        let evs = vec![
            ev("A", 0.0, "Active", "", "L1", "ann"),
            ev("A", 1.0, "Active", "", "L2", ""),
            ev("A", 3.0, "Active", "", "L2", "bob"),
            ev("A", 6.0, "Resolved", "", "L2", "bob"),
        ];
        let cut = (20.0 * crate::units::MS_PER_HOUR_F64) as i64;
        let h = |ms: i64| ms as f64 / crate::units::MS_PER_HOUR_F64;
        let mut keys = Keys::default();
        let tl = timelines(&evs, cut, PoolBy::Level, &StateMap::default(), &mut keys);
        let (v, _) = visits(&tl[0].1, cut);
        assert_eq!((h(v[1].queue_ms), h(v[1].work_ms)), (2.0, 3.0));
        // The same log without any assignee: the labels decide (all work).
        let bare: Vec<Event> = evs
            .iter()
            .cloned()
            .map(|mut e| {
                e.assignee = None;
                e
            })
            .collect();
        let mut keys = Keys::default();
        let tl = timelines(&bare, cut, PoolBy::Level, &StateMap::default(), &mut keys);
        let (v, _) = visits(&tl[0].1, cut);
        assert_eq!((h(v[1].queue_ms), h(v[1].work_ms)), (0.0, 5.0));
    }

    #[test]
    fn queue_work_wait_split_and_exits_by_hand() {
        // A: queue 1 h at L1, work 2 h, wait 3 h, work 1 h, transfer to L2 (queue 2 h, work 4 h),
        // resolved at hour 13. B: work at L1 from hour 0, still open at the cut (hour 20).
        let evs = vec![
            ev("A", 0.0, "Queued", "Awaiting Assignment", "L1", "x"),
            ev("A", 1.0, "Accepted", "In Progress", "L1", "ann"),
            ev("A", 3.0, "Accepted", "Wait - User", "L1", "ann"),
            ev("A", 6.0, "Accepted", "In Progress", "", "ann"),
            ev("A", 7.0, "Queued", "Awaiting Assignment", "L2/L3", "ann"),
            ev("A", 9.0, "Accepted", "In Progress", "L2", "bob"),
            ev("A", 13.0, "Completed", "Resolved", "L2", "bob"),
            ev("A", 13.5, "Completed", "Closed", "L2", "bob"),
            ev("B", 0.5, "Accepted", "In Progress", "L1", "cy"),
            ev("B", 25.0, "Completed", "Resolved", "L1", "cy"),
        ];
        let mut keys = Keys::default();
        let cut = (20.0 * crate::units::MS_PER_HOUR_F64) as i64;
        let tl = timelines(&evs, cut, PoolBy::Level, &StateMap::default(), &mut keys);
        assert_eq!(keys.names, vec!["L1", "L2"]);
        assert_eq!(tl[0].0, "A");
        assert_eq!(tl[0].1.end, Some(6));
        let (v, iv) = visits(&tl[0].1, cut);
        let h = |ms: i64| ms as f64 / crate::units::MS_PER_HOUR_F64;
        assert_eq!(v.len(), 2);
        assert_eq!(
            (h(v[0].queue_ms), h(v[0].work_ms), h(v[0].wait_ms)),
            (1.0, 3.0, 3.0)
        );
        assert_eq!((v[0].waits, v[0].exit), (1, Exit::To(1)));
        assert_eq!(
            (h(v[1].queue_ms), h(v[1].work_ms), h(v[1].wait_ms)),
            (2.0, 4.0, 0.0)
        );
        assert_eq!(v[1].exit, Exit::Resolved);
        assert_eq!(iv.len(), 6);
        // B: its resolution lies after the cut, so it is open and censored there.
        let (vb, _) = visits(&tl[1].1, cut);
        assert_eq!(tl[1].1.end, None);
        assert_eq!((h(vb[0].work_ms), vb[0].exit), (19.5, Exit::Censored));
    }
}
