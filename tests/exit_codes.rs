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
