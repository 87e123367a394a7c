//! The command line: every subcommand's `--help` ends with its examples, and the shared flag
//! groups (reading an export, simulation) mean the same in every subcommand.

mod common;

use std::path::PathBuf;

use common::{run_ok, stdout};

const SUBCOMMANDS: [(&str, &str); 11] = [
    ("import", include_str!("../src/cli/examples/import.txt")),
    ("analyze", include_str!("../src/cli/examples/analyze.txt")),
    ("generate", include_str!("../src/cli/examples/generate.txt")),
    ("simulate", include_str!("../src/cli/examples/simulate.txt")),
    ("fit", include_str!("../src/cli/examples/fit.txt")),
    ("validate", include_str!("../src/cli/examples/validate.txt")),
    ("compare", include_str!("../src/cli/examples/compare.txt")),
    ("staff", include_str!("../src/cli/examples/staff.txt")),
    ("report", include_str!("../src/cli/examples/report.txt")),
    ("pilot", include_str!("../src/cli/examples/pilot.txt")),
    ("merge", include_str!("../src/cli/examples/merge.txt")),
];

fn tmpdir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("incidentlab-cli-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn every_subcommand_help_ends_with_its_examples() {
    for (cmd, examples) in SUBCOMMANDS {
        let lines: Vec<&str> = examples.lines().filter(|l| !l.trim().is_empty()).collect();
        assert!(lines.len() >= 2, "{cmd}: too few examples");
        for flag in ["--help", "-h"] {
            let help = stdout(&run_ok([cmd, flag]));
            let at = help
                .find("Examples:")
                .unwrap_or_else(|| panic!("{cmd} {flag}: no Examples section:\n{help}"));
            let tail = &help[at..];
            for line in &lines {
                assert!(
                    line.starts_with(&format!("incidentlab {cmd} ")),
                    "{cmd}: not an example of {cmd}: {line}"
                );
                assert!(tail.contains(line), "{cmd} {flag}: example missing: {line}");
            }
            // The examples are the end of the help: nothing but example lines after the heading.
            for l in tail.lines().skip(1).filter(|l| !l.trim().is_empty()) {
                assert!(
                    l.trim_start().starts_with("incidentlab "),
                    "{cmd} {flag}: after the examples: {l}"
                );
            }
        }
    }
}

/// A subcommand's `--help`.
fn help_of(cmd: &str) -> String {
    stdout(&run_ok([cmd, "--help"]))
}

#[test]
fn shared_flags_keep_their_names_in_every_subcommand() {
    for cmd in [
        "import", "analyze", "fit", "validate", "simulate", "report", "pilot",
    ] {
        let h = help_of(cmd);
        for flag in [
            "--format",
            "--mapping",
            "--timezone",
            "--date-format",
            "--delimiter",
        ] {
            assert!(h.contains(flag), "{cmd} --help lacks {flag}");
        }
    }
    // The export flags come last, under their own heading, and take no other flag with them.
    for cmd in ["import", "analyze", "fit", "validate", "report", "pilot"] {
        let h = help_of(cmd);
        let at = h.find("Reading an export:").expect(cmd);
        let end = h.find("Examples:").expect(cmd);
        let section = &h[at..end];
        assert!(section.contains("--mapping"), "{cmd}: {section}");
        assert!(
            !section.contains("--output"),
            "{cmd}: --output under the export heading"
        );
    }
    for cmd in ["simulate", "compare", "staff", "validate"] {
        let h = help_of(cmd);
        for flag in ["--replications", "--seed", "--threads", "--output"] {
            assert!(h.contains(flag), "{cmd} --help lacks {flag}");
        }
        assert!(
            h.contains("runs"),
            "{cmd} --help does not show the --runs alias"
        );
    }
    // Old spellings still parse: validate --runs, import --out, analyze --output-file.
    let d = tmpdir("names");
    let store = d.join("s.parquet");
    run_ok([
        "import",
        "datasets/sample-servicenow.csv",
        "--out",
        store.to_str().unwrap(),
    ]);
    run_ok([
        "analyze",
        store.to_str().unwrap(),
        "--output",
        "csv",
        "--output-file",
        d.join("a.csv").to_str().unwrap(),
    ]);
    let v = common::run_json([
        "simulate",
        "scenarios/baseline.toml",
        "--runs",
        "3",
        "--seed",
        "5",
        "--output",
        "json",
    ]);
    assert_eq!(v["replications"].as_u64(), Some(3), "{v}");
    assert_eq!(v["seed"].as_u64(), Some(5), "{v}");
    std::fs::remove_dir_all(&d).ok();
}

/// The sample mapping export read in New York time: what `import` makes of it.
const MAPPING: [&str; 6] = [
    "--format",
    "mapping",
    "--mapping",
    "datasets/mapping-example.toml",
    "--timezone",
    "America/New_York",
];

#[test]
fn fit_reads_an_export_with_mapping_and_timezone_as_import_does() {
    // A generated mapping export (datasets/sample-mapping.csv is too small for `fit`).
    let d = tmpdir("fit");
    let export = d.join("acme.csv");
    run_ok([
        "generate",
        "-n",
        "500",
        "--format",
        "mapping",
        "-o",
        export.to_str().unwrap(),
    ]);
    let mapping = d.join("acme.mapping.toml");
    let (export, mapping) = (export.to_str().unwrap(), mapping.to_str().unwrap());
    let read = ["--format", "mapping", "--mapping", mapping];
    let tz = ["--timezone", "America/New_York"];
    let fit = |input: &str, flags: &[&str], out: &str| -> String {
        let path = d.join(out);
        let mut args = vec!["fit", input, "--name", "same", "-o", path.to_str().unwrap()];
        args.extend(flags);
        run_ok(&args);
        std::fs::read_to_string(path).unwrap()
    };
    let import = |flags: &[&str], store: &str| -> String {
        let path = d.join(store);
        let mut args = vec!["import", export, "-o", path.to_str().unwrap()];
        args.extend(flags);
        run_ok(&args);
        path.to_str().unwrap().to_string()
    };
    let ny_store = import(&[&read[..], &tz[..]].concat(), "ny.parquet");
    let utc_store = import(&read, "utc.parquet");
    let from_export = fit(export, &[&read[..], &tz[..]].concat(), "export.toml");
    assert_eq!(
        from_export,
        fit(&ny_store, &tz, "ny.toml"),
        "fit of the export differs from fit of its import"
    );
    // Had the export been read in UTC (the flag dropped), the fit would be another one.
    assert_ne!(from_export, fit(&utc_store, &tz, "utc.toml"));
    std::fs::remove_dir_all(&d).ok();
}

#[test]
fn report_reads_an_export_with_mapping_and_timezone_as_import_does() {
    let d = tmpdir("report");
    let store = d.join("s.parquet");
    let mut import = vec![
        "import",
        "datasets/sample-mapping.csv",
        "-o",
        store.to_str().unwrap(),
    ];
    import.extend(MAPPING);
    run_ok(&import);
    let metrics = |input: &str, extra: &[&str], dir: &str| -> serde_json::Value {
        let out = d.join(dir);
        let mut args = vec!["report", input, "-o", out.to_str().unwrap()];
        args.extend(extra);
        run_ok(&args);
        let text = std::fs::read_to_string(out.join("metrics.json")).unwrap();
        serde_json::from_str(&text).unwrap()
    };
    let from_store = metrics(store.to_str().unwrap(), &[], "store");
    let from_export = metrics("datasets/sample-mapping.csv", &MAPPING, "export");
    // Read in UTC instead, the instants move by the New York offset: the flag is not ignored.
    let utc = metrics("datasets/sample-mapping.csv", &MAPPING[..4], "utc");
    let analysis = |v: &serde_json::Value| v["analysis"].clone();
    assert!(from_store["analysis"].is_object(), "{from_store}");
    assert_eq!(analysis(&from_store), analysis(&from_export));
    assert_ne!(analysis(&from_export), analysis(&utc));
    // Without --mapping the mapping export cannot be read at all: a usage error.
    let (code, err) = common::run_err([
        "report",
        "datasets/sample-mapping.csv",
        "--format",
        "mapping",
        "-o",
        d.join("none").to_str().unwrap(),
    ]);
    assert_eq!(code, Some(2), "{err}");
    assert!(
        err.contains("--format mapping needs --mapping FILE"),
        "{err}"
    );
    std::fs::remove_dir_all(&d).ok();
}
