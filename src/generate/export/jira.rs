//! Jira Service Management CSV export: `25/Feb/26 10:17 PM` times, repeated column names
//! (`Watchers`, `Comment`), a multi-line quoted comment, and the SLA's remaining time as `-1h 5m`.

use super::{bare, flag, opt, priority_index, Row, RowCell};
use crate::generate::GeneratedIncident;
use crate::ingest::spec::jira as jr;
use crate::schema::Incident;

const TIME: &str = "%d/%b/%y %I:%M %p";

/// The Jira priority names for priorities 1–5.
pub const PRIORITY: [&str; 5] = ["Highest", "High", "Medium", "Low", "Lowest"];

/// Time left on the resolution SLA when resolved (`-` when breached), as Jira writes it.
fn remaining(r: &Row) -> String {
    let i = r.i();
    i.resolved_at
        .map(|at| {
            let m = r.g.sla_target_minutes - (at - i.opened_at) / 60_000;
            let sign = if m < 0 { "-" } else { "" };
            format!("{sign}{}h {}m", m.abs() / 60, m.abs() % 60)
        })
        .unwrap_or_default()
}

fn updated(r: &Row) -> String {
    let i = r.i();
    let at = i.closed_at.or(i.resolved_at).or(i.acknowledged_at);
    r.time(Some(at.unwrap_or(i.opened_at)), TIME, "")
}

fn summary(r: &Row) -> String {
    let i = r.i();
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    format!(
        "{}, \"{}\" on {}",
        s(&i.symptom),
        s(&i.subcategory),
        s(&i.ci)
    )
}

fn comment(r: &Row) -> String {
    let at = r.time(Some(r.i().opened_at), TIME, "");
    format!("{at};agent;First line of a comment, with a comma\nsecond line \"quoted\"")
}

pub const COLUMNS: &[(&str, RowCell)] = &[
    ("Summary", summary),
    (jr::ISSUE_KEY, |r| r.i().incident_id.clone()),
    ("Issue id", |r| (10000 + r.k).to_string()),
    ("Issue Type", |_| "[System] Incident".into()),
    (jr::STATUS, |r| opt(&r.i().final_state, "")),
    (jr::PRIORITY, |r| PRIORITY[priority_index(r.i())].into()),
    ("Resolution", |r| {
        if r.i().resolved_at.is_some() {
            "Done".into()
        } else {
            String::new()
        }
    }),
    (jr::ASSIGNEE, |r| opt(&r.i().assignee, "")),
    ("Reporter", |_| "reporter".into()),
    (jr::CREATED, |r| r.time(Some(r.i().opened_at), TIME, "")),
    ("Updated", updated),
    (jr::RESOLVED, |r| r.time(r.i().resolved_at, TIME, "")),
    (jr::COMPONENTS, |r| opt(&r.i().subcategory, "")),
    ("Watchers", |_| "watcher-a".into()),
    ("Watchers", |_| "watcher-b".into()),
    (jr::REQUEST_TYPE, |r| opt(&r.i().category, "")),
    (jr::TEAM, |r| opt(&r.i().assignment_group, "")),
    (jr::IMPACT, |r| opt(&r.i().impact, "")),
    (jr::URGENCY, |r| opt(&r.i().urgency, "")),
    (jr::AFFECTED_SERVICES, |r| opt(&r.i().service, "")),
    (jr::FIRST_RESPONSE, |r| {
        r.time(r.i().acknowledged_at, TIME, "")
    }),
    ("Custom field (Time to first response)", |_| String::new()),
    (jr::TIME_TO_RESOLUTION, remaining),
    (jr::MAJOR_INCIDENT, |r: &Row| {
        flag(r.i().major_incident, "Yes", "No", "")
    }),
    ("Comment", comment),
    ("Comment", |_| String::new()),
];

/// Times (no closure), priority with Jira's names, the request type as category, components as
/// subcategory, team, assignee, major flag, state, and SLA met from the remaining time's sign.
pub fn expected(g: &GeneratedIncident) -> Incident {
    let i = &g.truth;
    Incident {
        source: "jira".into(),
        acknowledged_at: i.acknowledged_at,
        resolved_at: i.resolved_at,
        priority: i.priority,
        priority_label: Some(PRIORITY[priority_index(i)].into()),
        impact: i.impact.clone(),
        urgency: i.urgency.clone(),
        category: i.category.clone(),
        subcategory: i.subcategory.clone(),
        service: i.service.clone(),
        assignment_group: i.assignment_group.clone(),
        assignee: i.assignee.clone(),
        major_incident: i.major_incident,
        made_sla_reported: i.made_sla_reported,
        final_state: i.final_state.clone(),
        ..bare(g)
    }
}
