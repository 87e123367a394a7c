//! The log-distance measures agree with the Python package log-distance-measures 2.2.0 on the logs
//! in tests/fixtures/logdist/ (expected values produced offline by expected.py there).

use std::path::PathBuf;

use incidentlab::decide::logdist::{distances, read_activity_log_csv, LogDistances};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/logdist")
        .join(name)
}

fn expected(pair: &str) -> LogDistances {
    let text = std::fs::read_to_string(fixture("expected.json")).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let get = |k: &str| {
        json[pair][k]
            .as_f64()
            .unwrap_or_else(|| panic!("{pair}.{k} missing"))
    };
    LogDistances {
        ctd: get("ctd"),
        aed: get("aed"),
        car: get("car"),
        ced: get("ced"),
        red: get("red"),
        ngd2: get("ngd2"),
    }
}

/// The package computes in floating point (CDF fractions); the Rust side sums exactly in integers
/// and divides once: they agree to rounding, far inside 1e-9 relative.
fn assert_agrees(pair: &str) {
    let real = read_activity_log_csv(&fixture(&format!("{pair}-real.csv"))).unwrap();
    let sim = read_activity_log_csv(&fixture(&format!("{pair}-simulated.csv"))).unwrap();
    let got = distances(&real, &sim);
    let want = expected(pair);
    let pairs = [
        ("ctd", got.ctd, want.ctd),
        ("aed", got.aed, want.aed),
        ("car", got.car, want.car),
        ("ced", got.ced, want.ced),
        ("red", got.red, want.red),
        ("ngd2", got.ngd2, want.ngd2),
    ];
    for (name, g, w) in pairs {
        assert!(
            (g - w).abs() <= 1e-9 * w.abs().max(1e-9),
            "{pair} {name}: incidentlab {g}, log-distance-measures {w}"
        );
    }
}

#[test]
fn hand_computed_pair_agrees_with_log_distance_measures() {
    assert_agrees("hand");
}

#[test]
fn bpic_excerpt_pair_agrees_with_log_distance_measures() {
    assert_agrees("bpic");
}

#[test]
fn synthetic_pair_agrees_with_log_distance_measures() {
    assert_agrees("synthetic");
}
