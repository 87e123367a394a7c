//! Business-hours calendars: working hours per weekday in a time zone, holidays, and the clock time
//! between two instants. Daylight-saving changes are handled by converting each local working day to
//! UTC on its own date.

use std::collections::BTreeSet;

use chrono::{Datelike, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Weekday};
use chrono_tz::Tz;

use crate::schema::UtcMillis;

/// When the SLA clock runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Calendar {
    /// Around the clock.
    AllHours,
    /// Working hours per weekday (Monday first; `None` = closed), in `tz`, minus holidays.
    Business {
        tz: Tz,
        hours: [Option<(NaiveTime, NaiveTime)>; 7],
        holidays: BTreeSet<NaiveDate>,
    },
}

const MS_PER_HOUR: f64 = 3.6e6;

fn local_ms(tz: Tz, d: NaiveDate, t: NaiveTime) -> i64 {
    let naive = d.and_time(t);
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(x) => x.timestamp_millis(),
        LocalResult::Ambiguous(a, _) => a.timestamp_millis(),
        // A working-hour boundary inside a DST gap: the first instant after the gap.
        LocalResult::None => {
            tz.from_utc_datetime(&(naive - Duration::hours(1)))
                .timestamp_millis()
                + 3_600_000
        }
    }
}

impl Calendar {
    /// Hours the clock runs between `from` and `to` (0 when `to ≤ from`).
    pub fn hours_between(&self, from: UtcMillis, to: UtcMillis) -> f64 {
        if to <= from {
            return 0.0;
        }
        match self {
            Calendar::AllHours => (to - from) as f64 / MS_PER_HOUR,
            Calendar::Business {
                tz,
                hours,
                holidays,
            } => {
                let start_day = tz
                    .timestamp_millis_opt(from)
                    .single()
                    .map(|t| t.date_naive());
                let end_day = tz.timestamp_millis_opt(to).single().map(|t| t.date_naive());
                let (Some(mut day), Some(last)) = (start_day, end_day) else {
                    return 0.0;
                };
                let mut ms = 0i64;
                while day <= last {
                    if let Some((open, close)) =
                        hours[day.weekday().num_days_from_monday() as usize]
                    {
                        if !holidays.contains(&day) {
                            let (a, b) = (local_ms(*tz, day, open), local_ms(*tz, day, close));
                            let (s, e) = (a.max(from), b.min(to));
                            if e > s {
                                ms += e - s;
                            }
                        }
                    }
                    day = match day.succ_opt() {
                        Some(d) => d,
                        None => break,
                    };
                }
                ms as f64 / MS_PER_HOUR
            }
        }
    }
}

/// Working intervals of each local day over a date range, with prefix sums: the clock between two
/// instants then costs two binary searches instead of a walk over the days (10 M incidents).
#[derive(Debug, Clone)]
pub struct ClockTable {
    /// UTC instant of each local midnight, one more than days.
    midnights: Vec<i64>,
    /// Working interval of each day in UTC ms (empty when closed).
    open: Vec<(i64, i64)>,
    /// Working ms of all days before day k.
    prefix: Vec<i64>,
}

impl ClockTable {
    fn overlap(&self, k: usize, from: i64, to: i64) -> i64 {
        let (a, b) = self.open[k];
        (b.min(to) - a.max(from)).max(0)
    }

    /// Clock hours between two instants, or `None` when either lies outside the table's range.
    pub fn hours_between(&self, from: UtcMillis, to: UtcMillis) -> Option<f64> {
        if to <= from {
            return Some(0.0);
        }
        let n = self.open.len();
        let day = |t: i64| {
            let k = self.midnights.partition_point(|m| *m <= t);
            (k >= 1 && k <= n).then(|| k - 1)
        };
        let (kf, kt) = (day(from)?, day(to)?);
        let ms = if kf == kt {
            self.overlap(kf, from, to)
        } else {
            self.overlap(kf, from, to)
                + (self.prefix[kt] - self.prefix[kf + 1])
                + self.overlap(kt, from, to)
        };
        Some(ms as f64 / MS_PER_HOUR)
    }
}

impl Calendar {
    /// A [`ClockTable`] covering `[from, to]` (plus a day each side); `None` for a 24×7 calendar.
    pub fn table(&self, from: UtcMillis, to: UtcMillis) -> Option<ClockTable> {
        let Calendar::Business {
            tz,
            hours,
            holidays,
        } = self
        else {
            return None;
        };
        let first = tz
            .timestamp_millis_opt(from)
            .single()?
            .date_naive()
            .pred_opt()?;
        let last = tz
            .timestamp_millis_opt(to)
            .single()?
            .date_naive()
            .succ_opt()?;
        let mut t = ClockTable {
            midnights: Vec::new(),
            open: Vec::new(),
            prefix: vec![0],
        };
        let mut day = first;
        while day <= last {
            let m = local_ms(*tz, day, NaiveTime::MIN);
            t.midnights.push(m);
            let iv = match hours[day.weekday().num_days_from_monday() as usize] {
                Some((o, c)) if !holidays.contains(&day) => {
                    (local_ms(*tz, day, o), local_ms(*tz, day, c))
                }
                _ => (m, m),
            };
            t.open.push(iv);
            let p = t.prefix[t.prefix.len() - 1] + (iv.1 - iv.0);
            t.prefix.push(p);
            day = day.succ_opt()?;
        }
        t.midnights.push(local_ms(*tz, day, NaiveTime::MIN));
        Some(t)
    }
}

/// Parses `"08:00"`.
pub fn clock(s: &str) -> Result<NaiveTime, String> {
    NaiveTime::parse_from_str(s.trim(), "%H:%M")
        .map_err(|_| format!("'{s}' is not a time like 08:00"))
}

pub fn weekday_index(name: &str) -> Option<usize> {
    let w: Weekday = name.parse().ok()?;
    Some(w.num_days_from_monday() as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .timestamp_millis()
    }

    fn office(tz: &str) -> Calendar {
        let h = Some((clock("08:00").unwrap(), clock("18:00").unwrap()));
        Calendar::Business {
            tz: tz.parse().unwrap(),
            hours: [h, h, h, h, h, None, None],
            holidays: BTreeSet::new(),
        }
    }

    #[test]
    fn weekend_and_out_of_hours_do_not_count() {
        let c = office("UTC");
        // Friday 17:00 → Monday 09:00: 1 h Friday + 1 h Monday.
        assert!(
            (c.hours_between(at("2024-03-01T17:00:00Z"), at("2024-03-04T09:00:00Z")) - 2.0).abs()
                < 1e-9
        );
        // Opened Saturday night, resolved Monday 08:30: 0.5 h.
        assert!(
            (c.hours_between(at("2024-03-02T23:00:00Z"), at("2024-03-04T08:30:00Z")) - 0.5).abs()
                < 1e-9
        );
        // Entirely at night: 0.
        assert_eq!(
            c.hours_between(at("2024-03-04T19:00:00Z"), at("2024-03-05T07:00:00Z")),
            0.0
        );
        assert_eq!(
            Calendar::AllHours
                .hours_between(at("2024-03-04T19:00:00Z"), at("2024-03-05T07:00:00Z")),
            12.0
        );
    }

    #[test]
    fn table_agrees_with_the_day_walk() {
        let mut c = office("Europe/Berlin");
        if let Calendar::Business { holidays, .. } = &mut c {
            holidays.insert(NaiveDate::from_ymd_opt(2024, 10, 3).unwrap());
        }
        let lo = at("2024-01-01T00:00:00Z");
        let t = c.table(lo, at("2025-01-01T00:00:00Z")).unwrap();
        let mut x: u64 = 12345;
        for _ in 0..20_000 {
            x = crate::random::splitmix64(x);
            let a = lo + (x % (350 * 86_400_000)) as i64;
            x = crate::random::splitmix64(x);
            let b = a + (x % (9 * 86_400_000)) as i64;
            let (slow, fast) = (c.hours_between(a, b), t.hours_between(a, b).unwrap());
            assert!((slow - fast).abs() < 1e-9, "{a} {b}: {slow} vs {fast}");
        }
        assert_eq!(
            t.hours_between(lo - 10 * 86_400_000, lo),
            None,
            "outside the range"
        );
    }

    #[test]
    fn holidays_and_dst() {
        let mut c = office("Europe/Berlin");
        // Across the spring change (Sunday 31 March 2024): Friday 17:00 local → Monday 09:00 local = 2 h.
        assert!(
            (c.hours_between(at("2024-03-29T16:00:00Z"), at("2024-04-01T07:00:00Z")) - 2.0).abs()
                < 1e-9
        );
        // A summer working day in Berlin is 06:00–16:00 UTC.
        assert!(
            (c.hours_between(at("2024-07-01T00:00:00Z"), at("2024-07-01T23:00:00Z")) - 10.0).abs()
                < 1e-9
        );
        if let Calendar::Business { holidays, .. } = &mut c {
            holidays.insert(NaiveDate::from_ymd_opt(2024, 7, 1).unwrap());
        }
        assert_eq!(
            c.hours_between(at("2024-07-01T00:00:00Z"), at("2024-07-01T23:00:00Z")),
            0.0
        );
    }
}
