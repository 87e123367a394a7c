//! Importers end to end: round trips from the generator for every format, each format's quirks on
//! small hand-written fixtures, the real BPIC 2013 log, and the command line.

mod common;

use std::path::{Path, PathBuf};

use incidentlab::generate::{expected_after_import, generate, write_export, GenerateOptions};
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
    let dir = tmpdir("roundtrip");
    let opts = GenerateOptions {
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
        let got = import_files(&[path.clone()], &io).unwrap();
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
    assert_eq!(ids, vec!["INC1", "INC2", "INC8"]);
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
    assert_eq!(reason_at(11), Some(RejectReason::BadBoolean));
    assert_eq!(reason_at(12), Some(RejectReason::BadNumber));
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
    let e = import_files(&[csv.clone()], &opts).unwrap_err().to_string();
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
    let e = import_files(&[csv.clone()], &opts).unwrap_err().to_string();
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
