#!/usr/bin/env bash
# Fuzzes every target until each has at least GOAL executions in total (fuzz/tally.sh: the sum over
# every logged run, earlier ones included), in chunks of CHUNK seconds on LANES parallel fuzzers:
#
#   fuzz/until.sh 10000000            # 2 lanes, 600 s chunks
#   fuzz/until.sh 10000000 2 300
#
# Each lane takes the target furthest from GOAL that no other lane runs. Lane 1 runs at the normal
# priority, the others under `nice -n 19` (so a shared machine's builds keep going); FUZZ_NICE sets
# lane 1's. A target whose run left a crash input in fuzz/artifacts/TARGET/ is not run again (the
# input is the regression to fix). Uses the binary run.sh builds (FUZZ_NO_BUILD=1 skips the build).
set -euo pipefail
cd "$(dirname "$0")"
goal=${1:?usage: fuzz/until.sh GOAL [LANES] [CHUNK]}
lanes=${2:-2}
chunk=${3:-600}
target_dir=${CARGO_TARGET_DIR:-$PWD/target}
logs=${FUZZ_LOG_DIR:-$PWD/logs}
busy="$logs/.busy"
mkdir -p "$logs" "$busy"
if [ -z "${FUZZ_NO_BUILD:-}" ]; then
    __CARGO_TEST_CHANNEL_OVERRIDE_DO_NOT_USE_THIS=nightly CARGO_TARGET_DIR="$target_dir" \
        nice -n 19 cargo build --release --bin fuzz_all
fi
targets=$(sed -n 's/^name = "\(import_[a-z]*\|timestamp\|duration\|scenario\|sla_policy\|desk\)"$/\1/p' Cargo.toml)

# The target furthest from the goal that is free, claimed atomically (mkdir); empty when none is left.
claim() {
    FUZZ_LOG_DIR="$logs" ./tally.sh >"$busy/tally.$1"
    for t in $targets; do
        n=$(awk -v t="$t" '$1 == t {print $2}' "$busy/tally.$1"); n=${n:-0}
        [ "$n" -lt "$goal" ] || continue
        [ -z "$(ls -A "artifacts/$t" 2>/dev/null)" ] || continue
        echo "$((goal - n)) $t"
    done | sort -rn | while read -r _ t; do
        if mkdir "$busy/$t" 2>/dev/null; then echo "$t"; break; fi
    done
}

lane() {
    local nice_level=$2
    while t=$(claim "$1") && [ -n "$t" ]; do
        mkdir -p "work/$t" "artifacts/$t"
        log="$logs/$t-$(date -u +%Y%m%dT%H%M%S)-l$1.log"
        echo "# seconds=$chunk lane=$1 nice=$nice_level args=${FUZZ_ARGS:-}" >"$log"
        FUZZ_TARGET=$t TMPDIR=/dev/shm nice -n "$nice_level" "$target_dir/release/fuzz_all" \
            "work/$t" "corpus/$t" -max_total_time="$chunk" -timeout=10 -rss_limit_mb=3072 \
            -print_final_stats=1 -artifact_prefix="artifacts/$t/" ${FUZZ_ARGS:-} >>"$log" 2>&1 || true
        rmdir "$busy/$t"
        echo "lane $1: $t $(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1) executions"
    done
}

rm -rf "${busy:?}"/* 2>/dev/null || true
for l in $(seq 1 "$lanes"); do
    if [ "$l" = 1 ]; then lane "$l" "${FUZZ_NICE:-0}" & else lane "$l" 19 & fi
done
wait
FUZZ_LOG_DIR="$logs" ./tally.sh
