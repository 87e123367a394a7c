//! Capacity of a pool: agents on duty per hour of the week, and observed multitasking.
//!
//! Rules (stated in README and in the fitted file), over the capacity window (the last
//! `--window-days`, default 28, before the cut):
//! - a person is *active* in a pool at the hours of their events there that are not queue events
//!   (work, wait, resolution: who queues an incident for a pool is not in it);
//! - *working day*: on a UTC day where their first and last activity in the pool are at most 12 h
//!   apart, a person counts as on duty in every hour from the first to the last; otherwise only in
//!   the hours with activity;
//! - *confidence* (as pix-framework's crisp calendar discovery, threshold 0.1): an hour of a
//!   weekday counts for a person only if they were on duty in it on at least 10 % of the days of
//!   that weekday on which they were active at all;
//! - agents for hour-of-week h = the number of distinct people on duty in that hour, averaged over
//!   the occurrences of h in the window, rounded by largest remainder so that the weekly agent-hours
//!   are kept; never above the people seen;
//! - load of an hour = incidents in a work phase in the pool during it (time-average), averaged per
//!   hour of the week over its occurrences in the window; the concurrency (incidents one agent on
//!   duty carries at once) = the largest, over the hours of the week with agents, mean load /
//!   agents, rounded up, at least 1 — so that at every hour the slots can hold the work in progress
//!   the desk was seen holding then (work per visit is the elapsed time in work states, nights
//!   included: work in hand overnight, when few are on duty, must still fit);
//! - reported beside it: multitasking per busy person = held work hours / hours a person held any.

use std::collections::{BTreeMap, BTreeSet, HashMap};

/// An hour of activity of a person in a pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Activity {
    pub person: u32,
    pub at_ms: i64,
}

/// A work interval held by a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Held {
    pub person: u32,
    pub start_ms: i64,
    pub end_ms: i64,
}

const HOUR_MS: i64 = crate::units::MS_PER_HOUR;
/// pix-framework's default calendar confidence.
pub const MIN_CONFIDENCE: f64 = 0.1;
/// Longest first-to-last activity span of a day that is filled as one working day.
pub const WORKING_DAY_HOURS: i64 = 12;
/// Quantile of mean load / agents over the staffed hours of the week that sets the concurrency.
pub const CONCURRENCY_QUANTILE: f64 = 1.0;

/// Hour of the week of an instant: 0 = Monday 00:00–01:00 UTC.
pub fn hour_of_week(ms: i64) -> usize {
    // 1970-01-01 was a Thursday: hour 72 of its week.
    ((ms.div_euclid(HOUR_MS) + 72).rem_euclid(168)) as usize
}

/// Capacity of one pool.
#[derive(Debug, Clone, PartialEq)]
pub struct Capacity {
    pub agents: Vec<u32>,
    /// Before rounding.
    pub mean_agents: Vec<f64>,
    /// Distinct people active in the window.
    pub people_in_window: u32,
    pub concurrency: u32,
    /// The largest mean load / agents over the staffed hours of the week, before rounding up.
    pub concurrency_peak: f64,
    /// Held work hours over the hours each person held at least one.
    pub multitasking: f64,
}

/// On-duty hours (absolute hour indices) of each person, after the working-day and confidence rules.
fn on_duty_hours(acts: &[Activity], window: (i64, i64)) -> BTreeMap<u32, BTreeSet<i64>> {
    // person → day → hours with activity
    let mut days: BTreeMap<u32, BTreeMap<i64, BTreeSet<i64>>> = BTreeMap::new();
    for a in acts
        .iter()
        .filter(|a| a.at_ms >= window.0 && a.at_ms < window.1)
    {
        let h = a.at_ms.div_euclid(HOUR_MS);
        days.entry(a.person)
            .or_default()
            .entry(h.div_euclid(24))
            .or_default()
            .insert(h);
    }
    let mut out = BTreeMap::new();
    for (person, by_day) in days {
        let mut hours = BTreeSet::new();
        for set in by_day.values() {
            let (first, last) = (*set.first().unwrap_or(&0), *set.last().unwrap_or(&0));
            if last - first <= WORKING_DAY_HOURS {
                hours.extend(first..=last);
            } else {
                hours.extend(set.iter().copied());
            }
        }
        // Confidence per (weekday, hour of day).
        let weekday = |h: i64| hour_of_week(h * HOUR_MS) / 24;
        let mut days_per_weekday: HashMap<usize, usize> = HashMap::new();
        for d in by_day.keys() {
            *days_per_weekday.entry(weekday(d * 24)).or_default() += 1;
        }
        let mut in_slot: HashMap<usize, usize> = HashMap::new();
        for h in &hours {
            *in_slot.entry(hour_of_week(h * HOUR_MS)).or_default() += 1;
        }
        hours.retain(|h| {
            let slot = hour_of_week(h * HOUR_MS);
            let n = days_per_weekday
                .get(&(slot / 24))
                .copied()
                .unwrap_or(0)
                .max(1);
            in_slot[&slot] as f64 / n as f64 >= MIN_CONFIDENCE
        });
        out.insert(person, hours);
    }
    out
}

/// Rounds to integers keeping the total (largest remainder), each at most `cap`.
pub fn round_keeping_total(x: &[f64], cap: u32) -> Vec<u32> {
    let total = x.iter().sum::<f64>().round() as i64;
    let mut out: Vec<u32> = x.iter().map(|v| v.floor().max(0.0) as u32).collect();
    let mut rest = total - out.iter().map(|v| i64::from(*v)).sum::<i64>();
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|&a, &b| {
        (x[b] - x[b].floor())
            .total_cmp(&(x[a] - x[a].floor()))
            .then(a.cmp(&b))
    });
    for i in order {
        if rest <= 0 {
            break;
        }
        if x[i] > x[i].floor() {
            out[i] += 1;
            rest -= 1;
        }
    }
    out.iter().map(|v| (*v).min(cap)).collect()
}

/// Multitasking: total held hours over the hours each person held at least one interval.
fn multitasking(held: &[Held], window: (i64, i64)) -> f64 {
    let mut by_person: BTreeMap<u32, Vec<(i64, i64)>> = BTreeMap::new();
    let mut total = 0i64;
    for h in held {
        let (s, e) = (h.start_ms.max(window.0), h.end_ms.min(window.1));
        if e > s {
            total += e - s;
            by_person.entry(h.person).or_default().push((s, e));
        }
    }
    let mut union = 0i64;
    for spans in by_person.values_mut() {
        spans.sort_unstable();
        let (mut cs, mut ce) = spans[0];
        for &(s, e) in spans.iter().skip(1) {
            if s > ce {
                union += ce - cs;
                (cs, ce) = (s, e);
            } else {
                ce = ce.max(e);
            }
        }
        union += ce - cs;
    }
    if union == 0 {
        1.0
    } else {
        total as f64 / union as f64
    }
}

/// The capacity of one pool from its activities and held work intervals.
pub fn capacity(
    acts: &[Activity],
    held: &[Held],
    window: (i64, i64),
    people_seen: u32,
) -> Capacity {
    let duty = on_duty_hours(acts, window);
    let mut count: HashMap<i64, u32> = HashMap::new();
    for hours in duty.values() {
        for h in hours {
            *count.entry(*h).or_default() += 1;
        }
    }
    let (first_h, last_h) = (
        window.0.div_euclid(HOUR_MS),
        (window.1 - 1).div_euclid(HOUR_MS),
    );
    let mut occ = vec![0u32; 168];
    let mut sum = vec![0f64; 168];
    for h in first_h..=last_h {
        let slot = hour_of_week(h * HOUR_MS);
        occ[slot] += 1;
        sum[slot] += f64::from(count.get(&h).copied().unwrap_or(0));
    }
    let mean_agents: Vec<f64> = (0..168)
        .map(|s| {
            if occ[s] > 0 {
                sum[s] / f64::from(occ[s])
            } else {
                0.0
            }
        })
        .collect();
    let agents = round_keeping_total(&mean_agents, people_seen);
    let load = hourly_load(held, window);
    // Mean work in progress per hour of the week over its occurrences in the window.
    let mut load_sum = vec![0f64; 168];
    for (h, l) in &load {
        if *h >= first_h && *h <= last_h {
            load_sum[hour_of_week(h * HOUR_MS)] += l;
        }
    }
    let mut ratios: Vec<f64> = (0..168)
        .filter(|s| agents[*s] > 0 && occ[*s] > 0)
        .map(|s| load_sum[s] / f64::from(occ[s]) / f64::from(agents[s]))
        .collect();
    ratios.sort_by(|a, b| a.total_cmp(b));
    // Work held overnight and at weekends (work hours are elapsed time) needs slots too: over the
    // week, the slot-hours (agents × concurrency) must hold at least the work-hours seen, or a pool
    // staffed 45 h a week that holds work all 168 h queues without end in the simulation.
    let weekly_load: f64 = (0..168)
        .filter(|s| occ[*s] > 0)
        .map(|s| load_sum[s] / f64::from(occ[s]))
        .sum();
    let weekly_agent_hours: f64 = agents.iter().map(|a| f64::from(*a)).sum();
    let weekly_ratio = if weekly_agent_hours > 0.0 {
        weekly_load / weekly_agent_hours
    } else {
        f64::NAN
    };
    let peak_ratio = crate::sim::stats::quantile(&ratios, CONCURRENCY_QUANTILE).max(weekly_ratio);
    Capacity {
        agents,
        mean_agents,
        people_in_window: duty.len() as u32,
        concurrency: if peak_ratio.is_finite() {
            (peak_ratio.ceil() as u32).max(1)
        } else {
            1
        },
        concurrency_peak: peak_ratio,
        multitasking: multitasking(held, window),
    }
}

/// Time-average number of held work intervals in each absolute hour of the window (hours with none
/// are absent).
fn hourly_load(held: &[Held], window: (i64, i64)) -> HashMap<i64, f64> {
    let mut load: HashMap<i64, f64> = HashMap::new();
    for h in held {
        let (s, e) = (h.start_ms.max(window.0), h.end_ms.min(window.1));
        let mut t = s;
        while t < e {
            let hour = t.div_euclid(HOUR_MS);
            let next = ((hour + 1) * HOUR_MS).min(e);
            *load.entry(hour).or_default() += (next - t) as f64 / HOUR_MS as f64;
            t = next;
        }
    }
    load
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Monday 2024-01-01 00:00 UTC.
    const MON: i64 = 1_704_067_200_000;
    const DAY_MS: i64 = 86_400_000;

    fn at(day: i64, hour: f64) -> i64 {
        MON + day * DAY_MS + (hour * crate::units::MS_PER_HOUR_F64) as i64
    }

    /// Person `person` active at `at_ms`.
    fn act(person: u32, at_ms: i64) -> Activity {
        Activity { person, at_ms }
    }

    /// Person `person` holding an incident in work over [`start_ms`, `end_ms`).
    fn holding(person: u32, start_ms: i64, end_ms: i64) -> Held {
        Held {
            person,
            start_ms,
            end_ms,
        }
    }

    #[test]
    fn hour_of_week_starts_monday_utc() {
        assert_eq!(hour_of_week(MON), 0);
        assert_eq!(hour_of_week(at(0, 9.5)), 9);
        assert_eq!(hour_of_week(at(6, 23.9)), 167);
        assert_eq!(hour_of_week(at(7, 0.0)), 0);
        assert_eq!(hour_of_week(0), 72);
    }

    #[test]
    fn distinct_people_per_slot_averaged_over_weeks() {
        // Two weeks. Week 1 Monday: ann active 9:10 and 11:50 (on duty 9, 10, 11), bob at 10:30 and
        // twice more in the same hour (counted once). Week 2 Monday: ann at 10:05 only.
        // Slot Mon 10: week 1 {ann, bob}, week 2 {ann} → 1.5; Mon 9: 0.5; Mon 11: 0.5.
        let acts = [
            act(0, at(0, 9.17)),
            act(0, at(0, 11.83)),
            act(1, at(0, 10.5)),
            act(1, at(0, 10.6)),
            act(1, at(0, 10.7)),
            act(0, at(7, 10.08)),
        ];
        let c = capacity(&acts, &[], (MON, at(14, 0.0)), 2);
        assert_eq!(c.mean_agents[9], 0.5);
        assert_eq!(c.mean_agents[10], 1.5);
        assert_eq!(c.mean_agents[11], 0.5);
        assert_eq!(c.mean_agents.iter().sum::<f64>(), 2.5);
        assert_eq!(c.people_in_window, 2);
        // 2.5 agent-hours round to 3; all remainders tie at 0.5, so the earliest hours get them.
        assert_eq!(c.agents.iter().sum::<u32>(), 3);
        assert_eq!((c.agents[9], c.agents[10], c.agents[11]), (1, 2, 0));
    }

    #[test]
    fn long_days_are_not_filled_and_never_more_agents_than_people() {
        // One person active at 01:00 and 20:00 the same day: span 19 h > 12 h, so only two hours.
        let acts = [act(0, at(0, 1.5)), act(0, at(0, 20.5))];
        let c = capacity(&acts, &[], (MON, at(7, 0.0)), 1);
        assert_eq!(c.mean_agents.iter().sum::<f64>(), 2.0);
        assert_eq!((c.agents[1], c.agents[20]), (1, 1));
        assert!(c.agents.iter().all(|a| *a <= 1));
        assert_eq!(round_keeping_total(&[2.6, 2.6, 0.8], 2), vec![2, 2, 1]);
    }

    #[test]
    fn confidence_drops_rare_hours() {
        // Active on 11 Mondays at 9:00; on one of them also at 22:00 (span 13 h: not filled).
        // Mon 22 has confidence 1/11 < 0.1 and is dropped; Mon 9 stays.
        let mut acts: Vec<Activity> = (0..11).map(|w| act(0, at(7 * w, 9.2))).collect();
        acts.push(act(0, at(0, 22.5)));
        let c = capacity(&acts, &[], (MON, at(77, 0.0)), 1);
        assert_eq!(c.mean_agents[9], 1.0);
        assert_eq!(c.mean_agents[22], 0.0);
    }

    #[test]
    fn concurrency_is_the_peak_load_per_agent_on_duty() {
        // Hour Mon 10: one person on duty (ann, active at 10:30) while three incidents are in work
        // all hour: 3 per agent. Hour Mon 14: two on duty (ann 14:10, bob 14:20), one incident in
        // work: 0.5. Ann is on duty 10–14 (one working day), so Mon 11–13 have 1 agent and no load.
        // The largest of [0.5, 3] = 3.
        let acts = [
            act(0, at(0, 10.5)),
            act(0, at(0, 14.17)),
            act(1, at(0, 14.33)),
        ];
        let mut held: Vec<Held> = (0..3)
            .map(|_| holding(0, at(0, 10.0), at(0, 11.0)))
            .collect();
        held.push(holding(1, at(0, 14.0), at(0, 15.0)));
        let c = capacity(&acts, &held, (MON, at(7, 0.0)), 2);
        assert_eq!(c.concurrency_peak, 3.0);
        assert_eq!(c.concurrency, 3);
        // Busy-person multitasking: ann holds 3 h over 1 busy hour, bob 1 over 1: 4 / 2 = 2.
        assert_eq!(c.multitasking, 2.0);
    }

    #[test]
    fn slots_over_the_week_hold_the_work_held_overnight() {
        // Ann is on duty Mon 10 only (one agent-hour a week) and holds one incident in work from
        // Mon 10:00 to 20:00. At her staffed hour the load per agent is 1, but the week holds 10
        // work-hours against 1 agent-hour: concurrency 10.
        let acts = [act(0, at(0, 10.5))];
        let held = [holding(0, at(0, 10.0), at(0, 20.0))];
        let c = capacity(&acts, &held, (MON, at(7, 0.0)), 1);
        assert_eq!(c.agents.iter().sum::<u32>(), 1);
        assert_eq!(c.concurrency_peak, 10.0);
        assert_eq!(c.concurrency, 10);
    }

    #[test]
    fn concurrency_uses_the_mean_load_of_the_hour_of_week() {
        // Two weeks; ann on duty Mon 10 both weeks (1 agent). Week 1: four incidents in work all
        // that hour, week 2: none. Mean load 2 per agent: concurrency 2 (not the week-1 peak 4).
        let acts = [act(0, at(0, 10.5)), act(0, at(7, 10.5))];
        let held: Vec<Held> = (0..4)
            .map(|_| holding(0, at(0, 10.0), at(0, 11.0)))
            .collect();
        let c = capacity(&acts, &held, (MON, at(14, 0.0)), 1);
        assert_eq!(c.agents[10], 1);
        assert_eq!(c.concurrency_peak, 2.0);
        assert_eq!(c.concurrency, 2);
    }

    #[test]
    fn multitasking_is_held_hours_over_busy_hours() {
        // ann holds [0,4) and [2,6): 8 held hours over 6 busy hours; bob [0,2): 2 over 2.
        let held = [
            holding(0, at(0, 0.0), at(0, 4.0)),
            holding(0, at(0, 2.0), at(0, 6.0)),
            holding(1, at(0, 0.0), at(0, 2.0)),
        ];
        let c = capacity(&[], &held, (MON, at(7, 0.0)), 2);
        assert_eq!(c.multitasking, 1.25);
        // Nobody on duty: no ratio, concurrency 1.
        assert_eq!(c.concurrency, 1);
    }
}
