//! Discovery on a hand-made event log with hand-computed answers.

use super::*;
use crate::sim::desk::DeskSpec;

fn ev(id: usize, hour: f64, state: &str, sub: &str, level: &str, who: &str) -> Event {
    Event {
        incident_id: format!("INC{id:03}"),
        at: (hour * crate::units::MS_PER_HOUR_F64) as i64,
        state: Some(state.into()),
        sub_state: Some(sub.into()),
        group: Some(format!("G-{level}")),
        support_level: Some(level.into()),
        assignee: Some(who.into()),
        source_line: (hour * 100.0) as u64,
    }
}

/// 80 incidents, one an hour; even ones P3, odd ones P4. Every incident: queued at L1 for 0.5 h,
/// worked 1 h. Every 4th (all P3) goes on to L2 (queue 0.5 h, work 1 h); every 8th of those goes on
/// to L3 (queue 0.5 h, work 1 h, wait 2 h, work 0.5 h). Resolved where the work ends.
fn desk_log() -> (Vec<Incident>, Vec<Event>) {
    let mut events = Vec::new();
    let mut incidents = Vec::new();
    for i in 0..80usize {
        let t = i as f64;
        let a = format!("a{}", i % 3);
        events.push(ev(i, t, "Queued", "Awaiting Assignment", "L1", "disp"));
        events.push(ev(i, t + 0.5, "Accepted", "In Progress", "L1", &a));
        if i % 4 == 0 {
            events.push(ev(i, t + 1.5, "Queued", "Awaiting Assignment", "L2", &a));
            events.push(ev(i, t + 2.0, "Accepted", "In Progress", "L2", "b"));
            if i % 8 == 0 {
                events.push(ev(i, t + 3.0, "Queued", "Awaiting Assignment", "L3", "b"));
                events.push(ev(i, t + 3.5, "Accepted", "In Progress", "L3", "c"));
                events.push(ev(i, t + 4.5, "Accepted", "Wait - User", "L3", "c"));
                events.push(ev(i, t + 6.5, "Accepted", "In Progress", "L3", "c"));
                events.push(ev(i, t + 7.0, "Completed", "Resolved", "L3", "c"));
            } else {
                events.push(ev(i, t + 3.0, "Completed", "Resolved", "L2", "b"));
            }
        } else {
            events.push(ev(i, t + 1.5, "Completed", "Resolved", "L1", &a));
        }
        incidents.push(Incident {
            incident_id: format!("INC{i:03}"),
            opened_at: (t * crate::units::MS_PER_HOUR_F64) as i64,
            priority: Some(if i % 2 == 0 { 3 } else { 4 }),
            ..Default::default()
        });
    }
    (incidents, events)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn levels_routing_times_and_people_by_hand() {
    let (incs, evs) = desk_log();
    let f = discover(&incs, &evs, &DeskFitOptions::default()).unwrap();
    let s = &f.spec;
    assert_eq!(f.pool_by, PoolBy::Level);
    let names: Vec<&str> = s.pools.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["L1", "L2", "L3"]);
    assert_eq!(s.priorities, ["P3", "P4"]);
    assert_eq!(s.arrivals.priority_mix, [0.5, 0.5]);
    assert_eq!(s.arrivals.entry, [[1.0, 0.0, 0.0], [1.0, 0.0, 0.0]]);
    // 80 incidents over the 80.5 h before the cut (the last event + 1 ms).
    assert!((s.arrivals.rate_per_hour - 80.0 / 80.5).abs() < 1e-6);
    // L1: P3 has 40 finished visits (own row), half of them go to L2; P4 never leaves resolved-less.
    assert_eq!(s.pools[0].routing, [[0.0, 0.5, 0.0], [0.0, 0.0, 0.0]]);
    // L2: 20 P3 visits (< 30) → the pooled row: 10 of 20 go on to L3.
    assert_eq!(s.pools[1].routing, [[0.0, 0.0, 0.5], [0.0, 0.0, 0.5]]);
    assert_eq!(s.pools[2].routing, [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]]);
    let p = &f.pools;
    assert_eq!((p[0].visits, p[1].visits, p[2].visits), (80, 20, 10));
    assert!(close(p[0].mean_queue_hours, 0.5) && close(p[0].mean_work_hours, 1.0));
    assert!(close(p[2].mean_queue_hours, 0.5) && close(p[2].mean_work_hours, 1.5));
    assert!(close(p[2].mean_wait_hours, 2.0) && close(p[2].wait_share, 1.0));
    assert!(close(p[0].wait_share, 0.0));
    assert_eq!(s.pools[2].wait_probability, [1.0, 1.0]);
    match &s.pools[2].wait {
        Some(ServiceSpec::Empirical { hours }) => assert_eq!(hours, &vec![2.0; 10]),
        other => panic!("{other:?}"),
    }
    match &s.pools[0].work {
        Some(ServiceSpec::Exponential { mean_hours }) => assert!(close(*mean_hours, 1.0)),
        other => panic!("{other:?}"),
    }
    // People: the dispatcher (queue events only) is in no pool; whoever queues for L2 is not in L2.
    let seen: Vec<u32> = s.pools.iter().map(|p| p.people_seen).collect();
    assert_eq!(seen, [3, 1, 1]);
    for pool in &s.pools {
        assert!(
            pool.agents.iter().all(|a| *a <= pool.people_seen),
            "{}",
            pool.name
        );
        assert!(pool.agents.iter().sum::<u32>() > 0);
        assert!(pool.concurrency >= 1);
    }
    assert_eq!(s.pools[0].labels.queue, "Queued-Awaiting Assignment");
    assert_eq!(s.pools[0].labels.work, "Accepted-In Progress");
    assert_eq!(s.pools[2].labels.wait, "Accepted-Wait - User");
    assert_eq!(s.pools[0].labels.resolved, "Completed-Resolved");
    assert_eq!(s.states["Accepted-Wait - User"], "wait");
}

#[test]
fn until_cuts_incidents_and_events() {
    let (incs, evs) = desk_log();
    let cut = (40.0 * crate::units::MS_PER_HOUR_F64) as i64;
    let o = DeskFitOptions {
        until_ms: Some(cut),
        ..Default::default()
    };
    let f = discover(&incs, &evs, &o).unwrap();
    assert_eq!(f.incidents, 40);
    let before = evs.iter().filter(|e| e.at < cut).count() as u64;
    assert_eq!(f.events, before);
    assert_eq!(f.spec.start, "1970-01-02T16:00:00Z");
    // Incident 39 (queued at 39, worked from 39.5) is open at the cut: its L1 visit is censored.
    assert_eq!(f.pools[0].visits, 40);
    assert_eq!(f.pools[0].finished_visits, 39);
}

#[test]
fn top_merges_groups_into_one_named_pool() {
    let (incs, evs) = desk_log();
    let o = DeskFitOptions {
        pool_by: Some(PoolBy::Group),
        top: Some(1),
        ..Default::default()
    };
    let f = discover(&incs, &evs, &o).unwrap();
    let names: Vec<&str> = f.spec.pools.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["G-L1", OTHER_GROUPS]);
    assert_eq!(f.pools[1].members, 2);
    assert_eq!(f.spec.pools[0].routing, [[0.0, 0.5], [0.0, 0.0]]);
    // The merged pool: 30 P3 visits (20 at G-L2, 10 at G-L3); the 10 G-L2 → G-L3 transfers stay
    // inside it (its own row); P4 has none and takes the pooled row.
    let r = &f.spec.pools[1].routing;
    assert!(
        close(r[0][1], 1.0 / 3.0) && close(r[1][1], 1.0 / 3.0) && r[0][0] == 0.0,
        "{r:?}"
    );
}

#[test]
fn written_file_parses_back_to_the_same_desk() {
    let (incs, evs) = desk_log();
    let f = discover(&incs, &evs, &DeskFitOptions::default()).unwrap();
    let text = render::desk_toml(&f);
    let back: DeskSpec = toml::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(back.pools.len(), 3);
    for (a, b) in back.pools.iter().zip(&f.spec.pools) {
        assert_eq!(a.agents, b.agents);
        assert_eq!(a.routing, b.routing);
        assert_eq!(a.labels, b.labels);
        assert_eq!(a.people_seen, b.people_seen);
    }
    assert_eq!(back.arrivals.hour_of_week.len(), 168);
    assert_eq!(back.pool_by, "level");
    assert_eq!(back.states, f.spec.states);
    assert!(text.contains("# - capacity window"), "{text}");
}

#[test]
fn too_few_incidents_is_an_error() {
    let (incs, evs) = desk_log();
    let o = DeskFitOptions {
        until_ms: Some((5.0 * crate::units::MS_PER_HOUR_F64) as i64),
        ..Default::default()
    };
    let err = discover(&incs, &evs, &o).unwrap_err();
    assert!(err.contains("too few"), "{err}");
}

#[test]
fn kaplan_meier_by_hand() {
    // Delays 1 (closed), 2 (censored), 3 (closed), 3 (closed), 5 (censored).
    // S(1) = 4/5; at 3 three are at risk, two close: S = 4/5 × 1/3 = 4/15.
    let (jumps, s) = kaplan_meier(&[
        (1.0, true),
        (2.0, false),
        (3.0, true),
        (3.0, true),
        (5.0, false),
    ]);
    assert_eq!(jumps.len(), 2);
    assert!(close(jumps[0].1, 0.2) && close(jumps[1].1, 0.8 - 4.0 / 15.0));
    assert!(close(s, 4.0 / 15.0));
}

#[test]
fn closed_routing_is_detected() {
    assert!(!resolves(&[vec![0.0, 1.0], vec![1.0, 0.0]]));
    assert!(resolves(&[vec![0.0, 1.0], vec![0.5, 0.0]]));
    assert!(resolves(&[vec![0.0, 0.0], vec![1.0, 0.0]]));
}

#[test]
fn routing_shares_count_visits_open_at_the_cut_as_at_risk() {
    // Visit lengths 1 (to pool 0), 2 (censored), 3 (resolved), 4 (to pool 0). Aalen–Johansen:
    // at 1, 4 at risk: to0 += 1/4, S = 3/4; the censored one leaves; at 3, 2 at risk: resolved +=
    // 3/8, S = 3/8; at 4, 1 at risk: to0 += 3/8 → to0 = 5/8 (finished-only counting: 2/3).
    let mut items = vec![
        (4, Some(Some(0))),
        (2, None),
        (1, Some(Some(0))),
        (3, Some(None)),
    ];
    let (to, finished) = outcome_shares(&mut items, 1);
    assert_eq!(finished, 3);
    assert!(close(to[0], 0.625), "{to:?}");
    // Mass left after the last exit is spread in proportion: one transfer, then a censored visit.
    let mut tail = vec![(1, Some(Some(0))), (5, None)];
    assert_eq!(outcome_shares(&mut tail, 1).0, vec![1.0]);
    // Nothing finished: no transfers.
    let mut none = vec![(1, None)];
    assert_eq!(outcome_shares(&mut none, 2), (vec![0.0, 0.0], 0));
}

#[test]
fn closure_band_is_the_first_the_resolution_time_is_below_else_the_last() {
    use crate::sim::desk::ClosureBand;
    let (incidents, events) = desk_log();
    let fit = discover(&incidents, &events, &DeskFitOptions::default()).unwrap();
    let mut spec = fit.spec;
    let band = |below: f64, p: f64, l: &str| ClosureBand {
        below_hours: below,
        probability: p,
        resolved_label: l.into(),
    };
    spec.closure_bands = vec![band(0.25, 0.0, "In Call"), band(4.0, 1.0, "Resolved")];
    assert_eq!(spec.closure_band(0.1).unwrap().resolved_label, "In Call");
    assert_eq!(spec.closure_band(0.25).unwrap().resolved_label, "Resolved");
    assert_eq!(spec.closure_band(100.0).unwrap().probability, 1.0);
    // A band with probability 0 never closes, one with 1 always; without bands the desk's share.
    spec.closure = Some(crate::sim::model::ServiceSpec::Empirical { hours: vec![5.0] });
    spec.closure_probability = 1.0;
    assert_eq!(validate::closure_delay(&spec, 1, 0, "x", 0.1), None);
    assert!(validate::closure_delay(&spec, 1, 0, "x", 10.0).is_some());
    spec.closure_bands.clear();
    assert_eq!(validate::closure_delay(&spec, 1, 0, "x", 0.1), Some(5.0));
}
