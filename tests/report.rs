//! Reports: every figure in index.html matches metrics.json and `analyze --output json`; data
//! strings are inert in HTML, Markdown and CSV; the folder is replaced atomically; and the page
//! renders in headless Chromium without console errors, with every chart present.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::bin;
use incidentlab::schema::Incident;

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("incidentlab-report-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A store with hostile names in every text column the report shows.
fn hostile_store(dir: &Path) -> PathBuf {
    let h = 3_600_000i64;
    let t0 = chrono::DateTime::parse_from_rfc3339("2025-03-03T09:00:00Z")
        .unwrap()
        .timestamp_millis();
    let mut incs = Vec::new();
    for k in 0..60i64 {
        incs.push(Incident {
            incident_id: format!("INC{k}"),
            source: "test".into(),
            opened_at: t0 + k * 7 * h,
            resolved_at: (k % 10 != 9).then_some(t0 + k * 7 * h + (1 + k % 5) * h),
            priority: Some((1 + k % 4) as u8),
            category: Some("<script>alert(1)</script>".into()),
            assignment_group: Some("=HYPERLINK(\"http://evil\")".into()),
            ci: Some(if k % 2 == 0 {
                "<img src=x onerror=alert(2)>".into()
            } else {
                "CI|*pipe*".into()
            }),
            made_sla_reported: Some(k % 3 != 0),
            reassignment_count: Some((k % 5) as u32),
            reopen_count: Some(u32::from(k % 7 == 0)),
            source_line: (k + 2) as u64,
            ..Default::default()
        });
    }
    let store = dir.join("hostile.parquet");
    incidentlab::store::write_store(&store, &incs, &[]).unwrap();
    store
}

fn metrics(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("metrics.json")).unwrap()).unwrap()
}

#[test]
fn figures_match_metrics_json_and_analyze() {
    let dir = tmp("numbers");
    let out = dir.join("rep");
    let root = env!("CARGO_MANIFEST_DIR");
    let sla = Path::new(root).join("scenarios/sla-standard.toml");
    let store = Path::new(root).join("datasets/sample-pagerduty.csv");
    let o = bin()
        .args([
            "report",
            store.to_str().unwrap(),
            "--sla",
            sla.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    let json = metrics(&out);
    let re = regex_lite(&html);
    assert!(
        re.len() > 30,
        "the page shows its figures with data-metric paths ({} found)",
        re.len()
    );
    for (path, format, text) in re {
        assert_shown(&json, &path, &format, &text);
    }
    // metrics.json's analysis is what `analyze --output json` reports for the same input and policy.
    let a = common::run_json([
        "analyze",
        store.to_str().unwrap(),
        "--sla",
        sla.to_str().unwrap(),
        "--output",
        "json",
    ]);
    assert_eq!(json["analysis"]["overall"], a["overall"]);
    assert_eq!(json["analysis"]["groups"], a["groups"]);
    assert_eq!(json["analysis"]["sla"], a["sla"]);
    let md = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(md.contains(&format!(
        "{:.1}",
        a["overall"]["mttr_hours"]["mean"].as_f64().unwrap()
    )));
}

/// The shown text is the JSON value rounded to the digits shown (JSON parsing may differ from the
/// written value in the last binary digit, so compare numerically within half a unit).
fn assert_shown(json: &serde_json::Value, path: &str, format: &str, text: &str) {
    let v = incidentlab::report::at_path(json, path)
        .unwrap_or_else(|| panic!("{path} not in metrics.json"));
    match v.as_f64() {
        None => assert_eq!(text, "–", "{path}"),
        Some(x) => {
            let (x, shown) = if format == "percent" {
                (x * 100.0, text.trim_end_matches('%'))
            } else {
                (x, text)
            };
            let digits = shown.split('.').nth(1).map(|d| d.len()).unwrap_or(0) as i32;
            let shown: f64 = shown
                .parse()
                .unwrap_or_else(|_| panic!("{path}: '{text}' is not a number"));
            assert!(
                (shown - x).abs() <= 0.5 * 10f64.powi(-digits) + 1e-9,
                "{path}: shown {shown}, metrics.json {x}"
            );
        }
    }
}

/// (path, format, text) of every `data-metric` element.
fn regex_lite(html: &str) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find("<span data-metric=\"") {
        rest = &rest[i + 19..];
        let Some(j) = rest.find('"') else { break };
        let path = rest[..j].to_string();
        let fmt_at = rest.find("data-format=\"").unwrap() + 13;
        let fmt_end = fmt_at + rest[fmt_at..].find('"').unwrap();
        let format = rest[fmt_at..fmt_end].to_string();
        let text_at = fmt_end + 2;
        let text_end = text_at + rest[text_at..].find("</span>").unwrap();
        out.push((path, format, rest[text_at..text_end].to_string()));
    }
    out
}

#[test]
fn hostile_names_are_inert_in_html_markdown_and_csv() {
    let dir = tmp("hostile");
    let store = hostile_store(&dir);
    let out = dir.join("rep");
    let o = bin()
        .args([
            "report",
            store.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(!html.contains("<script"), "no script element may appear");
    assert!(!html.contains("<img"), "no injected element");
    assert!(
        html.contains("&lt;img src=x onerror=alert(2)&gt;"),
        "the name is shown, escaped"
    );
    let md = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(
        md.contains("\\<img") && md.matches("<img").count() == md.matches("\\<img").count(),
        "markdown escapes markup"
    );
    assert!(
        md.contains("CI\\|\\*pipe\\*"),
        "table separators are escaped"
    );
    let csv = dir.join("groups.csv");
    common::run_ok([
        "analyze",
        store.to_str().unwrap(),
        "--by",
        "assignment_group,category",
        "--output",
        "csv",
        "-o",
        csv.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(
        text.contains("'=HYPERLINK"),
        "formula cells are neutralised: {text}"
    );
    assert!(!text.lines().any(|l| l.starts_with("=") || l.contains(",=")));
    let rejects_like = dir.join("r.csv");
    incidentlab::output::write_csv(
        &rejects_like,
        &["x"],
        vec![
            vec!["+SUM(A1)".into()],
            vec!["@cmd".into()],
            vec!["-1.5".into()],
        ],
    )
    .unwrap();
    let t = std::fs::read_to_string(&rejects_like).unwrap();
    assert!(t.contains("'+SUM(A1)") && t.contains("'@cmd") && t.contains("\n-1.5"));
}

#[test]
fn report_folder_is_replaced_whole() {
    let dir = tmp("atomic");
    let store = hostile_store(&dir);
    let out = dir.join("rep");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("stale.txt"), "old").unwrap();
    let o = bin()
        .args([
            "report",
            store.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success());
    assert!(
        !out.join("stale.txt").exists(),
        "the old folder is replaced, not mixed"
    );
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(
        leftovers.is_empty(),
        "no temporary folders left: {leftovers:?}"
    );
    // A failing run (bad policy) leaves the previous report intact.
    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "[[targets]]\npriority = 1\nresolution_hours = 4\n").unwrap();
    let o = bin()
        .args([
            "report",
            store.to_str().unwrap(),
            "--sla",
            bad.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(out.join("index.html").exists());
}

#[test]
fn renders_in_headless_chromium() {
    let Some(browser) = common::chromium() else {
        panic!("headless Chromium is needed for this test: run `bash tests/setup.sh` (installs Debian's chromium), as the README's test command does");
    };
    let dir = tmp("browser");
    let out = dir.join("rep");
    let root = env!("CARGO_MANIFEST_DIR");
    let o = bin()
        .current_dir(root)
        .args([
            "report",
            "datasets/sample-servicenow.csv",
            "--sla",
            "scenarios/sla-standard.toml",
            "--scenarios",
            "scenarios/baseline.toml",
            "scenarios/self-healing.toml",
            "--replications",
            "10",
            "--pilot-start",
            "2025-08-31",
            "-o",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let url = format!("file://{}", out.join("index.html").display());
    let mut flags = common::CHROMIUM_FLAGS.to_vec();
    flags.extend(["--enable-logging=stderr", "--v=0"]);
    let ud = dir.join("profile");
    let dom = Command::new(&browser)
        .args(&flags)
        .arg(format!("--user-data-dir={}", ud.display()))
        .args(["--virtual-time-budget=3000", "--dump-dom", &url])
        .output()
        .unwrap();
    assert!(
        dom.status.success(),
        "{}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let dom_text = String::from_utf8_lossy(&dom.stdout);
    let stderr = String::from_utf8_lossy(&dom.stderr);
    let console_errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("CONSOLE") || l.contains("Uncaught"))
        .collect();
    assert!(
        console_errors.is_empty(),
        "console errors: {console_errors:?}"
    );
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    let figures = html.matches("<figure class=\"chart\"").count();
    let charts = html.matches("<figure class=\"chart\" id=\"chart-").count();
    assert!(figures >= 12, "{figures} figures");
    assert_eq!(
        dom_text.matches("<figure class=\"chart\"").count(),
        figures,
        "every figure is in the rendered page"
    );
    assert!(
        dom_text.matches("<svg").count() >= charts - 1,
        "every chart has its SVG"
    );
    assert!(
        !html.contains("src=\"http")
            && !html.contains("href=\"http")
            && !html.contains("url(http")
            && !html.contains("@import"),
        "no network requests"
    );
    assert!(
        !html.contains("<script") && !html.contains("<link "),
        "self-contained: no scripts, no external stylesheets"
    );
    let shot = dir.join("shot.png");
    let s = Command::new(&browser)
        .args(&flags)
        .arg(format!("--user-data-dir={}", ud.display()))
        .args([
            "--window-size=1280,6000",
            &format!("--screenshot={}", shot.display()),
            &url,
        ])
        .output()
        .unwrap();
    assert!(s.status.success());
    let png = std::fs::read(&shot).unwrap();
    assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
    assert!(
        png.len() > 200_000,
        "the page draws charts, not a blank page ({} bytes)",
        png.len()
    );
    // --png: every chart also as a PNG (rendered by the same browser), beside its SVG.
    let out2 = dir.join("png");
    let o = bin()
        .current_dir(root)
        .args([
            "report",
            "datasets/sample-jira.csv",
            "--png",
            "-o",
            out2.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let svgs: Vec<_> = std::fs::read_dir(out2.join("charts"))
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "svg"))
        .collect();
    assert!(svgs.len() >= 6);
    for e in svgs {
        let p = e.path().with_extension("png");
        let bytes = std::fs::read(&p).unwrap_or_else(|_| panic!("{} missing", p.display()));
        assert!(
            bytes.starts_with(b"\x89PNG") && bytes.len() > 5_000,
            "{}",
            p.display()
        );
    }
}

#[test]
fn committed_example_report_is_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("reports/sample");
    let html = std::fs::read_to_string(dir.join("index.html"))
        .expect("reports/sample/index.html is committed");
    let json = metrics(&dir);
    for (path, format, text) in regex_lite(&html) {
        assert_shown(&json, &path, &format, &text);
    }
    let a = common::run_json([
        "analyze",
        "datasets/sample-desk-audit.csv",
        "--sla",
        "scenarios/sla-standard.toml",
        "--output",
        "json",
    ]);
    for k in [
        "overall",
        "groups",
        "sla",
        "trend",
        "trend_resolved",
        "trend_maturity",
        "recurrence",
        "backlog",
    ] {
        assert_eq!(
            json["analysis"][k], a[k],
            "{k}: regenerate the example with the README's main command"
        );
    }
}

const H: i64 = 3_600_000;

fn utc(s: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(s)
        .unwrap()
        .timestamp_millis()
}

/// An export shaped like the ServiceNow audit log of issue 11: six months (2025-01 … 06) of
/// incidents opened every 7 h, one in ten taking 40–45 days; the export ends on 2025-06-30, so the
/// slow incidents of May and June are still open (right-censored); three December survivors of an
/// earlier period; no configuration items, category/subcategory/symptom always filled.
fn sn_like_store(dir: &Path) -> (PathBuf, Vec<Incident>) {
    let small = [
        1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 24, 30, 36, 48, 60, 72, 96,
    ];
    let end = utc("2025-06-30T23:59:00Z");
    let mut incs = Vec::new();
    let mut push = |k: usize, opened: i64, hours: i64| {
        let resolved = opened + hours * H;
        incs.push(Incident {
            incident_id: format!("INC{k:05}"),
            source: "test".into(),
            opened_at: opened,
            resolved_at: (resolved <= end).then_some(resolved),
            priority: Some((1 + k % 4) as u8),
            category: Some(["Network", "Software", "Hardware"][k % 3].into()),
            subcategory: Some(["A", "B"][k % 2].into()),
            symptom: Some(["slow", "down", "error", "login"][k % 4].into()),
            made_sla_reported: Some(hours <= 24),
            source_line: k as u64 + 2,
            ..Default::default()
        });
    };
    for (k, day) in ["2024-12-10", "2024-12-18", "2024-12-27"]
        .iter()
        .enumerate()
    {
        push(k, utc(&format!("{day}T10:00:00Z")), 800);
    }
    let mut t = utc("2025-01-01T00:30:00Z");
    let mut k = 3;
    while t < end {
        let hours = match k % 20 {
            18 => 960,
            19 => 1080,
            j => small[j],
        };
        push(k, t, hours);
        t += 7 * H;
        k += 1;
    }
    let store = dir.join("sn-like.parquet");
    incidentlab::store::write_store(&store, &incs, &[]).unwrap();
    (store, incs)
}

fn month_of(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap()
        .format("%Y-%m")
        .to_string()
}

/// The "SN-like check" of issue 11: immature months are marked on the chart and in the JSON, the
/// takeaway claims no improvement from them, and recurrence without CIs picks category/symptom.
#[test]
fn sn_like_check_immature_months_and_recurrence_key() {
    let dir = tmp("snlike");
    let (store, incs) = sn_like_store(&dir);
    let out = dir.join("rep");
    common::run_ok([
        "report",
        store.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    let json = metrics(&out);
    let a = &json["analysis"];
    let trend = a["trend"].as_array().unwrap();
    let months: Vec<&str> = trend
        .iter()
        .map(|m| m["key"]["month"].as_str().unwrap())
        .collect();
    assert_eq!(
        months,
        ["2024-12", "2025-01", "2025-02", "2025-03", "2025-04", "2025-05", "2025-06"]
    );
    // p95 of the resolved incidents' hours, computed here from the fixture.
    let mut resolved: Vec<f64> = incs
        .iter()
        .filter_map(|i| i.resolved_at.map(|r| (r - i.opened_at) as f64 / 3.6e6))
        .collect();
    resolved.sort_by(|x, y| x.total_cmp(y));
    let p95 = incidentlab::sim::stats::quantile(&resolved, 0.95);
    let tm = &a["trend_maturity"];
    assert!((tm["p95_resolution_hours"].as_f64().unwrap() - p95).abs() < 1e-9);
    let mature: Vec<bool> = trend
        .iter()
        .map(|m| m["mature"].as_bool().unwrap())
        .collect();
    assert_eq!(
        mature,
        [true, true, true, true, true, false, false],
        "the last two months are immature"
    );
    let cut: Vec<bool> = trend
        .iter()
        .map(|m| m["window_cut"].as_bool().unwrap())
        .collect();
    assert_eq!(
        cut,
        [true, false, false, false, false, false, false],
        "December holds only survivors"
    );
    assert_eq!(
        tm["immature_months"],
        serde_json::json!(["2025-05", "2025-06"])
    );
    // Open incidents per cohort, counted here.
    for m in trend {
        let month = m["key"]["month"].as_str().unwrap();
        let open = incs
            .iter()
            .filter(|i| month_of(i.opened_at) == month && i.resolved_at.is_none())
            .count();
        assert_eq!(m["open"], open, "{month}");
    }
    // The fixture is one where first-vs-last would claim an improvement (the old takeaway did)…
    let mean = |k: usize| trend[k]["mttr_hours"]["mean"].as_f64().unwrap();
    assert!(mean(6) < 0.5 * mean(0) && mean(6) < 0.7 * mean(1));
    // …but the takeaway compares mature, uncut months only, and names what it left out.
    let takeaway = json["takeaways"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t[0] == "trend")
        .unwrap()[1]
        .as_str()
        .unwrap()
        .to_string();
    assert!(!takeaway.contains("improved"), "{takeaway}");
    assert!(
        takeaway.contains("2025-01") && takeaway.contains("2025-04"),
        "{takeaway}"
    );
    assert!(
        takeaway.contains("2025-05, 2025-06 still resolving"),
        "{takeaway}"
    );
    assert!(
        takeaway.contains("2024-12 cut by the export window"),
        "{takeaway}"
    );
    // The monthly chart marks them visibly: shaded bands with labels, and the caption names them.
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    let fig_at = html.find("id=\"chart-monthly-mttr\"").unwrap();
    let fig = &html[fig_at..fig_at + html[fig_at..].find("</figure>").unwrap()];
    let shown: Vec<String> = incidentlab::report::charts::texts(fig)
        .into_iter()
        .map(|t| t.1)
        .collect();
    assert!(
        shown.iter().any(|t| t == "still resolving") && shown.iter().any(|t| t == "export cut"),
        "{shown:?}"
    );
    assert!(
        fig.contains("still resolving (2025-05, 2025-06"),
        "caption names the months"
    );
    assert!(html.contains(&takeaway), "the takeaway is on the page");
    // By month resolved: each month counts the incidents resolved in it (counted here).
    for m in a["trend_resolved"].as_array().unwrap() {
        let month = m["key"]["month"].as_str().unwrap();
        let n = incs
            .iter()
            .filter(|i| i.resolved_at.is_some_and(|r| month_of(r) == month))
            .count();
        assert_eq!(m["incidents"].as_f64().unwrap(), n as f64, "{month}");
        assert!(m["mature"].is_boolean() && m["window_cut"].is_boolean());
    }
    // Recurrence: no CIs, so the first key filled for most incidents is category+subcategory+symptom.
    let r = &a["recurrence"];
    assert_eq!(
        r["key"],
        serde_json::json!(["category", "subcategory", "symptom"])
    );
    assert_eq!(r["key_coverage"], 1.0);
    assert_eq!(r["key_choice"]["source"], "auto");
    assert_eq!(r["key_choice"]["candidates"][0]["coverage"], 0.0);
    assert!(a["notes"].as_array().unwrap().iter().any(|n| n
        .as_str()
        .unwrap()
        .contains("recurrence key chosen automatically")));
    // A key given on the command line is used as given, with its (here empty) coverage.
    let v = common::run_json([
        "analyze",
        store.to_str().unwrap(),
        "--recurrence-key",
        "ci",
        "--output",
        "json",
    ]);
    assert_eq!(v["recurrence"]["key"], serde_json::json!(["ci"]));
    assert_eq!(v["recurrence"]["key_coverage"], 0.0);
    assert_eq!(v["recurrence"]["key_choice"]["source"], "given");
    // The text output's trend table marks the same months.
    let text = common::stdout(&common::run_ok([
        "analyze",
        store.to_str().unwrap(),
        "--trend",
        "opened",
    ]));
    let june = text.lines().find(|l| l.starts_with("2025-06")).unwrap();
    assert!(june.contains("immature: still resolving"), "{june}");
    let dec = text.lines().find(|l| l.starts_with("2024-12")).unwrap();
    assert!(dec.contains("cut by the export window"), "{dec}");
    let text = common::stdout(&common::run_ok([
        "analyze",
        store.to_str().unwrap(),
        "--trend",
        "resolved",
    ]));
    assert!(text.contains("monthly trend by month resolved"));
}

/// The text summary prints one count of major incidents (it printed 270 and 200 for the same data).
#[test]
fn major_incidents_are_counted_once() {
    let dir = tmp("major");
    let t0 = utc("2025-01-06T09:00:00Z");
    let incs: Vec<Incident> = (0..300i64)
        .map(|k| Incident {
            incident_id: format!("M{k}"),
            source: "test".into(),
            opened_at: t0 + k * H,
            resolved_at: Some(t0 + k * H + 2 * H),
            priority: Some(if k < 250 { 1 } else { 3 }),
            // 10 flagged "not major" although P1; 5 flagged major although P3.
            major_incident: match k {
                0..=9 => Some(false),
                250..=254 => Some(true),
                _ => None,
            },
            source_line: k as u64 + 2,
            ..Default::default()
        })
        .collect();
    let store = dir.join("m.parquet");
    incidentlab::store::write_store(&store, &incs, &[]).unwrap();
    let want = incs
        .iter()
        .filter(|i| incidentlab::metrics::flow::is_major(i.major_incident, i.priority))
        .count();
    assert_eq!(want, 245);
    let v = common::run_json(["analyze", store.to_str().unwrap(), "--output", "json"]);
    assert_eq!(
        v["overall"]["major_incidents"].as_f64().unwrap(),
        want as f64
    );
    assert_eq!(v["major_incidents"].as_array().unwrap().len(), 200);
    let text = common::stdout(&common::run_ok(["analyze", store.to_str().unwrap()]));
    assert!(text.contains("major incidents 245"), "{text}");
    assert!(text.contains("major incidents: 245 (200 listed"), "{text}");
}

/// Issue 11, item 8: every chart of the committed example is legible at the page's width (text on
/// one scale, ≥ 11 px at the narrowest column, no `.0`, nothing wider than the chart).
#[test]
fn committed_charts_are_legible() {
    let dir = common::root("reports/sample/charts");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_none_or(|x| x != "svg") {
            continue;
        }
        let svg = std::fs::read_to_string(&p).unwrap();
        let problems = incidentlab::report::charts::legibility_problems(&svg);
        assert!(problems.is_empty(), "{}: {problems:?}", p.display());
        n += 1;
    }
    assert!(n >= 12, "{n} charts");
}

#[test]
fn standalone_charts_are_the_charts_on_the_page() {
    // Every drawn chart of index.html is written once as charts/<id>.svg, byte for byte the SVG the
    // page embeds, and there is no other chart file.
    let dir = common::root("reports/sample");
    let html = std::fs::read_to_string(dir.join("index.html")).unwrap();
    let mut on_page = Vec::new();
    for part in html.split("<figure class=\"chart\" id=\"chart-").skip(1) {
        let id = &part[..part.find('"').unwrap()];
        let fig = &part[..part.find("</figure>").unwrap()];
        if fig.contains("<svg") {
            on_page.push(id.to_string());
        }
    }
    let mut files: Vec<String> = std::fs::read_dir(dir.join("charts"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|n| n.strip_suffix(".svg").map(str::to_string))
        .collect();
    files.sort();
    let mut sorted = on_page.clone();
    sorted.sort();
    assert_eq!(files, sorted);
    assert!(on_page.len() >= 12, "{on_page:?}");
    for id in &on_page {
        let svg = std::fs::read_to_string(dir.join(format!("charts/{id}.svg"))).unwrap();
        let body = svg
            .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
            .unwrap();
        assert!(
            html.contains(&format!("<figure class=\"chart\" id=\"chart-{id}\">{body}")),
            "{id}"
        );
    }
}
