//! Importers end to end: round trips from the generator for every format, each format's quirks on
//! small hand-written fixtures, the real BPIC 2013 log, and the command line.

mod common;

use std::path::{Path, PathBuf};

use incidentlab::generate::{
    expected_after_import, generate, write_export, GenerateOptions, GeneratorModel, StepKind,
};
use incidentlab::ingest::{import_files, ImportOptions, RejectReason, SourceFormat};
use incidentlab::schema::Incident;
use incidentlab::timeparse::parse_tz;

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("incidentlab-it-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn import(path: &Path, format: SourceFormat) -> incidentlab::ingest::Imported {
    let opts = ImportOptions {
        format,
        ..Default::default()
    };
    import_files(&[path.to_path_buf()], &opts).unwrap()
}

/// (line, column, value) of every dropped cell.
fn dropped_cells(got: &incidentlab::ingest::Imported) -> Vec<(u64, &str, &str)> {
    got.dropped
        .iter()
        .map(|d| (d.line, d.column.as_str(), d.value.as_str()))
        .collect()
}

fn by_id<'a>(incs: &'a [Incident], id: &str) -> &'a Incident {
    incs.iter()
        .find(|i| i.incident_id == id)
        .unwrap_or_else(|| panic!("{id} not imported"))
}

fn utc(s: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(s)
        .unwrap()
        .timestamp_millis()
}

#[test]
fn generate_then_import_round_trips_exactly_for_every_format() {
    round_trip(GeneratorModel::Desk, "roundtrip-desk");
}

#[test]
fn independent_model_round_trips_exactly_for_every_format() {
    round_trip(GeneratorModel::Independent, "roundtrip-independent");
}

fn round_trip(model: GeneratorModel, dir: &str) {
    let dir = tmpdir(dir);
    let opts = GenerateOptions {
        model,
        incidents: 600,
        seed: 11,
        days: 60.0,
        ..Default::default()
    };
    let generated = generate(&opts).unwrap();
    assert_eq!(generated.len(), 600);
    assert!(
        generated.iter().any(|g| g.truth.resolved_at.is_none()),
        "some incidents stay open"
    );
    assert!(generated.iter().any(|g| g.truth.reopen_count == Some(1)));
    assert!(generated
        .iter()
        .any(|g| g.truth.on_hold_hours.unwrap_or(0.0) > 0.0));
    for format in [
        SourceFormat::ServiceNow,
        SourceFormat::ServiceNowAudit,
        SourceFormat::Jira,
        SourceFormat::PagerDuty,
        SourceFormat::EventLog,
        SourceFormat::Xes,
        SourceFormat::Mapping,
    ] {
        let path = dir.join(format!("export-{}.csv", format.name()));
        write_export(format, &generated, &path, &opts).unwrap();
        let mut io = ImportOptions {
            format: SourceFormat::Auto,
            ..Default::default()
        };
        if format == SourceFormat::Mapping {
            io.format = SourceFormat::Mapping;
            io.mapping = Some(path.with_extension("mapping.toml"));
        }
        let got = import_files(std::slice::from_ref(&path), &io).unwrap();
        assert_eq!(
            got.summary.files[0].format,
            format.name(),
            "auto-detected format"
        );
        assert_eq!(
            got.summary.rows_rejected,
            0,
            "{format:?}: {:?}",
            got.rejects.first()
        );
        assert_eq!(got.incidents.len(), generated.len(), "{format:?}");
        for g in &generated {
            let mut inc = by_id(&got.incidents, &g.truth.incident_id).clone();
            assert!(inc.source_line >= 2);
            inc.source_line = 0;
            assert_eq!(
                inc,
                expected_after_import(format, g),
                "{format:?} {}",
                g.truth.incident_id
            );
        }
    }
}

#[test]
fn desk_model_event_logs_show_pools_people_queues_and_waits() {
    let opts = GenerateOptions {
        incidents: 2000,
        seed: 3,
        days: 120.0,
        ..Default::default()
    };
    let g = generate(&opts).unwrap();
    let kinds = |k: StepKind| {
        g.iter()
            .filter(|x| x.steps.iter().any(|s| s.kind == k))
            .count()
    };
    assert!(kinds(StepKind::HoldStart) > 100, "external waits");
    assert!(kinds(StepKind::Reassigned) > 500, "transfers");
    assert!(kinds(StepKind::Reopened) > 20, "reopens");
    // Back-transfers: some incident returns to a group it already left.
    let ping_pong = g
        .iter()
        .filter(|x| x.route.len() >= 3 && x.route.windows(3).any(|w| w[0].0 == w[2].0));
    assert!(ping_pong.count() > 20);
    // Queueing: time from entering a queue to the next pickup; nights and weekends wait for a shift.
    let mut queued_h = Vec::new();
    for x in &g {
        for w in x.steps.windows(2) {
            if w[0].assignee.is_none() && w[1].assignee.is_some() {
                queued_h.push((w[1].at - w[0].at) as f64 / 3.6e6);
            }
        }
    }
    let long = queued_h.iter().filter(|&&h| h > 8.0).count();
    assert!(
        long > 50 && long < queued_h.len() / 2,
        "{long} of {}",
        queued_h.len()
    );
    // Pickups happen on shift (07–21 on weekdays, 08–16 at weekends), by many distinct people.
    let mut people = std::collections::BTreeSet::new();
    for s in g.iter().flat_map(|x| &x.steps) {
        if matches!(s.kind, StepKind::Acknowledged | StepKind::Started) {
            let hour = s.at.rem_euclid(86_400_000) / 3_600_000;
            assert!((7..21).contains(&hour), "pickup at hour {hour}");
            people.insert(s.assignee.clone().unwrap());
        }
    }
    assert!(people.len() >= 22, "{} people", people.len());
    let with_p1 = g
        .iter()
        .filter(|x| x.truth.priority == Some(1) && x.truth.resolved_at.is_some());
    assert!(with_p1.count() > 10);
}

#[test]
fn offsets_in_another_time_zone_round_trip() {
    let dir = tmpdir("tz");
    let opts = GenerateOptions {
        incidents: 200,
        seed: 5,
        days: 400.0,
        timezone: parse_tz("America/New_York").unwrap(),
        ..Default::default()
    };
    let generated = generate(&opts).unwrap();
    let path = dir.join("pd.csv");
    write_export(SourceFormat::PagerDuty, &generated, &path, &opts).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("-05:00") && text.contains("-04:00"),
        "winter and summer offsets are written"
    );
    let got = import(&path, SourceFormat::PagerDuty);
    for g in &generated {
        let mut inc = by_id(&got.incidents, &g.truth.incident_id).clone();
        inc.source_line = 0;
        assert_eq!(inc, expected_after_import(SourceFormat::PagerDuty, g));
    }
}

#[test]
fn generator_is_deterministic_and_shaped() {
    let opts = GenerateOptions {
        incidents: 5000,
        seed: 9,
        ..Default::default()
    };
    let a = generate(&opts).unwrap();
    let b = generate(&opts).unwrap();
    assert!(a.iter().zip(&b).all(|(x, y)| x.truth == y.truth));
    let c = generate(&GenerateOptions {
        seed: 10,
        ..opts.clone()
    })
    .unwrap();
    assert!(a.iter().zip(&c).any(|(x, y)| x.truth != y.truth));
    // Priority mix near 2/10/48/40 %.
    let share = |p: u8| a.iter().filter(|g| g.truth.priority == Some(p)).count() as f64 / 5000.0;
    assert!(
        (share(1) - 0.02).abs() < 0.01
            && (share(3) - 0.48).abs() < 0.03
            && (share(4) - 0.40).abs() < 0.03
    );
    // Office hours are busier than nights.
    let hour = |g: &&incidentlab::generate::GeneratedIncident| (g.truth.opened_at / 3_600_000) % 24;
    let day = a.iter().filter(|g| (9..17).contains(&hour(g))).count();
    let night = a.iter().filter(|g| hour(g) < 6).count();
    assert!(day > 4 * night, "day {day} night {night}");
    // The pilot shortens resolution after two thirds of the period (work × 0.6).
    let start = opts.start + (opts.days * 24.0 * 3.6e6 * 2.0 / 3.0) as i64;
    let median = |after: bool| {
        let mut v: Vec<f64> = a
            .iter()
            .filter(|g| g.truth.priority == Some(3) && (g.truth.opened_at >= start) == after)
            .filter_map(|g| g.truth.resolved_at.map(|r| (r - g.truth.opened_at) as f64))
            .collect();
        v.sort_by(|x, y| x.total_cmp(y));
        v[v.len() / 2]
    };
    let ratio = median(true) / median(false);
    assert!(ratio > 0.45 && ratio < 0.8, "pilot ratio {ratio}");
}

const SN_HEADER: &str = "number,opened_at,resolved_at,closed_at,priority,category,assignment_group,short_description,made_sla,reassignment_count,state\r\n";

#[test]
fn servicenow_quirks_and_rejects() {
    let dir = tmpdir("sn");
    let body = format!(
        "\u{feff}{SN_HEADER}\
INC1,2024-01-15 08:30:00,2024-01-15 10:30:00,2024-01-16 10:30:00,2 - High,Network,Service Desk,\"VPN down, again\",true,1,Closed\r\n\
INC2,2024-01-15 09:00:00,?,,3 - Moderate,?,Service Desk,\"two\r\nlines\",?,0,In Progress\r\n\
INC3,15.01.2024 xx,,,4 - Low,Network,SD,x,true,0,New\r\n\
INC4,2024-01-15 09:00:00,2024-01-14 09:00:00,,4 - Low,Network,SD,x,true,0,Resolved\r\n\
,2024-01-15 09:00:00,,,4 - Low,Network,SD,x,true,0,New\r\n\
INC1,2024-01-15 08:30:00,2024-01-15 10:30:00,2024-01-16 10:30:00,2 - High,Network,Service Desk,\"VPN down, again\",true,1,Closed\r\n\
INC1,2024-01-15 08:30:00,2024-01-15 11:30:00,2024-01-16 10:30:00,2 - High,Network,Service Desk,\"VPN down, again\",true,1,Closed\r\n\
INC5,2024-01-15 09:00:00,,,4 - Low\r\n\
INC6,2024-01-15 09:00:00,,,Urgentish,Network,SD,x,maybe,0,New\r\n\
INC7,2024-01-15 09:00:00,,,9 - Whatever,Network,SD,x,false,-1,New\r\n\
INC8,2024-01-15 09:00:00,,,Whatever,Network,SD,x,false,2,New\r\n"
    );
    let p = write(&dir, "sn.csv", body.as_bytes());
    let got = import(&p, SourceFormat::ServiceNow);
    let s = &got.summary;
    assert_eq!(s.rows_read, 11);
    assert_eq!(s.rows_read, s.rows_imported + s.rows_rejected);
    let ids: Vec<&str> = got
        .incidents
        .iter()
        .map(|i| i.incident_id.as_str())
        .collect();
    assert_eq!(
        ids,
        vec!["INC1", "INC2", "INC6", "INC7", "INC8"],
        "an unreadable flag or count costs the cell, not the incident"
    );
    let i6 = by_id(&got.incidents, "INC6");
    assert_eq!(
        (i6.made_sla_reported, i6.reassignment_count),
        (None, Some(0))
    );
    let i7 = by_id(&got.incidents, "INC7");
    assert_eq!(
        (i7.made_sla_reported, i7.reassignment_count),
        (Some(false), None)
    );
    assert_eq!(
        dropped_cells(&got),
        vec![(11, "made_sla", "maybe"), (12, "reassignment_count", "-1")]
    );
    assert_eq!(s.cells_dropped, 2);
    let i1 = by_id(&got.incidents, "INC1");
    assert_eq!(i1.opened_at, utc("2024-01-15T08:30:00Z"));
    assert_eq!(i1.priority, Some(2));
    assert_eq!(i1.priority_label.as_deref(), Some("2 - High"));
    assert_eq!(i1.made_sla_reported, Some(true));
    assert_eq!(i1.source_line, 2);
    let i2 = by_id(&got.incidents, "INC2");
    assert_eq!(
        (i2.resolved_at, i2.category.as_deref(), i2.made_sla_reported),
        (None, None, None),
        "? means missing"
    );
    assert_eq!(i2.source_line, 3);
    let i8 = by_id(&got.incidents, "INC8");
    assert_eq!(
        (i8.priority, i8.source_line),
        (None, 13),
        "the row after a two-line field is on line 13"
    );
    assert!(
        s.warnings.iter().any(|w| w.contains("'Whatever'")),
        "{:?}",
        s.warnings
    );
    let reason_at = |line: u64| {
        got.rejects
            .iter()
            .find(|r| r.line == line)
            .map(|r| r.reason)
    };
    assert_eq!(reason_at(5), Some(RejectReason::BadTimestamp));
    assert_eq!(reason_at(6), Some(RejectReason::ResolvedBeforeOpened));
    assert_eq!(reason_at(7), Some(RejectReason::MissingId));
    assert_eq!(reason_at(8), Some(RejectReason::DuplicateIdentical));
    assert_eq!(reason_at(9), Some(RejectReason::DuplicateConflict));
    assert_eq!(reason_at(10), Some(RejectReason::FieldCount));
    assert_eq!(reason_at(11), None);
    assert_eq!(reason_at(12), None);
    assert_eq!(s.rows_rejected, 6);
    let conflict = got.rejects.iter().find(|r| r.line == 9).unwrap();
    assert!(
        conflict.detail.contains("resolved_at") && conflict.detail.contains("line 2"),
        "{}",
        conflict.detail
    );
    let bad_ts = got.rejects.iter().find(|r| r.line == 5).unwrap();
    assert_eq!(bad_ts.column, "opened_at");
    assert!(bad_ts.detail.contains("15.01.2024 xx"));
}

#[test]
fn servicenow_audit_reduces_by_the_stated_rules() {
    let dir = tmpdir("audit");
    let body = "number,incident_state,active,reassignment_count,reopen_count,sys_mod_count,made_sla,opened_at,sys_updated_at,contact_type,category,u_symptom,cmdb_ci,impact,urgency,priority,assignment_group,assigned_to,knowledge,problem_id,caused_by,closed_code,resolved_by,resolved_at,closed_at\n\
INC0000045,New,true,0,0,0,true,29/2/2016 01:16,29/2/2016 01:23,Phone,Category 55,Symptom 72,?,2 - Medium,2 - Medium,3 - Moderate,Group 56,?,true,?,?,?,?,?,?\n\
INC0000045,Resolved,true,1,0,3,true,29/2/2016 01:16,1/3/2016 9:52,Phone,Category 55,Symptom 72,?,2 - Medium,2 - Medium,3 - Moderate,Group 70,Resolver 149,true,?,?,code 5,Resolver 149,1/3/2016 9:52,?\n\
INC0000045,Active,true,1,0,1,true,29/2/2016 01:16,29/2/2016 08:53,Phone,Category 55,Symptom 72,?,2 - Medium,2 - Medium,3 - Moderate,Group 70,Resolver 149,true,?,?,?,?,?,?\n\
INC0000045,Awaiting User Info,true,1,0,2,true,29/2/2016 01:16,29/2/2016 11:29,Phone,Category 55,Symptom 72,?,2 - Medium,2 - Medium,3 - Moderate,Group 70,Resolver 149,true,?,?,?,?,?,?\n\
INC0000045,Closed,false,1,0,4,true,29/2/2016 01:16,6/3/2016 10:00,Phone,Category 55,Symptom 72,?,2 - Medium,2 - Medium,3 - Moderate,Group 70,Resolver 149,true,?,?,code 5,Resolver 149,1/3/2016 9:52,6/3/2016 10:00\n\
INC0000047,New,true,0,0,0,false,?,29/2/2016 04:57,Phone,Category 40,?,?,2 - Medium,2 - Medium,3 - Moderate,Group 24,?,false,?,?,?,?,?,?\n\
INC0000048,New,true,0,0,0,false,29/2/2016 06:10,31/2/2016 06:10,Phone,Category 40,?,?,2 - Medium,2 - Medium,3 - Moderate,Group 24,?,false,?,?,?,?,?,?\n";
    let p = write(&dir, "audit.csv", body.as_bytes());
    let got = import(&p, SourceFormat::ServiceNowAudit);
    let s = &got.summary;
    assert_eq!((s.rows_read, s.rows_imported, s.rows_rejected), (7, 5, 2));
    assert!(
        s.warnings.iter().all(|w| !w.contains("priority label")),
        "{:?}",
        s.warnings
    );
    assert_eq!(got.incidents.len(), 1);
    let i = &got.incidents[0];
    // Rows sorted by sys_mod_count: the latest (Closed, line 6) wins.
    assert_eq!(i.final_state.as_deref(), Some("Closed"));
    assert_eq!(i.source_line, 6);
    assert_eq!(i.opened_at, utc("2016-02-29T01:16:00Z"));
    assert_eq!(
        i.acknowledged_at,
        Some(utc("2016-02-29T08:53:00Z")),
        "first update not in state New"
    );
    assert_eq!(i.resolved_at, Some(utc("2016-03-01T09:52:00Z")));
    assert_eq!(i.closed_at, Some(utc("2016-03-06T10:00:00Z")));
    assert_eq!(i.reassignment_count, Some(1));
    assert_eq!(i.assignment_group.as_deref(), Some("Group 70"));
    assert_eq!(i.priority, Some(3));
    assert_eq!(i.ci, None, "? is missing");
    assert_eq!(i.knowledge_used, Some(true));
    // Awaiting User Info from 29/2 11:29 to the next update 1/3 09:52 = 22 h 23 min.
    assert!(
        (i.on_hold_hours.unwrap() - (22.0 + 23.0 / 60.0)).abs() < 1e-9,
        "{:?}",
        i.on_hold_hours
    );
    assert_eq!(got.events.len(), 5);
    let missing_opened = got.rejects.iter().find(|r| r.line == 7).unwrap();
    assert_eq!(missing_opened.reason, RejectReason::MissingOpenedAt);
    let bad_day = got.rejects.iter().find(|r| r.line == 8).unwrap();
    assert_eq!(
        (bad_day.reason, bad_day.column.as_str()),
        (RejectReason::BadTimestamp, "sys_updated_at")
    );
}

#[test]
fn jira_quirks() {
    let dir = tmpdir("jira");
    let body = "Summary,Issue key,Issue id,Issue Type,Status,Priority,Assignee,Created,Resolved,Watchers,Watchers,Custom field (Request Type),Custom field (Time to resolution),Comment,Comment\r\n\
\"Printer, 3rd floor\",HD-1,10001,[System] Incident,Resolved,High,ana,25/Feb/26 10:17 PM,26/Feb/26 9:05 AM,bob,eve,Get IT help,-2h 30m,\"25/Feb/26 10:20 PM;ana;line one\r\nline \"\"two\"\"\",\r\n\
VPN,HD-2,10002,[System] Incident,In Progress,Lowest,,01/Mar/26 12:00 AM,,,,Report a problem,4h,,\r\n";
    let p = write(&dir, "jira.csv", body.as_bytes());
    let got = import(&p, SourceFormat::Jira);
    assert_eq!(got.summary.rows_rejected, 0, "{:?}", got.rejects);
    let a = by_id(&got.incidents, "HD-1");
    assert_eq!(a.opened_at, utc("2026-02-25T22:17:00Z"));
    assert_eq!(a.resolved_at, Some(utc("2026-02-26T09:05:00Z")));
    assert_eq!((a.priority, a.made_sla_reported), (Some(2), Some(false)));
    assert_eq!(a.category.as_deref(), Some("Get IT help"));
    let b = by_id(&got.incidents, "HD-2");
    assert_eq!(
        (b.priority, b.made_sla_reported, b.resolved_at),
        (Some(5), Some(true), None)
    );
    assert_eq!(b.opened_at, utc("2026-03-01T00:00:00Z"));
    assert_eq!(b.source_line, 4, "the first row spans lines 2-3");
}

#[test]
fn pagerduty_older_report_names() {
    let dir = tmpdir("pd");
    let body = "id,incident_number,description,created_on,resolved_on,service_name,urgency,escalation_policy,assigned_to\n\
PABC123,42,disk full,2025-03-01T10:00:00+01:00,2025-03-01T12:30:00+01:00,Storage,high,Storage policy,ops-1\n";
    let p = write(&dir, "pd.csv", body.as_bytes());
    let got = import(&p, SourceFormat::Auto);
    assert_eq!(got.summary.files[0].format, "pagerduty");
    let i = &got.incidents[0];
    assert_eq!(
        (i.opened_at, i.resolved_at),
        (
            utc("2025-03-01T09:00:00Z"),
            Some(utc("2025-03-01T11:30:00Z"))
        )
    );
    assert_eq!(i.assignment_group.as_deref(), Some("Storage policy"));
    assert_eq!((i.priority, i.urgency.as_deref()), (None, Some("high")));
}

#[test]
fn bpic_excerpt_reduces_by_hand() {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/bpic2013-excerpt.csv");
    let got = import(&p, SourceFormat::Auto);
    assert_eq!(got.summary.files[0].format, "eventlog");
    assert_eq!(got.summary.rows_read, 1239);
    assert_eq!(got.incidents.len(), 60);
    assert_eq!(got.events.len(), 1239);
    // Worked by hand from lines 2-18 of the log.
    let i = by_id(&got.incidents, "1-364285768");
    assert_eq!(i.opened_at, utc("2010-03-31T15:59:42+01:00"));
    assert_eq!(i.acknowledged_at, Some(utc("2010-03-31T15:59:42+01:00")));
    assert_eq!(
        i.resolved_at,
        Some(utc("2012-05-03T10:10:12+01:00")),
        "start of the final resolving run"
    );
    assert_eq!(i.closed_at, Some(utc("2012-05-11T00:26:15+01:00")));
    assert_eq!(i.reopen_count, Some(1));
    assert_eq!(i.reassignment_count, Some(5));
    assert_eq!(i.escalation_count, Some(3));
    assert_eq!(i.max_support_level.as_deref(), Some("L3"));
    assert_eq!(
        (i.priority, i.impact.as_deref(), i.major_incident),
        (Some(3), Some("Medium"), Some(false))
    );
    assert_eq!(
        (i.ci.as_deref(), i.assignment_group.as_deref()),
        (Some("PROD582"), Some("V5 3rd"))
    );
    assert_eq!(
        (i.final_state.as_deref(), i.on_hold_hours, i.source_line),
        (Some("Closed"), Some(0.0), 18)
    );
}

#[test]
fn full_bpic_2013_log_gives_7554_incidents() {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/datasets/bpic2013_volvo_incidents.csv");
    if !p.exists() {
        panic!(
            "{} is missing: CI and developers have ../shared/datasets beside the clone",
            p.display()
        );
    }
    let got = import(&p, SourceFormat::Auto);
    let s = &got.summary;
    assert_eq!(s.incidents_imported, 7554);
    assert_eq!(s.rows_read, s.rows_imported + s.rows_rejected);
    assert_eq!(s.rows_rejected, 0);
    assert_eq!(got.events.len() as u64, s.rows_read);
    // Wait - User pauses are seen, and L1 → L2/L3 escalations ("push to front") are common.
    assert!(
        got.incidents
            .iter()
            .filter(|i| i.on_hold_hours.unwrap_or(0.0) > 0.0)
            .count()
            > 500
    );
    assert!(
        got.incidents
            .iter()
            .filter(|i| i.escalation_count.unwrap_or(0) > 0)
            .count()
            > 1000
    );
}

#[test]
fn xes_by_hand() {
    let dir = tmpdir("xes");
    let body = r#"<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1.0">
  <global scope="event"><string key="concept:name" value="__INVALID__"/></global>
  <trace>
    <string key="concept:name" value="C&amp;1"/>
    <event>
      <string key="concept:name" value="Accepted"/>
      <string key="lifecycle:transition" value="In Progress"/>
      <string key="org:group" value="G1"/>
      <date key="time:timestamp" value="2012-01-01T10:00:00.000+01:00"/>
    </event>
    <event>
      <string key="concept:name" value="Accepted"/>
      <string key="lifecycle:transition" value="Wait - User"/>
      <string key="org:group" value="G1"/>
      <list key="notes"><values><string key="org:group" value="NOT-ME"/></values></list>
      <date key="time:timestamp" value="2012-01-01T11:00:00.000+01:00"/>
    </event>
    <event>
      <string key="concept:name" value="Completed"/>
      <string key="lifecycle:transition" value="Closed"/>
      <string key="org:group" value="G2"/>
      <date key="time:timestamp" value="2012-01-01T13:30:00.000+01:00"/>
    </event>
    <event>
      <string key="concept:name" value="Completed"/>
      <date key="time:timestamp" value="yesterday"/>
    </event>
  </trace>
</log>
"#;
    let p = write(&dir, "log.xes", body.as_bytes());
    let got = import(&p, SourceFormat::Auto);
    assert_eq!(got.summary.files[0].format, "xes");
    assert_eq!((got.summary.rows_read, got.summary.rows_rejected), (4, 1));
    assert_eq!(got.rejects[0].line, 25, "the <event> element's line");
    let i = by_id(&got.incidents, "C&1");
    assert_eq!(i.resolved_at, Some(utc("2012-01-01T12:30:00Z")));
    assert_eq!(i.closed_at, i.resolved_at);
    assert_eq!(i.on_hold_hours, Some(2.5));
    assert_eq!(
        (i.reassignment_count, i.assignment_group.as_deref()),
        (Some(1), Some("G2"))
    );
}

/// Found by the `import_xes` fuzz target (its input is kept in `fuzz/corpus/import_xes/`): a trace
/// whose `concept:name` is blank imported as an incident with an empty id. Its events are rejected
/// as missing the id instead, like a blank id cell in a CSV export.
#[test]
fn xes_trace_with_a_blank_case_id_is_rejected_not_imported() {
    let dir = tmpdir("xes-blank-id");
    let event = |state: &str, at: &str| {
        format!(
            r#"<event><string key="concept:name" value="{state}"/><date key="time:timestamp" value="{at}"/></event>"#
        )
    };
    let trace = |id: &str, day: u32| {
        format!(
            "<trace><string key=\"concept:name\" value=\"{id}\"/>\n{}\n{}\n</trace>\n",
            event("Queued", &format!("2024-01-0{day}T10:00:00Z")),
            event("Completed", &format!("2024-01-0{day}T12:00:00Z"))
        )
    };
    let body = format!(
        "<?xml version=\"1.0\"?>\n<log xes.version=\"1.0\">\n{}{}{}</log>\n",
        trace("INC1", 1),
        trace("  ", 2),
        trace("", 3)
    );
    let p = write(&dir, "log.xes", body.as_bytes());
    let got = import(&p, SourceFormat::Xes);
    let s = &got.summary;
    assert_eq!((s.rows_read, s.rows_rejected), (6, 4));
    assert_eq!(s.incidents_imported, 1);
    assert!(got.incidents.iter().all(|i| !i.incident_id.is_empty()));
    assert!(got
        .rejects
        .iter()
        .all(|r| r.reason == RejectReason::MissingId && r.column == "concept:name"));
}

/// An audit export's priority label that no rule understands leaves the priority empty and says so
/// (label and rows), as the other CSV importers do; it used to be counted and dropped unseen.
#[test]
fn audit_export_warns_about_priority_labels_it_does_not_understand() {
    let dir = tmpdir("audit-priority");
    let body = "number,incident_state,sys_mod_count,opened_at,sys_updated_at,priority\n\
INC1,New,0,29/2/2016 01:16,29/2/2016 01:23,Sehr hoch\n\
INC1,Resolved,1,29/2/2016 01:16,29/2/2016 09:00,Sehr hoch\n\
INC2,New,0,29/2/2016 02:00,29/2/2016 02:00,2 - High\n";
    let p = write(&dir, "audit.csv", body.as_bytes());
    let got = import(&p, SourceFormat::ServiceNowAudit);
    let s = &got.summary;
    assert_eq!((s.rows_read, s.rows_imported, s.rows_rejected), (3, 3, 0));
    let w: Vec<_> = s
        .warnings
        .iter()
        .filter(|w| w.contains("priority label"))
        .collect();
    assert_eq!(w.len(), 1, "{:?}", s.warnings);
    assert!(w[0].contains("'Sehr hoch' (2 rows)"), "{}", w[0]);
    assert_eq!(by_id(&got.incidents, "INC1").priority, None);
    assert_eq!(by_id(&got.incidents, "INC2").priority, Some(2));
}

#[test]
fn mapping_file_errors_name_the_field() {
    let dir = tmpdir("mapping");
    let csv = write(&dir, "x.csv", b"Ticket;Created\nT1;01.02.2024 10:00\n");
    let bad = write(
        &dir,
        "bad.toml",
        b"[columns]\nincident_id = \"Ticket\"\nopend_at = \"Created\"\n",
    );
    let opts = ImportOptions {
        format: SourceFormat::Mapping,
        mapping: Some(bad),
        ..Default::default()
    };
    let e = import_files(std::slice::from_ref(&csv), &opts)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("columns.opend_at") && e.contains("opened_at"),
        "{e}"
    );
    let typo = write(
        &dir,
        "typo.toml",
        b"date_fromat = \"%d\"\n[columns]\nincident_id = \"Ticket\"\n",
    );
    let opts = ImportOptions {
        format: SourceFormat::Mapping,
        mapping: Some(typo),
        ..Default::default()
    };
    let e = import_files(std::slice::from_ref(&csv), &opts)
        .unwrap_err()
        .to_string();
    assert!(e.contains("date_fromat"), "{e}");
    let good = write(&dir, "good.toml", b"date_format = \"%d.%m.%Y %H:%M\"\ntimezone = \"Europe/Berlin\"\n[columns]\nincident_id = \"Ticket\"\nopened_at = \"Created\"\n");
    let opts = ImportOptions {
        format: SourceFormat::Mapping,
        mapping: Some(good),
        ..Default::default()
    };
    let got = import_files(&[csv], &opts).unwrap();
    assert_eq!(got.incidents[0].opened_at, utc("2024-02-01T09:00:00Z"));
}

#[test]
fn wrong_empty_and_header_only_files() {
    let dir = tmpdir("wrong");
    let empty = write(&dir, "empty.csv", b"");
    let e = import_files(
        &[empty],
        &ImportOptions {
            format: SourceFormat::ServiceNow,
            ..Default::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("empty.csv") && e.contains("empty"), "{e}");
    let header_only = write(&dir, "h.csv", SN_HEADER.as_bytes());
    let got = import(&header_only, SourceFormat::ServiceNow);
    assert_eq!((got.summary.rows_read, got.incidents.len()), (0, 0));
    assert!(got
        .summary
        .warnings
        .iter()
        .any(|w| w.contains("no data rows")));
    let jira = write(
        &dir,
        "jira.csv",
        b"Issue key,Created\nHD-1,25/Feb/26 10:17 PM\n",
    );
    let e = import_files(
        &[jira],
        &ImportOptions {
            format: SourceFormat::PagerDuty,
            ..Default::default()
        },
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("jira.csv") && e.contains("incident_number") && e.contains("Issue key"),
        "{e}"
    );
    let binary = write(&dir, "x.parquet", b"PAR1\x00\x01\x02\x00");
    let e = import_files(&[binary], &ImportOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("x.parquet"), "{e}");
    let missing = dir.join("nope.csv");
    let e = import_files(&[missing], &ImportOptions::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("nope.csv"), "{e}");
}

#[test]
fn several_files_append_and_duplicates_across_files_are_rejected() {
    let dir = tmpdir("append");
    let a = write(
        &dir,
        "a.csv",
        format!("{SN_HEADER}INC1,2024-01-15 08:30:00,,,2 - High,N,SD,x,true,0,New\n").as_bytes(),
    );
    let b = write(&dir, "b.csv", format!("{SN_HEADER}INC2,2024-01-16 08:30:00,,,2 - High,N,SD,x,true,0,New\nINC1,2024-01-15 08:30:00,,,2 - High,N,SD,x,true,0,New\n").as_bytes());
    let got = import_files(&[a, b.clone()], &ImportOptions::default()).unwrap();
    assert_eq!(got.incidents.len(), 2);
    assert_eq!(got.rejects.len(), 1);
    assert_eq!(
        (got.rejects[0].file.as_str(), got.rejects[0].line),
        (b.to_str().unwrap(), 3)
    );
}

#[test]
fn cli_import_summary_json_and_rejects_file() {
    let dir = tmpdir("cli");
    let p = write(&dir, "sn.csv", format!("{SN_HEADER}INC1,2024-01-15 08:30:00,,,2 - High,N,SD,x,true,0,New\nINC2,bad,,,2 - High,=HYPERLINK(\"x\"),SD,x,true,0,New\n").as_bytes());
    let store = dir.join("store.parquet");
    let v = common::run_json([
        "import",
        p.to_str().unwrap(),
        "--format",
        "auto",
        "-o",
        store.to_str().unwrap(),
        "--output",
        "json",
    ]);
    assert_eq!(v["format"], "servicenow");
    assert_eq!(
        (
            v["rows_read"].as_u64(),
            v["incidents_imported"].as_u64(),
            v["rows_rejected"].as_u64()
        ),
        (Some(2), Some(1), Some(1))
    );
    assert_eq!(v["rejected_by_reason"]["bad_timestamp"], 1);
    let rejects = std::fs::read_to_string(dir.join("store.rejects.csv")).unwrap();
    assert!(rejects.starts_with("file,line,column,reason,detail"));
    assert!(rejects.contains(",3,opened_at,bad_timestamp,"), "{rejects}");
    let back = incidentlab::store::read_incidents(&store).unwrap();
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].incident_id, "INC1");

    let out = common::run_ok([
        "import",
        p.to_str().unwrap(),
        "-o",
        dir.join("s.arrow").to_str().unwrap(),
    ]);
    let text = common::stdout(&out);
    assert!(
        text.contains("read 2 rows → imported 1 incidents, rejected 1 rows (bad_timestamp 1)"),
        "{text}"
    );
    assert_eq!(
        incidentlab::store::read_incidents(&dir.join("s.arrow"))
            .unwrap()
            .len(),
        1
    );

    let (code, stderr) = common::run_err([
        "import",
        dir.join("missing.csv").to_str().unwrap(),
        "-o",
        store.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("missing.csv"));
    let (code, stderr) = common::run_err([
        "import",
        p.to_str().unwrap(),
        "--format",
        "mapping",
        "-o",
        store.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("--mapping"));
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// (id, opened, resolved, made_sla_reported, priority) as read by hand from the fixture.
type Expected<'a> = (&'a str, &'a str, Option<&'a str>, Option<bool>, Option<u8>);

/// `[rows_read, rows_imported, rows_rejected, blank_rows, cells_dropped]`, after checking that the
/// rows add up.
fn counts(got: &incidentlab::ingest::Imported) -> [u64; 5] {
    let s = &got.summary;
    assert_eq!(
        s.rows_read,
        s.rows_imported + s.rows_rejected + s.blank_rows,
        "rows add up"
    );
    assert_eq!(s.cells_dropped, got.dropped.len() as u64);
    [
        s.rows_read,
        s.rows_imported,
        s.rows_rejected,
        s.blank_rows,
        s.cells_dropped,
    ]
}

fn check_incidents(got: &incidentlab::ingest::Imported, expected: &[Expected]) {
    assert_eq!(got.incidents.len(), expected.len());
    for (id, opened, resolved, made, priority) in expected {
        let i = by_id(&got.incidents, id);
        assert_eq!(i.opened_at, utc(opened), "{id} opened_at");
        assert_eq!(i.resolved_at, resolved.map(utc), "{id} resolved_at");
        assert_eq!(i.made_sla_reported, *made, "{id} made_sla_reported");
        assert_eq!(i.priority, *priority, "{id} priority");
    }
}

#[test]
fn jira_cloud_export_keeps_every_incident_with_the_sla_flags_right() {
    // BOM, CRLF, three Labels columns, multi-line quoted description and comment, `3/Feb/26 9:05 AM`
    // dates, SLA remaining time as h:mm (negative when breached), satisfaction ratings, and 50 rows
    // of commas from a spreadsheet.
    let got = import(&fixture("jira-cloud.csv"), SourceFormat::Auto);
    assert_eq!(got.summary.files[0].format, "jira");
    assert_eq!(counts(&got), [55, 5, 0, 50, 0], "{:?}", got.rejects.first());
    assert_eq!(
        got.summary.line(),
        "read 55 rows → imported 5 incidents, rejected 0 rows, 50 blank rows skipped"
    );
    #[rustfmt::skip]
    let expected = [
        ("HD-101", "2026-02-03T09:05:00Z", Some("2026-02-03T11:07:00Z"), Some(true), Some(2)),
        ("HD-102", "2026-02-03T14:40:00Z", Some("2026-02-04T10:15:00Z"), Some(false), Some(3)),
        ("HD-103", "2026-02-10T00:01:00Z", Some("2026-02-10T03:30:00Z"), Some(false), Some(1)),
        ("HD-104", "2026-02-12T13:15:00Z", None, Some(true), Some(4)),
        ("HD-105", "2026-02-27T23:59:00Z", Some("2026-03-02T08:00:00Z"), Some(false), Some(3)),
    ];
    check_incidents(&got, &expected);
    let a = by_id(&got.incidents, "HD-101");
    assert_eq!(a.acknowledged_at, Some(utc("2026-02-03T09:20:00Z")));
    assert_eq!(a.assignment_group.as_deref(), Some("Network"));
    assert_eq!(a.category.as_deref(), Some("Report a system problem"));
    assert_eq!(a.source_line, 2);
    assert_eq!(
        by_id(&got.incidents, "HD-102").source_line,
        7,
        "HD-101 spans lines 2-6 (three line breaks in the description, one in a comment)"
    );
}

#[test]
fn jira_data_center_export_reads_every_sla_shape() {
    // No BOM, LF, `03/Feb/26` dates, SLA columns without the `Custom field (…)` prefix, remaining
    // time as `2h 30m`, `-45m`, `1d 2h 5m`, plain minutes; one unreadable SLA cell; three blank rows
    // of different widths.
    let got = import(&fixture("jira-datacenter.csv"), SourceFormat::Auto);
    assert_eq!(got.summary.files[0].format, "jira");
    assert_eq!(counts(&got), [11, 8, 0, 3, 1], "{:?}", got.rejects.first());
    #[rustfmt::skip]
    let expected = [
        ("SD-1", "2026-02-03T09:05:00Z", Some("2026-02-03T10:00:00Z"), Some(true), Some(1)),
        ("SD-2", "2026-02-03T13:00:00Z", Some("2026-02-03T17:45:00Z"), Some(false), Some(1)),
        ("SD-3", "2026-02-04T08:00:00Z", Some("2026-02-05T08:55:00Z"), Some(true), Some(4)),
        ("SD-4", "2026-02-05T07:30:00Z", Some("2026-02-05T11:50:00Z"), Some(false), Some(1)),
        ("SD-5", "2026-02-06T10:00:00Z", Some("2026-02-06T10:35:00Z"), Some(true), Some(5)),
        ("SD-6", "2026-02-07T15:00:00Z", Some("2026-02-08T08:30:00Z"), Some(false), Some(1)),
        ("SD-7", "2026-02-09T08:00:00Z", Some("2026-02-09T08:50:00Z"), None, Some(1)),
        ("SD-8", "2026-02-10T11:00:00Z", None, None, Some(4)),
    ];
    check_incidents(&got, &expected);
    assert_eq!(
        dropped_cells(&got),
        vec![(9, "Time to resolution", "overdue")]
    );
    let d = &got.dropped[0];
    assert!(
        d.detail.contains("h:mm") && d.detail.contains("minutes"),
        "{}",
        d.detail
    );
    let by_column = &got.summary.cells_dropped_by_column;
    assert_eq!(by_column.get("Time to resolution"), Some(&1));
}

#[test]
fn servicenow_export_with_an_unreadable_count_keeps_the_incident() {
    let got = import(&fixture("servicenow-export.csv"), SourceFormat::Auto);
    assert_eq!(got.summary.files[0].format, "servicenow");
    assert_eq!(counts(&got), [5, 3, 0, 2, 1]);
    let i = by_id(&got.incidents, "INC0010002");
    assert_eq!(
        i.reassignment_count, None,
        "the unreadable count is left empty"
    );
    assert_eq!(
        (i.reopen_count, i.made_sla_reported),
        (Some(0), Some(false))
    );
    assert_eq!(i.resolved_at, Some(utc("2024-03-01T17:30:00Z")));
    assert_eq!(dropped_cells(&got), vec![(3, "Reassignment count", "n.a.")]);
    assert_eq!(
        got.summary.line(),
        "read 5 rows → imported 3 incidents, rejected 0 rows, 2 blank rows skipped; 1 cell dropped (Reassignment count 1: field left empty, incident kept)"
    );
}

#[test]
fn mapping_export_with_an_unreadable_count_keeps_the_incident() {
    let opts = ImportOptions {
        format: SourceFormat::Mapping,
        mapping: Some(fixture("mapping-export.toml")),
        ..Default::default()
    };
    let got = import_files(&[fixture("mapping-export.csv")], &opts).unwrap();
    assert_eq!(counts(&got), [6, 4, 1, 1, 2]);
    assert_eq!(
        (got.rejects[0].line, got.rejects[0].reason),
        (6, RejectReason::ResolvedBeforeOpened),
        "a required check still rejects the row"
    );
    let t1 = by_id(&got.incidents, "T-1");
    assert_eq!(
        t1.opened_at,
        utc("2024-02-01T09:00:00Z"),
        "Europe/Berlin, UTC+1 in February"
    );
    assert_eq!(
        (t1.reassignment_count, t1.on_hold_hours),
        (Some(2), Some(1.5)),
        "1:30 on hold = 1.5 h"
    );
    let t2 = by_id(&got.incidents, "T-2");
    assert_eq!(
        (t2.reassignment_count, t2.on_hold_hours),
        (None, Some(2.25))
    );
    assert_eq!(t2.made_sla_reported, Some(false));
    let t3 = by_id(&got.incidents, "T-3");
    assert_eq!(
        (t3.resolved_at, t3.on_hold_hours),
        (None, None),
        "'-' and 'n/a' are missing"
    );
    let t4 = by_id(&got.incidents, "T-4");
    assert_eq!((t4.on_hold_hours, t4.priority), (None, Some(1)));
    assert_eq!(
        dropped_cells(&got),
        vec![(3, "Weiterleitungen", "zwei"), (5, "Wartezeit", "-0:30")]
    );
    assert!(
        got.dropped[1].detail.contains("negative"),
        "{}",
        got.dropped[1].detail
    );
}

#[test]
fn pagerduty_durations_go_through_the_one_parser() {
    let dir = tmpdir("pd-durations");
    let body = "id,created_at,resolved_at,service_name,seconds_to_first_ack,seconds_to_resolve\n\
P1,2025-03-01T10:00:00Z,,S,90,5400\n\
P2,2025-03-01T10:00:00Z,,S,0:02:30,1:30:00\n\
P3,2025-03-01T10:00:00Z,,S,soon,60\n\
P4,2025-03-01T10:00:00Z,,S,-5,60.5\n\
P5,2025-03-01T10:00:00Z,,S,10,later\n\
P6,2025-03-01T10:00:00Z,,S,99999999999999999999999,\n";
    let p = write(&dir, "pd.csv", body.as_bytes());
    let got = import(&p, SourceFormat::PagerDuty);
    let at = |s: &str| utc("2025-03-01T10:00:00Z") + (s.parse::<f64>().unwrap() * 1000.0) as i64;
    let i = |id| by_id(&got.incidents, id);
    assert_eq!(
        (i("P1").acknowledged_at, i("P1").resolved_at),
        (Some(at("90")), Some(at("5400")))
    );
    assert_eq!(
        (i("P2").acknowledged_at, i("P2").resolved_at),
        (Some(at("150")), Some(at("5400")))
    );
    assert_eq!(
        (i("P3").acknowledged_at, i("P3").resolved_at),
        (None, Some(at("60")))
    );
    assert_eq!(
        (i("P4").acknowledged_at, i("P4").resolved_at),
        (None, Some(at("60.5")))
    );
    assert_eq!((i("P6").acknowledged_at, i("P6").resolved_at), (None, None));
    let lines: Vec<(u64, &str)> = got
        .dropped
        .iter()
        .map(|d| (d.line, d.value.as_str()))
        .collect();
    assert_eq!(
        lines,
        vec![(4, "soon"), (5, "-5"), (7, "99999999999999999999999")]
    );
    assert!(
        got.dropped[2].detail.contains("100 years"),
        "{}",
        got.dropped[2].detail
    );
    // An unreadable seconds_to_resolve would give the resolution time: the row is rejected.
    assert_eq!(got.rejects.len(), 1);
    assert_eq!(
        (
            got.rejects[0].line,
            got.rejects[0].reason,
            got.rejects[0].column.as_str()
        ),
        (6, RejectReason::BadNumber, "seconds_to_resolve")
    );
}

#[test]
fn event_logs_skip_blank_rows_and_list_dropped_cells() {
    let dir = tmpdir("log-blank");
    let log = write(
        &dir,
        "log.csv",
        b"SR Number,Change Date+Time,Status,Sub Status\n1-1,2012-01-01T10:00:00+01:00,Accepted,In Progress\n,,,\n1-1,2012-01-01T12:00:00+01:00,Completed,Closed\n , ,,\n",
    );
    let got = import(&log, SourceFormat::Auto);
    assert_eq!(got.summary.files[0].format, "eventlog");
    assert_eq!(counts(&got), [4, 2, 0, 2, 0]);
    assert_eq!((got.incidents.len(), got.events.len()), (1, 2));

    let audit = write(
        &dir,
        "audit.csv",
        b"number,incident_state,sys_mod_count,opened_at,sys_updated_at,reassignment_count\n\
INC1,New,0,29/2/2016 01:16,29/2/2016 01:23,0\n\
INC1,Active,1,29/2/2016 01:16,29/2/2016 02:00,lots\n\
,,,,,\n",
    );
    let got = import(&audit, SourceFormat::ServiceNowAudit);
    assert_eq!(counts(&got), [3, 2, 0, 1, 1]);
    assert_eq!(
        got.incidents[0].reassignment_count, None,
        "the latest row's count was unreadable"
    );
    assert_eq!(
        (got.dropped[0].line, got.dropped[0].value.as_str()),
        (3, "lots")
    );
}

/// Runs `incidentlab import ARGS…` and returns its standard output, checking that it succeeded.
fn run_import(args: &[&str]) -> String {
    let out = common::bin().arg("import").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn cli_import_reports_blank_rows_dropped_cells_and_empty_imports() {
    let dir = tmpdir("cli-blank");
    let path = |name: &str| dir.join(name).to_str().unwrap().to_string();
    let cloud = fixture("jira-cloud.csv");
    let text = run_import(&[cloud.to_str().unwrap(), "-o", &path("cloud.parquet")]);
    assert!(
        text.contains("format jira (detected), 55 rows (50 blank)\n"),
        "{text}"
    );
    assert!(
        text.contains(
            "\nread 55 rows → imported 5 incidents, rejected 0 rows, 50 blank rows skipped\n"
        ),
        "{text}"
    );
    assert!(!dir.join("cloud.rejects.csv").exists(), "nothing to list");

    let dc = fixture("jira-datacenter.csv");
    let json = run_import(&[
        dc.to_str().unwrap(),
        "-o",
        &path("dc.parquet"),
        "--output",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let n = |k: &str| v[k].as_u64();
    assert_eq!(
        (n("rows_read"), n("incidents_imported"), n("rows_rejected")),
        (Some(11), Some(8), Some(0))
    );
    assert_eq!((n("blank_rows"), n("cells_dropped")), (Some(3), Some(1)));
    assert_eq!(v["cells_dropped_by_column"]["Time to resolution"], 1);
    assert_eq!(v["files"][0]["blank_rows"], 3);
    let rejects = std::fs::read_to_string(dir.join("dc.rejects.csv")).unwrap();
    assert!(
        rejects.starts_with("file,line,column,reason,detail,value\n"),
        "{rejects}"
    );
    let row = rejects.lines().nth(1).unwrap();
    assert!(
        row.contains(",9,Time to resolution,field_dropped,") && row.ends_with(",overdue"),
        "{row}"
    );
    let stored = incidentlab::store::read_incidents(&dir.join("dc.parquet")).unwrap();
    assert_eq!(stored.len(), 8);

    // Rows read but none imported: said in the text summary, not passed over.
    let p = write(
        &dir,
        "none.csv",
        format!("{SN_HEADER},,,,,,,,,,\nINC1,bad,,,,,,,,,\n").as_bytes(),
    );
    let text = run_import(&[p.to_str().unwrap(), "-o", &path("none.parquet")]);
    assert!(
        text.contains("read 2 rows → imported 0 incidents, rejected 1 rows (bad_timestamp 1), 1 blank rows skipped"),
        "{text}"
    );
    assert!(
        text.contains(
            "warning: no incident was imported: of 2 rows read, 1 were rejected and 1 blank"
        ),
        "{text}"
    );
}
