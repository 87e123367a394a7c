"""Writes a ServiceNow-shaped incident export for the import benchmark (issue 10): 14 columns,
day-first dates (`31/01/2016 14:05`), `?` for missing cells, CRLF line ends, like the UCI
"incident management process" ServiceNow export. Deterministic (hash of the row number with a fixed
seed), written in batches of 1M rows so memory stays small.

About 0.01 % of the rows reuse the previous row's number (duplicate_conflict), 0.01 % are resolved
before they were opened (resolved_before_opened), 3 % are unresolved (`?`), 5 % have no assignee.

    python make_servicenow_csv.py ROWS OUT.csv
"""
import sys

import polars as pl

COLUMNS = ["number", "opened_at", "resolved_at", "closed_at", "priority", "impact", "urgency",
           "category", "subcategory", "assignment_group", "assigned_to", "contact_type",
           "reassignment_count", "incident_state"]
LEVELS = ["1 - Critical", "2 - High", "3 - Moderate", "4 - Low"]
IMPACT = ["1 - High", "2 - Medium", "3 - Low"]
CONTACT = ["Phone", "Email", "Self service", "IVR", "Direct opening"]
START_S = 1451606400  # 2016-01-01T00:00:00Z
SPAN_S = 5 * 365 * 86400


def batch(lo: int, hi: int, total: int) -> pl.DataFrame:
    i = pl.int_range(lo, hi, eager=True).alias("i")
    df = pl.DataFrame(i)
    h = lambda seed: pl.col("i").hash(seed)
    fmt = "%d/%m/%Y %H:%M"
    dup = (h(11) % 10000 == 0) & (pl.col("i") > 0)
    early = h(12) % 10000 == 1
    unresolved = h(13) % 100 < 3
    opened_s = START_S + pl.col("i") * SPAN_S // total + h(1) % 3600
    resolved_s = opened_s + 60 * (h(2) % (200 * 60)) * pl.when(early).then(-1).otherwise(1)
    closed_s = resolved_s + 60 * (h(3) % (72 * 60))
    ts = lambda e: pl.from_epoch(e, time_unit="s").dt.strftime(fmt)
    pick = lambda vals, seed: pl.lit(pl.Series(vals)).gather(h(seed) % len(vals))
    df = df.with_columns(
        number=pl.format("INC{}", (pl.col("i") - dup.cast(pl.Int64)).cast(pl.String).str.zfill(8)),
        opened_at=ts(opened_s),
        resolved_at=pl.when(unresolved).then(pl.lit("?")).otherwise(ts(resolved_s)),
        closed_at=pl.when(unresolved).then(pl.lit("?")).otherwise(ts(closed_s)),
        priority=pick(LEVELS, 4),
        impact=pick(IMPACT, 5),
        urgency=pick(IMPACT, 6),
        category=pl.format("Category {}", h(7) % 60),
        subcategory=pl.when(h(14) % 50 == 0).then(pl.lit("?"))
        .otherwise(pl.format("Subcategory {}", h(8) % 250)),
        assignment_group=pl.format("Group {}", h(9) % 80),
        assigned_to=pl.when(h(15) % 20 == 0).then(pl.lit("?"))
        .otherwise(pl.format("Resolver {}", h(10) % 230)),
        contact_type=pick(CONTACT, 16),
        reassignment_count=(h(17) % 5).cast(pl.String),
        incident_state=pl.when(unresolved).then(pl.lit("Active")).otherwise(pl.lit("Closed")),
    )
    return df.select(COLUMNS)


def main() -> None:
    total, out = int(sys.argv[1]), sys.argv[2]
    step = 1_000_000
    with open(out, "wb") as f:
        for lo in range(0, total, step):
            batch(lo, min(total, lo + step), total).write_csv(
                f, include_header=lo == 0, line_terminator="\r\n")


if __name__ == "__main__":
    main()
