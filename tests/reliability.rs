//! Reliability: malformed inputs are errors that name the file and line, never a silent empty
//! import.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("incidentlab-rel-{}-{name}", std::process::id()));
    // A leftover of an earlier run whose process had the same id would hold its outputs.
    let _ = std::fs::remove_dir_all(&d);
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
    let sample =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/sample.xes"))
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
    assert!(
        !store.exists(),
        "no store may be written for a malformed file"
    );
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
    assert_error(
        &import(&p, &store),
        &store,
        &["truncated", "<trace>", "clean.xes:7"],
    );
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
        s.replacen(
            "value=\"Service Desk\"",
            "value=\"Service &amp; Desk &#x41;\"",
            1,
        )
    });
    let out = import(&p, &store);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(store.exists());
}

/// Loads `page` in headless Chromium and returns the DOM after 3 s of virtual time.
fn dump_dom(browser: &Path, page: &Path, profile: &Path) -> String {
    let out = Command::new(browser)
        .args(common::CHROMIUM_FLAGS)
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(["--virtual-time-budget=3000", "--dump-dom"])
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A loopback HTTP server that answers every request with 404 and records each connection's
/// request line ("(connection, no request)" when nothing was sent). Stopped by `finish`.
struct Recorder {
    port: u16,
    seen: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    handle: std::thread::JoinHandle<()>,
}

impl Recorder {
    fn start() -> Recorder {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = seen.clone();
        let handle = std::thread::spawn(move || {
            for s in listener.incoming() {
                let Ok(mut s) = s else { continue };
                let _ = s.set_read_timeout(Some(std::time::Duration::from_millis(500)));
                let mut buf = [0u8; 1024];
                let n = s.read(&mut buf).unwrap_or(0);
                let text = String::from_utf8_lossy(&buf[..n]).into_owned();
                if text.starts_with("STOP") {
                    break;
                }
                let line = text.lines().next().unwrap_or("").to_string();
                log.lock().unwrap().push(if line.is_empty() {
                    "(connection, no request)".to_string()
                } else {
                    line
                });
                let _ = s.write_all(
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                );
            }
        });
        Recorder { port, seen, handle }
    }

    fn finish(self) -> Vec<String> {
        use std::io::Write;
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", self.port)) {
            let _ = s.write_all(b"STOP");
        }
        let _ = self.handle.join();
        let v = self.seen.lock().unwrap().clone();
        v
    }
}

/// An escaping bug is simulated by injecting live markup into a real report: with the report's
/// Content-Security-Policy nothing runs and nothing is fetched; the same page without the policy
/// (the control) shows the payloads would have run — so the test can fail.
#[test]
fn report_csp_blocks_scripts_and_requests_even_if_escaping_failed() {
    let Some(browser) = common::chromium() else {
        panic!("headless Chromium is needed: run `bash tests/setup.sh`, as the README's test command does");
    };
    let dir = tmpdir("csp");
    let root = env!("CARGO_MANIFEST_DIR");
    let rep = dir.join("rep");
    let o = Command::new(env!("CARGO_BIN_EXE_incidentlab"))
        .current_dir(root)
        .args([
            "report",
            "datasets/sample-servicenow.csv",
            "--sla",
            "scenarios/sla-standard.toml",
            "-o",
        ])
        .arg(&rep)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(rep.join("index.html")).unwrap();
    assert!(
        html.contains(incidentlab::report::html::CSP_META),
        "index.html carries the policy"
    );
    let server = Recorder::start();
    let port = server.port;
    let payload = format!(
        "<script>document.body.setAttribute('data-pwned','script')</script>\
         <img src=\"x\" onerror=\"document.body.setAttribute('data-pwned','onerror')\">\
         <img src=\"http://127.0.0.1:{port}/img\"><link rel=\"stylesheet\" href=\"http://127.0.0.1:{port}/css\">\
         <iframe src=\"http://127.0.0.1:{port}/frame\"></iframe>"
    );
    let hostile = html.replacen("<main>", &format!("<main>{payload}"), 1);
    assert_ne!(hostile, html);
    let page = dir.join("hostile.html");
    std::fs::write(&page, &hostile).unwrap();
    let dom = dump_dom(&browser, &page, &dir.join("p1"));
    assert!(dom.contains("<main>"), "the page rendered");
    assert!(
        !dom.contains("<body data-pwned="),
        "a script ran despite the policy"
    );
    // Chromium may open a speculative TCP connection to an origin it sees in the markup (a
    // preconnect: no byte is sent); a request is what carries data, and none may be made.
    let sent = server.finish();
    assert!(
        sent.iter().all(|r| r == "(connection, no request)"),
        "requests left the page despite the policy: {sent:?}"
    );
    // Control: the same page without the policy runs the payloads.
    let control = dir.join("control.html");
    std::fs::write(
        &control,
        hostile.replace(incidentlab::report::html::CSP_META, ""),
    )
    .unwrap();
    let server = Recorder::start();
    let control_text = std::fs::read_to_string(&control).unwrap().replace(
        &format!("127.0.0.1:{port}/"),
        &format!("127.0.0.1:{}/", server.port),
    );
    std::fs::write(&control, control_text).unwrap();
    let dom = dump_dom(&browser, &control, &dir.join("p2"));
    assert!(
        dom.contains("<body data-pwned="),
        "control: the injected script should have run"
    );
    let sent = server.finish();
    assert!(
        sent.iter().any(|r| r.starts_with("GET /")),
        "control: the injected markup should have made requests: {sent:?}"
    );
}

/// `--strict`: an export whose every row is rejected (header right, dates unreadable) exits 1
/// and writes no store; without it the import succeeds with a loud warning; a clean export passes.
#[test]
fn strict_import_fails_on_rejects_and_empty_imports() {
    let dir = tmpdir("strict");
    let sample = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/sample-servicenow.csv"),
    )
    .unwrap();
    let mut lines = sample.lines();
    let header = lines.next().unwrap();
    let opened = header.split(',').position(|c| c == "opened_at").unwrap();
    let broken: Vec<String> = lines
        .take(5)
        .map(|l| {
            let mut cells: Vec<&str> = l.split(',').collect();
            cells[opened] = "not a date";
            cells.join(",")
        })
        .collect();
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, format!("{header}\n{}\n", broken.join("\n"))).unwrap();
    let run = |file: &Path, store: &Path, strict: bool| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_incidentlab"));
        c.arg("import")
            .arg(file)
            .args(["--format", "servicenow", "-o"])
            .arg(store);
        if strict {
            c.arg("--strict");
        }
        c.output().unwrap()
    };
    let store = dir.join("bad.parquet");
    let out = run(&bad, &store, true);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("--strict") && err.contains("rejected 5 rows"),
        "{err}"
    );
    assert!(!store.exists(), "--strict writes no store");
    assert!(dir.join("bad.rejects.csv").exists(), "the rejects say why");
    let out = run(&bad, &store, false);
    assert!(out.status.success());
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("warning"),
        "nothing imported must be loud: {text}"
    );
    let good = Path::new(env!("CARGO_MANIFEST_DIR")).join("datasets/sample-servicenow.csv");
    let out = run(&good, &dir.join("good.parquet"), true);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
