//! Corpus replay (issue 12): every committed fuzz input (`fuzz/corpus/<target>/*`) goes through the
//! same entry point the fuzz target calls (`fuzz/src/lib.rs`), which panics on any broken invariant
//! (a parser panic, `rows_read != rows_imported + rows_rejected + blank_rows`, counts that disagree
//! with the lists, a timestamp that does not round-trip, a duration out of range, an SLA clock
//! outside [0, elapsed]). Runs in `cargo test --release`, without the fuzz build or nightly.

use std::path::Path;

#[allow(dead_code)]
#[path = "../fuzz/src/lib.rs"]
mod harness;

#[test]
fn every_committed_corpus_input_replays_cleanly() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus");
    let mut total = 0;
    for (name, run) in harness::TARGETS {
        let dir = corpus.join(name);
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| {
                panic!(
                    "{}: {e} (every fuzz target needs a seed corpus)",
                    dir.display()
                )
            })
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        assert!(!files.is_empty(), "{}: empty corpus", dir.display());
        for f in &files {
            let data = std::fs::read(f).unwrap();
            let outcome = std::panic::catch_unwind(|| run(&data));
            assert!(
                outcome.is_ok(),
                "{name}: {} breaks an invariant",
                f.display()
            );
        }
        total += files.len();
    }
    assert!(total >= harness::TARGETS.len());
}
