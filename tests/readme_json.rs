//! README's JSON names are a contract: every field name README documents for `analyze`, `import`,
//! `simulate` and the report's `metrics.json` is read from the real output here, so a rename (or a
//! README naming a field that does not exist) fails.

mod common;

use std::collections::BTreeSet;

use serde_json::Value;

/// The README text from `start` up to the next `end` after it.
fn readme_span(start: &str, end: &str) -> String {
    let text = std::fs::read_to_string(common::root("README.md")).unwrap();
    let a = text
        .find(start)
        .unwrap_or_else(|| panic!("README has no '{start}'"));
    let b = a + text[a..].find(end).unwrap();
    text[a..b].to_string()
}

/// The field names in backticks (`name`, `name[]`, `name` {…}): identifiers only.
fn documented_names(span: &str) -> BTreeSet<String> {
    span.split('`')
        .skip(1)
        .step_by(2)
        .map(|n| n.trim_end_matches("[]").to_string())
        .filter(|n| {
            !n.is_empty()
                && n.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        })
        .collect()
}

/// Every object key anywhere in `v`.
fn keys(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                out.insert(k.clone());
                keys(x, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| keys(x, out)),
        _ => {}
    }
}

fn assert_all_present(what: &str, names: &BTreeSet<String>, v: &Value) {
    let mut have = BTreeSet::new();
    keys(v, &mut have);
    let missing: Vec<&String> = names.iter().filter(|n| !have.contains(*n)).collect();
    assert!(
        missing.is_empty(),
        "{what}: README documents {missing:?}, the JSON lacks them"
    );
}

fn at<'a>(v: &'a Value, path: &str) -> &'a Value {
    incidentlab::report::at_path(v, path).unwrap_or_else(|| panic!("{path} missing"))
}

#[test]
fn analyze_json_has_every_documented_field() {
    let names = documented_names(&readme_span(
        "**JSON** (`--output json`, stable",
        "Rates and shares",
    ));
    assert!(names.len() > 60, "{} names read from README", names.len());
    let v = common::run_json([
        "analyze",
        "datasets/sample-servicenow.csv",
        "--sla",
        "scenarios/sla-standard.toml",
        "--output",
        "json",
    ]);
    assert_all_present("analyze", &names, &v);
    // Where each documented name lives (a sample of the nesting README states).
    for path in [
        "overall.mttr_hours.p95",
        "overall.mtta_hours.median",
        "groups.0.key.priority",
        "groups.0.first_contact_resolution_rate",
        "trend.0.mature",
        "trend.0.window_cut",
        "trend.0.km_median_hours",
        "trend_resolved.0.mttr_hours.mean",
        "trend_maturity.immature_months",
        "sla.by_priority.0.margin_hours.p10",
        "sla.overall.compliance",
        "flow.hours_by_group",
        "backlog.weeks.0.open_at_end",
        "backlog.aging",
        "recurrence.key",
        "recurrence.key_coverage",
        "recurrence.key_choice.reason",
        "recurrence.top_clusters.0.problem_ids",
        "major_incidents",
        "notes",
    ] {
        at(&v, path);
    }
}

#[test]
fn import_json_has_every_documented_field() {
    let names = documented_names(&readme_span("- `--output json` prints the summary", "\n- "));
    let dir = std::env::temp_dir().join(format!("incidentlab-readme-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = dir.join("s.parquet");
    let v = common::run_json([
        "import",
        "datasets/sample-servicenow.csv",
        "-o",
        store.to_str().unwrap(),
        "--output",
        "json",
    ]);
    assert_all_present("import", &names, &v);
    at(&v, "files.0.format_detected");
}

#[test]
fn simulate_json_has_every_documented_field() {
    let span = readme_span("Flags override the file. Output:", "A progress bar");
    let mut names = documented_names(&span);
    // `resolution_hours_p50/p90/p95` is written as one name.
    names.remove("resolution_hours_p50");
    names.extend(
        [
            "resolution_hours_p50",
            "resolution_hours_p90",
            "resolution_hours_p95",
        ]
        .map(String::from),
    );
    names.extend(["mean", "ci_low", "ci_high", "sd", "n"].map(String::from));
    let v = common::run_json([
        "simulate",
        "scenarios/baseline.toml",
        "--replications",
        "4",
        "--output",
        "json",
    ]);
    assert_all_present("simulate", &names, &v);
    at(&v, "priorities.P2.wait_hours.ci_high");
}

#[test]
fn report_metrics_json_has_every_documented_section() {
    // The committed example report (regenerated with the README's main command).
    let text = std::fs::read_to_string(common::root("reports/sample/metrics.json")).unwrap();
    let v: Value = serde_json::from_str(&text).unwrap();
    let span = readme_span("and `metrics.json` (every figure shown", "Sections:");
    let names = documented_names(&span);
    for n in [
        "analysis",
        "simulations",
        "comparison",
        "pilot",
        "resolution_percentiles",
        "takeaways",
        "desk",
    ] {
        assert!(names.contains(n), "README names {n}");
        assert!(v.get(n).is_some(), "metrics.json.{n}");
    }
    // The main command gives no --scenarios: it shows the discovered desk and sweeps it.
    for n in ["analysis", "pilot", "desk", "staffing_curve", "takeaways"] {
        assert!(!v[n].is_null(), "metrics.json.{n}");
    }
}
