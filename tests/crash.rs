//! Crash safety: `import`, `analyze -o`, `simulate --trace` and `report` are killed (SIGKILL) at
//! random moments, many times; after every kill the previous output must be there, whole and
//! byte-identical, and nothing partial may sit at the target paths. A write onto a full disk ends
//! with a clear error and no partial output.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_incidentlab")
}

fn repo(p: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(p)
        .display()
        .to_string()
}

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("incidentlab-crash-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Every visible file under `dir` (hidden temporaries excluded) with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(
                    p.strip_prefix(dir).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                );
            }
        }
    }
    out
}

/// A small deterministic generator for the kill moments (splitmix64).
struct Moments(u64);
impl Moments {
    fn next_unit(&mut self) -> f64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn run_full(args: &[String], cwd: &Path) -> Duration {
    let t = Instant::now();
    let out = Command::new(bin())
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    t.elapsed()
}

/// Runs `args` in `cwd` to completion once (the reference output), then `kills` times starts it
/// again and kills it after a random share of a full run's duration, checking the output each time.
/// Returns how many kills landed before the command finished.
fn kill_many(name: &str, args: &[String], kills: usize, seed: u64) -> usize {
    let cwd = tmpdir(name);
    run_full(args, &cwd);
    let reference = snapshot(&cwd);
    assert!(!reference.is_empty(), "{name}: no output");
    let full = (0..3).map(|_| run_full(args, &cwd)).min().unwrap();
    assert_eq!(
        snapshot(&cwd),
        reference,
        "{name}: output is not deterministic"
    );
    let mut moments = Moments(seed);
    let mut interrupted = 0;
    for k in 0..kills {
        let mut child = Command::new(bin())
            .args(args)
            .current_dir(&cwd)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(full.mul_f64(1.2 * moments.next_unit()));
        if child.try_wait().unwrap().is_none() {
            interrupted += 1;
        }
        let _ = child.kill(); // SIGKILL on Unix
        let _ = child.wait();
        let now = snapshot(&cwd);
        assert_eq!(
            now.keys().collect::<Vec<_>>(),
            reference.keys().collect::<Vec<_>>(),
            "{name}: kill {k}: the set of output files changed"
        );
        for (p, bytes) in &reference {
            assert!(
                now[p] == *bytes,
                "{name}: kill {k}: {} is not the previous output",
                p.display()
            );
        }
    }
    interrupted
}

#[test]
fn sigkill_during_writes_never_leaves_partial_output() {
    let sla = repo("scenarios/sla-standard.toml");
    let cases: Vec<(&str, Vec<String>)> = vec![
        (
            "import",
            vec![
                "import".into(),
                repo("datasets/sample-servicenow-audit.csv"),
                "-o".into(),
                "store.parquet".into(),
            ],
        ),
        (
            "analyze",
            vec![
                "analyze".into(),
                repo("datasets/sample-eventlog.csv"),
                "--sla".into(),
                sla.clone(),
                "--output".into(),
                "json".into(),
                "-o".into(),
                "analysis.json".into(),
            ],
        ),
        (
            "simulate",
            vec![
                "simulate".into(),
                repo("scenarios/baseline.toml"),
                "--replications".into(),
                "4".into(),
                "--trace".into(),
                "trace.parquet".into(),
                "--output".into(),
                "json".into(),
            ],
        ),
        (
            "report",
            vec![
                "report".into(),
                repo("datasets/sample-servicenow.csv"),
                "--sla".into(),
                sla,
                "-o".into(),
                "report".into(),
            ],
        ),
    ];
    let mut interrupted = 0;
    for (i, (name, args)) in cases.iter().enumerate() {
        interrupted += kill_many(name, args, 50, 17 + i as u64);
    }
    // The kills must really hit running processes, not only finished ones.
    assert!(
        interrupted >= 100,
        "only {interrupted} of 200 kills interrupted a run"
    );
}

fn mount_tmpfs(dir: &Path, size: &str) -> bool {
    Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
        .arg(dir)
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

#[test]
fn full_disk_is_a_clear_error_without_partial_output() {
    let dir = tmpdir("full");
    let input = repo("datasets/sample-servicenow-audit.csv");
    let target = dir.join("store.parquet");
    // A 8 KiB tmpfs where the test may mount one (root), else a 8 KiB file-size limit.
    let mounted = mount_tmpfs(&dir, "8k");
    let mut cmd = if mounted {
        Command::new(bin())
    } else {
        let mut c = Command::new("prlimit");
        c.args(["--fsize=8192", "--", bin()]);
        c
    };
    let out = cmd
        .arg("import")
        .arg(&input)
        .arg("-o")
        .arg(&target)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    let listing: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    if mounted {
        let _ = Command::new("umount").arg(&dir).status();
    }
    assert_eq!(out.status.code(), Some(1), "stderr: {err}");
    assert!(
        err.contains("cannot write") && err.contains("store"),
        "unclear error: {err}"
    );
    assert!(
        listing.iter().all(|n| !n.starts_with("store")),
        "partial output left: {listing:?}"
    );
}
