//! Time units in one place. Timestamps and SLA clocks are whole milliseconds since the epoch
//! (UTC); durations shown to people are hours. Weeks are ISO weeks: Monday 00:00 UTC to the next
//! Monday.

use crate::schema::UtcMillis;

pub const MS_PER_SECOND: i64 = 1_000;
pub const MS_PER_MINUTE: i64 = 60 * MS_PER_SECOND;
pub const MS_PER_HOUR: i64 = 60 * MS_PER_MINUTE;
/// [`MS_PER_HOUR`] for float arithmetic.
pub const MS_PER_HOUR_F64: f64 = MS_PER_HOUR as f64;
pub const MS_PER_DAY: i64 = 24 * MS_PER_HOUR;
pub const MS_PER_WEEK: i64 = 7 * MS_PER_DAY;
/// 1970-01-05T00:00:00Z, the first Monday after the epoch (1970-01-01 was a Thursday).
pub const FIRST_MONDAY_MS: UtcMillis = 4 * MS_PER_DAY;

/// Milliseconds as hours (exact up to f64 rounding; negative stays negative).
pub fn ms_to_hours(ms: i64) -> f64 {
    ms as f64 / MS_PER_HOUR as f64
}

/// Hours as whole milliseconds, rounded to the nearest (README: a target of h hours is
/// round(h × 3,600,000) ms).
pub fn hours_to_ms(hours: f64) -> i64 {
    (hours * MS_PER_HOUR as f64).round() as i64
}

/// The ISO week containing `ms`, counted from the week of [`FIRST_MONDAY_MS`] (0); earlier
/// instants give negative weeks.
pub fn iso_week(ms: UtcMillis) -> i64 {
    (ms - FIRST_MONDAY_MS).div_euclid(MS_PER_WEEK)
}

/// The instant week `week` (as [`iso_week`] counts) starts: its Monday 00:00 UTC.
pub fn iso_week_start(week: i64) -> UtcMillis {
    FIRST_MONDAY_MS + week * MS_PER_WEEK
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> UtcMillis {
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .timestamp_millis()
    }

    #[test]
    fn conversions_round_trip() {
        assert_eq!(MS_PER_HOUR, 3_600_000);
        assert_eq!(ms_to_hours(5_400_000), 1.5);
        assert_eq!(ms_to_hours(-1_800_000), -0.5);
        assert_eq!(hours_to_ms(1.5), 5_400_000);
        assert_eq!(hours_to_ms(0.1), 360_000); // 0.1 × 3.6e6 is 360000.00000000006
        assert_eq!(hours_to_ms(ms_to_hours(123_456_789)), 123_456_789);
    }

    #[test]
    fn iso_weeks_start_on_monday_midnight_utc() {
        // 2025-03-03 is a Monday, 2025-03-09 the Sunday of the same ISO week.
        let monday = utc("2025-03-03T00:00:00Z");
        let w = iso_week(monday);
        assert_eq!(iso_week_start(w), monday);
        assert_eq!(iso_week(utc("2025-03-09T23:59:59.999Z")), w);
        assert_eq!(iso_week(utc("2025-03-10T00:00:00Z")), w + 1);
        assert_eq!(iso_week(monday - 1), w - 1);
        assert_eq!(iso_week(0), -1); // Thursday 1970-01-01 is in the week before the first Monday
        assert_eq!(iso_week_start(-1), -3 * MS_PER_DAY);
        let dt = chrono::DateTime::from_timestamp_millis(iso_week_start(w + 40)).unwrap();
        assert_eq!(dt.format("%a %H:%M").to_string(), "Mon 00:00");
    }
}
