//! Exit codes, end to end: 2 for a usage error (a bad flag value or combination) only; 1 for a
//! problem with the data, a model or a file. Each case also checks the message, which is the
//! user's only clue.

mod common;

use std::path::PathBuf;

use common::run_err;

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("incidentlab-exit-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Runs a failing command and checks its exit code and that standard error has `message`.
fn fails_with(args: &[&str], code: i32, message: &str) {
    let (got, err) = run_err(args);
    assert_eq!(got, Some(code), "incidentlab {}: {err}", args.join(" "));
    assert!(
        err.contains(message),
        "incidentlab {}: expected '{message}' in: {err}",
        args.join(" ")
    );
}

#[test]
fn bad_flag_values_and_combinations_exit_2() {
    fails_with(
        &[
            "analyze",
            "datasets/sample-servicenow.csv",
            "--window",
            "7x",
        ],
        2,
        "--window '7x': unit must be m, h, d or w",
    );
    fails_with(
        &[
            "import",
            "datasets/sample-mapping.csv",
            "--format",
            "mapping",
            "-o",
            "/tmp/never-written.parquet",
        ],
        2,
        "--format mapping needs --mapping FILE",
    );
    // A flag the library rejects after reading the model: still the flag's fault.
    fails_with(
        &["staff", "scenarios/baseline.toml", "--target", "P9=90%"],
        2,
        "--target P9: no such priority",
    );
    fails_with(
        &[
            "pilot",
            "datasets/sample-servicenow.csv",
            "--pilot-start",
            "2031-01-01",
        ],
        2,
        "is outside the data",
    );
    fails_with(
        &["simulate", "scenarios/baseline.toml", "--threads", "many"],
        2,
        "invalid value 'many'",
    );
}

#[test]
fn an_empty_pilot_group_exits_1() {
    fails_with(
        &[
            "pilot",
            "datasets/sample-servicenow.csv",
            "--pilot-start",
            "2025-09-01",
            "--pilot-group",
            "assignment_group=Nobody",
        ],
        1,
        "the pilot group has 0 incidents before and 0 after the pilot start",
    );
}

#[test]
fn scenarios_that_cannot_run_together_exit_1() {
    fails_with(
        &[
            "compare",
            "scenarios/desk-example.toml",
            "scenarios/baseline.toml",
            "--replications",
            "3",
        ],
        1,
        "are of different kinds (a desk and a tier scenario)",
    );
}

#[test]
fn a_replay_the_scenario_cannot_run_exits_1() {
    // The store's priorities are 1…4 (P1…P4); a scenario whose classes are named otherwise
    // cannot take its arrivals.
    let d = tmpdir("replay");
    let store = d.join("s.parquet");
    common::run_ok([
        "import",
        "datasets/sample-servicenow.csv",
        "-o",
        store.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(common::root("scenarios/baseline.toml")).unwrap();
    let renamed = text.replace(
        r#"priorities = ["P1", "P2", "P3", "P4"]"#,
        r#"priorities = ["A", "B", "C", "D"]"#,
    );
    assert_ne!(renamed, text, "baseline.toml no longer names P1…P4");
    let scenario = d.join("letters.toml");
    std::fs::write(&scenario, renamed).unwrap();
    fails_with(
        &[
            "simulate",
            scenario.to_str().unwrap(),
            "--replay",
            store.to_str().unwrap(),
            "--replications",
            "2",
        ],
        1,
        "are not among the scenario's",
    );
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn a_corrupt_store_exits_1_naming_the_file() {
    let d = tmpdir("corrupt");
    let store = d.join("broken.parquet");
    std::fs::write(&store, b"PAR1 this is not a parquet file").unwrap();
    fails_with(
        &["analyze", store.to_str().unwrap()],
        1,
        "not a readable Parquet store",
    );
    fails_with(
        &[
            "report",
            store.to_str().unwrap(),
            "-o",
            d.join("r").to_str().unwrap(),
        ],
        1,
        &store.display().to_string(),
    );
    std::fs::remove_dir_all(&d).ok();
}

/// The arguments of `pilot` on the sample ServiceNow export from `start`, then `more`.
fn pilot_on_sample<'a>(start: &'a str, more: &[&'a str]) -> Vec<&'a str> {
    let export = "datasets/sample-servicenow.csv";
    let mut args = vec!["pilot", export, "--pilot-start", start];
    args.extend_from_slice(more);
    args
}

#[test]
fn decide_flag_values_exit_2_naming_the_flag() {
    fails_with(
        &[
            "compare",
            "scenarios/baseline.toml",
            "--sweep",
            "l9_staff=1..3",
            "--replications",
            "3",
        ],
        2,
        "--sweep 'l9_staff': no tier 'l9' in scenario 'baseline'",
    );
    fails_with(
        &[
            "compare",
            "scenarios/desk-example.toml",
            "--sweep",
            "Nowhere_extra=0..1",
            "--replications",
            "3",
        ],
        2,
        "--sweep 'Nowhere_extra': no pool 'Nowhere'",
    );
    fails_with(
        &[
            "compare",
            "scenarios/baseline.toml",
            "scenarios/self-healing.toml",
            "--replications",
            "3",
            "--target",
            "P9=90%",
        ],
        2,
        "--target: target for 'P9', which is not a priority",
    );
    fails_with(
        &["staff", "scenarios/baseline.toml", "--target", ","],
        2,
        "--target needs at least one priority target",
    );
    fails_with(
        &pilot_on_sample("2025-08-31", &["--pilot-end", "2025-08-01"]),
        2,
        "--pilot-end 2025-08-01T00:00:00Z is not after --pilot-start 2025-08-31T00:00:00Z",
    );
    fails_with(
        &[
            "report",
            "datasets/sample-servicenow.csv",
            "--scenarios",
            "scenarios/baseline.toml",
            "--sweep",
            "l9_staff=1..2",
            "-o",
            tmpdir("report-sweep").join("r").to_str().unwrap(),
        ],
        2,
        "--sweep 'l9_staff': no tier 'l9'",
    );
}

#[test]
fn decisions_the_data_or_models_cannot_support_exit_1() {
    fails_with(
        &[
            "compare",
            "scenarios/baseline.toml",
            "scenarios/self-healing.toml",
            "--replications",
            "1",
        ],
        1,
        "a comparison needs at least 2 replications for confidence intervals",
    );
    fails_with(
        &[
            "staff",
            "scenarios/baseline.toml",
            "--target",
            "P1=70%",
            "--replications",
            "1",
        ],
        1,
        "the search needs at least 2 replications for confidence intervals",
    );
    let everyone = "assignment_group!=Nobody";
    fails_with(
        &pilot_on_sample("2025-09-01", &["--pilot-group", everyone]),
        1,
        "the control group (incidents outside --pilot-group) is empty in one period",
    );
    fails_with(
        &[
            "validate",
            "scenarios/desk-example.toml",
            "--against",
            "datasets/sample-desk-audit.csv",
            "--from",
            "2031-01-01",
        ],
        1,
        "no incident opened at or after --from (2031-01-01T00:00:00Z): nothing to validate on",
    );
}
