"""python-polars baseline for the analysis benchmark (issue 10): the same figures as
duckdb_analyze.py (which says what they are), lazily from an incidentlab Parquet store.

    python polars_analyze.py STORE.parquet
"""
import json
import sys

import polars as pl

store = sys.argv[1]
H = 3_600_000.0
ms = lambda c: pl.col(c).dt.epoch("ms")
lf = pl.scan_parquet(store).select(
    "priority",
    r=(pl.coalesce(ms("resolved_at"), ms("closed_at")) - ms("opened_at")) / H,
    a=(ms("acknowledged_at") - ms("opened_at")) / H,
    s=pl.col("made_sla_reported").cast(pl.Float64),
)
aggs = [
    pl.len().alias("incidents"), pl.col("r").count().alias("resolved"),
    pl.col("r").mean().alias("mttr_mean"), pl.col("r").median().alias("mttr_median"),
    pl.col("r").quantile(0.9, "linear").alias("mttr_p90"),
    pl.col("r").quantile(0.95, "linear").alias("mttr_p95"),
    pl.col("a").mean().alias("mtta_mean"), pl.col("a").median().alias("mtta_median"),
    pl.col("s").mean().alias("sla_reported_rate"),
]
overall, groups = pl.collect_all([
    lf.select(aggs).with_columns(priority=pl.lit(None, pl.Int64)),
    lf.group_by("priority").agg(aggs).sort("priority", nulls_last=False),
])
for row in pl.concat([overall.select(groups.columns), groups]).iter_rows(named=True):
    print(json.dumps(row))
