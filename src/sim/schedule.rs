//! Staffing schedules: a weekly pattern of shifts per tier. The simulation clock starts on a Monday
//! at 00:00 of the desk's local time; a week is 168 hours (daylight-saving shifts are not modelled).

use serde::Deserialize;

const WEEK: f64 = 168.0;

/// One shift as written in a scenario: `{ days = ["mon", "tue"], start = "08:00", end = "16:00", staff = 4 }`.
/// `days` also takes `weekdays`, `weekend` and `all`; an `end` before `start` runs past midnight.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShiftSpec {
    pub days: Vec<String>,
    pub start: String,
    pub end: String,
    pub staff: u32,
}

/// Staff on duty as a step function of the hour of the week.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    /// (hour of week where a segment starts, staff during it); the first starts at 0.
    pub segments: Vec<(f64, u32)>,
}

fn parse_clock(s: &str) -> Result<f64, String> {
    let (h, m) = s
        .split_once(':')
        .ok_or_else(|| format!("'{s}' is not a time like 08:00"))?;
    let h: u32 = h
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a time like 08:00"))?;
    let m: u32 = m
        .trim()
        .parse()
        .map_err(|_| format!("'{s}' is not a time like 08:00"))?;
    if h > 24 || m > 59 || (h == 24 && m > 0) {
        return Err(format!(
            "'{s}' is not a time of day between 00:00 and 24:00"
        ));
    }
    Ok(f64::from(h) + f64::from(m) / 60.0)
}

fn parse_days(days: &[String]) -> Result<Vec<usize>, String> {
    let names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let mut out = Vec::new();
    for d in days {
        let l = d.trim().to_ascii_lowercase();
        match l.as_str() {
            "weekdays" => out.extend(0..5),
            "weekend" => out.extend(5..7),
            "all" | "daily" => out.extend(0..7),
            _ => out.push(names.iter().position(|n| l.starts_with(n)).ok_or_else(|| {
                format!("'{d}' is not a day (mon … sun, weekdays, weekend, all)")
            })?),
        }
    }
    Ok(out)
}

impl Schedule {
    /// Constant staff, or the sum of the given shifts (not both).
    pub fn new(staff: Option<u32>, shifts: &[ShiftSpec]) -> Result<Schedule, String> {
        match (staff, shifts.is_empty()) {
            (Some(_), false) => Err("give either staff or shifts, not both".into()),
            (None, true) => Err("give staff (a constant number of agents) or shifts".into()),
            (Some(n), true) => Ok(Schedule {
                segments: vec![(0.0, n)],
            }),
            (None, false) => {
                // Minute resolution: add each shift's staff to every minute of the week it covers.
                let mut minutes = vec![0u32; 7 * 24 * 60];
                for sh in shifts {
                    let (start, end) = (parse_clock(&sh.start)?, parse_clock(&sh.end)?);
                    let len = if end > start {
                        end - start
                    } else {
                        end + 24.0 - start
                    };
                    for d in parse_days(&sh.days)? {
                        let from = ((d as f64 * 24.0 + start) * 60.0).round() as usize;
                        let n = (len * 60.0).round() as usize;
                        let week = minutes.len();
                        for k in 0..n {
                            minutes[(from + k) % week] += sh.staff;
                        }
                    }
                }
                let mut segments = vec![(0.0, minutes[0])];
                for (k, &v) in minutes.iter().enumerate().skip(1) {
                    if v != minutes[k - 1] {
                        segments.push((k as f64 / 60.0, v));
                    }
                }
                Ok(Schedule { segments })
            }
        }
    }

    /// Staff on duty at simulated hour `t`.
    pub fn staff_at(&self, t: f64) -> u32 {
        let h = t.rem_euclid(WEEK);
        let k = self.segments.partition_point(|(s, _)| *s <= h);
        self.segments[k.saturating_sub(1)].1
    }

    /// The next time after `t` when the staff changes, if it ever does.
    pub fn next_change(&self, t: f64) -> Option<f64> {
        if self.segments.len() < 2 {
            return None;
        }
        let week_start = (t / WEEK).floor() * WEEK;
        let h = t - week_start;
        let k = self.segments.partition_point(|(s, _)| *s <= h + 1e-9);
        Some(match self.segments.get(k) {
            Some((s, _)) => week_start + s,
            // Wrapping: midnight on Monday is a change only if Sunday night differs from it.
            None if self.segments[self.segments.len() - 1].1 != self.segments[0].1 => {
                week_start + WEEK
            }
            None => week_start + WEEK + self.segments[1].0,
        })
        .map(|x| if x <= t { x + WEEK } else { x })
    }

    /// Average staff over the week.
    pub fn mean_staff(&self) -> f64 {
        let mut total = 0.0;
        for (i, (s, n)) in self.segments.iter().enumerate() {
            let e = self.segments.get(i + 1).map(|x| x.0).unwrap_or(WEEK);
            total += (e - s) * f64::from(*n);
        }
        total / WEEK
    }

    pub fn max_staff(&self) -> u32 {
        self.segments.iter().map(|s| s.1).max().unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shift(days: &[&str], start: &str, end: &str, staff: u32) -> ShiftSpec {
        ShiftSpec {
            days: days.iter().map(|s| s.to_string()).collect(),
            start: start.into(),
            end: end.into(),
            staff,
        }
    }

    #[test]
    fn weekday_day_shift_and_overnight() {
        let s = Schedule::new(
            None,
            &[
                shift(&["weekdays"], "08:00", "16:00", 5),
                shift(&["fri"], "22:00", "06:00", 2),
            ],
        )
        .unwrap();
        assert_eq!(s.staff_at(0.0), 0); // Monday 00:00
        assert_eq!(s.staff_at(8.0), 5);
        assert_eq!(s.staff_at(15.99), 5);
        assert_eq!(s.staff_at(16.0), 0);
        assert_eq!(s.staff_at(4.0 * 24.0 + 23.0), 2); // Friday 23:00
        assert_eq!(s.staff_at(5.0 * 24.0 + 5.0), 2); // Saturday 05:00
        assert_eq!(s.staff_at(5.0 * 24.0 + 6.0), 0);
        assert_eq!(s.staff_at(168.0 + 8.5), 5, "the pattern repeats weekly");
        assert_eq!(s.next_change(0.0), Some(8.0));
        assert_eq!(s.next_change(8.0), Some(16.0));
        assert_eq!(s.next_change(6.0 * 24.0), Some(168.0 + 8.0));
        assert!((s.mean_staff() - (5.0 * 8.0 * 5.0 + 2.0 * 8.0) / 168.0).abs() < 1e-9);
        assert_eq!(s.max_staff(), 5);
    }

    #[test]
    fn bad_shifts_are_explained() {
        assert!(
            Schedule::new(None, &[shift(&["someday"], "08:00", "16:00", 1)])
                .unwrap_err()
                .contains("someday")
        );
        assert!(Schedule::new(None, &[shift(&["mon"], "8am", "16:00", 1)])
            .unwrap_err()
            .contains("8am"));
        assert!(Schedule::new(Some(3), &[shift(&["mon"], "08:00", "16:00", 1)]).is_err());
        assert_eq!(Schedule::new(Some(3), &[]).unwrap().next_change(5.0), None);
    }
}
