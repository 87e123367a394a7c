"""DuckDB baseline for the import benchmark (issue 10): the same ServiceNow-shaped CSV → Parquet,
with the three timestamps parsed as day-first dates and `?` as missing.

    python duckdb_import.py IN.csv OUT.parquet
"""
import sys

import duckdb

src, out = sys.argv[1], sys.argv[2]
con = duckdb.connect()
con.execute(f"""
COPY (
  SELECT * REPLACE (
    strptime(opened_at, '%d/%m/%Y %H:%M') AS opened_at,
    strptime(resolved_at, '%d/%m/%Y %H:%M') AS resolved_at,
    strptime(closed_at, '%d/%m/%Y %H:%M') AS closed_at,
    CAST(reassignment_count AS BIGINT) AS reassignment_count)
  FROM read_csv('{src}', header = true, all_varchar = true, nullstr = '?')
) TO '{out}' (FORMAT parquet, COMPRESSION snappy)
""")
