//! Shared by the end-to-end tests: run the `incidentlab` binary (from the crate root, so the
//! paths of `datasets/` and `scenarios/` work) and read what it printed.
#![allow(dead_code)]

use std::ffi::OsStr;
use std::path::PathBuf;
use std::process::{Command, Output};

/// The binary under test, started in the crate root.
pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_incidentlab"));
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

/// A path under the crate root.
pub fn root(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(rel)
}

/// Runs the binary with `args`; fails the test with its standard error unless it exits 0.
pub fn run_ok<I, S>(args: I) -> Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let args: Vec<S> = args.into_iter().collect();
    let shown: Vec<String> = args
        .iter()
        .map(|a| a.as_ref().to_string_lossy().into_owned())
        .collect();
    let out = bin().args(&args).output().expect("the binary runs");
    assert!(
        out.status.success(),
        "incidentlab {} failed: {}",
        shown.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Runs the binary with `args` (which should ask for `--output json`) and parses its standard output.
pub fn run_json<I, S>(args: I) -> serde_json::Value
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let out = run_ok(args);
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "standard output is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

/// Runs the binary with `args`, expecting it to fail; returns (exit code, standard error).
pub fn run_err<I, S>(args: I) -> (Option<i32>, String)
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let out = bin().args(args).output().expect("the binary runs");
    assert!(!out.status.success(), "expected a failure");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Standard output as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Headless Chromium on the PATH (tests/setup.sh installs Debian's).
pub fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|c| {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|p| p.join(c))
                    .find(|p| p.exists())
            })
        })
}

/// Flags for a headless Chromium on a machine without network: no sandbox (root), no GPU, and
/// no background connections (they would be refused, many at a time).
pub const CHROMIUM_FLAGS: [&str; 8] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];
