//! Process-mining event logs (BPI Challenge style CSV; XES shares the reduction): one row per status
//! change of a case. Columns are found by common names (`SR Number`, `case:concept:name`, `Case ID`;
//! `Change Date+Time`, `time:timestamp`, `Timestamp`; `Status`, `Sub Status`, `Involved ST`,
//! `ST Level`, `SR Latest Impact`, `Product` …) or chosen with `--case-column`, `--time-column`,
//! `--state-column`, `--sub-state-column`, `--group-column`, `--level-column`, `--impact-column`.
//!
//! Reduction to one incident per case, stated exactly (events ordered by time, then line):
//! - `opened_at` = the first event; `acknowledged_at` = the first event in an accepted/in-progress
//!   state (`Accepted`, `In Progress`, `Active`, `Assigned`);
//! - an event is *resolving* when its state or sub-state is one of `--resolved-states` (default
//!   Completed, Resolved, Closed, In Call, Cancelled); `resolved_at` = the first event of the final
//!   run of resolving events (empty when the last event is not resolving), i.e. the last transition
//!   into a resolving state — always from the events, so `resolved_source` stays null (it marks
//!   only values filled in for an empty export field); `closed_at` = the last event's time when it
//!   is in `--closed-states` (default Closed);
//! - `reopen_count` = resolving → non-resolving transitions; `reassignment_count` = changes of the
//!   group between consecutive events that both name one; `escalation_count` = rises of the support
//!   level (L1 → L2 → L3; `L2/L3` ranks as L2); `max_support_level` = the highest level seen;
//! - `on_hold_hours` = time from each event in a pause state (`--pause-states`, default
//!   `Wait - User`, `Wait - Customer`) to the next event;
//! - impact, group, assignee, product (→ `ci`) are the last non-empty values; `priority` is read from
//!   the impact label (Major 1, High 2, Medium 3, Low 4); `major_incident` = priority 1;
//!   `final_state` = the last event's sub-state, or its state when it has none.

use std::path::Path;
use std::sync::Arc;

use super::csvfile::{CsvFile, RowCount};
use super::row::parse_priority;
use super::servicenow_audit::Reduced;
use super::spec;
use super::{ImportOptions, Reject, RejectReason};
use crate::error::Result;
use crate::schema::{Event, Incident};

/// One event with the case attributes it carries.
#[derive(Debug, Clone)]
pub struct LogEvent {
    pub event: Event,
    pub impact: Option<String>,
    pub product: Option<String>,
    pub file: Arc<str>,
    pub source: &'static str,
}

pub const CASE: &[&str] = &[
    spec::eventlog::CASE,
    spec::xes::CASE,
    "Case ID",
    "case_id",
    "CaseID",
    "Case",
    "incident_id",
];
pub const TIME: &[&str] = &[
    spec::eventlog::TIME,
    spec::xes::TIME,
    "Timestamp",
    "Complete Timestamp",
    "timestamp",
    "at",
    "time",
];
pub const STATE: &[&str] = &[
    spec::eventlog::STATE,
    spec::xes::STATE,
    "Activity",
    "state",
    "status",
];
pub const SUB_STATE: &[&str] = &[spec::eventlog::SUB_STATE, spec::xes::SUB_STATE, "sub_state"];
pub const GROUP: &[&str] = &[
    spec::eventlog::GROUP,
    spec::xes::GROUP,
    "group",
    "Group",
    "Team",
];
pub const LEVEL: &[&str] = &[spec::eventlog::LEVEL, spec::xes::LEVEL, "Support Level"];
pub const IMPACT: &[&str] = &[spec::eventlog::IMPACT, spec::xes::IMPACT, "Impact"];
pub const PRODUCT: &[&str] = &[spec::eventlog::PRODUCT, spec::xes::PRODUCT, "ci"];
pub const ASSIGNEE: &[&str] = &[spec::eventlog::ASSIGNEE, spec::xes::ASSIGNEE, "assignee"];

fn with_override<'a>(given: &'a Option<String>, defaults: &'a [&'a str]) -> Vec<&'a str> {
    match given {
        Some(g) => vec![g.as_str()],
        None => defaults.to_vec(),
    }
}

pub fn parse(path: &Path, opts: &ImportOptions) -> Result<(Vec<LogEvent>, Vec<Reject>, RowCount)> {
    let mut csv = CsvFile::open(path, opts)?;
    let h = &csv.header;
    let o = &opts.eventlog;
    let case = h.require(path, "the case id", &with_override(&o.case_column, CASE))?;
    let time = h.require(path, "the event time", &with_override(&o.time_column, TIME))?;
    let optional = |given: &Option<String>, defaults: &[&str]| -> Result<Option<usize>> {
        match given {
            Some(g) => h.require(path, g, &[g.as_str()]).map(Some),
            None => Ok(h.find(defaults)),
        }
    };
    let state = optional(&o.state_column, STATE)?;
    let sub = optional(&o.sub_state_column, SUB_STATE)?;
    let group = optional(&o.group_column, GROUP)?;
    let level = optional(&o.level_column, LEVEL)?;
    let impact = optional(&o.impact_column, IMPACT)?;
    let product = h.find(PRODUCT);
    let assignee = h.find(ASSIGNEE);
    let names = h.names.clone();
    let times = opts.time_parser();
    let file: Arc<str> = Arc::from(path.display().to_string());
    let mut events = Vec::new();
    let (read, rejects) = csv.for_each_row(|line, fields| {
        let get = |k: Option<usize>| {
            k.map(|k| fields[k])
                .filter(|c| !opts.is_missing(c))
                .map(|c| c.trim().to_string())
        };
        let reject = |k: usize, reason, detail: String| Reject {
            file: file.to_string(),
            line,
            column: names[k].clone(),
            reason,
            detail,
        };
        let id = get(Some(case))
            .ok_or_else(|| reject(case, RejectReason::MissingId, "the case id is empty".into()))?;
        let raw = fields[time];
        if opts.is_missing(raw) {
            return Err(reject(
                time,
                RejectReason::BadTimestamp,
                "the event time is missing".into(),
            ));
        }
        let at = times
            .parse(raw)
            .map_err(|e| reject(time, RejectReason::BadTimestamp, e))?;
        events.push(LogEvent {
            event: Event {
                incident_id: id,
                at,
                state: get(state),
                sub_state: get(sub),
                group: get(group),
                support_level: get(level),
                assignee: get(assignee),
                source_line: line,
            },
            impact: get(impact),
            product: get(product),
            file: file.clone(),
            source: "eventlog",
        });
        Ok(())
    })?;
    Ok((events, rejects, read))
}

fn in_list(e: &Event, list: &[String]) -> bool {
    let hit = |v: &Option<String>| {
        v.as_deref()
            .is_some_and(|s| list.iter().any(|p| p.eq_ignore_ascii_case(s.trim())))
    };
    hit(&e.state) || hit(&e.sub_state)
}

/// Support level rank: the first digit in the label (`L1` 1, `L2/L3` 2, `Level 3` 3).
pub fn level_rank(label: &str) -> Option<u32> {
    label
        .chars()
        .find(|c| c.is_ascii_digit())
        .and_then(|c| c.to_digit(10))
}

const ACK_STATES: &[&str] = &["Accepted", "In Progress", "Active", "Assigned"];

/// Reduces events to incidents by the rules in the module documentation.
pub fn reduce(mut events: Vec<LogEvent>, opts: &ImportOptions) -> Reduced {
    events.sort_by(|a, b| {
        (
            a.event.incident_id.as_str(),
            a.event.at,
            a.event.source_line,
        )
            .cmp(&(
                b.event.incident_id.as_str(),
                b.event.at,
                b.event.source_line,
            ))
    });
    let ack_states: Vec<String> = ACK_STATES.iter().map(|s| s.to_string()).collect();
    let out = events
        .chunk_by(|a, b| a.event.incident_id == b.event.incident_id)
        .map(|g| {
            let last = &g[g.len() - 1];
            let inc = case_incident(g, opts, &ack_states);
            (inc, last.file.to_string(), g.len() as u64)
        })
        .collect();
    let events = events.into_iter().map(|e| e.event).collect();
    (out, events, Vec::new())
}

/// The resolution of one case's events (in time order) from its resolving events: `resolved_at`,
/// the first event of the final run of resolving events (`None` when the last event is not
/// resolving), and the reopen count, resolving → non-resolving transitions.
fn resolution(g: &[LogEvent], resolved_states: &[String]) -> (Option<i64>, u32) {
    let resolving: Vec<bool> = g
        .iter()
        .map(|e| in_list(&e.event, resolved_states))
        .collect();
    let resolved_at = if resolving[g.len() - 1] {
        let mut k = g.len() - 1;
        while k > 0 && resolving[k - 1] {
            k -= 1;
        }
        Some(g[k].event.at)
    } else {
        None
    };
    let reopen = resolving.windows(2).filter(|w| w[0] && !w[1]).count() as u32;
    (resolved_at, reopen)
}

/// What one case's events (in time order) say about its handling.
#[derive(Default)]
struct Handling {
    /// Changes of group between consecutive events that both name one.
    reassignments: u32,
    /// Rises of the support level rank.
    escalations: u32,
    /// The highest support level seen (`L1`, `L2`, `L3` …).
    max_level: Option<(u32, String)>,
    /// Time from each event in a pause state to the next event.
    hold_ms: i64,
}

/// The reassignments, escalations, highest support level and time on hold of one case.
fn handling(g: &[LogEvent], pause_states: &[String]) -> Handling {
    let mut h = Handling::default();
    let mut prev_group: Option<&str> = None;
    let mut prev_rank: Option<u32> = None;
    for (k, e) in g.iter().enumerate() {
        if let Some(gr) = e.event.group.as_deref() {
            if prev_group.is_some_and(|p| p != gr) {
                h.reassignments += 1;
            }
            prev_group = Some(gr);
        }
        if let Some(r) = e.event.support_level.as_deref().and_then(level_rank) {
            if prev_rank.is_some_and(|p| r > p) {
                h.escalations += 1;
            }
            prev_rank = Some(r);
            if h.max_level.as_ref().is_none_or(|(m, _)| r > *m) {
                h.max_level = Some((r, format!("L{r}")));
            }
        }
        if k + 1 < g.len() && in_list(&e.event, pause_states) {
            h.hold_ms += g[k + 1].event.at - e.event.at;
        }
    }
    h
}

/// One incident from the events of one case (in time order), by the rules in the module
/// documentation.
fn case_incident(g: &[LogEvent], opts: &ImportOptions, ack_states: &[String]) -> Incident {
    let o = &opts.eventlog;
    let first = &g[0].event;
    let last = &g[g.len() - 1];
    let last_some = |f: &dyn Fn(&LogEvent) -> Option<String>| g.iter().rev().find_map(f);
    let (resolved_at, reopen) = resolution(g, &o.resolved_states);
    let h = handling(g, &o.pause_states);
    let impact = last_some(&|e: &LogEvent| e.impact.clone());
    let priority = impact.as_deref().and_then(parse_priority);
    Incident {
        incident_id: first.incident_id.clone(),
        source: last.source.to_string(),
        opened_at: first.at,
        acknowledged_at: g
            .iter()
            .find(|e| in_list(&e.event, ack_states))
            .map(|e| e.event.at),
        resolved_at,
        closed_at: in_list(&last.event, &o.closed_states).then_some(last.event.at),
        priority,
        priority_label: impact.clone(),
        impact,
        ci: last_some(&|e: &LogEvent| e.product.clone()),
        assignment_group: last_some(&|e: &LogEvent| e.event.group.clone()),
        assignee: last_some(&|e: &LogEvent| e.event.assignee.clone()),
        reassignment_count: Some(h.reassignments),
        reopen_count: Some(reopen),
        escalation_count: Some(h.escalations),
        max_support_level: h.max_level.map(|(_, l)| l),
        on_hold_hours: Some(crate::units::ms_to_hours(h.hold_ms)),
        major_incident: priority.map(|p| p == 1),
        final_state: last
            .event
            .sub_state
            .clone()
            .or_else(|| last.event.state.clone()),
        source_line: last.event.source_line,
        ..Default::default()
    }
}
