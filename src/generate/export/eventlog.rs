//! Process-mining CSV event log, BPI Challenge 2013 shape: one row per status change, ISO times,
//! a byte-order mark. The (state, sub-state) of each step and the oracle are shared with XES.

use super::{bare, priority_index, StepCell, StepRow, ISO};
use crate::generate::{GeneratedIncident, StepKind};
use crate::ingest::spec::eventlog as el;
use crate::schema::Incident;

/// The impact labels BPIC writes for priorities 1–4.
pub const IMPACT: [&str; 4] = ["Major", "High", "Medium", "Low"];

/// The (state, sub-state) an event log writes for a step.
/// Queue steps (opened, transferred, back from a wait, reopened) are `Queued/Awaiting Assignment`,
/// pickups `Accepted/In Progress`.
pub fn state(kind: StepKind) -> (&'static str, &'static str) {
    match kind {
        StepKind::Opened | StepKind::Reassigned | StepKind::HoldEnd | StepKind::Reopened => {
            ("Queued", "Awaiting Assignment")
        }
        StepKind::Acknowledged | StepKind::Started => ("Accepted", "In Progress"),
        StepKind::HoldStart => ("Accepted", "Wait - User"),
        StepKind::FirstResolved | StepKind::Resolved => ("Completed", "Resolved"),
        StepKind::Closed => ("Completed", "Closed"),
    }
}

/// The first name of a person ("Anna Berg" → "Anna"), empty for nobody.
fn first_name(who: &Option<String>) -> String {
    who.as_deref()
        .and_then(|w| w.split(' ').next())
        .unwrap_or("")
        .into()
}

pub const COLUMNS: &[(&str, StepCell)] = &[
    (el::CASE, |r| r.i().incident_id.clone()),
    (el::TIME, |r| r.time(Some(r.s.at), ISO, "")),
    (el::STATE, |r| state(r.s.kind).0.into()),
    (el::SUB_STATE, |r| state(r.s.kind).1.into()),
    ("Activity", |r: &StepRow| {
        let (s, sub) = state(r.s.kind);
        format!("{s}-{sub}")
    }),
    ("Activity Level", |r: &StepRow| {
        let (s, sub) = state(r.s.kind);
        format!("{s}-{sub}-{}", r.hop().1)
    }),
    ("Involved ST Function Div", |_| "A2_1".into()),
    ("Involved Org line 3", |_| "Org line A2".into()),
    (el::GROUP, |r| r.hop().0.into()),
    ("Involved ST 2", |r| r.hop().0.into()),
    (el::LEVEL, |r| r.hop().1.into()),
    (el::IMPACT, |r| IMPACT[priority_index(r.i())].into()),
    (el::PRODUCT, |r| r.i().ci.clone().unwrap_or_default()),
    ("Country", |_| "se".into()),
    ("Owner Country", |_| "Sweden".into()),
    ("Owner First Name", |r| first_name(&r.s.assignee)),
    (el::ASSIGNEE, |r| r.s.assignee.clone().unwrap_or_default()),
];

/// What an event log carries: times, priority from the impact label, CI (product), group and
/// assignee of the last step, the counts and hold time derived from the events, major = P1, and the
/// last step's sub-state. `source` is `eventlog` or `xes`.
pub fn expected(g: &GeneratedIncident, source: &str) -> Incident {
    let i = &g.truth;
    let p = priority_index(i);
    let last = g.steps.last().map_or(StepKind::Opened, |s| s.kind);
    Incident {
        source: source.into(),
        acknowledged_at: i.acknowledged_at,
        resolved_at: i.resolved_at,
        closed_at: i.closed_at,
        priority: i.priority,
        priority_label: Some(IMPACT[p].into()),
        impact: Some(IMPACT[p].into()),
        ci: i.ci.clone(),
        assignment_group: i.assignment_group.clone(),
        assignee: g.steps.iter().rev().find_map(|s| s.assignee.clone()),
        reassignment_count: i.reassignment_count,
        reopen_count: i.reopen_count,
        escalation_count: i.escalation_count,
        max_support_level: i.max_support_level.clone(),
        on_hold_hours: i.on_hold_hours,
        major_incident: Some(i.priority == Some(1)),
        final_state: Some(state(last).1.into()),
        ..bare(g)
    }
}
