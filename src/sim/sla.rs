//! The SLA outcome of a simulated incident: the metrics' definition ([`crate::metrics::sla`]),
//! applied to simulated hours. Both engines (tiers and desk) and their summaries count with it, so
//! a simulated compliance means what `analyze`'s does.
//!
//! The rule, exactly as [`crate::metrics::sla::evaluate`] states it for a 24×7 target without
//! pauses, with the horizon as the as-of: times are taken in whole milliseconds
//! (`round(hours × 3,600,000)`, as the metrics' targets are); a resolution after the horizon is not
//! known at the horizon (the incident is open then); the clock runs from arrival to the resolution,
//! or to the horizon while open; **breached** = clock > target; **met** = resolved by the horizon
//! and clock ≤ target; **pending** = open at the horizon and clock ≤ target, left out of
//! compliance = met / (met + breached). An incident exactly on its target is met.
//!
//! Where the simulation differs from an export: the tier engine finishes the work in progress
//! after the horizon (for MTTR), but its SLA figures are those an export taken at the horizon
//! would show, so an incident resolved after the horizon counts as open at the horizon.

use crate::metrics::sla::hours_to_ms;

/// Whether the clock from `from_hours` to `to_hours` exceeds `limit_hours`, all three taken in
/// whole milliseconds as the metrics do: `round(to) − round(from) > round(limit)` (ms). Far from
/// the limit (more than 3.6 ms, where rounding cannot change the answer) it is one comparison of
/// hours; only near it are the milliseconds rounded.
#[inline(always)]
pub fn clock_exceeds(from_hours: f64, to_hours: f64, limit_hours: f64) -> bool {
    let d = (to_hours - from_hours) - limit_hours;
    if d.abs() > 1e-6 {
        return d > 0.0;
    }
    clock_exceeds_ms(from_hours, to_hours, limit_hours)
}

/// [`clock_exceeds`] near the limit: the three times rounded to whole milliseconds (kept out of
/// line: the engines' hot loops rarely come here).
#[cold]
#[inline(never)]
fn clock_exceeds_ms(from_hours: f64, to_hours: f64, limit_hours: f64) -> bool {
    hours_to_ms(to_hours) - hours_to_ms(from_hours) > hours_to_ms(limit_hours)
}

/// The SLA outcome of one incident that arrived at `arrived_hours`, resolved at `resolved_hours`
/// (None: not resolved), seen at the horizon `horizon_hours`, against a 24×7 target of
/// `target_hours` (infinite: none): Some(true) met, Some(false) breached, None pending (module
/// documentation).
#[inline]
pub fn outcome(
    arrived_hours: f64,
    resolved_hours: Option<f64>,
    horizon_hours: f64,
    target_hours: f64,
) -> Option<bool> {
    let stop = resolved_hours.filter(|&r| !clock_exceeds(horizon_hours, r, 0.0));
    let end = stop.unwrap_or(horizon_hours);
    if clock_exceeds(arrived_hours, end, target_hours) {
        Some(false)
    } else if stop.is_some() {
        Some(true)
    } else {
        None
    }
}

/// [`outcome`] of an incident resolved at `resolved_hours`, with a shortcut for the common case
/// (resolved more than 3.6 ms before the horizon: met unless the clock exceeds the target), for
/// the engines' per-resolution step.
#[inline(always)]
pub fn resolved_outcome(
    arrived_hours: f64,
    resolved_hours: f64,
    horizon_hours: f64,
    target_hours: f64,
) -> Option<bool> {
    if resolved_hours < horizon_hours - 1e-6 {
        Some(!clock_exceeds(arrived_hours, resolved_hours, target_hours))
    } else {
        outcome_near_horizon(arrived_hours, resolved_hours, horizon_hours, target_hours)
    }
}

/// [`outcome`] of an incident resolved at or after the horizon (or within 3.6 ms before it).
#[cold]
#[inline(never)]
fn outcome_near_horizon(arrived: f64, resolved: f64, horizon: f64, target: f64) -> Option<bool> {
    outcome(arrived, Some(resolved), horizon, target)
}

/// Met, breached and pending counts of one priority class (or all).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SlaCounts {
    pub met: u64,
    pub breached: u64,
    pub pending: u64,
}

impl SlaCounts {
    /// Counts one outcome of [`outcome`].
    #[inline(always)]
    pub fn add(&mut self, outcome: Option<bool>) {
        match outcome {
            Some(true) => self.met += 1,
            Some(false) => self.breached += 1,
            None => self.pending += 1,
        }
    }

    /// Compliance = met / (met + breached), computed as [`crate::metrics::sla::compliance`] does;
    /// NaN when no incident is met or breached.
    pub fn compliance(&self) -> f64 {
        match self.met + self.breached {
            0 => f64::NAN,
            n => self.met as f64 / n as f64,
        }
    }

    /// The sum of two classes' counts.
    pub fn plus(self, o: SlaCounts) -> SlaCounts {
        SlaCounts {
            met: self.met + o.met,
            breached: self.breached + o.breached,
            pending: self.pending + o.pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::sla::{evaluate, Target};

    /// The metrics' outcome of the same incident, on UTC milliseconds from hour 0.
    fn metrics_outcome(
        arrived: f64,
        resolved: Option<f64>,
        horizon: f64,
        target: f64,
    ) -> Option<bool> {
        let ms = hours_to_ms;
        evaluate(
            &Target::all_hours(target),
            ms(arrived),
            None,
            resolved.map(ms),
            ms(horizon),
            None,
            None,
        )
        .met
    }

    #[test]
    fn hand_computed_outcomes() {
        // Target 4 h, horizon 100 h.
        assert_eq!(outcome(10.0, Some(14.0), 100.0, 4.0), Some(true)); // exactly on target: met
        assert_eq!(
            outcome(10.0, Some(14.0 + 1e-3 / 3600.0), 100.0, 4.0),
            Some(false)
        ); // 1 ms over
        assert_eq!(
            outcome(10.0, Some(14.0 + 0.4e-3 / 3600.0), 100.0, 4.0),
            Some(true)
        ); // rounds to 4 h
        assert_eq!(outcome(10.0, None, 100.0, 4.0), Some(false)); // open, target long passed
        assert_eq!(outcome(97.0, None, 100.0, 4.0), None); // open, 3 h of 4 used: pending
        assert_eq!(outcome(96.0, None, 100.0, 4.0), None); // open, exactly at target: pending
        assert_eq!(outcome(97.0, Some(100.5), 100.0, 4.0), None); // resolved after the horizon: open then
        assert_eq!(outcome(90.0, Some(100.5), 100.0, 4.0), Some(false)); // open at the horizon, past target
        assert_eq!(outcome(97.0, Some(100.0), 100.0, 4.0), Some(true)); // resolved at the horizon: known
        assert_eq!(outcome(0.0, None, 100.0, f64::INFINITY), None); // no target: never breached
        assert_eq!(outcome(0.0, Some(99.0), 100.0, f64::INFINITY), Some(true));
        let mut c = SlaCounts::default();
        for o in [Some(true), Some(true), Some(false), None] {
            c.add(o);
        }
        assert_eq!((c.met, c.breached, c.pending), (2, 1, 1));
        assert_eq!(c.compliance(), 2.0 / 3.0);
        let flags = [Some(true), Some(true), Some(false), None];
        assert_eq!(Some(c.compliance()), crate::metrics::sla::compliance(flags));
        assert!(SlaCounts::default().compliance().is_nan());
    }

    /// A second implementation: the metrics' own `evaluate` agrees on random incidents, many of
    /// them within a millisecond of their target or of the horizon.
    #[test]
    fn agrees_with_the_metrics_evaluate() {
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 11) as f64 / (1u64 << 53) as f64
        };
        let ms_h = 1.0 / 3_600_000.0;
        for _ in 0..200_000 {
            let target = [4.0, 8.0, 30.0, 0.5][(next() * 4.0) as usize % 4];
            let horizon = 1000.0 + next() * 5000.0;
            let arrived = horizon - next() * 3.0 * target;
            let near = (next() - 0.5) * 4.0 * ms_h;
            let resolved = match (next() * 4.0) as u32 {
                0 => None,
                1 => Some(arrived + target + near),
                2 => Some(horizon + near),
                _ => Some(arrived + next() * 2.0 * target),
            };
            let want = metrics_outcome(arrived, resolved, horizon, target);
            assert_eq!(
                outcome(arrived, resolved, horizon, target),
                want,
                "{arrived} {resolved:?} {horizon} {target}"
            );
            if let Some(r) = resolved {
                assert_eq!(resolved_outcome(arrived, r, horizon, target), want);
            }
        }
    }
}
