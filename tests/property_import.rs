//! Property test (issue 12): over randomly mutated copies of every shipped sample and fixture,
//! `import` never panics and its summary adds up: `rows_read = rows_imported + rows_rejected +
//! blank_rows`, the per-reason and per-file counts agree with the lists (the checks are the fuzz
//! harness's, `fuzz/src/lib.rs`). Mutations that leave the header alone must not turn the file into
//! an error: a bad row is a reject, never the end of the import.

use std::path::{Path, PathBuf};

use incidentlab::ingest::{self, ImportOptions, SourceFormat};
use proptest::prelude::*;

#[allow(dead_code)]
#[path = "../fuzz/src/lib.rs"]
mod harness;

/// A sample: its path, format, mapping file (for `mapping`) and how many lines of it to keep.
struct Sample {
    path: &'static str,
    format: SourceFormat,
    mapping: Option<&'static str>,
    lines: usize,
}

const SAMPLES: &[Sample] = &[
    Sample {
        path: "datasets/sample-servicenow.csv",
        format: SourceFormat::ServiceNow,
        mapping: None,
        lines: 40,
    },
    Sample {
        path: "tests/fixtures/servicenow-export.csv",
        format: SourceFormat::ServiceNow,
        mapping: None,
        lines: 40,
    },
    Sample {
        path: "datasets/sample-servicenow-audit.csv",
        format: SourceFormat::ServiceNowAudit,
        mapping: None,
        lines: 60,
    },
    Sample {
        path: "datasets/sample-jira.csv",
        format: SourceFormat::Jira,
        mapping: None,
        lines: 40,
    },
    Sample {
        path: "tests/fixtures/jira-cloud.csv",
        format: SourceFormat::Jira,
        mapping: None,
        lines: 40,
    },
    Sample {
        path: "tests/fixtures/jira-datacenter.csv",
        format: SourceFormat::Jira,
        mapping: None,
        lines: 40,
    },
    Sample {
        path: "datasets/sample-pagerduty.csv",
        format: SourceFormat::PagerDuty,
        mapping: None,
        lines: 40,
    },
    Sample {
        path: "datasets/sample-eventlog.csv",
        format: SourceFormat::EventLog,
        mapping: None,
        lines: 60,
    },
    Sample {
        path: "datasets/bpic2013-excerpt.csv",
        format: SourceFormat::EventLog,
        mapping: None,
        lines: 60,
    },
    Sample {
        path: "datasets/sample-mapping.csv",
        format: SourceFormat::Mapping,
        mapping: Some("datasets/mapping-example.toml"),
        lines: 40,
    },
    Sample {
        path: "tests/fixtures/mapping-export.csv",
        format: SourceFormat::Mapping,
        mapping: Some("tests/fixtures/mapping-export.toml"),
        lines: 40,
    },
    Sample {
        path: "datasets/sample.xes",
        format: SourceFormat::Xes,
        mapping: None,
        lines: 0,
    },
];

fn root(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// The first `lines` lines of a CSV sample, or the first three traces of an XES one (closed again).
fn head(s: &Sample) -> Vec<u8> {
    let all = std::fs::read(root(s.path)).unwrap();
    if s.format == SourceFormat::Xes {
        let text = String::from_utf8(all).unwrap();
        let cut = text
            .match_indices("</trace>")
            .nth(2)
            .map(|(k, _)| k + 8)
            .unwrap();
        return format!("{}\n</log>\n", &text[..cut]).into_bytes();
    }
    let mut out = Vec::new();
    for line in all.split_inclusive(|&b| b == b'\n').take(s.lines) {
        out.extend_from_slice(line);
    }
    out
}

const JUNK: &[&str] = &[
    "2024-02-30 10:00:00",
    "31/13/2024 10:00",
    "yesterday",
    "9999-99-99",
    "2024-03-31 02:30:00",
    "",
    " ",
    "?",
    "NaN",
    "-1",
    "1e400",
    "99999999999999999999",
    "=cmd()",
    "\u{FEFF}",
    "\"",
    "\"\"\"",
    "é",
    "\u{7}x",
    "1:75",
    "-0:00",
    "2 hours 30 minutes",
    "<trace>",
    "&amp;",
    "&bogus;",
];

/// One random edit. `at` and `arg` are reduced modulo whatever they index.
#[derive(Debug, Clone)]
struct Edit {
    kind: u8,
    at: usize,
    arg: usize,
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    prop::collection::vec(
        (0u8..16, any::<usize>(), any::<usize>()).prop_map(|(kind, at, arg)| Edit {
            kind,
            at,
            arg,
        }),
        1..8,
    )
}

/// Applies the edits to the data lines (never line 0, the header, unless `kind` 15 touches it).
/// Returns whether the header was changed.
fn mutate(bytes: &[u8], delim: u8, edits: &[Edit]) -> (Vec<u8>, bool) {
    let mut lines: Vec<Vec<u8>> = bytes.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
    let mut header_touched = false;
    let mut tail_cut: Option<usize> = None;
    for e in edits {
        let n = lines.len().max(2);
        let i = 1 + e.at % (n - 1);
        if i >= lines.len() {
            lines.push(Vec::new());
        }
        let junk = JUNK[e.arg % JUNK.len()].as_bytes();
        let line = &mut lines[i];
        let mut cells: Vec<Vec<u8>> = line.split(|&b| b == delim).map(<[u8]>::to_vec).collect();
        let c = e.arg % cells.len();
        match e.kind {
            0 => {
                cells.remove(c);
            }
            1 => {
                let dup = cells[c].clone();
                cells.insert(c, dup);
            }
            2 => {
                let len = cells[c].len();
                cells[c].truncate(len / 2);
            }
            3 | 4 => cells[c] = junk.to_vec(),
            5 => {
                let k = e.arg % (line.len() + 1);
                line.insert(k, b'"');
            }
            6 => {
                lines.remove(i);
            }
            7 => {
                let dup = line.clone();
                lines.insert(i, dup);
            }
            8 => lines.insert(i, [&b""[..], b" ", b",,,", b" ;\t; "][e.arg % 4].to_vec()),
            9 => {
                if line.last() != Some(&b'\r') {
                    line.push(b'\r');
                }
            }
            10 => {
                let k = e.arg % (line.len() + 1);
                line.splice(k..k, [0xEF, 0xBB, 0xBF]);
            }
            11 => {
                let k = e.arg % (line.len() + 1);
                let b = [0xFF, 0xC3, b'\t', b'\r', b';', b',', b'<', b'&', 0x80][e.at % 9];
                line.insert(k, b);
            }
            12 => {
                let k = e.arg % (line.len() + 1);
                line.truncate(k);
            }
            13 => tail_cut = Some(e.arg),
            14 => {
                let l = e.arg % (line.len() + 1);
                line.splice(l..l, junk.iter().copied());
            }
            _ => {
                // The header: drop, duplicate or garble one of its names.
                header_touched = true;
                let mut h: Vec<Vec<u8>> = lines[0]
                    .split(|&b| b == delim)
                    .map(<[u8]>::to_vec)
                    .collect();
                let c = e.arg % h.len();
                match e.at % 3 {
                    0 => {
                        h.remove(c);
                    }
                    1 => {
                        let d = h[c].clone();
                        h.push(d);
                    }
                    _ => h[c] = junk.to_vec(),
                }
                lines[0] = h.join(&delim);
                continue;
            }
        }
        if matches!(e.kind, 0..=4) {
            lines[i] = cells.join(&delim);
        }
    }
    let mut out = lines.join(&b'\n');
    if let Some(cut) = tail_cut {
        let header_end = out
            .iter()
            .position(|&b| b == b'\n')
            .map_or(out.len(), |k| k + 1);
        let keep = header_end + cut % (out.len() - header_end + 1);
        out.truncate(keep);
    }
    (out, header_touched)
}

fn options(s: &Sample, dir: &Path) -> ImportOptions {
    let mut opts = ImportOptions {
        format: s.format,
        ..ImportOptions::default()
    };
    if let Some(m) = s.mapping {
        // Loaded from a copy so that a relative path inside it cannot matter.
        let copy = dir.join("map.toml");
        std::fs::copy(root(m), &copy).unwrap();
        opts.mapping = Some(copy.clone());
        ingest::mapping::load(&copy, &mut opts).unwrap();
    }
    opts
}

fn scratch(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("incidentlab-prop-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn check_sample(k: usize, edits: &[Edit], bom: bool, crlf: bool) -> Result<(), TestCaseError> {
    let s = &SAMPLES[k];
    let dir = scratch(&format!("{k}"));
    let opts = options(s, &dir);
    let original = head(s);
    let delim = if s.mapping.is_some() { b';' } else { b',' };
    let (mut bytes, header_touched) = mutate(&original, delim, edits);
    if crlf {
        bytes = bytes
            .split(|&b| b == b'\n')
            .collect::<Vec<_>>()
            .join(&b"\r\n"[..]);
    }
    if bom && !bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        bytes.splice(0..0, [0xEF, 0xBB, 0xBF]);
    }
    let ext = if s.format == SourceFormat::Xes {
        "xes"
    } else {
        "csv"
    };
    let path = dir.join(format!("in.{ext}"));
    std::fs::write(&path, &bytes).unwrap();
    let result = ingest::import_files(std::slice::from_ref(&path), &opts);
    if !header_touched && s.format != SourceFormat::Xes {
        if let Err(e) = &result {
            return Err(TestCaseError::fail(format!(
                "{}: a file with an intact header failed as a whole: {e}\n{}",
                s.path,
                String::from_utf8_lossy(&bytes)
            )));
        }
    }
    let read = result.as_ref().map(|i| i.summary.rows_read).ok();
    harness::check_import(result);
    // With the header intact, detection picks the same importer and reads the same rows.
    if !header_touched && s.mapping.is_none() && s.format != SourceFormat::Xes {
        let auto = ImportOptions {
            format: SourceFormat::Auto,
            ..opts
        };
        let again = ingest::import_files(&[path], &auto);
        prop_assert_eq!(
            again.as_ref().map(|i| i.summary.rows_read).ok(),
            read,
            "{}",
            s.path
        );
        harness::check_import(again);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    #[test]
    fn mutated_exports_add_up(
        k in 0..SAMPLES.len(),
        edits in edits(),
        bom in any::<bool>(),
        crlf in any::<bool>(),
    ) {
        check_sample(k, &edits, bom, crlf)?;
    }
}

/// The unmutated heads import without rejects-as-a-whole errors and with rows (a sanity check that
/// the property above starts from working files).
#[test]
fn sample_heads_import() {
    for (k, s) in SAMPLES.iter().enumerate() {
        let dir = scratch(&format!("head{k}"));
        let opts = options(s, &dir);
        let path = dir.join(if s.format == SourceFormat::Xes {
            "in.xes"
        } else {
            "in.csv"
        });
        std::fs::write(&path, head(s)).unwrap();
        let imp =
            ingest::import_files(&[path], &opts).unwrap_or_else(|e| panic!("{}: {e}", s.path));
        assert!(
            imp.summary.incidents_imported > 0,
            "{}: {}",
            s.path,
            imp.summary.line()
        );
    }
}
