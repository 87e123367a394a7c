//! One reader for every duration an export carries: Jira SLA remaining time, PagerDuty's
//! `seconds_to_*`, hours columns named in a mapping file. Shapes read, with an optional leading sign
//! (`-`, `+` or `−`) that applies to the whole value:
//!
//! - clock: `h:mm` and `h:mm:ss` (`1:58`, `-0:20`, `152:30`, `01:02:03`); hours have any number of
//!   digits, minutes and seconds exactly two digits from `00` to `59` (`1:75` and `1:5` are not read:
//!   no tool writes them, and `1:75` is more likely a typo than 2 h 15 min);
//! - units: `2h 30m`, `-45m`, `1d 2h 5m`, `1w`, `2h30m`, `1.5h`, `2 hours 30 minutes`, `3 Days 4 Hours`
//!   (units `w`/`wk`/`week(s)`, `d`/`day(s)`, `h`/`hr(s)`/`hour(s)`, `m`/`min(s)`/`minute(s)`,
//!   `s`/`sec(s)`/`second(s)`, case-insensitive, each at most once, separated by spaces or commas);
//! - a plain number (`90`, `12.5`) in the unit the source states ([`DurationUnits::plain`]).
//!
//! How long a day and a week are depends on the source: Jira's `1d` and `1w` are its default working
//! day and week (8 h, 5 d); elsewhere they are calendar days and weeks (24 h, 7 d). Values above
//! [`MAX_HOURS`] (about 100 years) are refused rather than overflowing; the sign is kept even on zero
//! (`-0:00` is "breached by less than a minute").

/// The unit of a plain number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlainUnit {
    Seconds,
    Minutes,
    Hours,
}

impl PlainUnit {
    fn millis(self) -> f64 {
        match self {
            PlainUnit::Seconds => 1e3,
            PlainUnit::Minutes => 6e4,
            PlainUnit::Hours => crate::units::MS_PER_HOUR_F64,
        }
    }
    fn name(self) -> &'static str {
        match self {
            PlainUnit::Seconds => "seconds",
            PlainUnit::Minutes => "minutes",
            PlainUnit::Hours => "hours",
        }
    }
}

/// How a source's durations are to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DurationUnits {
    /// The unit of a number written without one.
    pub plain: PlainUnit,
    /// Length of `1d` in hours.
    pub hours_per_day: u32,
    /// Length of `1w` in days.
    pub days_per_week: u32,
}

impl DurationUnits {
    /// Jira: plain numbers are minutes; `1d` = 8 h and `1w` = 5 d (Jira's default working time).
    pub const JIRA: DurationUnits = DurationUnits {
        plain: PlainUnit::Minutes,
        hours_per_day: 8,
        days_per_week: 5,
    };
    /// PagerDuty `seconds_to_*`: plain numbers are seconds; calendar days and weeks.
    pub const SECONDS: DurationUnits = DurationUnits {
        plain: PlainUnit::Seconds,
        hours_per_day: 24,
        days_per_week: 7,
    };
    /// Columns in hours (`on_hold_hours`): plain numbers are hours; calendar days and weeks.
    pub const HOURS: DurationUnits = DurationUnits {
        plain: PlainUnit::Hours,
        hours_per_day: 24,
        days_per_week: 7,
    };

    /// The shapes accepted, for messages: "h:mm, h:mm:ss, 2h 30m, 1d 2h 5m or a plain number of minutes".
    pub fn expected(self) -> String {
        format!(
            "h:mm, h:mm:ss, 2h 30m, 1d 2h 5m (1d = {} h) or a plain number of {}",
            self.hours_per_day,
            self.plain.name()
        )
    }
}

/// Longest duration read: 100 years of 365.25 days.
pub const MAX_HOURS: f64 = 876_600.0;

/// A duration with its sign; `negative` is true whenever the value was written with a minus sign,
/// even when it rounds to zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignedDuration {
    pub negative: bool,
    /// The magnitude in milliseconds.
    pub magnitude_ms: i64,
}

impl SignedDuration {
    /// Signed milliseconds.
    pub fn millis(self) -> i64 {
        if self.negative {
            -self.magnitude_ms
        } else {
            self.magnitude_ms
        }
    }
    /// Signed hours.
    pub fn hours(self) -> f64 {
        crate::units::ms_to_hours(self.millis())
    }
}

/// Reads one duration (see the module documentation for the shapes). The error says what is wrong
/// with the value, without repeating it.
pub fn parse_duration(raw: &str, units: DurationUnits) -> Result<SignedDuration, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Err("the cell is empty".into());
    }
    let (negative, body) = match s.chars().next() {
        Some(c @ ('-' | '+' | '−')) => (c != '+', s[c.len_utf8()..].trim_start()),
        _ => (false, s),
    };
    if body.is_empty() {
        return Err("a sign without a number".into());
    }
    let magnitude_ms = if body.contains(':') {
        clock_ms(body)?
    } else if let Some(n) = plain_number(body) {
        n * units.plain.millis()
    } else {
        units_ms(body, units)?
    };
    if !magnitude_ms.is_finite() || magnitude_ms > MAX_HOURS * crate::units::MS_PER_HOUR_F64 {
        return Err(format!("longer than {MAX_HOURS} hours (100 years)"));
    }
    Ok(SignedDuration {
        negative,
        magnitude_ms: magnitude_ms.round() as i64,
    })
}

/// `123`, `12.5`, `.5`: digits with at most one decimal point, nothing else.
fn plain_number(s: &str) -> Option<f64> {
    let digits = s.bytes().filter(u8::is_ascii_digit).count();
    let dots = s.bytes().filter(|&b| b == b'.').count();
    if digits == 0 || dots > 1 || digits + dots != s.len() {
        return None;
    }
    s.parse().ok()
}

/// `h:mm` or `h:mm:ss` → milliseconds.
fn clock_ms(s: &str) -> Result<f64, String> {
    let parts: Vec<&str> = s.split(':').collect();
    if parts.len() > 3 {
        return Err("too many ':' (expected h:mm or h:mm:ss)".into());
    }
    let hours = parts[0];
    if hours.is_empty() || !hours.bytes().all(|b| b.is_ascii_digit()) {
        return Err("the hours before ':' are not a whole number".into());
    }
    if hours.len() > 9 {
        return Err(format!("longer than {MAX_HOURS} hours (100 years)"));
    }
    let mut ms = hours.parse::<f64>().map_err(|e| e.to_string())? * crate::units::MS_PER_HOUR_F64;
    for (part, (name, unit_ms)) in parts[1..].iter().zip([("minutes", 6e4), ("seconds", 1e3)]) {
        let ok = part.len() == 2 && part.bytes().all(|b| b.is_ascii_digit());
        let v: u32 = if ok { part.parse().unwrap_or(99) } else { 99 };
        if v > 59 {
            return Err(format!("the {name} must be two digits from 00 to 59"));
        }
        ms += f64::from(v) * unit_ms;
    }
    Ok(ms)
}

/// Milliseconds in one unit word, or `None` when the word is not a unit.
fn unit_ms(word: &str, units: DurationUnits) -> Option<(usize, f64)> {
    let day = f64::from(units.hours_per_day) * crate::units::MS_PER_HOUR_F64;
    let w = word.to_ascii_lowercase();
    Some(match w.as_str() {
        "w" | "wk" | "wks" | "week" | "weeks" => (0, day * f64::from(units.days_per_week)),
        "d" | "day" | "days" => (1, day),
        "h" | "hr" | "hrs" | "hour" | "hours" => (2, crate::units::MS_PER_HOUR_F64),
        "m" | "min" | "mins" | "minute" | "minutes" => (3, 6e4),
        "s" | "sec" | "secs" | "second" | "seconds" => (4, 1e3),
        _ => return None,
    })
}

/// `1d 2h 5m`, `2h30m`, `1.5 hours` → milliseconds.
fn units_ms(s: &str, units: DurationUnits) -> Result<f64, String> {
    let mut seen = [false; 5];
    let mut total = 0.0;
    let mut rest = s;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let number = plain_number(&rest[..num_len])
            .ok_or_else(|| format!("found '{}' where a number was expected", first_word(rest)))?;
        rest = rest[num_len..].trim_start();
        let word_len = rest
            .find(|c: char| !c.is_alphabetic())
            .unwrap_or(rest.len());
        let word = &rest[..word_len];
        if word.is_empty() {
            return Err(format!("the number {number} has no unit (w, d, h, m or s)"));
        }
        let (slot, ms) = unit_ms(word, units)
            .ok_or_else(|| format!("'{word}' is not a unit (w, d, h, m or s)"))?;
        if std::mem::replace(&mut seen[slot], true) {
            return Err(format!("the unit '{word}' appears twice"));
        }
        total += number * ms;
        rest = rest[word_len..].trim_start_matches([' ', ',', '\t']);
    }
    Ok(total)
}

fn first_word(s: &str) -> &str {
    s.split_whitespace().next().unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    const J: DurationUnits = DurationUnits::JIRA;

    fn min(raw: &str, units: DurationUnits) -> f64 {
        parse_duration(raw, units)
            .unwrap_or_else(|e| panic!("{raw}: {e}"))
            .millis() as f64
            / 6e4
    }

    #[test]
    fn clock_shapes() {
        assert_eq!(min("1:58", J), 118.0);
        assert_eq!(min("-3:15", J), -195.0);
        assert_eq!(min("-0:20", J), -20.0);
        assert_eq!(min("152:30", J), 152.0 * 60.0 + 30.0);
        assert_eq!(min("01:02:30", J), 62.5);
        assert_eq!(min("0:00", J), 0.0);
        assert_eq!(
            min("  -1:05 ", J),
            -65.0,
            "whitespace around and after the sign"
        );
        assert_eq!(min("- 1:05", J), -65.0);
        assert_eq!(min("−2:00", J), -120.0, "Unicode minus sign");
        assert_eq!(min("+2:00", J), 120.0);
    }

    #[test]
    fn negative_zero_keeps_its_sign() {
        let d = parse_duration("-0:00", J).unwrap();
        assert!(d.negative);
        assert_eq!(d.millis(), 0);
        assert!(!parse_duration("0:00", J).unwrap().negative);
    }

    #[test]
    fn unit_shapes() {
        assert_eq!(min("2h 30m", J), 150.0);
        assert_eq!(min("-45m", J), -45.0);
        assert_eq!(min("1d 2h 5m", J), 8.0 * 60.0 + 125.0, "Jira day = 8 h");
        assert_eq!(min("1w", J), 5.0 * 8.0 * 60.0, "Jira week = 5 days");
        assert_eq!(min("1w", DurationUnits::HOURS), 7.0 * 24.0 * 60.0);
        assert_eq!(min("1d", DurationUnits::SECONDS), 24.0 * 60.0);
        assert_eq!(min("2h30m", J), 150.0);
        assert_eq!(min("1.5h", J), 90.0);
        assert_eq!(min("2 hours 30 minutes", J), 150.0);
        assert_eq!(min("3 Days, 4 Hours", DurationUnits::HOURS), 76.0 * 60.0);
        assert_eq!(min("-1d 4h", J), -12.0 * 60.0);
        assert_eq!(min("30s", J), 0.5);
        assert_eq!(min("2H 5M", J), 125.0, "case-insensitive");
    }

    #[test]
    fn plain_numbers_use_the_source_unit() {
        assert_eq!(min("90", J), 90.0, "Jira: minutes");
        assert_eq!(min("-15", J), -15.0);
        assert_eq!(min("12.5", J), 12.5);
        assert_eq!(
            min("120", DurationUnits::SECONDS),
            2.0,
            "PagerDuty: seconds"
        );
        assert_eq!(min("1.5", DurationUnits::HOURS), 90.0, "hours columns");
        assert_eq!(
            parse_duration("1", DurationUnits::SECONDS)
                .unwrap()
                .millis(),
            1000
        );
    }

    #[test]
    fn malformed_values_are_refused_with_a_reason() {
        for (raw, why) in [
            ("", "empty"),
            ("   ", "empty"),
            ("-", "sign"),
            ("1:75", "00 to 59"),
            ("1:5", "00 to 59"),
            ("1:05:60", "00 to 59"),
            ("1:2:3:4", "too many"),
            (":30", "hours"),
            ("a:30", "hours"),
            ("1:", "00 to 59"),
            ("soon", "number"),
            ("2x", "not a unit"),
            ("2h 3h", "twice"),
            ("1d -2h", "number"),
            ("2 30m", "no unit"),
            ("1e5", "not a unit"),
            ("inf", "number"),
            ("NaN", "number"),
            ("1..5h", "number"),
            ("--5", "number"),
            ("2h 30", "no unit"),
        ] {
            let e = parse_duration(raw, J).expect_err(raw);
            assert!(e.contains(why), "{raw}: {e}");
        }
    }

    #[test]
    fn huge_values_are_refused_not_overflowed() {
        for raw in [
            "99999999999999999999999999:00",
            "876601:00",
            "1000000000000w",
            &"9".repeat(400),
            "876601",
        ] {
            let units = DurationUnits::HOURS;
            let e = parse_duration(raw, units).expect_err(raw);
            assert!(e.contains("100 years"), "{raw}: {e}");
        }
        assert_eq!(
            parse_duration("876600", DurationUnits::HOURS)
                .unwrap()
                .hours(),
            MAX_HOURS
        );
        let big = parse_duration("999999999", DurationUnits::SECONDS).unwrap();
        assert_eq!(big.millis(), 999_999_999_000);
    }

    #[test]
    fn messages_name_the_shapes_and_unit() {
        let e = J.expected();
        assert!(
            e.contains("h:mm") && e.contains("minutes") && e.contains("8 h"),
            "{e}"
        );
        assert!(DurationUnits::SECONDS.expected().contains("seconds"));
    }
}
