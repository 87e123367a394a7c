//! The multi-pool desk: the example file, what-ifs (compare, sweep, staff) on a desk, the CLI.

use std::collections::BTreeMap;
use std::path::Path;

use incidentlab::decide::compare::{compare_subjects, sweep_subject, Subject};
use incidentlab::decide::staffing::{apply_levers, desk_levers, search};
use incidentlab::sim::desk::replicate::{
    is_desk_text, load_desk, run_desk_replications, summarize_desk,
};
use incidentlab::sim::desk::{Desk, DeskRunOptions, Phase};

const EXAMPLE: &str = "scenarios/desk-example.toml";

fn example() -> Desk {
    load_desk(&Path::new(env!("CARGO_MANIFEST_DIR")).join(EXAMPLE)).unwrap()
}

fn most_utilised(d: &Desk) -> usize {
    let runs =
        run_desk_replications(d, &DeskRunOptions::default(), 4, 1, "u", None, &|| {}).unwrap();
    let s = summarize_desk(d, 1, &runs);
    (0..s.pools.len())
        .max_by(|&a, &b| {
            s.pools[a]
                .utilisation
                .mean
                .total_cmp(&s.pools[b].utilisation.mean)
        })
        .unwrap()
}

#[test]
fn the_example_desk_runs_and_its_figures_add_up() {
    let d = example();
    assert_eq!(d.pools.len(), 3);
    let runs = run_desk_replications(
        &d,
        &DeskRunOptions {
            keep_log: true,
            ..Default::default()
        },
        3,
        1,
        "e",
        None,
        &|| {},
    )
    .unwrap();
    let s = summarize_desk(&d, 1, &runs);
    // About 4 arrivals an hour over 672 measured hours.
    assert!(
        (s.overall.arrived.mean - 4.0 * 672.0).abs() < 4.0 * (4.0f64 * 672.0).sqrt() * 1.5,
        "{:?}",
        s.overall.arrived
    );
    for p in &s.pools {
        assert!(
            p.utilisation.mean > 0.0 && p.utilisation.mean < 1.0,
            "{p:?}"
        );
        assert!(p.queue_hours.mean >= 0.0 && p.work_hours.mean > 0.0);
    }
    // The log's work phases, per pool, equal the pools' work per visit × visits (window aside):
    // every activity lies within [0, horizon] and phases of one incident do not overlap.
    let r = &runs[0];
    let mut by_incident: BTreeMap<u32, Vec<(f64, f64, Phase)>> = BTreeMap::new();
    for a in &r.activities {
        assert!(a.start_hours >= 0.0 && a.end_hours <= 840.0 && a.start_hours <= a.end_hours);
        by_incident
            .entry(a.incident)
            .or_default()
            .push((a.start_hours, a.end_hours, a.phase));
    }
    for (id, acts) in &by_incident {
        for w in acts.windows(2) {
            assert!(w[0].1 <= w[1].0 + 1e-9, "incident {id}: {w:?}");
        }
        let inc = &r.incidents[*id as usize];
        if let Some(res) = inc.resolved_hours {
            // A resolved incident's phases run from its opening to its resolution without a gap.
            assert!((acts[0].0 - inc.opened_hours).abs() < 1e-9);
            assert!((acts.last().unwrap().1 - res).abs() < 1e-9);
            let covered: f64 = acts.iter().map(|a| a.1 - a.0).sum();
            assert!((covered - (res - inc.opened_hours)).abs() < 1e-6);
        }
    }
    // The priority policy shortens P1's queueing against FIFO on the same incidents (paired).
    let mut fifo = d.clone();
    fifo.spec.policy = incidentlab::sim::model::PolicyName::Fifo;
    fifo.spec.name = "fifo".into();
    let c = compare_subjects(
        &Subject::Desk(Box::new(fifo)),
        &[Subject::Desk(Box::new(d.clone()))],
        6,
        1,
        None,
        &BTreeMap::new(),
    )
    .unwrap();
    let w = &c.pilots[0].priorities["P1"]["wait_hours"].difference;
    assert!(w.ci_high < 0.0, "P1 wait, priority − fifo: {w:?}");
}

#[test]
fn one_more_agent_in_the_most_utilised_pool_lowers_its_queue_time() {
    let d = example();
    let busiest = most_utilised(&d);
    let mut plus = d.clone();
    plus.spec.name = "plus-one".into();
    incidentlab::decide::compare::add_agents(&mut plus, busiest, &|_| true, 1);
    let c = compare_subjects(
        &Subject::Desk(Box::new(d.clone())),
        &[Subject::Desk(Box::new(plus))],
        10,
        1,
        None,
        &BTreeMap::new(),
    )
    .unwrap();
    let name = &d.pools[busiest].name;
    let q = &c.pilots[0].pools[name]["queue_hours"];
    assert!(q.significant && q.difference.ci_high < 0.0, "{name}: {q:?}");
    // Its utilisation falls too, and MTTR with it.
    assert!(c.pilots[0].pools[name]["utilisation"].difference.ci_high < 0.0);
    assert!(c.pilots[0].overall["resolution_hours"].difference.mean < 0.0);
    // The same desk against itself: no difference at all (common random numbers).
    let same = compare_subjects(
        &Subject::Desk(Box::new(d.clone())),
        &[Subject::Desk(Box::new(d.clone()))],
        4,
        1,
        None,
        &BTreeMap::new(),
    )
    .unwrap();
    assert_eq!(
        same.pilots[0].overall["resolution_hours"].difference.mean,
        0.0
    );
}

#[test]
fn sweeping_a_pool_lowers_its_queue_monotonically() {
    let d = example();
    let busiest = most_utilised(&d);
    let spec = format!("{}_extra=0..2", d.pools[busiest].name.replace(' ', "_"));
    let (sw, points) = sweep_subject(
        &Subject::Desk(Box::new(d.clone())),
        &spec,
        6,
        1,
        None,
        &BTreeMap::new(),
    )
    .unwrap();
    assert_eq!(sw.values, vec![0, 1, 2]);
    let q: Vec<f64> = points.iter().map(|p| p.queue_hours.unwrap().mean).collect();
    assert!(q[0] > q[1] && q[1] > q[2], "{q:?}");
    assert!(points[1].mean_staff > points[0].mean_staff);
    assert!(sweep_subject(
        &Subject::Desk(Box::new(d.clone())),
        "Nowhere_extra=0..1",
        2,
        1,
        None,
        &BTreeMap::new()
    )
    .unwrap_err()
    .to_string()
    .contains("no pool"));
    assert!(sweep_subject(
        &Subject::Desk(Box::new(d)),
        "Infrastructure_staff=1..2",
        2,
        1,
        None,
        &BTreeMap::new()
    )
    .unwrap_err()
    .to_string()
    .contains("_extra"));
}

#[test]
fn staffing_a_desk_answers_per_pool_and_band() {
    let d = example();
    let levers = desk_levers(&d);
    // Two bands per pool: Mon–Fri 08–18 (50 h) and the other 118 h.
    assert_eq!(levers.len(), 6, "{levers:?}");
    assert!(levers[0].name.contains("Mon–Fri 08–18") && levers[0].hours.len() == 50);
    assert_eq!(levers[1].hours.len(), 118);
    let plus = apply_levers(&d, &levers, &[0, 0, 1, 0, 0, 0]).unwrap();
    assert_eq!(plus.pools[1].agents[9], d.pools[1].agents[9] + 1);
    assert_eq!(
        plus.pools[1].agents[3], 0,
        "no agent added outside the band"
    );
    let night = apply_levers(&d, &levers, &[0, 0, 0, 1, 0, 0]).unwrap();
    assert_eq!(night.pools[1].agents[3], 1, "cover for hours nobody worked");
    assert_eq!(night.pools[1].agents[9], d.pools[1].agents[9]);
    assert!(apply_levers(&d, &levers, &[0, 0, -100, 0, 0, 0]).is_none());
    let mut targets = BTreeMap::new();
    targets.insert("P2".to_string(), 0.9);
    let r = search(
        &Subject::Desk(Box::new(d.clone())),
        &targets,
        6,
        1,
        None,
        20,
    )
    .unwrap();
    let best = r.optimum.as_ref().expect("a staffing that meets P2 ≥ 90 %");
    assert!(best.sla_compliance["P2"].ci_low >= 0.9);
    // The optimum is the least: one agent fewer on any lever it uses misses the target.
    for c in &r.cost_curve {
        if c.agent_hours_per_week < best.agent_hours_per_week
            && c.deltas.iter().zip(&best.deltas).all(|(a, b)| a <= b)
        {
            assert!(!c.meets_targets, "{:?} is cheaper and meets", c.deltas);
        }
    }
    assert_eq!(r.levers.len(), 6);
    assert_eq!(r.erlang_c.len(), 3);
}

#[test]
fn desk_files_are_told_from_tier_scenarios_and_errors_name_field_and_line() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join(EXAMPLE)).unwrap();
    assert!(is_desk_text(&text));
    assert!(!is_desk_text(
        &std::fs::read_to_string(root.join("scenarios/baseline.toml")).unwrap()
    ));
    // Break the third pool's concurrency and the second pool's agents list.
    let dir = std::env::temp_dir().join(format!("incidentlab-desk-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = text.replacen(
        "routing = [[0, 0.1, 0]]",
        "routing = [[0, 0.1, 0]]\nconcurrency = 0",
        1,
    );
    let path = dir.join("bad.toml");
    std::fs::write(&path, &bad).unwrap();
    let e = load_desk(&path).unwrap_err().to_string();
    let line = bad
        .lines()
        .position(|l| l.starts_with("concurrency = 0"))
        .unwrap()
        + 1;
    assert!(
        e.contains("pools[2] (Infrastructure).concurrency") && e.contains(&format!("line {line}")),
        "{e}"
    );
    std::fs::write(
        &path,
        text.replacen("rate_per_hour = 4.0", "rate_per_hour = \"four\"", 1),
    )
    .unwrap();
    let e = load_desk(&path).unwrap_err().to_string();
    assert!(e.contains("line"), "{e}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn cli_simulate_compare_and_staff_take_a_desk() {
    let bin = env!("CARGO_BIN_EXE_incidentlab");
    let root = env!("CARGO_MANIFEST_DIR");
    let run = |args: &[&str]| {
        let out = std::process::Command::new(bin)
            .current_dir(root)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    let t1 = run(&[
        "simulate",
        EXAMPLE,
        "--replications",
        "4",
        "--threads",
        "1",
        "--output",
        "json",
    ]);
    let t2 = run(&[
        "simulate",
        EXAMPLE,
        "--replications",
        "4",
        "--threads",
        "2",
        "--output",
        "json",
    ]);
    assert_eq!(t1, t2, "same seed, any thread count: identical output");
    let v: serde_json::Value = serde_json::from_str(&t1).unwrap();
    assert_eq!(v["summary"]["pools"].as_array().unwrap().len(), 3);
    let table = run(&["simulate", EXAMPLE, "--replications", "3"]);
    assert!(table.contains("Application Support") && table.contains("SLA %"));
    let sweep = run(&[
        "compare",
        EXAMPLE,
        "--sweep",
        "Infrastructure_extra=0..1",
        "--replications",
        "4",
    ]);
    assert!(sweep.contains("pool queue h/visit"), "{sweep}");
    let staff = run(&[
        "staff",
        EXAMPLE,
        "--target",
        "P2=90%",
        "--replications",
        "5",
    ]);
    assert!(staff.contains("Mon–Fri 08–18"), "{staff}");
    let dir = std::env::temp_dir().join(format!("incidentlab-desk-report-{}", std::process::id()));
    run(&[
        "report",
        "datasets/sample-servicenow.csv",
        "--scenarios",
        EXAMPLE,
        "--replications",
        "3",
        "-o",
        dir.to_str().unwrap(),
    ]);
    let metrics = std::fs::read_to_string(dir.join("metrics.json")).unwrap();
    assert!(metrics.contains("desk-example") && metrics.contains("Application Support"));
    std::fs::remove_dir_all(&dir).ok();
    let mixed = std::process::Command::new(bin)
        .current_dir(root)
        .args([
            "compare",
            EXAMPLE,
            "scenarios/baseline.toml",
            "--replications",
            "3",
        ])
        .output()
        .unwrap();
    // Scenarios that cannot be paired are a model problem (exit 1), not a usage error.
    assert_eq!(mixed.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&mixed.stderr).contains("different kinds"));
}
