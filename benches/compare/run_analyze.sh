#!/usr/bin/env bash
# Analysis benchmark of issue 10: `incidentlab analyze STORE --metrics mttr,sla --by priority`
# against the same figures from python-polars and DuckDB (benches/compare/*_analyze.py), one after
# the other in one run, each under `/usr/bin/time -v` (CPU = user + system s, peak RSS). Then checks
# that the three agree (relative 1e-9), so the comparison is of the same work.
#
#   benches/compare/run_analyze.sh STORE.parquet [WORKDIR]
#
# STORE is an incidentlab store, e.g. the one run.sh writes ($WORKDIR/incidentlab.parquet).
# Needs target/release/incidentlab (or $INCIDENTLAB) and a Python with polars and duckdb ($PYTHON).
set -euo pipefail
store=$1
work=${2:-/tmp/incidentlab-compare}
here=$(cd "$(dirname "$0")" && pwd)
bin=${INCIDENTLAB:-$here/../../target/release/incidentlab}
py=${PYTHON:-python3}
mkdir -p "$work"
. "$here/measure.sh"
measure incidentlab-analyze "$bin" analyze "$store" --metrics mttr,sla --by priority --output json
measure polars-analyze "$py" "$here/polars_analyze.py" "$store"
measure duckdb-analyze "$py" "$here/duckdb_analyze.py" "$store"
"$py" - "$work" <<'PY'
import json, math, sys
work = sys.argv[1]
a = json.load(open(f"{work}/incidentlab-analyze.out"))
def ours(g):
    m = g["mttr_hours"]; t = g["mtta_hours"]
    return {"incidents": g["incidents"], "resolved": g["resolved"], "mttr_mean": m["mean"],
            "mttr_median": m["median"], "mttr_p90": m["p90"], "mttr_p95": m["p95"],
            "mtta_mean": t["mean"], "mtta_median": t["median"],
            "sla_reported_rate": g["sla_reported_rate"]}
mine = {None: ours(a["overall"])}
for g in a["groups"]:
    p = g["key"]["priority"]
    mine[None if p is None else int(p)] = ours(g)
for other in ("polars", "duckdb"):
    rows = [json.loads(l) for l in open(f"{work}/{other}-analyze.out")]
    theirs = {r["priority"]: r for r in rows}
    assert set(theirs) == set(mine), (other, sorted(map(str, theirs)), sorted(map(str, mine)))
    for k, want in theirs.items():
        for f, v in want.items():
            if f == "priority":
                continue
            got = mine[k][f]
            same = (got is None and v is None) or (got is not None and v is not None and
                    math.isclose(got, v, rel_tol=1e-9, abs_tol=1e-9))
            assert same, f"{other}: priority {k} {f}: incidentlab {got}, {other} {v}"
print(f"figures agree: incidentlab = polars = duckdb over {len(mine)} groups (overall and per priority)")
PY
