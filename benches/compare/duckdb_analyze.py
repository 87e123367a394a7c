"""DuckDB baseline for the analysis benchmark (issue 10): the figures of
`incidentlab analyze STORE --metrics mttr,sla --by priority` from an incidentlab Parquet store —
per priority and overall: incidents, resolved, MTTR mean / median / p90 / p95 (linear
interpolation), MTTA mean / median, share of the reported SLA flag. resolution_hours =
(resolved_at, else closed_at, − opened_at) in hours; ack_hours = (acknowledged_at − opened_at).
Prints one JSON object per group (priority null = overall) so that run_analyze.sh can check the
figures against incidentlab's.

    python duckdb_analyze.py STORE.parquet
"""
import json
import sys

import duckdb

store = sys.argv[1]
con = duckdb.connect()
q = f"""
WITH t AS (
  SELECT priority,
    epoch_ms(coalesce(resolved_at, closed_at)) - epoch_ms(opened_at) AS r_ms,
    epoch_ms(acknowledged_at) - epoch_ms(opened_at) AS a_ms,
    made_sla_reported
  FROM read_parquet('{store}')
)
SELECT priority, count(*) AS incidents, count(r_ms) AS resolved,
  avg(r_ms) / 3600000.0 AS mttr_mean, median(r_ms) / 3600000.0 AS mttr_median,
  quantile_cont(r_ms, 0.9) / 3600000.0 AS mttr_p90, quantile_cont(r_ms, 0.95) / 3600000.0 AS mttr_p95,
  avg(a_ms) / 3600000.0 AS mtta_mean, median(a_ms) / 3600000.0 AS mtta_median,
  avg(CAST(made_sla_reported AS DOUBLE)) AS sla_reported_rate
FROM t GROUP BY GROUPING SETS ((priority), ()) ORDER BY priority NULLS FIRST
"""
cur = con.execute(q)
names = [d[0] for d in cur.description]
for row in cur.fetchall():
    print(json.dumps(dict(zip(names, row))))
