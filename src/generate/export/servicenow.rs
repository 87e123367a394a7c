//! ServiceNow incident table export: one row per incident, `YYYY-MM-DD HH:MM:SS` local times.

use super::{count, flag, opt, Row, RowCell};
use crate::generate::GeneratedIncident;
use crate::ingest::spec::servicenow as sn;
use crate::schema::Incident;

const TIME: &str = "%Y-%m-%d %H:%M:%S";

pub const COLUMNS: &[(&str, RowCell)] = &[
    (sn::NUMBER, |r| r.i().incident_id.clone()),
    (sn::OPENED_AT, |r| r.time(Some(r.i().opened_at), TIME, "")),
    (sn::ACKNOWLEDGED_AT, |r| {
        r.time(r.i().acknowledged_at, TIME, "")
    }),
    (sn::RESOLVED_AT, |r| r.time(r.i().resolved_at, TIME, "")),
    (sn::CLOSED_AT, |r| r.time(r.i().closed_at, TIME, "")),
    (sn::PRIORITY, |r| opt(&r.i().priority_label, "")),
    (sn::IMPACT, |r| opt(&r.i().impact, "")),
    (sn::URGENCY, |r| opt(&r.i().urgency, "")),
    (sn::CATEGORY, |r| opt(&r.i().category, "")),
    (sn::SUBCATEGORY, |r| opt(&r.i().subcategory, "")),
    (sn::SYMPTOM, |r| opt(&r.i().symptom, "")),
    (sn::SERVICE, |r| opt(&r.i().service, "")),
    (sn::CI, |r| opt(&r.i().ci, "")),
    (sn::ASSIGNMENT_GROUP, |r| opt(&r.i().assignment_group, "")),
    (sn::ASSIGNED_TO, |r| opt(&r.i().assignee, "")),
    (sn::CONTACT_TYPE, |r| opt(&r.i().channel, "")),
    (sn::REASSIGNMENT_COUNT, |r| count(r.i().reassignment_count)),
    (sn::REOPEN_COUNT, |r| count(r.i().reopen_count)),
    (sn::MADE_SLA, |r: &Row| {
        flag(r.i().made_sla_reported, "true", "false", "")
    }),
    (sn::PROBLEM_ID, |r| opt(&r.i().problem_id, "")),
    (sn::KNOWLEDGE, |r| {
        flag(r.i().knowledge_used, "true", "false", "")
    }),
    (sn::STATE, |r| opt(&r.i().final_state, "")),
    (sn::MAJOR_INCIDENT_STATE, |r| {
        if r.i().major_incident == Some(true) {
            "accepted".into()
        } else {
            String::new()
        }
    }),
];

/// Everything but escalations, support level and time on hold (the table has no such columns);
/// an empty major-incident state reads as "not major".
pub fn expected(g: &GeneratedIncident) -> Incident {
    let i = &g.truth;
    Incident {
        source: "servicenow".into(),
        escalation_count: None,
        max_support_level: None,
        on_hold_hours: None,
        major_incident: Some(i.major_incident == Some(true)),
        ..i.clone()
    }
}
