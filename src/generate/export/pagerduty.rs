//! PagerDuty analytics raw-incidents export: ISO times with offset, `seconds_to_*` durations.

use super::{bare, count, flag, opt, Row, RowCell, ISO};
use crate::generate::GeneratedIncident;
use crate::ingest::spec::pagerduty as pd;
use crate::schema::{priority_label, Incident};

fn status(i: &Incident) -> &'static str {
    if i.resolved_at.is_some() {
        "resolved"
    } else if i.acknowledged_at.is_some() {
        "acknowledged"
    } else {
        "triggered"
    }
}

/// PagerDuty's urgency: high for P1 and P2.
fn urgency(i: &Incident) -> &'static str {
    if i.priority.unwrap_or(4) <= 2 {
        "high"
    } else {
        "low"
    }
}

/// Priority name `P1`…`P5` (an incident without priority is written as P4).
fn priority_name(i: &Incident) -> String {
    priority_label(i.priority.unwrap_or(4))
}

fn seconds_after_opening(r: &Row, at: Option<i64>) -> String {
    at.map(|a| ((a - r.i().opened_at) / 1000).to_string())
        .unwrap_or_default()
}

pub const COLUMNS: &[(&str, RowCell)] = &[
    (pd::ID, |r| r.i().incident_id.clone()),
    (pd::INCIDENT_NUMBER, |r| (r.k + 1).to_string()),
    ("title", |r| {
        let i = r.i();
        let s = |v: &Option<String>| v.clone().unwrap_or_default();
        format!("{} on {}", s(&i.symptom), s(&i.ci))
    }),
    (pd::CREATED_AT, |r| r.time(Some(r.i().opened_at), ISO, "")),
    (pd::RESOLVED_AT, |r| r.time(r.i().resolved_at, ISO, "")),
    (pd::STATUS, |r| status(r.i()).into()),
    (pd::URGENCY, |r| urgency(r.i()).into()),
    (pd::PRIORITY_NAME, |r| priority_name(r.i())),
    (pd::MAJOR, |r: &Row| {
        flag(r.i().major_incident, "true", "false", "")
    }),
    (pd::SERVICE_NAME, |r| opt(&r.i().service, "")),
    (pd::TEAM_NAME, |r| opt(&r.i().assignment_group, "")),
    (pd::ESCALATION_POLICY_NAME, |r| {
        let group = r.i().assignment_group.as_deref().unwrap_or("");
        format!("{group} policy")
    }),
    (pd::SECONDS_TO_FIRST_ACK, |r| {
        seconds_after_opening(r, r.i().acknowledged_at)
    }),
    (pd::SECONDS_TO_RESOLVE, |r| {
        seconds_after_opening(r, r.i().resolved_at)
    }),
    (pd::ESCALATION_COUNT, |r| count(r.i().escalation_count)),
    (pd::REASSIGNMENT_COUNT, |r| count(r.i().reassignment_count)),
    ("auto_resolved", |_| "false".into()),
];

/// Times (acknowledgement from `seconds_to_first_ack`), priority `P1`…, urgency, service, team,
/// escalations, reassignments, major flag and PagerDuty's status.
pub fn expected(g: &GeneratedIncident) -> Incident {
    let i = &g.truth;
    Incident {
        source: "pagerduty".into(),
        acknowledged_at: i.acknowledged_at,
        resolved_at: i.resolved_at,
        priority: i.priority,
        priority_label: Some(priority_name(i)),
        urgency: Some(urgency(i).into()),
        service: i.service.clone(),
        assignment_group: i.assignment_group.clone(),
        escalation_count: i.escalation_count,
        reassignment_count: i.reassignment_count,
        major_incident: i.major_incident,
        final_state: Some(status(i).into()),
        ..bare(g)
    }
}
