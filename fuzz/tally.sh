#!/bin/sh
# Total libFuzzer executions per target over every run logged in FUZZ_LOG_DIR (default fuzz/logs):
#
#   fuzz/tally.sh            # prints "TARGET EXECUTIONS SECONDS RUNS", one line per target
#
# A log's count is its final `stat::number_of_executed_units`; a run that was stopped before printing
# it counts its last status line (`#N ...`). SECONDS sums libFuzzer's `Done N runs in S second(s)`
# (0 for a run stopped before it). EXECUTIONS also counts `ledger.txt` (earlier sessions' runs whose
# logs are gone; FUZZ_NO_LEDGER=1 leaves it out); SECONDS and RUNS count logged runs only.
cd "$(dirname "$0")"
logs=${FUZZ_LOG_DIR:-$PWD/logs}
for f in "$logs"/*.log; do
    [ -e "$f" ] || continue
    t=$(basename "$f"); t=${t%%-*}
    n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$f" | tail -1)
    [ -n "$n" ] || n=$(sed -n 's/^#\([0-9][0-9]*\)[[:space:]].*/\1/p' "$f" | tail -1)
    s=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$f" | tail -1)
    echo "$t ${n:-0} ${s:-0}"
done | {
    cat
    [ -n "${FUZZ_NO_LEDGER:-}" ] || sed -n 's/^\([a-z_]*\) \([0-9]*\)$/\1 \2 0 ledger/p' ledger.txt
} | awk '{n[$1]+=$2; s[$1]+=$3; if ($4 != "ledger") r[$1]++; else r[$1]+=0} END {for (t in n) print t, n[t], s[t], r[t]}' | sort
