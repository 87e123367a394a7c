#!/bin/sh
# Coverage-guided fuzzing of incidentlab's parsers with libFuzzer on the stable toolchain.
#
#   fuzz/run.sh SECONDS [TARGET ...]     # default: every target, one after the other, SECONDS each
#
# Builds the targets (fuzz/Cargo.toml instruments incidentlab and the targets only), then runs each
# target for SECONDS under `nice -n 19`, one process at a time, with the committed seeds
# (fuzz/corpus/TARGET) and a work corpus (fuzz/work/TARGET, not committed). Prints one line per
# target: executions, seconds, crashes; a crash's input lands in fuzz/artifacts/TARGET/.
# The build reuses an existing release target dir when CARGO_TARGET_DIR is a copy of one (see
# fuzz/README.md); environment: CARGO_TARGET_DIR (default fuzz/target), FUZZ_ARGS (extra libFuzzer
# flags), FUZZ_LOG_DIR (default fuzz/logs), FUZZ_NO_BUILD=1 (run the binaries already built).
set -eu
cd "$(dirname "$0")"
secs=${1:?usage: fuzz/run.sh SECONDS [TARGET ...]}
shift
target_dir=${CARGO_TARGET_DIR:-$PWD/target}
logs=${FUZZ_LOG_DIR:-$PWD/logs}
mkdir -p "$logs"
# Per-package rustflags (profile-rustflags) need a nightly cargo; this override makes the stable cargo
# accept them without setting RUSTC_BOOTSTRAP, which build scripts watch (setting it would rebuild
# every proc-macro dependant, polars included).
if [ -z "${FUZZ_NO_BUILD:-}" ]; then
    __CARGO_TEST_CHANNEL_OVERRIDE_DO_NOT_USE_THIS=nightly CARGO_TARGET_DIR="$target_dir" \
        nice -n 19 cargo build --release --bin fuzz_all
fi
targets=${*:-$(sed -n 's/^name = "\(import_[a-z]*\|timestamp\|duration\|scenario\|sla_policy\|desk\)"$/\1/p' Cargo.toml)}
for t in $targets; do
    mkdir -p "work/$t" "artifacts/$t"
    log="$logs/$t-$(date -u +%Y%m%dT%H%M%S).log"
    # TMPDIR: the importers read files; the harness writes each input to a scratch file there.
    FUZZ_TARGET=$t TMPDIR=/dev/shm nice -n 19 "$target_dir/release/fuzz_all" "work/$t" "corpus/$t" \
        -max_total_time="$secs" -timeout=10 -rss_limit_mb=3072 -print_final_stats=1 \
        -artifact_prefix="artifacts/$t/" ${FUZZ_ARGS:-} >"$log" 2>&1 || true
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    crashes=$(ls "artifacts/$t" | wc -l)
    echo "$t runs=${runs:-?} seconds=$secs artifacts=$crashes log=$log"
done
