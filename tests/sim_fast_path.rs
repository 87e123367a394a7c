//! The engine's fast path for one constant-staff tier (`src/sim/fast.rs`) gives bit-identical
//! results to the general event loop (`run_general`): every figure of `RunResult::to_words`, the
//! waits and the trace, on varied models (policies, mixes, swarming, triage, service
//! distributions, arrival profiles, SLA targets, staffing down to zero) and several seeds.

use incidentlab::sim::engine::{fast_path_applies, run, run_general, Keep};
use incidentlab::sim::model::{compile, parse, Model};

fn model(text: &str) -> Model {
    compile(&parse(text).unwrap()).unwrap().0
}

const HEAD: &str = r#"
name = "fast"
horizon_hours = 600
warmup_hours = 50
replications = 4
seed = 3
"#;

fn variants() -> Vec<(String, Model)> {
    let tier = |staff: u32, service: &str| {
        format!("[[tiers]]\nname = \"desk\"\nstaff = {staff}\nservice = {service}\n")
    };
    let exp = r#"{ dist = "exponential", mean_hours = 1.0 }"#;
    let four = "priorities = [\"P1\", \"P2\", \"P3\", \"P4\"]\n[arrivals]\nrate_per_hour = 9.0\npriority_mix = [0.05, 0.15, 0.4, 0.4]\n";
    let mut texts = vec![
        (
            "mmc fifo".to_string(),
            format!("policy = \"fifo\"\npriorities = [\"P1\"]\n[arrivals]\nrate_per_hour = 9.0\npriority_mix = [1.0]\n{}", tier(10, exp)),
        ),
        ("priority".into(), format!("policy = \"priority\"\n{four}{}", tier(10, exp))),
        (
            "edf with targets".into(),
            format!("policy = \"edf\"\n{four}{}[sla]\nresolution_hours = [1, 2, 4, 8]\n", tier(10, exp)),
        ),
        (
            "fifo, SLA, overloaded (unresolved at the end)".into(),
            format!("policy = \"fifo\"\n{four}{}[sla]\nresolution_hours = [2, 4, 6, 8]\n", tier(8, exp)),
        ),
        (
            "swarming and triage, lognormal".into(),
            format!(
                "policy = \"priority\"\n{four}{}[automation]\ntriage_minutes_saved = 6\n[swarming]\npriorities = [\"P1\", \"P2\"]\nagents = 3\n",
                tier(11, r#"{ dist = "lognormal", mean_hours = 0.9, sd_hours = 1.5 }"#)
            ),
        ),
        (
            "profile, empirical work".into(),
            format!(
                "policy = \"fifo\"\npriorities = [\"P1\", \"P2\"]\n[arrivals]\nrate_per_hour = 3.0\npriority_mix = [0.3, 0.7]\nweekday_profile = [0.2,0.2,0.2,0.2,0.2,0.5,1,2,3,3,3,2,2,3,3,2,1,1,0.5,0.5,0.3,0.3,0.2,0.2]\nweekend_profile = [0.1]\n{}",
                tier(4, r#"{ dist = "empirical", hours = [0.25, 0.5, 1.0, 3.0, 0.1] }"#)
            ),
        ),
        (
            // As many agents as the short sorted agenda serves, busy (every slot of it filled),
            // with swarming so completions of one and of three agents mix.
            "16 agents, loaded, swarming".into(),
            format!(
                "policy = \"priority\"\n{}{}[swarming]\npriorities = [\"P1\"]\nagents = 3\n",
                four.replace("rate_per_hour = 9.0", "rate_per_hour = 15.5"),
                tier(16, exp)
            ),
        ),
        (
            // One more: the heap.
            "17 agents, loaded".into(),
            format!(
                "policy = \"fifo\"\n{}{}",
                four.replace("rate_per_hour = 9.0", "rate_per_hour = 16.5"),
                tier(17, exp)
            ),
        ),
        (
            // More agents than the short sorted agenda serves: the heap.
            "40 agents, priority, lognormal".into(),
            format!(
                "policy = \"priority\"\n{}{}",
                four.replace("rate_per_hour = 9.0", "rate_per_hour = 36.0"),
                tier(40, r#"{ dist = "lognormal", mean_hours = 1.0, sd_hours = 0.8 }"#)
            ),
        ),
        (
            "deterministic work, one agent".into(),
            format!("policy = \"fifo\"\npriorities = [\"P1\"]\n[arrivals]\nrate_per_hour = 0.8\npriority_mix = [1.0]\n{}", tier(1, r#"{ dist = "deterministic", hours = 1.0 }"#)),
        ),
    ];
    // Weekend profile of one value may not parse; fall back to 24 values.
    texts[5].1 = texts[5].1.replace(
        "weekend_profile = [0.1]",
        &format!("weekend_profile = [{}]", vec!["0.1"; 24].join(",")),
    );
    let mut out: Vec<(String, Model)> = texts
        .into_iter()
        .map(|(name, t)| {
            let m = model(&format!("{HEAD}{t}"));
            (name, m)
        })
        .collect();
    for path in [
        "scenarios/validation/mmc.toml",
        "scenarios/validation/priority-nonpreemptive.toml",
        "scenarios/replay-one-tier.toml",
    ] {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
        let mut m = model(&std::fs::read_to_string(p).unwrap());
        m.horizon = m.horizon.min(800.0);
        m.warmup = m.warmup.min(100.0);
        out.push((path.to_string(), m));
    }
    // No staff at all: everything waits, nothing is resolved.
    let mut none = out[0].1.clone();
    none.tiers[0].schedule.segments = vec![(0.0, 0)];
    out.push(("no staff".into(), none));
    out
}

#[test]
fn fast_path_equals_the_general_loop() {
    for (name, m) in variants() {
        assert!(fast_path_applies(&m), "{name}: not on the fast path");
        for seed in [1u64, 7, 2026] {
            for r in 0..3u64 {
                // Trace and waits kept on some replications, so both ways are compared.
                let keep = Keep {
                    trace: r == 0,
                    waits: r < 2,
                };
                let (fast, ft) = run(&m, seed, "key", r, keep);
                let (general, gt) = run_general(&m, seed, "key", r, keep);
                assert!(fast.events > 0 || m.rate_per_hour == 0.0, "{name}");
                assert_eq!(
                    fast.to_words(),
                    general.to_words(),
                    "{name} seed {seed} r {r}"
                );
                let bits =
                    |w: &[(u8, f64)]| w.iter().map(|&(c, x)| (c, x.to_bits())).collect::<Vec<_>>();
                assert_eq!(bits(&fast.waits), bits(&general.waits), "{name}");
                // Every incident that waited is listed when waits are kept, none otherwise.
                let waited: u64 = fast
                    .classes
                    .iter()
                    .map(|c| (c.p_wait * c.resolved as f64).round() as u64)
                    .sum();
                assert_eq!(
                    fast.waits.len() as u64,
                    if keep.waits { waited } else { 0 },
                    "{name}"
                );
                assert_eq!(ft, gt, "{name} trace");
            }
        }
    }
}

#[test]
fn models_outside_the_class_take_the_general_loop() {
    let base = variants().remove(1).1;
    let mut reopen = base.clone();
    reopen.reopen_probability = 0.1;
    let mut heal = base.clone();
    heal.self_heal_share = 0.1;
    let mut preempt = base.clone();
    preempt.policy = incidentlab::sim::model::PolicyName::Preemptive;
    let mut shifts = base.clone();
    shifts.tiers[0].schedule.segments = vec![(0.0, 10), (8.0, 12)];
    let mut tiers = base.clone();
    tiers.tiers.push(base.tiers[0].clone());
    for m in [reopen, heal, preempt, shifts, tiers] {
        assert!(!fast_path_applies(&m));
        let (a, _) = run(&m, 5, "key", 0, Keep::FIGURES);
        let (b, _) = run_general(&m, 5, "key", 0, Keep::FIGURES);
        assert_eq!(a.to_words(), b.to_words());
    }
}
