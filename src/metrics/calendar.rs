//! Business-hours calendars: working hours per weekday in a time zone, holidays, and the clock time
//! between two instants, in whole milliseconds (hours only for display).
//!
//! A working day `[open, close)` in the calendar's zone becomes one UTC interval: each boundary is
//! the first instant at which the local clock shows that time or later
//! ([`crate::timeparse::first_instant_at_or_after`]). So a boundary inside a spring DST gap moves to
//! the first instant after the gap, and a boundary inside the repeated autumn hour is its first
//! occurrence; e.g. `sunday = ["02:30", "18:00"]` is 03:00–18:00 (15 h) on the Sunday Brussels
//! skips 02:00–03:00, and 02:30 summer time → 18:00 winter time (16.5 h) on the Sunday it repeats
//! 02:00–03:00. The clock between two instants is the total length of the working intervals inside
//! them, so it is exactly additive: `ms(a, c) = ms(a, b) + ms(b, c)` for `a ≤ b ≤ c`.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate, NaiveTime, TimeZone, Weekday};
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

/// Milliseconds in an hour: clocks are kept in ms and shown in hours as `ms / 3,600,000`.
pub const MS_PER_HOUR: i64 = crate::units::MS_PER_HOUR;

/// Milliseconds as hours, for display only.
pub fn ms_to_hours(ms: i64) -> f64 {
    ms as f64 / MS_PER_HOUR as f64
}

fn local_ms(tz: Tz, d: NaiveDate, t: NaiveTime) -> i64 {
    crate::timeparse::first_instant_at_or_after(tz, d.and_time(t))
}

impl Calendar {
    /// The working interval of local day `day` as UTC ms `[open, close)`; `None` on a closed day or
    /// a holiday, and for a 24×7 calendar.
    pub fn working_interval(&self, day: NaiveDate) -> Option<(i64, i64)> {
        let Calendar::Business {
            tz,
            hours,
            holidays,
        } = self
        else {
            return None;
        };
        let (open, close) = hours[day.weekday().num_days_from_monday() as usize]?;
        if holidays.contains(&day) {
            return None;
        }
        let (a, b) = (local_ms(*tz, day, open), local_ms(*tz, day, close));
        Some((a, b.max(a)))
    }

    /// Milliseconds the clock runs between `from` and `to` (0 when `to ≤ from`).
    pub fn ms_between(&self, from: UtcMillis, to: UtcMillis) -> i64 {
        if to <= from {
            return 0;
        }
        let Calendar::Business { tz, .. } = self else {
            return to - from;
        };
        let date = |t: i64| tz.timestamp_millis_opt(t).single().map(|x| x.date_naive());
        let (Some(mut day), Some(last)) = (date(from), date(to)) else {
            return 0;
        };
        let mut ms = 0i64;
        while day <= last {
            if let Some((a, b)) = self.working_interval(day) {
                ms += (b.min(to) - a.max(from)).max(0);
            }
            day = match day.succ_opt() {
                Some(d) => d,
                None => break,
            };
        }
        ms
    }

    /// Hours the clock runs between `from` and `to`: [`Calendar::ms_between`] / 3,600,000.
    pub fn hours_between(&self, from: UtcMillis, to: UtcMillis) -> f64 {
        ms_to_hours(self.ms_between(from, to))
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

    /// Clock ms between two instants, or `None` when either lies outside the table's range.
    pub fn ms_between(&self, from: UtcMillis, to: UtcMillis) -> Option<i64> {
        if to <= from {
            return Some(0);
        }
        let n = self.open.len();
        let day = |t: i64| {
            let k = self.midnights.partition_point(|m| *m <= t);
            (k >= 1 && k <= n).then(|| k - 1)
        };
        let (kf, kt) = (day(from)?, day(to)?);
        Some(if kf == kt {
            self.overlap(kf, from, to)
        } else {
            self.overlap(kf, from, to)
                + (self.prefix[kt] - self.prefix[kf + 1])
                + self.overlap(kt, from, to)
        })
    }

    /// Clock hours between two instants (display), or `None` outside the table's range.
    pub fn hours_between(&self, from: UtcMillis, to: UtcMillis) -> Option<f64> {
        self.ms_between(from, to).map(ms_to_hours)
    }
}

impl Calendar {
    /// A [`ClockTable`] covering `[from, to]` (plus a day each side); `None` for a 24×7 calendar.
    pub fn table(&self, from: UtcMillis, to: UtcMillis) -> Option<ClockTable> {
        let Calendar::Business { tz, .. } = self else {
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
            let iv = self.working_interval(day).unwrap_or((m, m));
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
            let (slow, fast) = (c.ms_between(a, b), t.ms_between(a, b).unwrap());
            assert_eq!(slow, fast, "{a} {b}");
        }
        assert_eq!(
            t.hours_between(lo - 10 * 86_400_000, lo),
            None,
            "outside the range"
        );
    }

    fn one_day(tz: &str, day: usize, open: &str, close: &str) -> Calendar {
        let mut hours = [None; 7];
        hours[day] = Some((clock(open).unwrap(), clock(close).unwrap()));
        Calendar::Business {
            tz: tz.parse().unwrap(),
            hours,
            holidays: BTreeSet::new(),
        }
    }

    /// The clock of a whole local day, by the day walk and by the table (which must agree exactly).
    fn day_ms(c: &Calendar, from: &str, to: &str) -> i64 {
        let (a, b) = (at(from), at(to));
        let walk = c.ms_between(a, b);
        let table = c.table(a, b).unwrap().ms_between(a, b).unwrap();
        assert_eq!(walk, table, "{from} → {to}");
        walk
    }

    #[test]
    fn boundaries_in_a_dst_gap_move_to_the_first_instant_after_it() {
        // Brussels skips 02:00–03:00 on Sunday 30 March 2025: 02:30 → 03:00 CEST (01:00Z), 18:00 CEST = 16:00Z.
        let c = one_day("Europe/Brussels", 6, "02:30", "18:00");
        let ms = day_ms(&c, "2025-03-29T12:00:00Z", "2025-03-31T12:00:00Z");
        assert_eq!(ms, 15 * MS_PER_HOUR);
        assert_eq!(
            c.working_interval(NaiveDate::from_ymd_opt(2025, 3, 30).unwrap()),
            Some((at("2025-03-30T01:00:00Z"), at("2025-03-30T16:00:00Z")))
        );
        // New York skips 02:00–03:00 on Sunday 9 March 2025: 03:00 EDT = 07:00Z to 18:00 EDT = 22:00Z.
        let c = one_day("America/New_York", 6, "02:30", "18:00");
        assert_eq!(
            day_ms(&c, "2025-03-08T12:00:00Z", "2025-03-10T12:00:00Z"),
            15 * MS_PER_HOUR
        );
        assert_eq!(
            c.working_interval(NaiveDate::from_ymd_opt(2025, 3, 9).unwrap()),
            Some((at("2025-03-09T07:00:00Z"), at("2025-03-09T22:00:00Z")))
        );
        // A closing time in the gap: 00:00–02:30 is 00:00 EST (05:00Z) → 03:00 EDT (07:00Z) = 2 h.
        let c = one_day("America/New_York", 6, "00:00", "02:30");
        assert_eq!(
            day_ms(&c, "2025-03-08T12:00:00Z", "2025-03-10T12:00:00Z"),
            2 * MS_PER_HOUR
        );
    }

    #[test]
    fn boundaries_in_the_repeated_hour_take_its_first_occurrence() {
        // Brussels repeats 02:00–03:00 on Sunday 26 October 2025: the first 02:30 is CEST (00:30Z);
        // 18:00 CET = 17:00Z → 16.5 h.
        let c = one_day("Europe/Brussels", 6, "02:30", "18:00");
        assert_eq!(
            day_ms(&c, "2025-10-25T12:00:00Z", "2025-10-27T12:00:00Z"),
            33 * MS_PER_HOUR / 2
        );
        // New York repeats 01:00–02:00 on Sunday 2 November 2025: first 01:30 EDT = 05:30Z, 18:00 EST = 23:00Z.
        let c = one_day("America/New_York", 6, "01:30", "18:00");
        assert_eq!(
            day_ms(&c, "2025-11-01T12:00:00Z", "2025-11-03T12:00:00Z"),
            35 * MS_PER_HOUR / 2
        );
        // Both boundaries in the repeated hour: 01:15–01:45 is the first pass only, 30 min.
        let c = one_day("America/New_York", 6, "01:15", "01:45");
        assert_eq!(
            day_ms(&c, "2025-11-01T12:00:00Z", "2025-11-03T12:00:00Z"),
            MS_PER_HOUR / 2
        );
        // An ordinary Sunday in New York: 02:30–18:00 = 15.5 h.
        let c = one_day("America/New_York", 6, "02:30", "18:00");
        assert_eq!(
            day_ms(&c, "2025-11-08T12:00:00Z", "2025-11-10T12:00:00Z"),
            31 * MS_PER_HOUR / 2
        );
    }

    /// A second, naive implementation: walk UTC minute by minute; day D opens at the first minute
    /// whose local wall time is at or after D + open and closes at the first at or after D + close.
    fn brute_minutes(c: &Calendar, from: i64, to: i64) -> i64 {
        let Calendar::Business {
            tz,
            hours,
            holidays,
        } = c
        else {
            return (to - from) / 60_000;
        };
        const MIN: i64 = 60_000;
        let start = from - 2 * 86_400_000;
        let mut flags: std::collections::HashMap<NaiveDate, (bool, bool)> = Default::default();
        let mut n = 0;
        let mut u = start;
        while u < to {
            let wall = tz.timestamp_millis_opt(u).unwrap().naive_local();
            for d in [wall.date(), wall.date().pred_opt().unwrap()] {
                let Some((o, cl)) = hours[d.weekday().num_days_from_monday() as usize] else {
                    continue;
                };
                let f = flags.entry(d).or_insert((false, false));
                f.0 |= wall >= d.and_time(o);
                f.1 |= wall >= d.and_time(cl);
            }
            let working = flags
                .iter()
                .any(|(d, f)| f.0 && !f.1 && !holidays.contains(d));
            if u >= from && working {
                n += 1;
            }
            flags.retain(|d, _| *d >= wall.date().pred_opt().unwrap());
            u += MIN;
        }
        n
    }

    #[test]
    fn minute_by_minute_second_implementation_agrees_around_dst_changes() {
        let windows = [
            ("02:30", "18:00"),
            ("00:00", "02:30"),
            ("01:30", "02:45"),
            ("02:00", "03:00"),
            ("08:00", "18:00"),
            ("00:00", "23:59"),
        ];
        let changes = [
            ("Europe/Brussels", "2025-03-30T00:00:00Z"),
            ("Europe/Brussels", "2025-10-26T00:00:00Z"),
            ("America/New_York", "2025-03-09T00:00:00Z"),
            ("America/New_York", "2025-11-02T00:00:00Z"),
            // Chile moves at midnight: 2025-09-07 00:00 → 01:00 (a working day starting at 00:00 in the gap).
            ("America/Santiago", "2025-09-07T00:00:00Z"),
            // Lord Howe moves by 30 minutes (02:00 → 02:30 on 2025-10-05).
            ("Australia/Lord_Howe", "2025-10-04T12:00:00Z"),
        ];
        let mut x: u64 = 7;
        for (tz, day) in changes {
            for (o, cl) in windows {
                let h = Some((clock(o).unwrap(), clock(cl).unwrap()));
                let c = Calendar::Business {
                    tz: tz.parse().unwrap(),
                    hours: [h, h, h, None, h, h, h],
                    holidays: BTreeSet::new(),
                };
                let lo = at(day) - 3 * 86_400_000;
                let table = c.table(lo, lo + 7 * 86_400_000).unwrap();
                // Whole span, then random minute-aligned sub-intervals.
                let mut spans = vec![(lo, lo + 6 * 86_400_000)];
                for _ in 0..6 {
                    x = crate::random::splitmix64(x);
                    let a = lo + (x % (6 * 1440)) as i64 * 60_000;
                    x = crate::random::splitmix64(x);
                    let b = a + (x % (2 * 1440)) as i64 * 60_000;
                    spans.push((a, b.min(lo + 6 * 86_400_000)));
                }
                for (a, b) in spans {
                    let brute = brute_minutes(&c, a, b) * 60_000;
                    assert_eq!(c.ms_between(a, b), brute, "{tz} {o}-{cl} {a} {b}");
                    assert_eq!(table.ms_between(a, b), Some(brute), "{tz} {o}-{cl} table");
                }
            }
        }
    }

    #[test]
    fn splitting_an_interval_anywhere_adds_up_exactly() {
        let lo = at("2024-01-01T00:00:00Z");
        let mut x: u64 = 99;
        for c in [
            office("Europe/Brussels"),
            office("America/New_York"),
            Calendar::AllHours,
        ] {
            let table = c.table(lo, lo + 400 * 86_400_000);
            for _ in 0..5_000 {
                let mut r = || {
                    x = crate::random::splitmix64(x);
                    x
                };
                let a = lo + (r() % (360 * 86_400_000)) as i64;
                let b = a + (r() % (20 * 86_400_000)) as i64;
                let m = a + (r() % ((b - a) as u64 + 1)) as i64;
                let (ab, am, mb) = (c.ms_between(a, b), c.ms_between(a, m), c.ms_between(m, b));
                assert_eq!(ab, am + mb, "{a} {m} {b}");
                assert!(ab >= 0 && ab <= b - a);
                if let Some(t) = &table {
                    assert_eq!(t.ms_between(a, b), Some(ab));
                }
            }
        }
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
