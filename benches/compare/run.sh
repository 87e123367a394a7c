#!/usr/bin/env bash
# Import benchmark of issue 10: the same ServiceNow-shaped CSV → Parquet with incidentlab, python-polars
# and DuckDB, one after the other in one run, each under `/usr/bin/time -v` (CPU = user + system
# seconds, peak RSS = "Maximum resident set size").
#
#   benches/compare/run.sh ROWS [WORKDIR]
#
# Needs target/release/incidentlab (or $INCIDENTLAB), and a Python with polars and duckdb
# ($PYTHON, e.g. a venv: python3 -m venv v && v/bin/pip install polars duckdb).
set -euo pipefail
rows=$1
work=${2:-/tmp/incidentlab-compare}
here=$(cd "$(dirname "$0")" && pwd)
bin=${INCIDENTLAB:-$here/../../target/release/incidentlab}
py=${PYTHON:-python3}
mkdir -p "$work"
csv=$work/servicenow-$rows.csv
[ -f "$csv" ] || nice -n 19 "$py" "$here/make_servicenow_csv.py" "$rows" "$csv"
ls -l "$csv"
. "$here/measure.sh"
measure incidentlab "$bin" import "$csv" --format servicenow -o "$work/incidentlab.parquet"
measure polars "$py" "$here/polars_import.py" "$csv" "$work/polars.parquet"
measure duckdb "$py" "$here/duckdb_import.py" "$csv" "$work/duckdb.parquet"
head -2 "$work/incidentlab.out"
