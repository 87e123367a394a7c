//! ServiceNow audit log ("incident management process enriched event log" shape): one row per
//! update, day-first `D/M/YYYY HH:MM` local times, `?` for missing values.

use super::{flag, opt, StepCell, StepRow};
use crate::generate::{GeneratedIncident, StepKind};
use crate::ingest::spec::{servicenow as sn, servicenow_audit as audit};
use crate::schema::Incident;

const TIME: &str = "%-d/%-m/%Y %H:%M";

/// The ServiceNow `incident_state` for a step: as in ServiceNow, an incident stays `Active` when it
/// is transferred, back from a wait or reopened; it then has no `assigned_to` until picked up.
pub fn state(kind: StepKind) -> &'static str {
    match kind {
        StepKind::Opened => "New",
        StepKind::Acknowledged
        | StepKind::Started
        | StepKind::Reassigned
        | StepKind::HoldEnd
        | StepKind::Reopened => "Active",
        StepKind::HoldStart => "Awaiting User Info",
        StepKind::FirstResolved | StepKind::Resolved => "Resolved",
        StepKind::Closed => "Closed",
    }
}

fn fixed(_: &StepRow) -> String {
    "?".into()
}

pub const COLUMNS: &[(&str, StepCell)] = &[
    (sn::NUMBER, |r| r.i().incident_id.clone()),
    (audit::INCIDENT_STATE, |r| state(r.s.kind).into()),
    ("active", |r| {
        let done = matches!(
            r.s.kind,
            StepKind::Resolved | StepKind::Closed | StepKind::FirstResolved
        );
        (!done).to_string()
    }),
    (sn::REASSIGNMENT_COUNT, |r| r.s.hop.to_string()),
    (sn::REOPEN_COUNT, |r| r.reopen.to_string()),
    (audit::SYS_MOD_COUNT, |r| r.k.to_string()),
    (sn::MADE_SLA, |r: &StepRow| {
        flag(r.i().made_sla_reported, "true", "false", "?")
    }),
    ("caller_id", |_| "Caller 1".into()),
    ("opened_by", |_| "Opened by 1".into()),
    (sn::OPENED_AT, |r| r.time(Some(r.i().opened_at), TIME, "?")),
    ("sys_created_by", |_| "Created by 1".into()),
    ("sys_created_at", |r| {
        r.time(Some(r.i().opened_at), TIME, "?")
    }),
    ("sys_updated_by", |_| "Updated by 1".into()),
    (audit::SYS_UPDATED_AT, |r| r.time(Some(r.s.at), TIME, "?")),
    (sn::CONTACT_TYPE, |r| opt(&r.i().channel, "?")),
    ("location", |_| "Location 1".into()),
    (sn::CATEGORY, |r| opt(&r.i().category, "?")),
    (sn::SUBCATEGORY, |r| opt(&r.i().subcategory, "?")),
    (sn::SYMPTOM, |r| opt(&r.i().symptom, "?")),
    (sn::CI, |r| opt(&r.i().ci, "?")),
    (sn::IMPACT, |r| opt(&r.i().impact, "?")),
    (sn::URGENCY, |r| opt(&r.i().urgency, "?")),
    (sn::PRIORITY, |r| opt(&r.i().priority_label, "?")),
    (sn::ASSIGNMENT_GROUP, |r| r.hop().0.into()),
    (sn::ASSIGNED_TO, |r| opt(&r.s.assignee, "?")),
    (sn::KNOWLEDGE, |r| {
        flag(r.i().knowledge_used, "true", "false", "?")
    }),
    ("u_priority_confirmation", |_| "false".into()),
    ("notify", |_| "Do Not Notify".into()),
    (sn::PROBLEM_ID, |r| opt(&r.i().problem_id, "?")),
    ("rfc", fixed),
    ("vendor", fixed),
    ("caused_by", fixed),
    ("closed_code", |r| {
        if r.s.kind == StepKind::Closed {
            "code 1".into()
        } else {
            "?".into()
        }
    }),
    ("resolved_by", |r| {
        if r.resolved_at.is_some() {
            opt(&r.s.assignee, "?")
        } else {
            "?".into()
        }
    }),
    (sn::RESOLVED_AT, |r| r.time(r.resolved_at, TIME, "?")),
    (sn::CLOSED_AT, |r| r.time(r.closed_at, TIME, "?")),
];

/// The truth without service, escalations, support level and major flag (the log has no such
/// columns); state and assignee of the latest update (no assignee while queued after a transfer).
pub fn expected(g: &GeneratedIncident) -> Incident {
    let i = &g.truth;
    let last = g.steps.last();
    Incident {
        source: "servicenow-audit".into(),
        service: None,
        escalation_count: None,
        max_support_level: None,
        major_incident: None,
        final_state: Some(state(last.map_or(StepKind::Opened, |s| s.kind)).into()),
        assignee: last.and_then(|s| s.assignee.clone()),
        ..i.clone()
    }
}
