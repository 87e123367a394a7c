//! The streaming import (`import_to_store`, what `incidentlab import` runs) against the in-memory
//! import (`import_files`) as the reference: any chunk size, down to one row per chunk, gives the
//! same store, summary, rejects and dropped cells; duplicates are found across chunks and files;
//! forced hash collisions (2-bit id hashes) are still settled exactly by comparing the ids.

use std::path::{Path, PathBuf};

use incidentlab::generate::{generate, write_export, GenerateOptions, GeneratorModel};
use incidentlab::ingest::stream::{StreamOptions, DEFAULT_SCAN_BYTES};
use incidentlab::ingest::{import_files, import_to_store, ImportOptions, Imported, SourceFormat};
use incidentlab::schema::Incident;
use incidentlab::store::read_incidents;

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("incidentlab-stream-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Two ServiceNow-shaped files (14 columns, day-first dates, `?` for missing) with duplicates in
/// and across files (identical and conflicting), rejects of every row-level kind, dropped cells and
/// blank rows.
fn messy_exports(dir: &Path) -> Vec<PathBuf> {
    let header = "number,opened_at,resolved_at,closed_at,priority,impact,urgency,category,subcategory,assignment_group,assigned_to,contact_type,reassignment_count,incident_state\r\n";
    let mut a = String::from(header);
    for k in 0..40 {
        a.push_str(&format!(
            "INC{k:04},0{}/03/2016 1{}:05,1{}/03/2016 10:00,?,{} - Low,2 - Medium,2 - Medium,Category {},?,Group {},Resolver {k},Phone,{},Closed\r\n",
            1 + k % 9,
            k % 10,
            k % 10,
            1 + k % 4,
            k % 3,
            k % 5,
            k % 4
        ));
    }
    let extra = [
        // identical duplicate of INC0003 (line 5)
        "INC0003,04/03/2016 13:05,13/03/2016 10:00,?,4 - Low,2 - Medium,2 - Medium,Category 0,?,Group 3,Resolver 3,Phone,3,Closed",
        // conflicting duplicate of INC0001: another category
        "INC0001,02/03/2016 11:05,11/03/2016 10:00,?,2 - Low,2 - Medium,2 - Medium,Category 9,?,Group 1,Resolver 1,Phone,1,Closed",
        "INC0100,32/03/2016 10:00,?,?,1 - Critical,?,?,?,?,?,?,?,?,New",
        "INC0101,05/03/2016 10:00,04/03/2016 10:00,?,1 - Critical,?,?,?,?,?,?,?,?,Resolved",
        ",05/03/2016 10:00,?,?,1 - Critical,?,?,?,?,?,?,?,?,New",
        "INC0102,05/03/2016 10:00,?,?,1 - Critical,?,?,?,?,?,?,?,many,New",
        "INC0103,05/03/2016 10:00",
        ",,,,,,,,,,,,,",
        "INC0104,?,?,?,3 - Moderate,?,?,?,?,?,?,?,?,New",
        // a duplicate whose first row was rejected is not a duplicate: INC0100 is new here
        "INC0100,06/03/2016 10:00,?,?,1 - Critical,?,?,?,?,?,?,?,?,New",
    ];
    for row in extra {
        a.push_str(row);
        a.push_str("\r\n");
    }
    let mut b = String::from(header);
    // Across files: INC0005 again (conflict), INC0100 again (now a duplicate), new ones.
    b.push_str("INC0005,06/03/2016 15:05,15/03/2016 10:00,?,2 - High,2 - Medium,2 - Medium,Category 2,?,Group 0,Resolver 5,Phone,1,Closed\r\n");
    b.push_str("INC0100,06/03/2016 10:00,?,?,1 - Critical,?,?,?,?,?,?,?,?,New\r\n");
    for k in 200..230 {
        b.push_str(&format!(
            "INC{k:04},1{}/04/2016 08:00,?,?,3 - Moderate,?,?,Category 1,Sub,Group 1,?,Email,?,Active\r\n",
            k % 10
        ));
    }
    let (pa, pb) = (dir.join("a.csv"), dir.join("b.csv"));
    std::fs::write(&pa, a).unwrap();
    std::fs::write(&pb, b).unwrap();
    vec![pa, pb]
}

fn opts(format: SourceFormat) -> ImportOptions {
    ImportOptions {
        format,
        ..Default::default()
    }
}

/// Imports `paths` both ways and checks that everything the user sees is the same; returns the
/// reference import. With full 64-bit hashes the store keeps the input order exactly.
fn same_both_ways(
    dir: &Path,
    paths: &[PathBuf],
    o: &ImportOptions,
    stream: StreamOptions,
    ext: &str,
) -> Imported {
    let reference = import_files(paths, o).unwrap();
    let store = dir.join(format!(
        "store-{}-{}-{}.{ext}",
        stream.chunk_rows, stream.id_hash_bits, stream.scan_bytes
    ));
    let got = import_to_store(paths, o, &store, stream).unwrap();
    let tag = format!("{stream:?} {ext}");
    let js = |i: &Imported| serde_json::to_value(&i.summary).unwrap();
    assert_eq!(js(&got.imported), js(&reference), "summary, {tag}");
    assert_eq!(got.imported.rejects, reference.rejects, "rejects, {tag}");
    assert_eq!(
        got.imported.dropped, reference.dropped,
        "dropped cells, {tag}"
    );
    assert!(!store.exists(), "nothing at the store path before commit");
    let events_store = got.events_store.clone();
    got.staged.commit().unwrap();
    let mut back = read_incidents(&store).unwrap();
    let mut want = reference.incidents.clone();
    if stream.id_hash_bits < 64 {
        // Ids promoted after a hash collision come last: compare as sets.
        let by_id = |v: &mut Vec<Incident>| v.sort_by(|a, b| a.incident_id.cmp(&b.incident_id));
        by_id(&mut back);
        by_id(&mut want);
    }
    assert_eq!(back, want, "store, {tag}");
    match events_store {
        Some(p) => {
            let ev = incidentlab::store::read_frame(&p).unwrap();
            assert_eq!(ev.height(), reference.events.len(), "events, {tag}");
        }
        None => assert!(reference.events.is_empty()),
    }
    let leftovers: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("staging"))
        .collect();
    assert!(leftovers.is_empty(), "staged files left: {leftovers:?}");
    reference
}

#[test]
fn tiny_chunks_give_the_one_chunk_import_with_duplicates_across_chunks_and_files() {
    let dir = tmpdir("messy");
    let paths = messy_exports(&dir);
    let o = opts(SourceFormat::ServiceNow);
    let mut reference = None;
    for chunk_rows in [1, 2, 3, 7, 1_000_000] {
        for bits in [64, 2] {
            // The duplicate check reads the store in slices of row groups: one per query (1 byte),
            // a few, or all at once.
            for scan_bytes in [1, 1500, DEFAULT_SCAN_BYTES] {
                let stream = StreamOptions {
                    chunk_rows,
                    id_hash_bits: bits,
                    scan_bytes,
                };
                reference = Some(same_both_ways(&dir, &paths, &o, stream, "parquet"));
            }
        }
    }
    // The reference itself is what the fixture says (hand-counted).
    let r = reference.unwrap();
    let s = &r.summary;
    let reasons: Vec<(&str, u64)> = s
        .rejected_by_reason
        .iter()
        .map(|(k, v)| (k.as_str(), *v))
        .collect();
    assert_eq!(
        reasons,
        vec![
            ("bad_timestamp", 1),
            ("duplicate_conflict", 2),
            ("duplicate_identical", 2),
            ("field_count", 1),
            ("missing_id", 1),
            ("missing_opened_at", 1),
            ("resolved_before_opened", 1),
        ]
    );
    assert_eq!((s.rows_read, s.blank_rows), (82, 1));
    assert_eq!(s.incidents_imported, 40 + 2 + 30);
    assert_eq!(
        s.rows_read,
        s.rows_imported + s.rows_rejected + s.blank_rows
    );
    // INC0102's unreadable count is dropped, the incident kept.
    assert_eq!(s.cells_dropped, 1);
    let dup = |file: &str, line: u64| {
        r.rejects
            .iter()
            .find(|x| x.file.ends_with(file) && x.line == line)
            .map(|x| (x.reason.name(), x.detail.clone()))
            .unwrap()
    };
    assert_eq!(
        dup("a.csv", 42),
        ("duplicate_identical", "same as the row at line 5".into())
    );
    let (reason, detail) = dup("a.csv", 43);
    assert_eq!(reason, "duplicate_conflict");
    assert!(
        detail.contains("INC0001 already imported from line 3; differs in category"),
        "{detail}"
    );
    let (reason, detail) = dup("b.csv", 2);
    assert_eq!(reason, "duplicate_conflict");
    assert!(detail.contains("from line 7; differs in"), "{detail}");
    // INC0100's first row (line 44) was rejected, so line 51 is its first: b.csv's copy repeats it.
    assert_eq!(dup("a.csv", 44).0, "bad_timestamp");
    assert_eq!(
        dup("b.csv", 3),
        ("duplicate_identical", "same as the row at line 51".into())
    );
}

#[test]
fn generated_exports_of_every_format_stream_the_same() {
    let dir = tmpdir("gen");
    let g = GenerateOptions {
        incidents: 300,
        seed: 5,
        model: GeneratorModel::Independent,
        ..Default::default()
    };
    let incidents = generate(&g).unwrap();
    for format in [
        SourceFormat::ServiceNow,
        SourceFormat::Jira,
        SourceFormat::PagerDuty,
        SourceFormat::EventLog,
        SourceFormat::ServiceNowAudit,
        SourceFormat::Xes,
    ] {
        let ext = if format == SourceFormat::Xes {
            "xes"
        } else {
            "csv"
        };
        let path = dir.join(format!("{}.{ext}", format.name()));
        write_export(format, &incidents, &path, &g).unwrap();
        // The same file twice: every incident of the second copy is a duplicate.
        let paths = vec![path.clone(), path];
        for chunk_rows in [1, 16] {
            for bits in [64, 3] {
                let stream = StreamOptions {
                    chunk_rows,
                    id_hash_bits: bits,
                    scan_bytes: if bits == 64 { DEFAULT_SCAN_BYTES } else { 1 },
                };
                let sub = dir.join(format!("{}-{chunk_rows}-{bits}", format.name()));
                std::fs::create_dir_all(&sub).unwrap();
                let r = same_both_ways(&sub, &paths, &opts(format), stream, "parquet");
                assert_eq!(r.summary.incidents_imported, 300, "{format:?}");
            }
        }
    }
}

#[test]
fn arrow_stores_and_dropped_staging_files() {
    let dir = tmpdir("arrow");
    let paths = messy_exports(&dir);
    let o = opts(SourceFormat::Auto);
    same_both_ways(&dir, &paths, &o, StreamOptions::default(), "arrow");
    // Not committed (an error or --strict after the import): no store, no staged file left.
    let store = dir.join("never.parquet");
    let got = import_to_store(&paths, &o, &store, StreamOptions::default()).unwrap();
    drop(got);
    assert!(!store.exists());
    assert!(std::fs::read_dir(&dir).unwrap().all(|e| !e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .contains("staging")));
}
