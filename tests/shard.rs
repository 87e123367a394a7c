//! Sharded runs: `--shard i/n` slices merged by `incidentlab merge` give byte for byte the JSON of
//! the unsharded run — with the shards run as separate processes, and through GNU parallel.

mod common;

use std::path::{Path, PathBuf};

use common::{bin, run_ok};

/// A fresh scratch folder for one test.
fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("incidentlab-shard-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("scratch folder");
    d
}

fn args(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}

/// Runs `cmd` (an incidentlab command line without `--output`) unsharded with `--output json`,
/// then as 3 shard processes (different thread counts) and a merge; returns (unsharded, merged).
fn unsharded_and_merged(cmd: &[&str], dir: &Path) -> (Vec<u8>, Vec<u8>) {
    let mut whole = args(cmd);
    whole.extend(args(&["--output", "json"]));
    let unsharded = run_ok(&whole).stdout;
    let mut parts = Vec::new();
    for (i, threads) in [(1, "1"), (2, "2"), (3, "1")] {
        let part = dir.join(format!("part-{i}.json"));
        let mut a = args(cmd);
        a.extend(args(&["--threads", threads, "--shard", &format!("{i}/3")]));
        a.push("--part".into());
        a.push(part.display().to_string());
        run_ok(&a);
        parts.push(part.display().to_string());
    }
    parts.reverse(); // any order
    let result = dir.join("result.json");
    let mut m = vec!["merge".to_string()];
    m.extend(parts.iter().cloned());
    m.extend(["-o".to_string(), result.display().to_string()]);
    run_ok(&m);
    // Without -o the merged JSON is printed, the same bytes.
    let mut printed = vec!["merge".to_string()];
    printed.extend(parts);
    assert_eq!(run_ok(&printed).stdout, std::fs::read(&result).unwrap());
    (unsharded, std::fs::read(&result).expect("result.json"))
}

fn assert_same(unsharded: &[u8], merged: &[u8]) {
    assert!(!unsharded.is_empty());
    assert!(
        unsharded == merged,
        "merged result differs from the unsharded run:\n--- unsharded\n{}\n--- merged\n{}",
        String::from_utf8_lossy(unsharded),
        String::from_utf8_lossy(merged)
    );
}

const SWEEP: &[&str] = &[
    "compare",
    "scenarios/validation/mmc.toml",
    "--sweep",
    "desk_staff=10..11",
    "--replications",
    "5",
    "--target",
    "P1=60%",
];

#[test]
fn sharded_sweep_merges_to_the_unsharded_json() {
    let dir = scratch("sweep");
    let (u, m) = unsharded_and_merged(SWEEP, &dir);
    assert_same(&u, &m);
    let v: serde_json::Value = serde_json::from_slice(&m).unwrap();
    assert_eq!(v["points"].as_array().map(Vec::len), Some(2));
    assert_eq!(v["points"][0]["resolution_hours"]["n"], 5);
}

#[test]
fn sharded_simulate_and_pilot_comparison_merge_to_the_unsharded_json() {
    let dir = scratch("simulate");
    let sim = [
        "simulate",
        "scenarios/baseline.toml",
        "--replications",
        "7",
        "--seed",
        "11",
        "--horizon",
        "500",
        "--warmup",
        "50",
    ];
    let (u, m) = unsharded_and_merged(&sim, &dir);
    assert_same(&u, &m);
    let dir = scratch("compare");
    let cmp = [
        "compare",
        "scenarios/baseline.toml",
        "scenarios/extra-l1-staff.toml",
        "--replications",
        "4",
        "--target",
        "P1=90%",
    ];
    let (u, m) = unsharded_and_merged(&cmp, &dir);
    assert_same(&u, &m);
}

/// Runs merge, expecting failure; returns standard error.
fn merge_fails(parts: &[&Path]) -> String {
    let out = bin()
        .arg("merge")
        .args(parts)
        .output()
        .expect("the binary runs");
    assert!(!out.status.success(), "merge of {parts:?} should fail");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn shard(cmd: &[&str], spec: &str, part: &Path) {
    let mut a = args(cmd);
    a.extend(args(&["--shard", spec, "--part"]));
    a.push(part.display().to_string());
    run_ok(&a);
}

#[test]
fn merge_refuses_missing_duplicate_foreign_and_damaged_parts() {
    let dir = scratch("refuse");
    let p: Vec<PathBuf> = (1..=3).map(|i| dir.join(format!("p{i}.json"))).collect();
    for (i, path) in p.iter().enumerate() {
        shard(SWEEP, &format!("{}/3", i + 1), path);
    }
    let e = merge_fails(&[&p[0], &p[2]]);
    assert!(e.contains("missing shard(s) 2/3"), "{e}");
    let e = merge_fails(&[&p[0], &p[1], &p[1], &p[2]]);
    assert!(
        e.contains("shard 2/3 given twice") && e.contains("p2.json"),
        "{e}"
    );
    // A part of another run (another seed).
    let other = dir.join("other.json");
    let mut seeded: Vec<&str> = SWEEP.to_vec();
    seeded.extend(["--seed", "99"]);
    shard(&seeded, "2/3", &other);
    let e = merge_fails(&[&p[0], &other, &p[2]]);
    assert!(
        e.contains("other.json") && e.contains("different run"),
        "{e}"
    );
    // Edited request: the hash no longer matches.
    let text = std::fs::read_to_string(&p[1]).unwrap();
    let edited = dir.join("edited.json");
    std::fs::write(
        &edited,
        text.replace("\"replications\":5", "\"replications\":6"),
    )
    .unwrap();
    let e = merge_fails(&[&p[0], &edited, &p[2]]);
    assert!(e.contains("edited.json") && e.contains("hash"), "{e}");
    // Not a part file at all.
    let junk = dir.join("junk.json");
    std::fs::write(&junk, "{\"points\": []}").unwrap();
    let e = merge_fails(&[&junk]);
    assert!(
        e.contains("junk.json") && e.contains("not a part file"),
        "{e}"
    );
    // Bad --shard values are usage errors.
    let out = bin().args(SWEEP).args(["--shard", "4/3"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("4/3"));
}

/// GNU parallel is installed by tests/setup.sh (Debian package `parallel`); without it this test
/// fails and says so rather than passing silently.
#[test]
fn sweep_through_gnu_parallel_in_3_shards_equals_the_unsharded_run() {
    let version = std::process::Command::new("parallel")
        .arg("--version")
        .output();
    let gnu = version
        .as_ref()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("GNU parallel"))
        .unwrap_or(false);
    assert!(
        gnu,
        "GNU parallel is not installed (or `parallel` is moreutils' one): run `bash tests/setup.sh`, which installs the Debian package `parallel`"
    );
    let dir = scratch("parallel");
    let exe = env!("CARGO_BIN_EXE_incidentlab");
    let mut cmd = std::process::Command::new("parallel");
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["--will-cite", "--halt", "now,fail=1", "--jobs", "3", exe])
        .args(SWEEP)
        .args(["--shard", "{}/3", "--part"])
        .arg(dir.join("part-{}.json"))
        .args([":::", "1", "2", "3"]);
    let out = cmd.output().expect("GNU parallel runs");
    assert!(
        out.status.success(),
        "parallel failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut whole = args(SWEEP);
    whole.extend(args(&["--output", "json"]));
    let unsharded = run_ok(&whole).stdout;
    let result = dir.join("result.json");
    let mut m = vec!["merge".to_string()];
    for i in 1..=3 {
        m.push(dir.join(format!("part-{i}.json")).display().to_string());
    }
    m.extend(["-o".to_string(), result.display().to_string()]);
    run_ok(&m);
    assert_same(&unsharded, &std::fs::read(&result).unwrap());
}
