//! The engine against queueing theory (known answers from formulas, not from the engine), Little's
//! law, determinism across thread counts, shifts, and scenario validation. Tolerances: an estimate
//! passes when it is within 4 standard errors of the formula (the standard error comes from the
//! replications), plus 2 % for the warm-up bias of starting empty.

mod common;

use std::path::Path;

use incidentlab::sim::engine::{run, Keep};
use incidentlab::sim::model::{compile, parse, Model};
use incidentlab::sim::replicate::{run_replications, summarize, RunOptions, Summary};
use incidentlab::sim::stats::Estimate;
use incidentlab::sim::theory;

fn load(path: &str) -> Model {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    let text = std::fs::read_to_string(&p).unwrap();
    let (m, warnings) = compile(&parse(&text).unwrap()).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    m
}

fn simulate(m: &Model) -> (Summary, Vec<incidentlab::sim::engine::RunResult>) {
    let opts = RunOptions {
        waits: true,
        ..RunOptions::for_model(m)
    };
    let (runs, _) = run_replications(m, &opts, &|| {}).unwrap();
    (summarize(m, &opts, &runs, vec![]), runs)
}

fn close(what: &str, e: &Estimate, theory: f64) {
    let tol = 4.0 * e.se() + 0.02 * theory.abs();
    assert!(
        (e.mean - theory).abs() <= tol,
        "{what}: simulated {:.4} ± {:.4} (n={}), theory {theory:.4}",
        e.mean,
        e.se(),
        e.n
    );
}

#[test]
fn mmc_fifo_matches_erlang_c() {
    let m = load("scenarios/validation/mmc.toml");
    let (s, runs) = simulate(&m);
    let c = theory::erlang_c(10, 9.0);
    assert!((c - 0.6687).abs() < 1e-3);
    close(
        "mean wait",
        &s.overall.wait_hours,
        theory::mmc_mean_wait(10, 9.0, 1.0),
    );
    close("P(wait)", &s.overall.p_wait, c);
    close(
        "mean time in system",
        &s.overall.resolution_hours,
        1.0 + theory::mmc_mean_wait(10, 9.0, 1.0),
    );
    close("utilisation", &s.tiers["desk"].utilisation, 0.9);
    for t in [0.25, 0.5, 1.0, 2.0] {
        let per_rep = runs.iter().map(|r| {
            r.waits.iter().filter(|(_, w)| *w > t).count() as f64 / r.overall.resolved as f64
        });
        close(
            &format!("P(wait > {t})"),
            &Estimate::of(per_rep),
            theory::mmc_wait_exceeds(10, 9.0, 1.0, t),
        );
    }
}

#[test]
fn nonpreemptive_priority_matches_cobham() {
    let m = load("scenarios/validation/priority-nonpreemptive.toml");
    let (s, _) = simulate(&m);
    let lambdas = [0.45, 1.35, 3.6, 3.6];
    let w = theory::mmc_nonpreemptive_waits(10, &lambdas, 1.0);
    for (k, p) in ["P1", "P2", "P3", "P4"].iter().enumerate() {
        close(
            &format!("{p} mean wait"),
            &s.priorities[*p].wait_hours,
            w[k],
        );
    }
    // The classes are really separated: P4 waits far longer than P1.
    assert!(s.priorities["P4"].wait_hours.mean > 10.0 * s.priorities["P1"].wait_hours.mean);
}

#[test]
fn preemptive_priority_matches_the_aggregated_mmc() {
    let m = load("scenarios/validation/priority-preemptive.toml");
    let (s, _) = simulate(&m);
    let t = theory::mmc_preemptive_sojourns(10, &[0.45, 1.35, 3.6, 3.6], 1.0);
    for (k, p) in ["P1", "P2", "P3", "P4"].iter().enumerate() {
        close(
            &format!("{p} mean sojourn"),
            &s.priorities[*p].resolution_hours,
            t[k],
        );
    }
}

#[test]
fn mm1_preemptive_with_class_rates_matches_its_formula() {
    let m = load("scenarios/validation/mm1-preemptive.toml");
    let (s, _) = simulate(&m);
    let t = theory::mm1_preemptive_sojourns(&[0.2, 0.3], &[2.0, 0.8]);
    close("P1 sojourn", &s.priorities["P1"].resolution_hours, t[0]);
    close("P2 sojourn", &s.priorities["P2"].resolution_hours, t[1]);
}

#[test]
fn littles_law_holds_on_every_run() {
    for path in [
        "scenarios/validation/mmc.toml",
        "scenarios/validation/priority-preemptive.toml",
        "scenarios/baseline.toml",
    ] {
        let mut m = load(path);
        m.replications = 20;
        let (_, runs) = simulate(&m);
        for r in &runs {
            let lw = r.arrival_rate * r.overall.mean_resolution_hours;
            // Boundary effects of the window only: within 3 %.
            assert!(
                (r.mean_in_system - lw).abs() <= 0.03 * lw,
                "{path}: L {} vs λW {lw}",
                r.mean_in_system
            );
        }
    }
}

#[test]
fn same_seed_same_results_for_any_thread_count() {
    let mut m = load("scenarios/baseline.toml");
    m.replications = 16;
    let json = |threads| {
        let mut o = RunOptions::for_model(&m);
        o.threads = Some(threads);
        let (runs, _) = run_replications(&m, &o, &|| {}).unwrap();
        serde_json::to_string(&summarize(&m, &o, &runs, vec![])).unwrap()
    };
    let one = json(1);
    assert_eq!(one, json(2));
    assert_eq!(one, json(3));
    let mut o = RunOptions::for_model(&m);
    o.seed += 1;
    let (runs, _) = run_replications(&m, &o, &|| {}).unwrap();
    assert_ne!(
        one,
        serde_json::to_string(&summarize(&m, &o, &runs, vec![])).unwrap()
    );
}

#[test]
fn zero_staff_at_night_builds_the_expected_morning_queue() {
    let text = r#"
name = "night"
horizon_hours = 1008
warmup_hours = 168
replications = 30
policy = "fifo"
priorities = ["P1"]
[arrivals]
rate_per_hour = 2.0
priority_mix = [1.0]
[[tiers]]
name = "desk"
shifts = [{ days = ["all"], start = "08:00", end = "16:00", staff = 5 }]
service = { dist = "exponential", mean_hours = 0.5 }
"#;
    let (m, _) = compile(&parse(text).unwrap()).unwrap();
    let mut queues = Vec::new();
    for rep in 0..m.replications as u64 {
        let (_, trace) = run(&m, 1, "night", rep, Keep::TRACE);
        let trace = trace.unwrap();
        // Every morning at 08:00 of weeks 2..6.
        for week in 1..6 {
            for day in 0..7 {
                let eight = week as f64 * 168.0 + day as f64 * 24.0 + 8.0;
                let waiting = trace
                    .iter()
                    .filter(|t| t.arrived_hours < eight && t.arrived_hours + t.wait_hours >= eight)
                    .count();
                queues.push(waiting as f64);
                // Nobody who arrived overnight started before 08:00.
                assert!(trace
                    .iter()
                    .filter(|t| t.arrived_hours > eight - 15.9 && t.arrived_hours < eight)
                    .all(|t| t.arrived_hours + t.wait_hours >= eight - 1e-9));
            }
        }
    }
    // 16 unstaffed hours × 2 arrivals per hour = 32 waiting at 08:00 (Poisson: sd √32 per morning).
    let e = Estimate::of(queues);
    assert!(
        (e.mean - 32.0).abs() < 4.0 * e.se() + 0.5,
        "morning queue {e:?}"
    );
}

#[test]
fn invalid_scenarios_name_the_field() {
    let base = r#"
name = "x"
horizon_hours = 100
[arrivals]
rate_per_hour = 1.0
priority_mix = [0.25, 0.25, 0.25, 0.25]
[[tiers]]
name = "L1"
staff = 2
service = { dist = "exponential", mean_hours = 0.5 }
escalate = 0.0
"#;
    let err = |text: &str| match parse(text) {
        Err(e) => format!("{}: {}", e.field, e.message),
        Ok(s) => match compile(&s) {
            Err(e) => format!("{}: {}", e.field, e.message),
            Ok(_) => "ok".into(),
        },
    };
    assert_eq!(
        err(base),
        "ok",
        "one escalation value serves every priority"
    );
    let good = base.replace("escalate = 0.0\n", "");
    assert_eq!(err(&good), "ok");
    let wrong_type = good.replace("staff = 2", "staff = \"two\"");
    assert!(err(&wrong_type).contains("line 9"), "{}", err(&wrong_type));
    let two_values = base.replace("escalate = 0.0", "escalate = [0.1, 0.2]");
    assert!(
        err(&two_values).contains("escalate") && err(&two_values).contains("one per priority"),
        "{}",
        err(&two_values)
    );
    let unknown = good.replace(
        "horizon_hours = 100",
        "horizon_hours = 100\nhorizon_days = 3",
    );
    let e = err(&unknown);
    assert!(e.contains("horizon_days") && e.contains("line 4"), "{e}");
    let negative = good.replace("rate_per_hour = 1.0", "rate_per_hour = -1.0");
    assert!(
        err(&negative).starts_with("arrivals.rate_per_hour"),
        "{}",
        err(&negative)
    );
    let shares = good.replace("[0.25, 0.25, 0.25, 0.25]", "[0.5, 0.25, 0.25, 0.25]");
    assert!(err(&shares).contains("sum to 1"), "{}", err(&shares));
    let nobody = format!(
        "{}escalate = [0.1]\n[[tiers]]\nname = \"L2\"\nshifts = [{{ days = [\"mon\"], start = \"08:00\", end = \"16:00\", staff = 0 }}]\nservice = {{ dist = \"exponential\", mean_hours = 1.0 }}\n",
        good
    );
    let e = err(&nobody);
    assert!(
        e.contains("L2") && e.contains("no agent is ever on shift"),
        "{e}"
    );
    let overload = good.replace("rate_per_hour = 1.0", "rate_per_hour = 5.0");
    let (_, warnings) = compile(&parse(&overload).unwrap()).unwrap();
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("L1") && w.contains("add staff")),
        "{warnings:?}"
    );
    let bad_dist = good.replace("mean_hours = 0.5", "mean_hours = -2");
    assert!(err(&bad_dist).contains("mean_hours"), "{}", err(&bad_dist));
}

#[test]
fn swarming_and_automation_move_the_numbers_the_right_way() {
    let mut base = load("scenarios/baseline.toml");
    base.replications = 40;
    let (b, _) = simulate(&base);
    let mut sh = load("scenarios/self-healing.toml");
    sh.replications = 40;
    let (s, _) = simulate(&sh);
    assert!(
        s.overall.resolution_hours.ci_high < b.overall.resolution_hours.ci_low,
        "self-healing lowers MTTR"
    );
    let mut sw = load("scenarios/swarming.toml");
    sw.replications = 40;
    let (w, _) = simulate(&sw);
    assert!(
        w.priorities["P1"].resolution_hours.mean < b.priorities["P1"].resolution_hours.mean,
        "swarming shortens P1"
    );
}

#[test]
fn cli_simulate_json_names() {
    let v = common::run_json([
        "simulate",
        "scenarios/validation/mmc.toml",
        "--replications",
        "8",
        "--seed",
        "3",
        "--threads",
        "2",
        "--output",
        "json",
    ]);
    assert_eq!(v["replications"], 8);
    for k in ["mean", "ci_low", "ci_high"] {
        assert!(v["priorities"]["P1"]["wait_hours"][k].is_number(), "{k}");
    }
    let (code, stderr) = common::run_err(["simulate", "nope.toml"]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("nope.toml"));
}

/// Property: over 24 random scenarios (policy, shift end, tiers, staff, shifts, service families,
/// escalation, automation, reopen, swarming drawn from a fixed seed), 1 and 3 worker threads give
/// byte-identical summaries.
#[test]
fn same_seed_same_results_for_1_and_n_threads_over_random_scenarios() {
    let mut state = 0x5eed_u64;
    let mut unit = move || {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    };
    let services = [
        "dist = \"exponential\", mean_hours = {m}",
        "dist = \"lognormal\", mean_hours = {m}, sd_hours = {s}",
        "dist = \"gamma\", shape = 2.0, mean_hours = {m}",
        "dist = \"weibull\", shape = 1.5, scale_hours = {m}",
        "dist = \"deterministic\", hours = {m}",
    ];
    for case in 0..24 {
        let policy = ["fifo", "priority", "preemptive", "edf"][(unit() * 4.0) as usize];
        let shift_end = ["finish", "handback"][(unit() * 2.0) as usize];
        let tiers = 1 + (unit() * 3.0) as usize;
        let mut text = format!(
            "name = \"random-{case}\"\nhorizon_hours = {}\nwarmup_hours = 24\nreplications = 6\nseed = {}\npolicy = \"{policy}\"\nshift_end = \"{shift_end}\"\n\n[arrivals]\nrate_per_hour = {:.3}\npriority_mix = [0.1, 0.2, 0.3, 0.4]\n\n[sla]\nresolution_hours = [4.0, 8.0, 24.0, 72.0]\n\n[automation]\nself_healing_share = {:.2}\n\n[reopen]\nprobability = {:.2}\n",
            200 + (unit() * 400.0) as u32,
            1 + (unit() * 1000.0) as u64,
            0.5 + unit() * 3.0,
            unit() * 0.3,
            unit() * 0.1,
        );
        if unit() < 0.3 {
            text.push_str("\n[swarming]\nagents = 2\n");
        }
        for t in 0..tiers {
            let m = 0.2 + unit() * 1.5;
            let svc = services[(unit() * 5.0) as usize]
                .replace("{m}", &format!("{m:.3}"))
                .replace("{s}", &format!("{:.3}", m * 0.8));
            text.push_str(&format!("\n[[tiers]]\nname = \"L{}\"\n", t + 1));
            if unit() < 0.5 {
                text.push_str(&format!("staff = {}\n", 2 + (unit() * 6.0) as u32));
            } else {
                text.push_str(&format!(
                    "shifts = [{{ days = [\"weekdays\"], start = \"08:00\", end = \"17:00\", staff = {} }}, {{ days = [\"all\"], start = \"17:00\", end = \"08:00\", staff = {} }}]\n",
                    3 + (unit() * 5.0) as u32,
                    1 + (unit() * 2.0) as u32
                ));
            }
            text.push_str(&format!("service = {{ {svc} }}\n"));
            if t + 1 < tiers {
                text.push_str(&format!("escalate = {:.2}\n", unit() * 0.5));
            }
        }
        let scenario = parse(&text).unwrap_or_else(|e| panic!("case {case}: {e:?}\n{text}"));
        let (m, _) = compile(&scenario).unwrap_or_else(|e| panic!("case {case}: {e:?}\n{text}"));
        let json = |threads| {
            let mut o = RunOptions::for_model(&m);
            o.threads = Some(threads);
            let (runs, _) = run_replications(&m, &o, &|| {}).unwrap();
            serde_json::to_string(&summarize(&m, &o, &runs, vec![])).unwrap()
        };
        let one = json(1);
        assert_eq!(
            one,
            json(3),
            "case {case} differs between 1 and 3 threads:\n{text}"
        );
        // The summaries carry real results: another seed changes them.
        let mut o = RunOptions::for_model(&m);
        o.seed += 1;
        let (runs, _) = run_replications(&m, &o, &|| {}).unwrap();
        assert_ne!(
            one,
            serde_json::to_string(&summarize(&m, &o, &runs, vec![])).unwrap()
        );
    }
}
