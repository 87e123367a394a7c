"""python-polars baseline for the import benchmark (issue 10): the same ServiceNow-shaped CSV →
Parquet, streaming, with the three timestamps parsed as day-first dates and `?` as missing.

    python polars_import.py IN.csv OUT.parquet
"""
import sys

import polars as pl

FMT = "%d/%m/%Y %H:%M"
src, out = sys.argv[1], sys.argv[2]
(
    pl.scan_csv(src, null_values=["?", ""], infer_schema=False)
    .with_columns(
        [pl.col(c).str.strptime(pl.Datetime("ms", "UTC"), FMT) for c in
         ("opened_at", "resolved_at", "closed_at")]
        + [pl.col("reassignment_count").cast(pl.Int64)]
    )
    .sink_parquet(out, compression="snappy")
)
