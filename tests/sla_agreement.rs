//! Issue 11's acceptance test: observed and simulated SLA figures of the same incidents agree
//! exactly when the desk reproduces them. `simulate --replay STORE --replay-work` replays every
//! incident's arrival and observed resolution time through one tier of ample 24×7 staff (no
//! queueing, no escalation), up to the store's as-of; its per-priority met, breached and pending
//! counts and compliance must equal `analyze`'s on the same store with the same 24×7 targets,
//! open incidents included (past their target: breached; within it: pending). Under the old
//! simulation rule (unresolved = breached, compliance = met / arrived) the pending incidents would
//! count as breaches and the test would fail; it checks that the store has such incidents.

mod common;

use serde_json::Value;

/// The imported sample store; the scenario and the policy share the targets 4, 8, 30, 50 h (24×7).
fn import_store(dir: &std::path::Path) -> String {
    std::fs::create_dir_all(dir).unwrap();
    let store = dir.join("store.parquet");
    common::run_ok([
        "import",
        "datasets/sample-servicenow.csv",
        "-o",
        store.to_str().unwrap(),
    ]);
    store.to_str().unwrap().to_string()
}

fn count(v: &Value) -> u64 {
    let f = v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"));
    assert_eq!(f.fract(), 0.0, "a count per replication of one replication");
    f as u64
}

#[test]
fn observed_and_simulated_sla_agree_on_replayed_incidents() {
    let dir = std::env::temp_dir().join(format!("incidentlab-sla-agree-{}", std::process::id()));
    let store = import_store(&dir);
    let (policy, scenario) = ("scenarios/sla-24x7.toml", "scenarios/replay-one-tier.toml");
    let observed = common::run_json(["analyze", &store, "--sla", policy, "--output", "json"]);
    let simulated = common::run_json([
        "simulate",
        scenario,
        "--replay",
        &store,
        "--replay-work",
        "--output",
        "json",
    ]);
    let by_priority = observed["sla"]["by_priority"].as_array().unwrap();
    assert_eq!(by_priority.len(), 4);
    let (mut pending_seen, mut open_breached_seen) = (0, 0);
    for row in by_priority {
        let p = row["priority"].as_u64().unwrap();
        let sim = &simulated["priorities"][format!("P{p}")];
        let (met, breached, pending) = (
            row["met"].as_u64().unwrap(),
            row["breached"].as_u64().unwrap(),
            row["pending"].as_u64().unwrap(),
        );
        let got = (
            count(&sim["sla_met"]["mean"]),
            count(&sim["sla_breached"]["mean"]),
            count(&sim["sla_pending"]["mean"]),
        );
        assert_eq!(
            got,
            (met, breached, pending),
            "P{p}: (met, breached, pending)"
        );
        assert_eq!(
            count(&sim["arrived_per_replication"]["mean"]),
            row["incidents"].as_u64().unwrap(),
            "P{p}: every incident replayed"
        );
        assert_eq!(
            sim["sla_compliance"]["mean"].as_f64(),
            row["compliance"].as_f64(),
            "P{p}: compliance"
        );
        // Open at the as-of: the simulation never resolves them (infinite replayed work).
        let open = count(&sim["unresolved_per_replication"]["mean"]);
        pending_seen += pending;
        open_breached_seen += open - pending;
    }
    let o = &observed["sla"]["overall"];
    let s = &simulated["overall"];
    assert_eq!(count(&s["sla_met"]["mean"]), o["met"].as_u64().unwrap());
    assert_eq!(
        count(&s["sla_breached"]["mean"]),
        o["breached"].as_u64().unwrap()
    );
    assert_eq!(
        count(&s["sla_pending"]["mean"]),
        o["pending"].as_u64().unwrap()
    );
    assert_eq!(
        s["sla_compliance"]["mean"].as_f64(),
        o["compliance"].as_f64()
    );
    // The store has open incidents within their target (the old rule would breach them) and
    // open incidents past it (breached while still open).
    assert!(
        pending_seen > 0,
        "no pending incidents: the test would not tell the rules apart"
    );
    assert!(open_breached_seen > 0, "no open incident past its target");
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--replay-work` needs `--replay`: a usage error (exit 2).
#[test]
fn replay_work_needs_replay() {
    let (code, err) = common::run_err(["simulate", "scenarios/baseline.toml", "--replay-work"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--replay"), "{err}");
}
