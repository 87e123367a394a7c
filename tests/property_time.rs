//! Property tests (issue 12): a timestamp written in any shape the importer recognises parses back
//! to the instant it was written from, including local times around DST changes in zones with
//! whole-hour (Europe/Brussels, America/New_York) and half-hour (Australia/Lord_Howe) shifts.
//!
//! Oracles: the expected instant comes from the UTC → local direction only (chrono's
//! `timestamp → naive_local`, which is unambiguous), never from the local → UTC conversion under test.
//! Documented rules (README, `src/timeparse.rs`): a repeated local time takes the earlier instant; a
//! skipped one is an error for data timestamps, and [`first_instant_at_or_after`] (calendar
//! boundaries) moves it to the first instant after the gap.

use chrono::{DateTime, Datelike, NaiveDateTime, TimeZone, Timelike};
use chrono_tz::Tz;
use incidentlab::timeparse::{first_instant_at_or_after, parse_tz, DateOrder, TimeParser};
use proptest::prelude::*;

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const ZONES: [&str; 3] = ["Europe/Brussels", "America/New_York", "Australia/Lord_Howe"];
const H: i64 = 3_600_000;

fn utc_of(ms: i64) -> DateTime<chrono::Utc> {
    DateTime::from_timestamp_millis(ms).unwrap()
}

/// Local wall-clock time of a UTC instant in `tz` (the unambiguous direction).
fn wall(tz: Tz, ms: i64) -> NaiveDateTime {
    tz.timestamp_millis_opt(ms).unwrap().naive_local()
}

/// Offset (ms) of `tz` at instant `ms`.
fn offset_ms(tz: Tz, ms: i64) -> i64 {
    wall(tz, ms).and_utc().timestamp_millis() - ms
}

/// A UTC instant in 1971 ..= 2037 with whole seconds, plus a millisecond part.
fn instant() -> impl Strategy<Value = (i64, i64)> {
    (31_536_000i64..2_145_916_800, 0i64..1000)
}

/// Every shape written for the naive wall time `w` (all parse with `DateOrder::DayFirst`, except the
/// month-first ones, returned apart). Shapes that cannot carry seconds are only produced when the
/// seconds are zero.
fn shapes(w: NaiveDateTime) -> (Vec<String>, Vec<String>) {
    let (y, mo, d) = (w.year(), w.month(), w.day());
    let (h, mi, s) = (w.hour(), w.minute(), w.second());
    let mut day_first = vec![
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}"),
        format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}"),
        format!("{y:04}-{mo}-{d} {h}:{mi:02}:{s:02}"),
        format!("{d}/{mo}/{y} {h}:{mi:02}:{s:02}"),
        format!("{d:02}/{mo:02}/{y} {h:02}:{mi:02}:{s:02}"),
        format!("{d}.{mo}.{y} {h}:{mi:02}:{s:02}"),
        format!("  {d}-{mo}-{y} {h}:{mi:02}:{s:02} "),
    ];
    let mut month_first = vec![
        format!("{mo}/{d}/{y} {h}:{mi:02}:{s:02}"),
        format!("{mo:02}/{d:02}/{y} {h:02}:{mi:02}:{s:02}"),
    ];
    let h12 = match h % 12 {
        0 => 12,
        x => x,
    };
    let ampm = if h < 12 { "AM" } else { "PM" };
    if s == 0 {
        day_first.push(format!("{d}/{mo}/{y} {h}:{mi:02}"));
        month_first.push(format!("{mo}/{d}/{y} {h}:{mi:02}"));
        if (2000..2100).contains(&y) {
            let yy = y - 2000;
            let mon = MONTHS[mo as usize - 1];
            day_first.push(format!("{d}/{mon}/{yy:02} {h12}:{mi:02} {ampm}"));
            day_first.push(format!(
                "{d:02}/{}/{yy:02} {h12}:{mi:02} {}",
                mon.to_uppercase(),
                ampm.to_lowercase()
            ));
            day_first.push(format!("{d}/{mo}/{yy:02} {h}:{mi:02}"));
        }
    }
    if (h, mi, s) == (0, 0, 0) {
        day_first.push(format!("{y:04}-{mo:02}-{d:02}"));
    }
    (day_first, month_first)
}

fn parser(tz: Tz, order: DateOrder) -> TimeParser {
    TimeParser::new(None, tz, order)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// UTC: every shape of the instant's wall time parses to the instant (truncated to the shape's
    /// precision); ISO with a fraction keeps the milliseconds.
    #[test]
    fn every_shape_round_trips_in_utc((secs, frac) in instant()) {
        let ms = secs * 1000;
        let w = utc_of(ms).naive_utc();
        let (day_first, month_first) = shapes(w);
        let dmy = parser(Tz::UTC, DateOrder::DayFirst);
        let mdy = parser(Tz::UTC, DateOrder::MonthFirst);
        for s in &day_first {
            prop_assert_eq!(dmy.parse(s), Ok(ms), "{}", s);
        }
        for s in &month_first {
            prop_assert_eq!(mdy.parse(s), Ok(ms), "{}", s);
        }
        let t = utc_of(ms + frac);
        for s in [
            t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
            t.format("%Y-%m-%d %H:%M:%S,%3f").to_string(),
            t.format("%Y-%m-%dT%H:%M:%S%.6f").to_string(),
            t.format("%Y-%m-%dT%H:%M:%S%.9fz").to_string(),
        ] {
            prop_assert_eq!(dmy.parse(&s), Ok(ms + frac), "{}", s);
        }
    }

    /// An explicit offset wins over `--timezone`, in every way offsets are written.
    #[test]
    fn explicit_offsets_round_trip(
        (secs, frac) in instant(),
        quarter_hours in -48i64..=56,
        zone in 0usize..3,
    ) {
        let ms = secs * 1000 + frac;
        let off = quarter_hours * 15 * 60_000;
        let local = utc_of(ms + off);
        let (sign, a) = if off < 0 { ('-', -off) } else { ('+', off) };
        let (oh, om) = (a / H, a % H / 60_000);
        let base = local.format("%Y-%m-%dT%H:%M:%S%.3f").to_string();
        let p = parser(parse_tz(ZONES[zone]).unwrap(), DateOrder::DayFirst);
        let mut forms = vec![format!("{base}{sign}{oh:02}:{om:02}"), format!("{base}{sign}{oh:02}{om:02}")];
        if om == 0 {
            forms.push(format!("{base}{sign}{oh:02}"));
        }
        for s in forms {
            prop_assert_eq!(p.parse(&s), Ok(ms), "{}", s);
        }
    }

    /// `--date-format`: an instant written with a chrono format parses back through that format.
    #[test]
    fn custom_formats_round_trip((secs, _) in instant(), k in 0usize..4) {
        let ms = secs * 1000;
        let fmt = ["%Y%m%d %H%M%S", "%d %b %Y %H:%M:%S", "%m-%d-%Y %I:%M:%S %p", "%s"][k];
        let s = utc_of(ms).format(fmt).to_string();
        let p = TimeParser::new(Some(fmt.into()), Tz::UTC, DateOrder::DayFirst);
        prop_assert_eq!(p.parse(&s), Ok(ms), "{} as {}", s, fmt);
    }

    /// Naive local times in a zone: any instant's wall time parses to the instant, unless that wall
    /// time is repeated (autumn), where the earlier of its two instants is taken.
    #[test]
    fn local_times_parse_to_the_earliest_matching_instant((secs, _) in instant(), zone in 0usize..3) {
        let tz = parse_tz(ZONES[zone]).unwrap();
        let ms = secs * 1000;
        let w = wall(tz, ms);
        let expected = earliest_with_wall(tz, w, ms).expect("ms itself shows w");
        let (day_first, month_first) = shapes(w);
        let dmy = parser(tz, DateOrder::DayFirst);
        let mdy = parser(tz, DateOrder::MonthFirst);
        for s in &day_first {
            prop_assert_eq!(dmy.parse(s), Ok(expected), "{} in {}", s, tz);
        }
        for s in &month_first {
            prop_assert_eq!(mdy.parse(s), Ok(expected), "{} in {}", s, tz);
        }
        prop_assert_eq!(first_instant_at_or_after(tz, w), expected);
    }

    /// Wall times within 3 h of a DST change (both directions, every zone, 2000–2035): a repeated
    /// time takes its first occurrence, a skipped one is an error naming the DST change, and
    /// `first_instant_at_or_after` moves a skipped time to the first instant after the gap.
    #[test]
    fn dst_edges_follow_the_documented_rule(
        k in 0usize..1000,
        delta_s in -3 * 3600i64..=3 * 3600,
        zone in 0usize..3,
    ) {
        let tz = parse_tz(ZONES[zone]).unwrap();
        let changes = &all_transitions()[zone];
        let t = changes[k % changes.len()];
        // The wall clock just before the change, moved by delta.
        let w = wall(tz, t - 1) + chrono::Duration::milliseconds(1) + chrono::Duration::seconds(delta_s);
        let p = parser(tz, DateOrder::DayFirst);
        let iso = w.format("%Y-%m-%d %H:%M:%S").to_string();
        match earliest_with_wall(tz, w, t) {
            Some(expected) => {
                prop_assert_eq!(p.parse(&iso), Ok(expected), "{} in {}", iso, tz);
                prop_assert_eq!(first_instant_at_or_after(tz, w), expected);
            }
            None => {
                let e = p.parse(&iso).unwrap_err();
                prop_assert!(e.contains("does not exist"), "{}", e);
                // In a spring gap: the first instant after it is the change itself.
                prop_assert!(wall(tz, t) > w && wall(tz, t - 1) < w);
                prop_assert_eq!(first_instant_at_or_after(tz, w), t, "{} in {}", iso, tz);
            }
        }
    }
}

/// The earliest instant within 3 h of `near` whose wall time in `tz` is `w`, found by trying the
/// offsets the zone has around `near` (UTC → local only).
fn earliest_with_wall(tz: Tz, w: NaiveDateTime, near: i64) -> Option<i64> {
    let naive_ms = w.and_utc().timestamp_millis();
    let mut offsets: Vec<i64> = (-6..=6).map(|k| offset_ms(tz, near + k * H / 2)).collect();
    offsets.sort_unstable();
    offsets.dedup();
    offsets
        .into_iter()
        .map(|off| naive_ms - off)
        .filter(|&v| wall(tz, v) == w)
        .min()
}

fn all_transitions() -> &'static Vec<Vec<i64>> {
    static CHANGES: std::sync::OnceLock<Vec<Vec<i64>>> = std::sync::OnceLock::new();
    CHANGES.get_or_init(|| {
        ZONES
            .iter()
            .map(|z| transitions(parse_tz(z).unwrap()))
            .collect()
    })
}

/// The instants at which `tz` changes its UTC offset in 2000–2035 (found by scanning days, then
/// bisecting to the millisecond).
fn transitions(tz: Tz) -> Vec<i64> {
    let start = 946_684_800_000i64; // 2000-01-01
    let day = 24 * H;
    let mut out = Vec::new();
    for d in 0..36 * 366 {
        let (a, b) = (start + d * day, start + (d + 1) * day);
        if offset_ms(tz, a) != offset_ms(tz, b) {
            let (mut lo, mut hi) = (a, b);
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if offset_ms(tz, mid) == offset_ms(tz, a) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            out.push(hi);
        }
    }
    assert!(out.len() >= 60, "{tz}: only {} changes found", out.len());
    out
}

/// Hand-checked cases of the DST rule, one per zone and direction.
#[test]
fn dst_rule_known_answers() {
    let utc = |s: &str| {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S")
            .unwrap()
            .and_utc()
            .timestamp_millis()
    };
    let cases = [
        // Brussels 2024-10-27: 03:00 CEST → 02:00 CET; 02:30 happens at 00:30 and 01:30 UTC.
        (
            "Europe/Brussels",
            "2024-10-27 02:30:00",
            Some("2024-10-27 00:30:00"),
            "2024-10-27 00:30:00",
        ),
        // Brussels 2024-03-31: 02:00 CET → 03:00 CEST (01:00 UTC); 02:30 does not exist.
        (
            "Europe/Brussels",
            "2024-03-31 02:30:00",
            None,
            "2024-03-31 01:00:00",
        ),
        // New York 2024-11-03: 01:30 happens at 05:30 (EDT) and 06:30 (EST) UTC.
        (
            "America/New_York",
            "2024-11-03 01:30:00",
            Some("2024-11-03 05:30:00"),
            "2024-11-03 05:30:00",
        ),
        // New York 2024-03-10: 02:00 EST → 03:00 EDT (07:00 UTC).
        (
            "America/New_York",
            "2024-03-10 02:15:00",
            None,
            "2024-03-10 07:00:00",
        ),
        // Lord Howe 2024-04-07: 02:00 +11 → 01:30 +10:30; 01:45 happens at 14:45 and 15:15 UTC (6 Apr).
        (
            "Australia/Lord_Howe",
            "2024-04-07 01:45:00",
            Some("2024-04-06 14:45:00"),
            "2024-04-06 14:45:00",
        ),
        // Lord Howe 2024-10-06: 02:00 +10:30 → 02:30 +11 (15:30 UTC on 5 Oct); 02:10 does not exist.
        (
            "Australia/Lord_Howe",
            "2024-10-06 02:10:00",
            None,
            "2024-10-05 15:30:00",
        ),
    ];
    for (zone, local, parsed, boundary) in cases {
        let tz = parse_tz(zone).unwrap();
        let p = parser(tz, DateOrder::DayFirst);
        match parsed {
            Some(u) => assert_eq!(p.parse(local), Ok(utc(u)), "{zone} {local}"),
            None => assert!(p.parse(local).unwrap_err().contains("does not exist")),
        }
        let w = NaiveDateTime::parse_from_str(local, "%Y-%m-%d %H:%M:%S").unwrap();
        assert_eq!(
            first_instant_at_or_after(tz, w),
            utc(boundary),
            "{zone} {local}"
        );
    }
}

/// An offset outside ISO 8601's ±23:59 (hours 00–23, minutes 00–59) is not a time zone: refused,
/// instead of shifting the instant by up to four days.
#[test]
fn impossible_offsets_are_refused() {
    let p = parser(Tz::UTC, DateOrder::DayFirst);
    for bad in [
        "2024-01-01T00:00+99:99",
        "2024-01-01T00:00:00+24:00",
        "2024-01-01 00:00-0160",
    ] {
        assert!(p.parse(bad).is_err(), "{bad} should not parse");
    }
    assert_eq!(
        p.parse("2024-01-01T00:00+23:59"),
        Ok(1_704_067_200_000 - (23 * 60 + 59) * 60_000)
    );
}
