//! Decisions: comparison with common random numbers, staffing search, pilot evaluation (recovery of
//! a known built-in effect and the false-positive rate without one).

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use incidentlab::decide::compare::{compare, parse_targets, run_crn, Subject, Sweep};
use incidentlab::decide::pilot::{evaluate, PilotOptions};
use incidentlab::decide::staffing::search;
use incidentlab::decide::stats::welch_ci;
use incidentlab::error::DecideError;
use incidentlab::generate::{generate, GenerateOptions};
use incidentlab::metrics::Filter;
use incidentlab::schema::Incident;
use incidentlab::sim::model::{compile, parse, Model};
use incidentlab::sim::replicate::{run_replications, RunOptions};

/// The flag a decide usage error names, `None` for any other error.
fn usage_flag(e: &DecideError) -> Option<&'static str> {
    match e {
        DecideError::Usage { flag, .. } => Some(flag),
        _ => None,
    }
}

fn load(path: &str) -> Model {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap();
    compile(&parse(&text).unwrap()).unwrap().0
}

fn mmc(c: u32) -> Model {
    let mut m = load("scenarios/validation/mmc.toml");
    m.tiers[0].schedule.segments = vec![(0.0, c)];
    m.horizon = 1200.0;
    m.warmup = 100.0;
    m.sla_hours = vec![2.0];
    m
}

#[test]
fn seed_irrelevant_change_shows_no_difference_and_one_more_agent_does() {
    let base = mmc(10);
    let mut renamed = base.clone();
    renamed.name = "same desk, other name".into();
    let c = compare(&base, &[renamed, mmc(11)], 30, 5, None, &BTreeMap::new()).unwrap();
    for d in c.pilots[0].overall.values() {
        assert!(!d.significant, "identical desks must not differ: {d:?}");
        assert_eq!(
            d.difference.mean, 0.0,
            "common random numbers make them identical"
        );
    }
    let more = &c.pilots[1].overall;
    assert!(
        more["wait_hours"].significant && more["wait_hours"].difference.ci_high < 0.0,
        "{:?}",
        more["wait_hours"]
    );
    assert!(more["resolution_hours"].difference.ci_high < 0.0);
}

#[test]
fn common_random_numbers_narrow_the_paired_interval() {
    let (a, b) = (mmc(11), mmc(12));
    let reps = 30;
    let (ra, _) = run_crn(&a, reps, 9, None).unwrap();
    let (rb, _) = run_crn(&b, reps, 9, None).unwrap();
    let paired = incidentlab::sim::stats::Estimate::of(
        ra.iter()
            .zip(&rb)
            .map(|(x, y)| y.overall.mean_wait_hours - x.overall.mean_wait_hours),
    );
    // Independent: the pilot gets its own streams.
    let o = RunOptions {
        replications: reps,
        seed: 9,
        threads: None,
        stream_key: "independent".into(),
        trace: false,
        waits: false,
    };
    let (rb_ind, _) = run_replications(&b, &o, &|| {}).unwrap();
    let wa: Vec<f64> = ra.iter().map(|r| r.overall.mean_wait_hours).collect();
    let wb: Vec<f64> = rb_ind.iter().map(|r| r.overall.mean_wait_hours).collect();
    let (lo, hi) = welch_ci(&wa, &wb);
    let (paired_w, indep_w) = (paired.ci_high - paired.ci_low, hi - lo);
    assert!(
        paired_w < 0.75 * indep_w,
        "paired {paired_w} vs independent {indep_w}"
    );
}

#[test]
fn sweep_is_monotone_in_staff() {
    let m = mmc(10);
    let sw = Sweep::parse("desk_staff=10..12", &m).unwrap();
    let pts = incidentlab::decide::compare::sweep(&m, &sw, 20, 3, None, &BTreeMap::new()).unwrap();
    assert_eq!(
        pts.iter().map(|p| p.value).collect::<Vec<_>>(),
        vec![10, 11, 12]
    );
    assert!(
        pts[0].resolution_hours.mean > pts[1].resolution_hours.mean
            && pts[1].resolution_hours.mean > pts[2].resolution_hours.mean
    );
    let e = Sweep::parse("l9_staff=1..3", &m).unwrap_err();
    assert!(
        usage_flag(&e) == Some("--sweep")
            && e.to_string().starts_with("--sweep 'l9_staff': no tier"),
        "{e:?}"
    );
    assert!(Sweep::parse("desk_staff=5", &m).is_err());
}

#[test]
fn staffing_finds_the_least_agents_that_meet_the_target() {
    // M/M/c, λ = 9, work 1 h, resolution target 2 h: find c with compliance ≥ 80 % (lower CI bound).
    let m = mmc(14);
    let targets = parse_targets("P1=80%").unwrap();
    let subject = Subject::Tiers(Box::new(m.clone()));
    let r = search(&subject, &targets, 20, 4, None, 20).unwrap();
    let opt = r.optimum.as_ref().expect("an optimum");
    assert!(opt.meets_targets);
    let fewer = r
        .cost_curve
        .iter()
        .find(|c| c.deltas[0] == opt.deltas[0] - 1)
        .expect("one fewer agent evaluated");
    assert!(!fewer.meets_targets, "one agent fewer must miss the target");
    // Theory: P(T ≤ 2) for M/M/c FIFO with μ = 1 is about 1 − e^{−2} − waiting; 80 % needs at least 10 agents.
    assert!(opt.mean_staff[0] >= 10.0);
    assert!(r.erlang_c[0].is_some());
    let e = search(&subject, &parse_targets("P9=80%").unwrap(), 5, 1, None, 3).unwrap_err();
    assert!(
        usage_flag(&e) == Some("--target")
            && e.to_string().starts_with("--target P9: no such priority"),
        "{e:?}"
    );
}

fn incidents(seed: u64, n: usize, effect: f64) -> Vec<Incident> {
    generate(&GenerateOptions {
        incidents: n,
        seed,
        days: 240.0,
        pilot_effect: effect,
        ..Default::default()
    })
    .unwrap()
    .into_iter()
    .map(|g| g.truth)
    .collect()
}

fn pilot_start(days: f64) -> i64 {
    GenerateOptions::default().start + (days * 24.0 * 3.6e6 * 2.0 / 3.0) as i64
}

fn opts(days: f64, seed: u64) -> PilotOptions {
    PilotOptions {
        pilot_start: pilot_start(days),
        pilot_end: None,
        baseline_start: None,
        pilot_group: None,
        seed,
        resamples: 1000,
    }
}

#[test]
fn pilot_recovers_a_known_improvement() {
    // The true relative change of mean resolution time, from a very large sample of the same process.
    let big = incidents(1, 150_000, 0.6);
    let truth = evaluate(&big, &opts(240.0, 1), &|i| i.made_sla_reported, "test")
        .unwrap()
        .pilot
        .mttr_relative_change;
    assert!(
        truth < -0.3 && truth > -0.45,
        "built-in effect: work × 0.6 → MTTR about −37 %: {truth}"
    );
    // A 95 % interval misses the truth for 1 sample in 20: over 3 independent samples it must
    // contain it at least twice (a correct interval fails this with probability ≈ 0.7 %).
    let runs: Vec<_> = [2, 3, 4]
        .iter()
        .map(|&seed| {
            let data = incidents(seed, 4000, 0.6);
            evaluate(&data, &opts(240.0, seed), &|i| i.made_sla_reported, "test").unwrap()
        })
        .collect();
    let covered = runs
        .iter()
        .filter(|r| r.pilot.mttr_ci_low <= truth && truth <= r.pilot.mttr_ci_high)
        .count();
    let intervals: Vec<_> = runs
        .iter()
        .map(|r| (r.pilot.mttr_ci_low, r.pilot.mttr_ci_high))
        .collect();
    assert!(covered >= 2, "CIs {intervals:?} should contain {truth}");
    let r = &runs[0];
    let c = &r.pilot;
    assert!(c.mann_whitney_p < 0.001);
    assert!(r.verdict.starts_with("MTTR fell by"), "{}", r.verdict);
    assert!(c.sla_p < 0.05 && c.sla_difference > 0.0);
    assert!(
        !r.charts.is_empty() && r.charts[0].points.iter().any(|p| p.signal),
        "the XmR chart flags the shift"
    );
}

#[test]
fn pilot_without_effect_rarely_claims_one() {
    let mut claims = 0;
    let seeds = 40;
    for seed in 100..100 + seeds {
        let r = evaluate(
            &incidents(seed, 1500, 1.0),
            &opts(240.0, seed),
            &|i| i.made_sla_reported,
            "test",
        )
        .unwrap();
        if r.pilot.mttr_ci_high < 0.0 || r.pilot.mttr_ci_low > 0.0 {
            claims += 1;
        }
    }
    // Nominal 5 %: 2 of 40 expected; more than 6 would be a broken test (P ≈ 1 % for a correct one).
    assert!(
        claims <= 6,
        "{claims} of {seeds} null pilots claimed an effect"
    );
}

#[test]
fn pilot_rejects_impossible_requests() {
    let incs = incidents(3, 500, 0.6);
    let mut o = opts(240.0, 1);
    o.pilot_start = 0;
    let e = evaluate(&incs, &o, &|i| i.made_sla_reported, "t").unwrap_err();
    assert!(
        usage_flag(&e) == Some("--pilot-start") && e.to_string().contains("outside the data"),
        "{e:?}"
    );
    let mut o = opts(240.0, 1);
    o.pilot_group = Some(Filter::parse("assignment_group=Nobody").unwrap());
    let e = evaluate(&incs, &o, &|i| i.made_sla_reported, "t").unwrap_err();
    assert!(
        matches!(e, DecideError::EmptyGroup(_)) && e.to_string().contains("pilot group"),
        "{e:?}"
    );
    let mut o = opts(240.0, 1);
    o.pilot_end = Some(o.pilot_start - 1);
    let e = evaluate(&incs, &o, &|i| i.made_sla_reported, "t").unwrap_err();
    assert_eq!(usage_flag(&e), Some("--pilot-end"), "{e:?}");
}

#[test]
fn cli_compare_and_pilot() {
    let v = common::run_json([
        "compare",
        "scenarios/baseline.toml",
        "scenarios/self-healing.toml",
        "--replications",
        "10",
        "--target",
        "P1=60%",
        "--output",
        "json",
    ]);
    assert!(
        v["pilots"][0]["overall"]["resolution_hours"]["difference"]["ci_high"]
            .as_f64()
            .unwrap()
            < 0.0
    );
    // Tier scenarios have no pools: no per-pool differences (they were rows of NaN, named after
    // the tiers, in the text and nulls in the JSON).
    assert!(v["pilots"][0].get("pools").is_none(), "{}", v["pilots"][0]);
    let text = common::stdout(&common::run_ok([
        "compare",
        "scenarios/baseline.toml",
        "scenarios/self-healing.toml",
        "--replications",
        "10",
    ]));
    assert!(text.contains("self-healing vs baseline"), "{text}");
    assert!(
        !text.contains("NaN") && !text.contains("queue h base"),
        "{text}"
    );
    let (code, stderr) = common::run_err([
        "compare",
        "scenarios/baseline.toml",
        "--target",
        "P7=90%",
        "scenarios/swarming.toml",
    ]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("P7"));
    let out = common::run_ok([
        "pilot",
        "datasets/sample-servicenow.csv",
        "--pilot-start",
        "2025-08-31",
    ]);
    assert!(common::stdout(&out).contains("verdict: MTTR fell by"));
    let (code, _) = common::run_err([
        "pilot",
        "datasets/sample-servicenow.csv",
        "--pilot-start",
        "2030-01-01",
    ]);
    assert_eq!(code, Some(2));
}

#[test]
fn fit_recovers_the_generators_shape_and_validates() {
    let dir = std::env::temp_dir().join(format!("incidentlab-fit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let incs = incidents(21, 20_000, 1.0);
    let f =
        incidentlab::decide::fit::fit(&incs, "gen", chrono_tz::Tz::UTC, None, 0.6, None).unwrap();
    let mix: BTreeMap<String, f64> = f
        .priorities
        .iter()
        .cloned()
        .zip(f.mix.iter().copied())
        .collect();
    for (p, share) in [("P1", 0.02), ("P2", 0.10), ("P3", 0.48), ("P4", 0.40)] {
        assert!((mix[p] - share).abs() < 0.015, "{p}: {} vs {share}", mix[p]);
    }
    // 20,000 incidents over 240 days; the rate is taken over the central 98 % of opening times.
    let expected = 20_000.0 * 0.98 / (240.0 * 24.0 * 0.98);
    assert!(
        (f.rate_per_hour - expected).abs() / expected < 0.03,
        "{} vs {expected}",
        f.rate_per_hour
    );
    assert!(
        f.weekday_profile[10] > 2.0 * f.weekday_profile[3],
        "office hours busier than nights: {:?}",
        f.weekday_profile
    );
    assert!(f.weekend_profile[10] < f.weekday_profile[10]);
    assert!((f.reopen_probability - 0.04).abs() < 0.01);
    // The written scenario loads, and simulating it reproduces the observed MTTR.
    let text = incidentlab::decide::fit::scenario_toml(&f);
    let scenario = dir.join("gen.toml");
    std::fs::write(&scenario, &text).unwrap();
    let store = dir.join("gen.parquet");
    incidentlab::store::write_store(&store, &incs, &[]).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_incidentlab"))
        .args([
            "validate",
            scenario.to_str().unwrap(),
            "--against",
            store.to_str().unwrap(),
            "--replications",
            "20",
            "--output",
            "json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for row in v["priorities"].as_array().unwrap() {
        let err = row["relative_error"].as_f64().unwrap();
        assert!(err.abs() < 0.10, "{}: {err}", row["priority"]);
        assert_eq!(row["agrees"], true);
    }
    // Trace replay: the real arrivals and priorities go through the simulation one for one.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_incidentlab"))
        .args([
            "simulate",
            scenario.to_str().unwrap(),
            "--replay",
            store.to_str().unwrap(),
            "--replications",
            "3",
            "--output",
            "json",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for p in 1..=4u8 {
        let observed = incs.iter().filter(|i| i.priority == Some(p)).count() as f64;
        let label = format!("P{p}");
        assert_eq!(
            v["priorities"][&label]["arrived_per_replication"]["mean"]
                .as_f64()
                .unwrap(),
            observed,
            "{label}"
        );
    }
}
