//! Timestamps as real exports write them, turned into UTC milliseconds.
//!
//! `Auto` recognises, without a format string: ISO 8601 with or without `T`, seconds, fractions and
//! offset (`2010-03-31T15:59:42+01:00`, `2024-01-15 08:30:00`, `…Z`); day-first or month-first
//! slashed and dotted dates without leading zeros (`29/2/2016 01:16`, `1.3.2024 8:05`); Jira's
//! default `25/Feb/26 10:17 PM`; and a bare date. Naive times (no offset) are read in the time zone
//! given (`--timezone`); a local time that a DST change skips is an error, an ambiguous one (the hour
//! repeated in autumn) takes the earlier instant. A chrono format string (`--date-format`) overrides
//! the recognition.

use chrono::{DateTime, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use chrono_tz::Tz;

use crate::schema::UtcMillis;

/// Which field comes first in an all-numeric slashed or dotted date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DateOrder {
    #[default]
    DayFirst,
    MonthFirst,
}

/// Parses timestamps of one column family in one export.
#[derive(Debug, Clone)]
pub struct TimeParser {
    pub format: Option<String>,
    pub tz: Tz,
    pub order: DateOrder,
}

impl Default for TimeParser {
    fn default() -> Self {
        TimeParser {
            format: None,
            tz: Tz::UTC,
            order: DateOrder::DayFirst,
        }
    }
}

/// Parses a time zone name (`Europe/Berlin`, `UTC`) with an error that says what is expected.
pub fn parse_tz(name: &str) -> Result<Tz, String> {
    name.parse::<Tz>().map_err(|_| {
        format!("unknown time zone '{name}': expected an IANA name such as UTC or Europe/Berlin")
    })
}

/// The first instant at which the local clock in `tz` shows `naive` or a later time — how a
/// calendar boundary (opening or closing time of a working day) becomes a UTC instant:
/// - a local time that exists once is that instant;
/// - a local time in the hour repeated when clocks go back (autumn) is its **first** occurrence
///   (the earlier instant, still on summer time);
/// - a local time skipped when clocks go forward (spring) moves to the **first instant after the
///   gap** (e.g. 02:30 on a day Brussels jumps from 02:00 to 03:00 becomes 03:00 summer time).
pub fn first_instant_at_or_after(tz: Tz, naive: NaiveDateTime) -> UtcMillis {
    match tz.from_local_datetime(&naive) {
        LocalResult::Single(t) => t.timestamp_millis(),
        LocalResult::Ambiguous(a, b) => a.timestamp_millis().min(b.timestamp_millis()),
        LocalResult::None => {
            // Binary search for the first u with local(u) ≥ naive. UTC offsets lie within −12 h and
            // +14 h, so local(lo) < naive ≤ local(hi); the window holds one transition (the gap).
            const H: i64 = crate::units::MS_PER_HOUR;
            let wall = naive.and_utc().timestamp_millis();
            let local = |u: i64| {
                tz.timestamp_millis_opt(u)
                    .single()
                    .map(|t| t.naive_local().and_utc().timestamp_millis())
                    .unwrap_or(u)
            };
            let (mut lo, mut hi) = (wall - 16 * H, wall + 13 * H);
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if local(mid) >= wall {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
            hi
        }
    }
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// A cursor over ASCII bytes for the hand-written fast path (a million rows have four timestamps each).
struct Cur<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Cur<'a> {
    fn num(&mut self, min: usize, max: usize) -> Option<u32> {
        let start = self.i;
        let mut v: u32 = 0;
        while self.i < self.b.len() && self.i - start < max && self.b[self.i].is_ascii_digit() {
            v = v * 10 + u32::from(self.b[self.i] - b'0');
            self.i += 1;
        }
        (self.i - start >= min).then_some(v)
    }
    fn eat(&mut self, c: u8) -> bool {
        if self.b.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn done(&self) -> bool {
        self.i == self.b.len()
    }
    fn skip_spaces(&mut self) {
        while self.peek() == Some(b' ') {
            self.i += 1;
        }
    }
}

/// A parsed wall-clock time with an optional UTC offset in seconds.
struct Parsed {
    dt: NaiveDateTime,
    offset_secs: Option<i32>,
}

fn time_part(c: &mut Cur) -> Option<(NaiveTime, Option<i32>)> {
    if c.done() {
        return Some((NaiveTime::MIN, None));
    }
    if !(c.eat(b'T') || c.eat(b' ')) {
        return None;
    }
    c.skip_spaces();
    let h = c.num(1, 2)?;
    if !c.eat(b':') {
        return None;
    }
    let m = c.num(2, 2)?;
    let mut s = 0;
    let mut nanos = 0u32;
    if c.eat(b':') {
        s = c.num(2, 2)?;
        if c.eat(b'.') || c.eat(b',') {
            let start = c.i;
            let frac = c.num(1, 9)?;
            let digits = (c.i - start) as u32;
            nanos = frac * 10u32.pow(9 - digits);
        }
    }
    c.skip_spaces();
    // 12-hour clock.
    let mut h = h;
    let rest = &c.b[c.i..];
    if rest.len() >= 2
        && (rest[..2].eq_ignore_ascii_case(b"AM") || rest[..2].eq_ignore_ascii_case(b"PM"))
    {
        if !(1..=12).contains(&h) {
            return None;
        }
        let pm = rest[0].eq_ignore_ascii_case(&b'P');
        h = match (h, pm) {
            (12, false) => 0,
            (12, true) => 12,
            (h, true) => h + 12,
            (h, false) => h,
        };
        c.i += 2;
        c.skip_spaces();
    }
    let t = NaiveTime::from_hms_nano_opt(h, m, s, nanos)?;
    let offset = match c.peek() {
        None => None,
        Some(b'Z') | Some(b'z') => {
            c.i += 1;
            Some(0)
        }
        Some(sign @ (b'+' | b'-')) => {
            c.i += 1;
            let oh = c.num(2, 2)?;
            c.eat(b':');
            let om = if c.done() { 0 } else { c.num(2, 2)? };
            // ISO 8601 offsets: hours 00–23, minutes 00–59 (`+99:99` is a typo, not a zone).
            if oh > 23 || om > 59 {
                return None;
            }
            let secs = (oh * 3600 + om * 60) as i32;
            Some(if sign == b'-' { -secs } else { secs })
        }
        Some(_) => return None,
    };
    c.done().then_some((t, offset))
}

fn fast_parse(s: &str, order: DateOrder) -> Option<Parsed> {
    let mut c = Cur {
        b: s.as_bytes(),
        i: 0,
    };
    let first = c.num(1, 4)?;
    let (y, mo, d) = if c.i == 4 {
        // ISO: YYYY-MM-DD
        if !c.eat(b'-') {
            return None;
        }
        let mo = c.num(1, 2)?;
        if !c.eat(b'-') {
            return None;
        }
        (first as i32, mo, c.num(1, 2)?)
    } else {
        let sep = c.peek()?;
        if sep != b'/' && sep != b'.' && sep != b'-' {
            return None;
        }
        c.i += 1;
        let second_is_name = c.peek().is_some_and(|b| b.is_ascii_alphabetic());
        let (d, mo) = if second_is_name {
            // Jira: 25/Feb/26
            let name = c.b.get(c.i..c.i + 3)?;
            let lower = [
                name[0].to_ascii_lowercase(),
                name[1].to_ascii_lowercase(),
                name[2].to_ascii_lowercase(),
            ];
            let mo = MONTHS.iter().position(|m| m.as_bytes() == lower)? as u32 + 1;
            c.i += 3;
            (first, mo)
        } else {
            let second = c.num(1, 2)?;
            match order {
                DateOrder::DayFirst => (first, second),
                DateOrder::MonthFirst => (second, first),
            }
        };
        if !c.eat(sep) {
            return None;
        }
        let start = c.i;
        let y = c.num(2, 4)?;
        let y = match c.i - start {
            2 => 2000 + y as i32,
            4 => y as i32,
            _ => return None,
        };
        (y, mo, d)
    };
    let date = NaiveDate::from_ymd_opt(y, mo, d)?;
    let (t, offset_secs) = time_part(&mut c)?;
    Some(Parsed {
        dt: date.and_time(t),
        offset_secs,
    })
}

/// A date and time read from one of the fixed layouts exports write most (two-digit fields):
/// `31/01/2016 14:05`, `31/01/2016 14:05:09` (slashes, dots or dashes; day or month first by the
/// parser's order), `2016-01-31 14:05:09` and `2016-01-31T14:05:09`. These take three timestamps per
/// row of a large export; anything else (one-digit fields, fractions, offsets, AM/PM, names) is
/// left to [`fast_parse`], which reads the same values the same way (a test compares the two).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Fixed {
    y: i32,
    mo: u32,
    d: u32,
    h: u32,
    mi: u32,
    s: u32,
}

#[inline(always)]
fn two_digits(b: &[u8], i: usize) -> Option<u32> {
    let (x, y) = (b[i].wrapping_sub(b'0'), b[i + 1].wrapping_sub(b'0'));
    (x < 10 && y < 10).then_some(u32::from(x) * 10 + u32::from(y))
}

#[inline(always)]
fn fixed_layout(b: &[u8], order: DateOrder) -> Option<Fixed> {
    if b.len() != 16 && b.len() != 19 {
        return None;
    }
    let (y, mo, d, t) = if b[4] == b'-' {
        // 2016-01-31 14:05:09 / 2016-01-31T14:05:09 (ISO: seconds always written).
        if b.len() != 19 || b[7] != b'-' || (b[10] != b' ' && b[10] != b'T') {
            return None;
        }
        let y = two_digits(b, 0)? * 100 + two_digits(b, 2)?;
        (y, two_digits(b, 5)?, two_digits(b, 8)?, 11)
    } else {
        // 31/01/2016 14:05[:09]
        let sep = b[2];
        if !matches!(sep, b'/' | b'.' | b'-') || b[5] != sep || b[10] != b' ' {
            return None;
        }
        let (first, second) = (two_digits(b, 0)?, two_digits(b, 3)?);
        let y = two_digits(b, 6)? * 100 + two_digits(b, 8)?;
        let (d, mo) = match order {
            DateOrder::DayFirst => (first, second),
            DateOrder::MonthFirst => (second, first),
        };
        (y, mo, d, 11)
    };
    if b[t + 2] != b':' {
        return None;
    }
    let (h, mi) = (two_digits(b, t)?, two_digits(b, t + 3)?);
    let s = if b.len() == t + 8 {
        if b[t + 5] != b':' {
            return None;
        }
        two_digits(b, t + 6)?
    } else if b.len() == t + 5 {
        0
    } else {
        return None;
    };
    let days_in_month = match mo {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) => 29,
        2 => 28,
        _ => return None,
    };
    (d >= 1 && d <= days_in_month && h < 24 && mi < 60 && s < 60).then_some(Fixed {
        y: y as i32,
        mo,
        d,
        h,
        mi,
        s,
    })
}

impl Fixed {
    /// Milliseconds since the epoch of this wall-clock time read as UTC (days from the civil date
    /// by Howard Hinnant's algorithm: the proleptic Gregorian calendar chrono uses).
    fn utc_millis(self) -> UtcMillis {
        let y = i64::from(self.y) - i64::from(self.mo <= 2);
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (i64::from(self.mo) + 9) % 12;
        let doy = (153 * mp + 2) / 5 + i64::from(self.d) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        let secs =
            days * 86_400 + i64::from(self.h) * 3600 + i64::from(self.mi) * 60 + i64::from(self.s);
        secs * 1000
    }

    fn naive(self) -> Option<NaiveDateTime> {
        NaiveDate::from_ymd_opt(self.y, self.mo, self.d)?.and_hms_opt(self.h, self.mi, self.s)
    }
}

impl TimeParser {
    pub fn new(format: Option<String>, tz: Tz, order: DateOrder) -> Self {
        TimeParser { format, tz, order }
    }

    /// Parses one timestamp; the error says what was found and what is expected.
    pub fn parse(&self, raw: &str) -> Result<UtcMillis, String> {
        let s = match (raw.as_bytes().first(), raw.as_bytes().last()) {
            (Some(a), Some(b)) if a.is_ascii_graphic() && b.is_ascii_graphic() => raw,
            _ => raw.trim(),
        };
        if self.format.is_none() {
            if let Some(f) = fixed_layout(s.as_bytes(), self.order) {
                if self.tz == Tz::UTC {
                    return Ok(f.utc_millis());
                }
                if let Some(dt) = f.naive() {
                    return self.local_to_utc(dt).map_err(|e| format!("'{raw}': {e}"));
                }
            }
        }
        let parsed = match &self.format {
            None => fast_parse(s, self.order),
            Some(f) => custom_parse(s, f),
        };
        let Some(p) = parsed else {
            let expected = match &self.format {
                Some(f) => format!("a date in the format '{f}'"),
                None => "a date such as 2024-01-31 14:05:00, 2024-01-31T14:05:00+01:00, 31/1/2024 14:05 or 31/Jan/24 2:05 PM (or give --date-format)".to_string(),
            };
            return Err(format!("'{raw}' is not {expected}"));
        };
        match p.offset_secs {
            Some(off) => Ok(p.dt.and_utc().timestamp_millis() - i64::from(off) * 1000),
            None => self.local_to_utc(p.dt).map_err(|e| format!("'{raw}': {e}")),
        }
    }

    fn local_to_utc(&self, dt: NaiveDateTime) -> Result<UtcMillis, String> {
        if self.tz == Tz::UTC {
            return Ok(dt.and_utc().timestamp_millis());
        }
        match self.tz.from_local_datetime(&dt) {
            LocalResult::Single(t) => Ok(t.timestamp_millis()),
            LocalResult::Ambiguous(early, _) => Ok(early.timestamp_millis()),
            LocalResult::None => Err(format!(
                "this local time does not exist in {} (skipped by a daylight-saving change)",
                self.tz
            )),
        }
    }
}

fn custom_parse(s: &str, f: &str) -> Option<Parsed> {
    if let Ok(dt) = DateTime::<FixedOffset>::parse_from_str(s, f) {
        return Some(Parsed {
            dt: dt.naive_utc(),
            offset_secs: Some(0),
        });
    }
    if let Ok(dt) = NaiveDateTime::parse_from_str(s, f) {
        return Some(Parsed {
            dt,
            offset_secs: None,
        });
    }
    NaiveDate::parse_from_str(s, f).ok().map(|d| Parsed {
        dt: d.and_time(NaiveTime::MIN),
        offset_secs: None,
    })
}

/// Formats UTC milliseconds as a naive local time in `tz` with a chrono format (used by `generate`).
pub fn format_local(ms: UtcMillis, tz: Tz, fmt: &str) -> String {
    match DateTime::from_timestamp_millis(ms) {
        Some(t) => t.with_timezone(&tz).format(fmt).to_string(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> i64 {
        NaiveDate::from_ymd_opt(y, mo, d)
            .unwrap()
            .and_hms_opt(h, mi, s)
            .unwrap()
            .and_utc()
            .timestamp_millis()
    }

    /// A text, the UTC date and time it stands for (y, mo, d, h, mi, s), and milliseconds.
    type Case<'a> = (&'a str, (i32, u32, u32, u32, u32, u32), i64);

    /// Each text parses to the UTC instant (y, mo, d, h, mi, s) plus the milliseconds given.
    fn parses_to(p: &TimeParser, cases: &[Case]) {
        for &(text, (y, mo, d, h, mi, s), ms) in cases {
            assert_eq!(p.parse(text), Ok(utc(y, mo, d, h, mi, s) + ms), "{text}");
        }
    }

    #[test]
    fn iso_with_offset_and_fraction() {
        parses_to(
            &TimeParser::default(),
            &[
                ("2010-03-31T15:59:42+01:00", (2010, 3, 31, 14, 59, 42), 0),
                ("2010-03-31T15:59:42Z", (2010, 3, 31, 15, 59, 42), 0),
                (
                    "2010-03-31 15:59:42.250-0230",
                    (2010, 3, 31, 18, 29, 42),
                    250,
                ),
                ("2024-01-15", (2024, 1, 15, 0, 0, 0), 0),
            ],
        );
    }

    #[test]
    fn day_first_without_leading_zeros() {
        let p = TimeParser::default();
        parses_to(
            &p,
            &[
                ("29/2/2016 01:16", (2016, 2, 29, 1, 16, 0), 0),
                ("1/3/2016 9:05", (2016, 3, 1, 9, 5, 0), 0),
                ("1.3.2016 9:05:07", (2016, 3, 1, 9, 5, 7), 0),
            ],
        );
        let us = TimeParser::new(None, Tz::UTC, DateOrder::MonthFirst);
        parses_to(&us, &[("2/29/2016 01:16", (2016, 2, 29, 1, 16, 0), 0)]);
        assert!(
            p.parse("30/2/2016 01:16").is_err(),
            "30 February does not exist"
        );
    }

    #[test]
    fn jira_default_format() {
        let p = TimeParser::default();
        parses_to(
            &p,
            &[
                ("25/Feb/26 10:17 PM", (2026, 2, 25, 22, 17, 0), 0),
                ("01/Jan/26 12:05 AM", (2026, 1, 1, 0, 5, 0), 0),
                ("01/jan/26 12:05 pm", (2026, 1, 1, 12, 5, 0), 0),
            ],
        );
        assert!(p.parse("01/Foo/26 12:05 PM").is_err());
    }

    #[test]
    fn naive_times_use_the_time_zone_and_dst() {
        let berlin = parse_tz("Europe/Berlin").unwrap();
        let p = TimeParser::new(None, berlin, DateOrder::DayFirst);
        // Winter: UTC+1; summer: UTC+2. 2024-10-27 02:30 happens twice: the earlier (still UTC+2)
        // is taken. An explicit offset wins over the zone.
        parses_to(
            &p,
            &[
                ("2024-01-15 10:00:00", (2024, 1, 15, 9, 0, 0), 0),
                ("2024-07-15 10:00:00", (2024, 7, 15, 8, 0, 0), 0),
                ("2024-10-27 02:30:00", (2024, 10, 27, 0, 30, 0), 0),
                ("2024-07-15T10:00:00Z", (2024, 7, 15, 10, 0, 0), 0),
            ],
        );
        // 2024-03-31 02:30 does not exist in Berlin.
        let e = p.parse("2024-03-31 02:30:00").unwrap_err();
        assert!(e.contains("does not exist"), "{e}");
        assert!(parse_tz("Mars/Olympus").is_err());
    }

    /// The fixed-layout path against the general reader (chrono builds the instant there), over
    /// every layout, both orders, valid and invalid dates (29 February, day 31 of 30-day months,
    /// month 13, hour 24) and junk in each position.
    #[test]
    fn fixed_layouts_read_as_the_general_reader_does() {
        let mut checked = 0;
        let mut fixed_hits = 0;
        for order in [DateOrder::DayFirst, DateOrder::MonthFirst] {
            for y in [1900, 1999, 2000, 2016, 2023, 2024, 2100] {
                for a in [0, 1, 2, 12, 13, 28, 29, 30, 31, 32] {
                    for b in [0, 1, 2, 4, 9, 12, 13, 31] {
                        for (h, mi, s) in
                            [(0, 0, 0), (23, 59, 59), (24, 0, 0), (12, 60, 5), (7, 5, 60)]
                        {
                            let texts = [
                                format!("{a:02}/{b:02}/{y:04} {h:02}:{mi:02}"),
                                format!("{a:02}.{b:02}.{y:04} {h:02}:{mi:02}:{s:02}"),
                                format!("{a:02}-{b:02}-{y:04} {h:02}:{mi:02}:{s:02}"),
                                format!("{y:04}-{a:02}-{b:02} {h:02}:{mi:02}:{s:02}"),
                                format!("{y:04}-{a:02}-{b:02}T{h:02}:{mi:02}:{s:02}"),
                                format!("{a:02}/{b:02}.{y:04} {h:02}:{mi:02}"),
                                format!("{a:02}/{b:02}/{y:04}x{h:02}:{mi:02}"),
                                format!("{a:02}/{b:02}/{y:04} {h:02}-{mi:02}"),
                                format!("{a:02}/{b:02}/{y:04} {h:02}:{mi:02}-{s:02}"),
                                format!("{y:04}-{a:02}-{b:02} {h:02}:{mi:02}"),
                                format!("{a:02}/{b:0>2}/{y:04} {h:02}:{mi:02}").replace('0', "O"),
                            ];
                            for t in &texts {
                                let fast = fixed_layout(t.as_bytes(), order).map(Fixed::utc_millis);
                                // In UTC: the wall time less its offset, if it has one.
                                let general = fast_parse(t, order).map(|p| {
                                    p.dt.and_utc().timestamp_millis()
                                        - i64::from(p.offset_secs.unwrap_or(0)) * 1000
                                });
                                if fast.is_some() {
                                    fixed_hits += 1;
                                    assert_eq!(fast, general, "{t} ({order:?})");
                                }
                                let p = TimeParser::new(None, Tz::UTC, order);
                                assert_eq!(p.parse(t).ok(), general, "{t} ({order:?})");
                                checked += 1;
                            }
                        }
                    }
                }
            }
        }
        assert!(
            checked > 50_000 && fixed_hits > 3_000,
            "{checked} {fixed_hits}"
        );
        // Outside UTC the fixed path hands the wall time to the zone (a DST gap is still an error).
        let brussels = TimeParser::new(
            None,
            "Europe/Brussels".parse().unwrap(),
            DateOrder::DayFirst,
        );
        assert_eq!(
            brussels.parse("31/01/2016 14:05").unwrap(),
            utc(2016, 1, 31, 13, 5, 0)
        );
        assert!(brussels.parse("27/03/2016 02:30").is_err());
    }

    #[test]
    fn custom_format_and_garbage() {
        let p = TimeParser::new(Some("%Y%m%d %H%M".into()), Tz::UTC, DateOrder::DayFirst);
        parses_to(&p, &[("20240115 0830", (2024, 1, 15, 8, 30, 0), 0)]);
        let e = p.parse("2024-01-15").unwrap_err();
        assert!(e.contains("%Y%m%d %H%M"), "{e}");
        let auto = TimeParser::default();
        for bad in [
            "",
            "?",
            "yesterday",
            "2024-13-01 00:00",
            "2024-01-01 25:00",
            "2024-01-01 10:00 XYZ",
        ] {
            assert!(auto.parse(bad).is_err(), "{bad} should not parse");
        }
    }
}
