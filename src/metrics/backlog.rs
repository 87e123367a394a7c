//! Backlog and trend: created vs resolved per ISO week (weeks start Monday 00:00 UTC), the number
//! open at each week's end, and the aging of what is still open at the as-of time.
//!
//! *Open at an instant t*: opened ≤ t and (unresolved or resolved > t).

use polars::prelude::{ChunkAgg, Int64Chunked};
use serde::Serialize;

use crate::schema::UtcMillis;

const WEEK_MS: i64 = crate::units::MS_PER_WEEK;
// 1970-01-05 was a Monday.
const MONDAY0: i64 = crate::units::FIRST_MONDAY_MS;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Week {
    pub week_start: String,
    pub created: u64,
    pub resolved: u64,
    pub open_at_end: u64,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Aging {
    pub bucket: &'static str,
    pub open: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Backlog {
    pub as_of: String,
    pub open_now: u64,
    pub weeks: Vec<Week>,
    pub aging: Vec<Aging>,
}

fn week_of(ms: UtcMillis) -> i64 {
    crate::units::iso_week(ms)
}

/// `resolved`: the end of each incident (the MTTR end), null while open.
pub fn analyze(opened: &[UtcMillis], resolved: &Int64Chunked, as_of: UtcMillis) -> Backlog {
    let mut weeks = Vec::new();
    let last_end = resolved.max();
    if let (Some(&lo), Some(hi)) = (
        opened.iter().min(),
        opened.iter().copied().chain(last_end).max(),
    ) {
        let (w0, w1) = (week_of(lo), week_of(hi.min(as_of)));
        let n = (w1 - w0 + 1).max(0) as usize;
        let mut created = vec![0u64; n];
        let mut done = vec![0u64; n];
        for (o, r) in opened.iter().zip(resolved.iter()) {
            if let Some(c) = created.get_mut((week_of(*o) - w0) as usize) {
                *c += 1;
            }
            if let Some(r) = r {
                let k = week_of(r) - w0;
                if k >= 0 {
                    if let Some(d) = done.get_mut(k as usize) {
                        *d += 1;
                    }
                }
            }
        }
        let (mut cum_c, mut cum_d) = (0u64, 0u64);
        for k in 0..n {
            cum_c += created[k];
            cum_d += done[k];
            weeks.push(Week {
                week_start: super::recurrence::iso(MONDAY0 + (w0 + k as i64) * WEEK_MS)[..10]
                    .to_string(),
                created: created[k],
                resolved: done[k],
                open_at_end: cum_c - cum_d,
            });
        }
    }
    const BUCKETS: [(&str, f64); 5] = [
        ("< 1 day", 24.0),
        ("1-3 days", 72.0),
        ("3-7 days", 168.0),
        ("7-30 days", 720.0),
        ("> 30 days", f64::INFINITY),
    ];
    let mut aging: Vec<Aging> = BUCKETS
        .iter()
        .map(|(b, _)| Aging { bucket: b, open: 0 })
        .collect();
    let mut open_now = 0;
    for (o, r) in opened.iter().zip(resolved.iter()) {
        if *o <= as_of && r.is_none_or(|r| r > as_of) {
            open_now += 1;
            let age = crate::units::ms_to_hours(as_of - o);
            let k = BUCKETS
                .iter()
                .position(|(_, lim)| age < *lim)
                .unwrap_or(BUCKETS.len() - 1);
            aging[k].open += 1;
        }
    }
    Backlog {
        as_of: super::recurrence::iso(as_of),
        open_now,
        weeks,
        aging,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::NamedFrom;

    #[test]
    fn weekly_counts_by_hand() {
        let d = crate::units::MS_PER_DAY;
        let mon = MONDAY0 + 2800 * WEEK_MS; // some Monday
        let opened = [mon, mon + d, mon + 8 * d, mon + 9 * d];
        let resolved = [Some(mon + 2 * d), None, Some(mon + 15 * d), None];
        let b = analyze(
            &opened,
            &Int64Chunked::new("".into(), resolved),
            mon + 16 * d,
        );
        let counts: Vec<(u64, u64, u64)> = b
            .weeks
            .iter()
            .map(|w| (w.created, w.resolved, w.open_at_end))
            .collect();
        assert_eq!(counts, vec![(2, 1, 1), (2, 0, 3), (0, 1, 2)]);
        assert_eq!(b.open_now, 2);
        // Ages at as-of: 15 days and 7 days.
        assert_eq!(
            b.aging.iter().map(|a| a.open).collect::<Vec<_>>(),
            vec![0, 0, 0, 2, 0]
        );
        assert!(b.weeks[0].week_start.len() == 10);
    }
}
