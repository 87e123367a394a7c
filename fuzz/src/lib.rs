//! The fuzz entry points, shared by the libFuzzer targets (`fuzz/fuzz_targets/*.rs`) and the corpus
//! replay that `cargo test --release` runs (`tests/fuzz_corpus.rs` includes this file).
//!
//! Each function takes arbitrary bytes, runs one parser exactly as the command line would, and
//! panics only when an invariant breaks (a panic inside the parser, or a result that contradicts
//! its definition): the fuzzer reports such a panic as a crash.
//!
//! Importers read files, so the bytes are written to a per-thread scratch file first (under
//! `$TMPDIR`; the fuzz runs point it at `/dev/shm`). `import_files` parses and checks but writes no
//! Parquet, which keeps one execution in the tens of microseconds.

use std::cell::RefCell;
use std::path::PathBuf;

use incidentlab::ingest::duration::{parse_duration, DurationUnits, MAX_HOURS};
use incidentlab::ingest::{self, ImportOptions, SourceFormat};
use incidentlab::metrics::sla::SlaPolicy;
use incidentlab::timeparse::{parse_tz, DateOrder, TimeParser};

/// A fuzz target: its name and its entry point.
pub type Target = (&'static str, fn(&[u8]));

/// The fuzz targets, by name (`fuzz/corpus/<name>/`), and what each one calls.
pub const TARGETS: &[Target] = &[
    ("import_servicenow", import_servicenow),
    ("import_audit", import_audit),
    ("import_jira", import_jira),
    ("import_pagerduty", import_pagerduty),
    ("import_eventlog", import_eventlog),
    ("import_xes", import_xes),
    ("import_mapping", import_mapping),
    ("import_auto", import_auto),
    ("timestamp", timestamp),
    ("duration", duration),
    ("scenario", scenario),
    ("sla_policy", sla_policy),
    ("desk", desk),
];

thread_local! {
    static SCRATCH: RefCell<Option<PathBuf>> = const { RefCell::new(None) };
}

/// A scratch directory private to this process and thread.
fn scratch_dir() -> PathBuf {
    SCRATCH.with(|s| {
        s.borrow_mut()
            .get_or_insert_with(|| {
                let id = format!("{:?}", std::thread::current().id())
                    .chars()
                    .filter(char::is_ascii_digit)
                    .collect::<String>();
                let d = std::env::temp_dir()
                    .join(format!("incidentlab-fuzz-{}-{id}", std::process::id()));
                std::fs::create_dir_all(&d).expect("cannot create the fuzz scratch directory");
                d
            })
            .clone()
    })
}

fn scratch_file(name: &str, bytes: &[u8]) -> PathBuf {
    let p = scratch_dir().join(name);
    std::fs::write(&p, bytes).expect("cannot write the fuzz scratch file");
    p
}

/// Imports `bytes` as one file of `format` and checks the accounting of the summary.
pub fn import_as(format: SourceFormat, file_name: &str, bytes: &[u8], opts: ImportOptions) {
    let path = scratch_file(file_name, bytes);
    let opts = ImportOptions { format, ..opts };
    check_import(ingest::import_files(&[path], &opts));
}

/// The invariants of an import result: every row read is imported, rejected or blank; counts agree
/// with the lists; every reject names a line; an error renders as a message.
pub fn check_import(result: incidentlab::Result<ingest::Imported>) {
    let imp = match result {
        Ok(imp) => imp,
        Err(e) => {
            let msg = e.to_string();
            assert!(!msg.is_empty(), "an error without a message");
            return;
        }
    };
    let s = &imp.summary;
    assert_eq!(
        s.rows_read,
        s.rows_imported + s.rows_rejected + s.blank_rows,
        "read != imported + rejected + blank: {}",
        s.line()
    );
    assert_eq!(s.rows_rejected, imp.rejects.len() as u64);
    assert_eq!(s.incidents_imported, imp.incidents.len() as u64);
    assert_eq!(s.events_imported, imp.events.len() as u64);
    assert_eq!(s.cells_dropped, imp.dropped.len() as u64);
    assert!(s.incidents_imported <= s.rows_imported);
    let by_reason: u64 = s.rejected_by_reason.values().sum();
    assert_eq!(by_reason, s.rows_rejected);
    let per_file: u64 = s.files.iter().map(|f| f.rows_read).sum();
    assert_eq!(per_file, s.rows_read);
    for r in &imp.rejects {
        assert!(!r.detail.is_empty(), "a reject without a reason: {r:?}");
    }
    let mut ids = std::collections::HashSet::new();
    for inc in &imp.incidents {
        assert!(
            !inc.incident_id.trim().is_empty(),
            "an incident without an id"
        );
        assert!(
            ids.insert(inc.incident_id.as_str()),
            "duplicate id {}",
            inc.incident_id
        );
    }
    let _ = s.line();
}

fn brussels() -> ImportOptions {
    ImportOptions {
        timezone: parse_tz("Europe/Brussels").ok(),
        ..ImportOptions::default()
    }
}

pub fn import_servicenow(data: &[u8]) {
    import_as(SourceFormat::ServiceNow, "in.csv", data, brussels());
}
pub fn import_audit(data: &[u8]) {
    import_as(
        SourceFormat::ServiceNowAudit,
        "in.csv",
        data,
        ImportOptions::default(),
    );
}
pub fn import_jira(data: &[u8]) {
    import_as(SourceFormat::Jira, "in.csv", data, brussels());
}
pub fn import_pagerduty(data: &[u8]) {
    import_as(
        SourceFormat::PagerDuty,
        "in.csv",
        data,
        ImportOptions::default(),
    );
}
pub fn import_eventlog(data: &[u8]) {
    let opts = ImportOptions {
        date_order: Some(DateOrder::MonthFirst),
        timezone: parse_tz("America/New_York").ok(),
        ..ImportOptions::default()
    };
    import_as(SourceFormat::EventLog, "in.csv", data, opts);
}
pub fn import_xes(data: &[u8]) {
    import_as(SourceFormat::Xes, "in.xes", data, ImportOptions::default());
}
/// Format detection, then the detected importer, with Latin-1 and replaced bad bytes.
pub fn import_auto(data: &[u8]) {
    let opts = ImportOptions {
        encoding: ingest::Encoding::Latin1,
        encoding_errors: ingest::EncodingErrors::Replace,
        ..ImportOptions::default()
    };
    import_as(SourceFormat::Auto, "in.csv", data, opts);
}

/// The line that separates the mapping file from the CSV export in an `import_mapping` input.
pub const MAPPING_SEPARATOR: &[u8] = b"\n#--- csv ---\n";

/// `mapping TOML` + [`MAPPING_SEPARATOR`] + `CSV export`: loads the mapping (as `--mapping` does)
/// and imports the CSV through it. Without the separator the whole input is the mapping.
pub fn import_mapping(data: &[u8]) {
    let (toml, csv) = match data
        .windows(MAPPING_SEPARATOR.len())
        .position(|w| w == MAPPING_SEPARATOR)
    {
        Some(k) => (&data[..k], &data[k + MAPPING_SEPARATOR.len()..]),
        None => (data, &b"id,opened\n1,2024-01-01 00:00\n"[..]),
    };
    let map = scratch_file("map.toml", toml);
    let mut opts = ImportOptions {
        format: SourceFormat::Mapping,
        mapping: Some(map.clone()),
        ..ImportOptions::default()
    };
    if let Err(e) = ingest::mapping::load(&map, &mut opts) {
        assert!(!e.to_string().is_empty());
        return;
    }
    let path = scratch_file("in.csv", csv);
    check_import(ingest::import_files(&[path], &opts));
}

/// The timestamp parser under several zones and orders; an accepted instant, written back as ISO
/// UTC, must parse to itself.
pub fn timestamp(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (format, value) = match text.split_once('\n') {
        Some((f, v)) => (Some(f.to_string()), v),
        None => (None, text),
    };
    let iso = TimeParser::default();
    for zone in [
        "UTC",
        "Europe/Brussels",
        "America/New_York",
        "Australia/Lord_Howe",
    ] {
        let tz = parse_tz(zone).expect("a known zone");
        for order in [DateOrder::DayFirst, DateOrder::MonthFirst] {
            let p = TimeParser::new(format.clone(), tz, order);
            let Ok(ms) = p.parse(value) else {
                continue;
            };
            let Some(t) = chrono::DateTime::from_timestamp_millis(ms) else {
                panic!("{value:?} parsed to {ms} ms, outside chrono's range");
            };
            let back = t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
            if (0..=9999).contains(&chrono::Datelike::year(&t)) {
                assert_eq!(iso.parse(&back), Ok(ms), "{value:?} in {zone} → {back}");
            }
        }
    }
}

/// The duration reader for the three sources' units: the sign is kept, the magnitude is within
/// [0, MAX_HOURS].
pub fn duration(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for units in [
        DurationUnits::JIRA,
        DurationUnits::SECONDS,
        DurationUnits::HOURS,
    ] {
        match parse_duration(text, units) {
            Ok(d) => {
                assert!(d.magnitude_ms >= 0, "{text:?} → {d:?}");
                assert!(
                    d.magnitude_ms as f64 <= MAX_HOURS * 3.6e6 + 1.0,
                    "{text:?} → {d:?} is above MAX_HOURS"
                );
                assert_eq!(d.millis().abs(), d.magnitude_ms);
            }
            Err(e) => assert!(!e.is_empty()),
        }
    }
}

/// Scenario TOML: parse, then compile (the checks `simulate` runs before any replication).
pub fn scenario(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(s) = incidentlab::sim::model::parse(text) {
        let _ = incidentlab::sim::model::compile(&s);
    }
}

/// SLA policy TOML; an accepted policy's clock over a month is within [0, elapsed].
pub fn sla_policy(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(mut policy) = SlaPolicy::parse(text) else {
        return;
    };
    const DAY: i64 = 86_400_000;
    // 2024-03-25 .. 2024-04-05 covers the spring DST change in Europe and the US.
    let (from, to) = (1_711_324_800_000, 1_711_324_800_000 + 11 * DAY + 3_600_000);
    for t in policy.targets.values() {
        let ms = t.ms(from, to);
        assert!(
            (0..=to - from).contains(&ms),
            "clock {ms} ms over {} ms",
            to - from
        );
        assert!(t.resolution_ms >= 0);
    }
    policy.prepare(from - DAY, to + DAY);
    for t in policy.targets.values() {
        let ms = t.ms(from, to);
        assert!(
            (0..=to - from).contains(&ms),
            "table clock {ms} ms over {} ms",
            to - from
        );
    }
}

/// Desk TOML: parse, then compile, then locate a compile error's field (as `load_desk` does).
pub fn desk(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(spec) = incidentlab::sim::desk::parse_desk(text) {
        if let Err(e) = incidentlab::sim::desk::compile(&spec) {
            let _ = incidentlab::sim::desk::replicate::locate_field(text, &e.field);
        }
    }
}

/// Runs the target named by the `FUZZ_TARGET` environment variable (read once); for `fuzz_all`.
pub fn by_env(data: &[u8]) {
    static CHOSEN: std::sync::OnceLock<fn(&[u8])> = std::sync::OnceLock::new();
    let run = CHOSEN.get_or_init(|| {
        let name = std::env::var("FUZZ_TARGET").unwrap_or_default();
        match TARGETS.iter().find(|(n, _)| *n == name) {
            Some((_, f)) => *f,
            None => panic!(
                "FUZZ_TARGET={name:?}: expected one of {:?}",
                TARGETS.iter().map(|t| t.0).collect::<Vec<_>>()
            ),
        }
    });
    run(data)
}
