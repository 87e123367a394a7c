//! Writing generated incidents in each export format, the way the real tools write them, and the
//! incident each format's importer must give back (the round-trip oracle).

use std::io::Write;
use std::path::Path;

use chrono_tz::Tz;

use super::{GenerateOptions, GeneratedIncident, StepKind};
use crate::error::{Error, Result};
use crate::ingest::SourceFormat;
use crate::output::write_atomically;
use crate::schema::Incident;
use crate::timeparse::format_local;

const ISO: &str = "%Y-%m-%dT%H:%M:%S%:z";
const SN_TABLE: &str = "%Y-%m-%d %H:%M:%S";
const SN_AUDIT: &str = "%-d/%-m/%Y %H:%M";
const JIRA: &str = "%d/%b/%y %I:%M %p";
const MAPPING_DATE: &str = "%d.%m.%Y %H:%M";

/// The mapping file that goes with `generate --format mapping` (also `datasets/mapping-example.toml`).
pub const MAPPING_EXAMPLE: &str = r#"# Column mapping for a CSV export of "ACME ITSM" (German column names, ';' separated).
# Use: incidentlab import export.csv --format mapping --mapping this-file.toml -o store.parquet
source = "acme-itsm"
date_format = "%d.%m.%Y %H:%M"   # chrono format of the date columns
timezone = "UTC"                  # time zone of those (naive) dates
delimiter = ";"
missing = ["-"]                   # cells that mean "no value" (empty cells always do)

[columns]                          # canonical column = source column (or a list: first found wins)
incident_id = "Ticket-Nr"
opened_at = "Erstellt am"
resolved_at = "Gelöst am"
closed_at = "Geschlossen am"
priority = "Priorität"
category = "Kategorie"
subcategory = "Unterkategorie"
assignment_group = "Gruppe"
assignee = "Bearbeiter"
channel = "Kanal"
ci = "Konfigurationselement"
problem_id = "Problem"
made_sla_reported = "SLA eingehalten"
reassignment_count = ["Weiterleitungen", "Anzahl Weiterleitungen"]
final_state = "Status"

[priority]                         # source label = 1 (highest) … 5 (lowest)
"Sehr hoch" = 1
"Hoch" = 2
"Mittel" = 3
"Niedrig" = 4
"#;

const JIRA_PRIORITY: [&str; 5] = ["Highest", "High", "Medium", "Low", "Lowest"];
const BPIC_IMPACT: [&str; 4] = ["Major", "High", "Medium", "Low"];
const MAPPING_PRIORITY: [&str; 4] = ["Sehr hoch", "Hoch", "Mittel", "Niedrig"];

fn pidx(inc: &Incident) -> usize {
    usize::from(inc.priority.unwrap_or(3).clamp(1, 4) - 1)
}

fn opt(v: &Option<String>, missing: &str) -> String {
    v.clone().unwrap_or_else(|| missing.to_string())
}

fn t(ms: Option<i64>, tz: Tz, fmt: &str, missing: &str) -> String {
    ms.map(|m| format_local(m, tz, fmt))
        .unwrap_or_else(|| missing.to_string())
}

fn b(v: Option<bool>, yes: &str, no: &str, missing: &str) -> String {
    match v {
        Some(true) => yes.into(),
        Some(false) => no.into(),
        None => missing.into(),
    }
}

/// The first name of a person ("Anna Berg" → "Anna"), empty for nobody.
fn first_name(who: &Option<String>) -> &str {
    who.as_deref()
        .and_then(|w| w.split(' ').next())
        .unwrap_or("")
}

/// The last person named on any step (what event-log importers take as the assignee).
fn last_assignee(g: &GeneratedIncident) -> Option<String> {
    g.steps.iter().rev().find_map(|s| s.assignee.clone())
}

fn n(v: Option<u32>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

/// The (state, sub-state) an event log writes for a step.
/// Queue steps (opened, transferred, back from a wait, reopened) are `Queued/Awaiting Assignment`,
/// pickups `Accepted/In Progress`.
fn bpic_state(kind: StepKind) -> (&'static str, &'static str) {
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

/// The ServiceNow `incident_state` for a step: as in ServiceNow, an incident stays `Active` when it
/// is transferred, back from a wait or reopened; it then has no `assigned_to` until picked up.
fn sn_state(kind: StepKind) -> &'static str {
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

fn csv_out<W: Write>(w: W, delimiter: u8) -> csv::Writer<W> {
    csv::WriterBuilder::new()
        .delimiter(delimiter)
        .terminator(csv::Terminator::CRLF)
        .from_writer(w)
}

// Over 80 lines: one arm per export format, each writing its header and rows; one exporter per
// format behind a trait shared with its importer is issue 11's open item 5.
/// Writes generated incidents as an export of `format` to `path` (atomically).
pub fn write_export(
    format: SourceFormat,
    incidents: &[GeneratedIncident],
    path: &Path,
    opts: &GenerateOptions,
) -> Result<()> {
    let tz = opts.timezone;
    match format {
        SourceFormat::ServiceNow => write_atomically(path, |w| {
            let mut out = csv_out(w, b',');
            out.write_record([
                "number",
                "opened_at",
                "u_acknowledged_at",
                "resolved_at",
                "closed_at",
                "priority",
                "impact",
                "urgency",
                "category",
                "subcategory",
                "u_symptom",
                "business_service",
                "cmdb_ci",
                "assignment_group",
                "assigned_to",
                "contact_type",
                "reassignment_count",
                "reopen_count",
                "made_sla",
                "problem_id",
                "knowledge",
                "state",
                "major_incident_state",
            ])?;
            for g in incidents {
                let i = &g.truth;
                out.write_record([
                    i.incident_id.clone(),
                    t(Some(i.opened_at), tz, SN_TABLE, ""),
                    t(i.acknowledged_at, tz, SN_TABLE, ""),
                    t(i.resolved_at, tz, SN_TABLE, ""),
                    t(i.closed_at, tz, SN_TABLE, ""),
                    opt(&i.priority_label, ""),
                    opt(&i.impact, ""),
                    opt(&i.urgency, ""),
                    opt(&i.category, ""),
                    opt(&i.subcategory, ""),
                    opt(&i.symptom, ""),
                    opt(&i.service, ""),
                    opt(&i.ci, ""),
                    opt(&i.assignment_group, ""),
                    opt(&i.assignee, ""),
                    opt(&i.channel, ""),
                    n(i.reassignment_count),
                    n(i.reopen_count),
                    b(i.made_sla_reported, "true", "false", ""),
                    opt(&i.problem_id, ""),
                    b(i.knowledge_used, "true", "false", ""),
                    opt(&i.final_state, ""),
                    if i.major_incident == Some(true) {
                        "accepted".into()
                    } else {
                        String::new()
                    },
                ])?;
            }
            out.flush()
        }),
        SourceFormat::ServiceNowAudit => write_atomically(path, |w| {
            let mut out = csv_out(w, b',');
            out.write_record([
                "number",
                "incident_state",
                "active",
                "reassignment_count",
                "reopen_count",
                "sys_mod_count",
                "made_sla",
                "caller_id",
                "opened_by",
                "opened_at",
                "sys_created_by",
                "sys_created_at",
                "sys_updated_by",
                "sys_updated_at",
                "contact_type",
                "location",
                "category",
                "subcategory",
                "u_symptom",
                "cmdb_ci",
                "impact",
                "urgency",
                "priority",
                "assignment_group",
                "assigned_to",
                "knowledge",
                "u_priority_confirmation",
                "notify",
                "problem_id",
                "rfc",
                "vendor",
                "caused_by",
                "closed_code",
                "resolved_by",
                "resolved_at",
                "closed_at",
            ])?;
            for g in incidents {
                let i = &g.truth;
                let mut reopen = 0;
                let mut resolved_at: Option<i64> = None;
                let mut closed_at: Option<i64> = None;
                for (k, s) in g.steps.iter().enumerate() {
                    match s.kind {
                        StepKind::FirstResolved | StepKind::Resolved => resolved_at = Some(s.at),
                        StepKind::Reopened => {
                            reopen += 1;
                            resolved_at = None;
                        }
                        StepKind::Closed => closed_at = Some(s.at),
                        _ => {}
                    }
                    let state = sn_state(s.kind);
                    let assigned = opt(&s.assignee, "?");
                    let resolved_by = if resolved_at.is_some() {
                        assigned.clone()
                    } else {
                        "?".into()
                    };
                    out.write_record([
                        i.incident_id.clone(),
                        state.to_string(),
                        (!matches!(
                            s.kind,
                            StepKind::Resolved | StepKind::Closed | StepKind::FirstResolved
                        ))
                        .to_string(),
                        s.hop.to_string(),
                        reopen.to_string(),
                        k.to_string(),
                        b(i.made_sla_reported, "true", "false", "?"),
                        "Caller 1".into(),
                        "Opened by 1".into(),
                        t(Some(i.opened_at), tz, SN_AUDIT, "?"),
                        "Created by 1".into(),
                        t(Some(i.opened_at), tz, SN_AUDIT, "?"),
                        "Updated by 1".into(),
                        t(Some(s.at), tz, SN_AUDIT, "?"),
                        opt(&i.channel, "?"),
                        "Location 1".into(),
                        opt(&i.category, "?"),
                        opt(&i.subcategory, "?"),
                        opt(&i.symptom, "?"),
                        opt(&i.ci, "?"),
                        opt(&i.impact, "?"),
                        opt(&i.urgency, "?"),
                        opt(&i.priority_label, "?"),
                        g.route[s.hop].0.to_string(),
                        assigned,
                        b(i.knowledge_used, "true", "false", "?"),
                        "false".into(),
                        "Do Not Notify".into(),
                        opt(&i.problem_id, "?"),
                        "?".into(),
                        "?".into(),
                        "?".into(),
                        if state == "Closed" {
                            "code 1".into()
                        } else {
                            "?".into()
                        },
                        resolved_by,
                        t(resolved_at, tz, SN_AUDIT, "?"),
                        t(closed_at, tz, SN_AUDIT, "?"),
                    ])?;
                }
            }
            out.flush()
        }),
        SourceFormat::EventLog => write_atomically(path, |w| {
            w.write_all(b"\xEF\xBB\xBF")?; // BPIC's CSV carries a byte-order mark
            let mut out = csv_out(w, b',');
            out.write_record([
                "SR Number",
                "Change Date+Time",
                "Status",
                "Sub Status",
                "Activity",
                "Activity Level",
                "Involved ST Function Div",
                "Involved Org line 3",
                "Involved ST",
                "Involved ST 2",
                "ST Level",
                "SR Latest Impact",
                "Product",
                "Country",
                "Owner Country",
                "Owner First Name",
                "Resource",
            ])?;
            for g in incidents {
                let i = &g.truth;
                for s in &g.steps {
                    let (state, sub) = bpic_state(s.kind);
                    let (group, level) = g.route[s.hop];
                    out.write_record([
                        i.incident_id.as_str(),
                        &format_local(s.at, tz, ISO),
                        state,
                        sub,
                        &format!("{state}-{sub}"),
                        &format!("{state}-{sub}-{level}"),
                        "A2_1",
                        "Org line A2",
                        group,
                        group,
                        level,
                        BPIC_IMPACT[pidx(i)],
                        i.ci.as_deref().unwrap_or(""),
                        "se",
                        "Sweden",
                        first_name(&s.assignee),
                        s.assignee.as_deref().unwrap_or(""),
                    ])?;
                }
            }
            out.flush()
        }),
        SourceFormat::Xes => write_atomically(path, |w| {
            let esc = crate::escape::xml;
            writeln!(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
            writeln!(
                w,
                "<log xes.version=\"1.0\" xmlns=\"http://www.xes-standard.org/\">"
            )?;
            writeln!(w, "  <extension name=\"Concept\" prefix=\"concept\" uri=\"http://www.xes-standard.org/concept.xesext\"/>")?;
            writeln!(w, "  <global scope=\"event\">\n    <string key=\"concept:name\" value=\"__INVALID__\"/>\n  </global>")?;
            for g in incidents {
                let i = &g.truth;
                writeln!(
                    w,
                    "  <trace>\n    <string key=\"concept:name\" value=\"{}\"/>",
                    esc(&i.incident_id)
                )?;
                for s in &g.steps {
                    let (state, sub) = bpic_state(s.kind);
                    let (group, level) = g.route[s.hop];
                    writeln!(w, "    <event>")?;
                    writeln!(w, "      <string key=\"concept:name\" value=\"{state}\"/>")?;
                    writeln!(
                        w,
                        "      <string key=\"lifecycle:transition\" value=\"{sub}\"/>"
                    )?;
                    writeln!(
                        w,
                        "      <string key=\"org:group\" value=\"{}\"/>",
                        esc(group)
                    )?;
                    if let Some(who) = &s.assignee {
                        writeln!(
                            w,
                            "      <string key=\"org:resource\" value=\"{}\"/>",
                            esc(who)
                        )?;
                    }
                    writeln!(w, "      <string key=\"support_level\" value=\"{level}\"/>")?;
                    writeln!(
                        w,
                        "      <string key=\"impact\" value=\"{}\"/>",
                        BPIC_IMPACT[pidx(i)]
                    )?;
                    writeln!(
                        w,
                        "      <string key=\"product\" value=\"{}\"/>",
                        esc(i.ci.as_deref().unwrap_or(""))
                    )?;
                    writeln!(
                        w,
                        "      <date key=\"time:timestamp\" value=\"{}\"/>",
                        format_local(s.at, tz, "%Y-%m-%dT%H:%M:%S%.3f%:z")
                    )?;
                    writeln!(w, "    </event>")?;
                }
                writeln!(w, "  </trace>")?;
            }
            writeln!(w, "</log>")
        }),
        SourceFormat::Jira => {
            write_atomically(path, |w| {
                let mut out = csv_out(w, b',');
                out.write_record([
                    "Summary",
                    "Issue key",
                    "Issue id",
                    "Issue Type",
                    "Status",
                    "Priority",
                    "Resolution",
                    "Assignee",
                    "Reporter",
                    "Created",
                    "Updated",
                    "Resolved",
                    "Component/s",
                    "Watchers",
                    "Watchers",
                    "Custom field (Request Type)",
                    "Custom field (Team)",
                    "Custom field (Impact)",
                    "Custom field (Urgency)",
                    "Custom field (Affected services)",
                    "Custom field (Date of First Response)",
                    "Custom field (Time to first response)",
                    "Custom field (Time to resolution)",
                    "Custom field (Major incident)",
                    "Comment",
                    "Comment",
                ])?;
                for (k, g) in incidents.iter().enumerate() {
                    let i = &g.truth;
                    let remaining = i.resolved_at.map(|r| {
                        let m = g.sla_target_minutes - (r - i.opened_at) / 60_000;
                        let sign = if m < 0 { "-" } else { "" };
                        format!("{sign}{}h {}m", m.abs() / 60, m.abs() % 60)
                    });
                    let updated = i
                        .closed_at
                        .or(i.resolved_at)
                        .or(i.acknowledged_at)
                        .unwrap_or(i.opened_at);
                    out.write_record([
                    format!("{}, \"{}\" on {}", i.symptom.as_deref().unwrap_or(""), i.subcategory.as_deref().unwrap_or(""), i.ci.as_deref().unwrap_or("")),
                    i.incident_id.clone(),
                    (10000 + k).to_string(),
                    "[System] Incident".into(),
                    opt(&i.final_state, ""),
                    JIRA_PRIORITY[pidx(i)].into(),
                    if i.resolved_at.is_some() { "Done".into() } else { String::new() },
                    opt(&i.assignee, ""),
                    "reporter".into(),
                    t(Some(i.opened_at), tz, JIRA, ""),
                    t(Some(updated), tz, JIRA, ""),
                    t(i.resolved_at, tz, JIRA, ""),
                    opt(&i.subcategory, ""),
                    "watcher-a".into(),
                    "watcher-b".into(),
                    opt(&i.category, ""),
                    opt(&i.assignment_group, ""),
                    opt(&i.impact, ""),
                    opt(&i.urgency, ""),
                    opt(&i.service, ""),
                    t(i.acknowledged_at, tz, JIRA, ""),
                    String::new(),
                    remaining.unwrap_or_default(),
                    b(i.major_incident, "Yes", "No", ""),
                    format!("{};agent;First line of a comment, with a comma\nsecond line \"quoted\"", t(Some(i.opened_at), tz, JIRA, "")),
                    String::new(),
                ])?;
                }
                out.flush()
            })
        }
        SourceFormat::PagerDuty => write_atomically(path, |w| {
            let mut out = csv_out(w, b',');
            out.write_record([
                "id",
                "incident_number",
                "title",
                "created_at",
                "resolved_at",
                "status",
                "urgency",
                "priority_name",
                "major",
                "service_name",
                "team_name",
                "escalation_policy_name",
                "seconds_to_first_ack",
                "seconds_to_resolve",
                "escalation_count",
                "reassignment_count",
                "auto_resolved",
            ])?;
            for (k, g) in incidents.iter().enumerate() {
                let i = &g.truth;
                let status = if i.resolved_at.is_some() {
                    "resolved"
                } else if i.acknowledged_at.is_some() {
                    "acknowledged"
                } else {
                    "triggered"
                };
                out.write_record([
                    i.incident_id.clone(),
                    (k + 1).to_string(),
                    format!(
                        "{} on {}",
                        i.symptom.as_deref().unwrap_or(""),
                        i.ci.as_deref().unwrap_or("")
                    ),
                    t(Some(i.opened_at), tz, ISO, ""),
                    t(i.resolved_at, tz, ISO, ""),
                    status.into(),
                    if i.priority.unwrap_or(4) <= 2 {
                        "high".into()
                    } else {
                        "low".into()
                    },
                    format!("P{}", i.priority.unwrap_or(4)),
                    b(i.major_incident, "true", "false", ""),
                    opt(&i.service, ""),
                    opt(&i.assignment_group, ""),
                    format!("{} policy", i.assignment_group.as_deref().unwrap_or("")),
                    i.acknowledged_at
                        .map(|a| ((a - i.opened_at) / 1000).to_string())
                        .unwrap_or_default(),
                    i.resolved_at
                        .map(|r| ((r - i.opened_at) / 1000).to_string())
                        .unwrap_or_default(),
                    n(i.escalation_count),
                    n(i.reassignment_count),
                    "false".into(),
                ])?;
            }
            out.flush()
        }),
        SourceFormat::Mapping => {
            write_atomically(path, |w| {
                let mut out = csv_out(w, b';');
                out.write_record([
                    "Ticket-Nr",
                    "Erstellt am",
                    "Gelöst am",
                    "Geschlossen am",
                    "Priorität",
                    "Kategorie",
                    "Unterkategorie",
                    "Gruppe",
                    "Bearbeiter",
                    "Kanal",
                    "Konfigurationselement",
                    "Problem",
                    "SLA eingehalten",
                    "Weiterleitungen",
                    "Status",
                ])?;
                for g in incidents {
                    let i = &g.truth;
                    out.write_record([
                        i.incident_id.clone(),
                        t(Some(i.opened_at), tz, MAPPING_DATE, "-"),
                        t(i.resolved_at, tz, MAPPING_DATE, "-"),
                        t(i.closed_at, tz, MAPPING_DATE, "-"),
                        MAPPING_PRIORITY[pidx(i)].into(),
                        opt(&i.category, "-"),
                        opt(&i.subcategory, "-"),
                        opt(&i.assignment_group, "-"),
                        opt(&i.assignee, "-"),
                        opt(&i.channel, "-"),
                        opt(&i.ci, "-"),
                        opt(&i.problem_id, "-"),
                        b(i.made_sla_reported, "Y", "N", "-"),
                        n(i.reassignment_count),
                        opt(&i.final_state, "-"),
                    ])?;
                }
                out.flush()
            })?;
            let mapping = MAPPING_EXAMPLE.replace(
                "timezone = \"UTC\"",
                &format!("timezone = \"{}\"", tz.name()),
            );
            crate::output::write_bytes(&path.with_extension("mapping.toml"), mapping.as_bytes())
        }
        SourceFormat::Auto => Err(Error::Usage(
            "generate needs a concrete --format, not auto".into(),
        )),
    }
}

/// The incident that importing `format` must give back for a generated one: the truth restricted to
/// what the format carries, with the format's own labels. `source_line` is left 0.
pub fn expected_after_import(format: SourceFormat, g: &GeneratedIncident) -> Incident {
    let i = &g.truth;
    let p = pidx(i);
    let mut e = Incident {
        incident_id: i.incident_id.clone(),
        opened_at: i.opened_at,
        ..Default::default()
    };
    match format {
        SourceFormat::ServiceNow => {
            e = Incident {
                source: "servicenow".into(),
                escalation_count: None,
                max_support_level: None,
                on_hold_hours: None,
                ..i.clone()
            };
            e.major_incident = Some(i.major_incident == Some(true));
        }
        SourceFormat::ServiceNowAudit => {
            e = Incident {
                source: "servicenow-audit".into(),
                service: None,
                escalation_count: None,
                max_support_level: None,
                major_incident: None,
                ..i.clone()
            };
            let last = g.steps.last().map(|s| s.kind).unwrap_or(StepKind::Opened);
            e.final_state = Some(sn_state(last).into());
            // The latest update wins: its assigned_to (none while queued after a transfer).
            e.assignee = g.steps.last().and_then(|s| s.assignee.clone());
        }
        SourceFormat::EventLog | SourceFormat::Xes => {
            e.source = if format == SourceFormat::Xes {
                "xes"
            } else {
                "eventlog"
            }
            .into();
            e.acknowledged_at = i.acknowledged_at;
            e.resolved_at = i.resolved_at;
            e.closed_at = i.closed_at;
            e.priority = i.priority;
            e.priority_label = Some(BPIC_IMPACT[p].into());
            e.impact = Some(BPIC_IMPACT[p].into());
            e.ci = i.ci.clone();
            e.assignment_group = i.assignment_group.clone();
            e.assignee = last_assignee(g);
            e.reassignment_count = i.reassignment_count;
            e.reopen_count = i.reopen_count;
            e.escalation_count = i.escalation_count;
            e.max_support_level = i.max_support_level.clone();
            e.on_hold_hours = i.on_hold_hours;
            e.major_incident = Some(i.priority == Some(1));
            let last = g.steps.last().map(|s| s.kind).unwrap_or(StepKind::Opened);
            e.final_state = Some(bpic_state(last).1.into());
        }
        SourceFormat::Jira => {
            e.source = "jira".into();
            e.acknowledged_at = i.acknowledged_at;
            e.resolved_at = i.resolved_at;
            e.priority = i.priority;
            e.priority_label = Some(JIRA_PRIORITY[p].into());
            e.impact = i.impact.clone();
            e.urgency = i.urgency.clone();
            e.category = i.category.clone();
            e.subcategory = i.subcategory.clone();
            e.service = i.service.clone();
            e.assignment_group = i.assignment_group.clone();
            e.assignee = i.assignee.clone();
            e.major_incident = i.major_incident;
            e.made_sla_reported = i.made_sla_reported;
            e.final_state = i.final_state.clone();
        }
        SourceFormat::PagerDuty => {
            e.source = "pagerduty".into();
            e.acknowledged_at = i.acknowledged_at;
            e.resolved_at = i.resolved_at;
            e.priority = i.priority;
            e.priority_label = Some(format!("P{}", i.priority.unwrap_or(4)));
            e.urgency = Some(
                if i.priority.unwrap_or(4) <= 2 {
                    "high"
                } else {
                    "low"
                }
                .into(),
            );
            e.service = i.service.clone();
            e.assignment_group = i.assignment_group.clone();
            e.escalation_count = i.escalation_count;
            e.reassignment_count = i.reassignment_count;
            e.major_incident = i.major_incident;
            e.final_state = Some(
                if i.resolved_at.is_some() {
                    "resolved"
                } else if i.acknowledged_at.is_some() {
                    "acknowledged"
                } else {
                    "triggered"
                }
                .into(),
            );
        }
        SourceFormat::Mapping => {
            e.source = "acme-itsm".into();
            e.resolved_at = i.resolved_at;
            e.closed_at = i.closed_at;
            e.priority = i.priority;
            e.priority_label = Some(MAPPING_PRIORITY[p].into());
            e.category = i.category.clone();
            e.subcategory = i.subcategory.clone();
            e.assignment_group = i.assignment_group.clone();
            e.assignee = i.assignee.clone();
            e.channel = i.channel.clone();
            e.ci = i.ci.clone();
            e.problem_id = i.problem_id.clone();
            e.made_sla_reported = i.made_sla_reported;
            e.reassignment_count = i.reassignment_count;
            e.final_state = i.final_state.clone();
        }
        SourceFormat::Auto => {}
    }
    e.source_line = 0;
    e
}
