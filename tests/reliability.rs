//! Reliability: malformed inputs are errors that name the file and line, never a silent empty
//! import.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("incidentlab-rel-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn import(file: &Path, out: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_incidentlab"))
        .args(["import"])
        .arg(file)
        .args(["--format", "xes", "-o"])
        .arg(out)
        .output()
        .unwrap()
}

/// The shipped sample with a change; returns (file, store path).
fn variant(dir: &Path, name: &str, edit: impl Fn(&str) -> String) -> (PathBuf, PathBuf) {
    let sample = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/sample.xes"),
    )
    .unwrap();
    let p = dir.join(format!("{name}.xes"));
    std::fs::write(&p, edit(&sample)).unwrap();
    (p, dir.join(format!("{name}.parquet")))
}

fn assert_error(out: &Output, store: &Path, needles: &[&str]) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {err}");
    for n in needles {
        assert!(err.contains(n), "'{n}' not in: {err}");
    }
    assert!(!store.exists(), "no store may be written for a malformed file");
}

#[test]
fn truncated_xes_is_an_error_naming_the_open_element() {
    let dir = tmpdir("trunc");
    // Cut at a clean element boundary (after the second event: every tag seen so far is
    // well-formed) and in the middle of an attribute.
    let clean = |s: &str| {
        let mut at = 0;
        for _ in 0..2 {
            at += s[at..].find("</event>").unwrap() + "</event>".len();
        }
        s[..at].to_string()
    };
    let (p, store) = variant(&dir, "clean", clean);
    assert_error(&import(&p, &store), &store, &["truncated", "<trace>", "clean.xes:7"]);
    let (p, store) = variant(&dir, "mid", |s| s[..900].to_string());
    assert_error(&import(&p, &store), &store, &["malformed XML", "mid.xes:"]);
}

#[test]
fn doctype_and_unknown_entities_are_errors() {
    let dir = tmpdir("dtd");
    let (p, store) = variant(&dir, "laughs", |s| {
        s.replacen(
            "<log ",
            "<!DOCTYPE log [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;\">]>\n<log ",
            1,
        )
    });
    assert_error(&import(&p, &store), &store, &["DOCTYPE", "laughs.xes:2"]);
    let (p, store) = variant(&dir, "entity", |s| {
        s.replacen("value=\"Queued\"", "value=\"&xxe;\"", 1)
    });
    assert_error(&import(&p, &store), &store, &["xxe", "entity.xes:10"]);
    let (p, store) = variant(&dir, "unbalanced", |s| {
        s.replacen("</trace>", "</event></trace>", 1)
    });
    assert_error(&import(&p, &store), &store, &["malformed XML"]);
}

#[test]
fn well_formed_xes_with_predefined_entities_imports() {
    let dir = tmpdir("ok");
    let (p, store) = variant(&dir, "amp", |s| {
        s.replacen("value=\"Service Desk\"", "value=\"Service &amp; Desk &#x41;\"", 1)
    });
    let out = import(&p, &store);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(store.exists());
}
