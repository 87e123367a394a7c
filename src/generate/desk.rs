//! The desk model of the generator (`--model desk`, the default): incidents flow through assignment
//! groups (pools) staffed by named people on shifts, and every wait comes out of a small queueing
//! simulation, so that queue time really depends on staffing. Deterministic from the seed: every
//! random draw is made per incident, in arrival order, before the simulation; the simulation itself
//! is sequential and breaks ties by a sequence number.
//!
//! The rules, exactly:
//! - **pools**: the assignment groups of each support line (L1 `Service Desk`, `Service Desk North`;
//!   L2 `Network`, `Database`, `Applications`, `Workplace`; L3 `Network Vendor`, `DBA Expert`,
//!   `App Development`);
//! - **people and shifts**: each pool has named people, each on one weekly shift (UTC): early Mon–Fri
//!   07–15, day Mon–Fri 09–17, late Mon–Fri 13–21, and (first line only) weekend Sat–Sun 08–16;
//!   nobody works at night. Each pool gets the fewest people (at least 4 on L1, 2 elsewhere) whose
//!   shift hours cover its work at 65 % utilisation with 2 incidents carried per person;
//! - **routing**: the incident enters an L1 pool; escalations (40 %) climb a line, lateral transfers
//!   move within it, as in the independent model; 12 % of escalated incidents are sent back once
//!   to the pool they came from and escalated again (ping-pong);
//! - **queue**: in each visit the incident waits in its pool's queue (priority first, then first
//!   come) until a person of the pool is on shift and carries fewer than 2 incidents (the least
//!   loaded, then the longest idle, takes it);
//! - **work**: per visit, lognormal (σ = 0.9) with medians P1 1.5 h, P2 3 h, P3 4 h, P4 6 h,
//!   × 1.5 on L2, × 2 on L3, counted in the person's shift hours (work stops overnight), × the pilot
//!   effect where the pilot applies;
//! - **external waits** (hold no person): 15 % wait for the user (`Wait - User` / `Awaiting User
//!   Info`, exponential, mean 8 h) in the middle of their last visit, then queue again;
//! - **reopen**: 4 % are reopened 2–48 h after resolution, queue again in the last pool and get
//!   another piece of work; closure 1–72 h after resolution;
//! - events after the end of the period are not written; the incident's fields (acknowledged =
//!   first pickup, resolved, closed, transfers, escalations, hold, group, assignee, final state) are
//!   derived from the events that are.

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap};

use super::{Step, StepKind, GROUPS, LEVELS};
use crate::error::{Error, Result};
use crate::schema::UtcMillis;

#[cfg(test)]
use crate::units::MS_PER_MINUTE as MINUTE;
use crate::units::{MS_PER_DAY as DAY, MS_PER_HOUR as HOUR};

/// Incidents one person carries at once.
pub const CARRIED_PER_PERSON: u32 = 2;
/// Utilisation the staffing is sized for.
pub const TARGET_UTILISATION: f64 = 0.65;
pub const WORK_MEDIAN_HOURS: [f64; 4] = [1.5, 3.0, 4.0, 6.0];
pub const LEVEL_WORK_FACTOR: [f64; 3] = [1.0, 1.5, 2.0];

/// A weekly shift (UTC): weekdays (0 = Monday) and hours [start, end).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shift {
    Early,
    Day,
    Late,
    Weekend,
}

impl Shift {
    fn hours(self) -> (i64, i64) {
        match self {
            Shift::Early => (7, 15),
            Shift::Day => (9, 17),
            Shift::Late => (13, 21),
            Shift::Weekend => (8, 16),
        }
    }

    fn works_on(self, weekday: i64) -> bool {
        (self == Shift::Weekend) == (weekday >= 5)
    }

    /// Shift hours per week.
    pub fn weekly_hours(self) -> f64 {
        let (s, e) = self.hours();
        let days = if self == Shift::Weekend { 2.0 } else { 5.0 };
        days * (e - s) as f64
    }

    /// The shift window [start, end) that contains `t` or comes next.
    fn window_at_or_after(self, t: UtcMillis) -> (UtcMillis, UtcMillis) {
        let (s, e) = self.hours();
        let day0 = t.div_euclid(DAY);
        for d in day0..day0 + 8 {
            let weekday = (d + 3).rem_euclid(7);
            let (start, end) = (d * DAY + s * HOUR, d * DAY + e * HOUR);
            if self.works_on(weekday) && end > t {
                return (start.max(t), end);
            }
        }
        (t, t + HOUR) // unreachable: every shift works some day of each week
    }

    pub fn on_shift(self, t: UtcMillis) -> bool {
        let (s, e) = self.hours();
        let weekday = (t.div_euclid(DAY) + 3).rem_euclid(7);
        let hour = t.rem_euclid(DAY) / HOUR;
        self.works_on(weekday) && (s..e).contains(&hour)
    }

    /// The instant at which `work` ms of shift time started at `t` are done.
    pub fn advance(self, t: UtcMillis, work: i64) -> UtcMillis {
        let (mut t, mut left) = (t, work);
        loop {
            let (start, end) = self.window_at_or_after(t);
            if start + left <= end {
                return start + left;
            }
            left -= end - start;
            t = end;
        }
    }
}

const L1_SHIFTS: [Shift; 8] = [
    Shift::Day,
    Shift::Early,
    Shift::Late,
    Shift::Weekend,
    Shift::Day,
    Shift::Early,
    Shift::Day,
    Shift::Late,
];
const OTHER_SHIFTS: [Shift; 8] = [
    Shift::Day,
    Shift::Early,
    Shift::Late,
    Shift::Day,
    Shift::Early,
    Shift::Day,
    Shift::Late,
    Shift::Day,
];
const FIRST_NAMES: [&str; 26] = [
    "Anna", "Ben", "Chloe", "David", "Elif", "Farid", "Greta", "Hugo", "Ines", "Jonas", "Kofi",
    "Lena", "Marco", "Nora", "Omar", "Priya", "Quentin", "Rosa", "Sven", "Tara", "Umut", "Vera",
    "Wim", "Xenia", "Yusuf", "Zoe",
];
const SURNAMES: [&str; 12] = [
    "Berg", "Costa", "Dubois", "Eriksson", "Fischer", "Garcia", "Horvat", "Jansen", "Kowalski",
    "Larsen", "Moreau", "Novak",
];

/// The name of the `k`-th person of the desk (unique).
fn person_name(k: usize) -> String {
    let (first, rest) = (k % FIRST_NAMES.len(), k / FIRST_NAMES.len());
    // For one first name the surname index runs through all surnames before repeating.
    let last = SURNAMES[(rest + first * 5) % SURNAMES.len()];
    let first = FIRST_NAMES[first];
    match rest / SURNAMES.len() {
        0 => format!("{first} {last}"),
        n => format!("{first} {last} {}", n + 1),
    }
}

/// One person of a pool.
#[derive(Debug, Clone)]
pub struct Person {
    pub name: String,
    pub shift: Shift,
    carried: u32,
    last_pick: UtcMillis,
}

/// One assignment group with its people.
#[derive(Debug, Clone)]
pub struct Pool {
    pub group: &'static str,
    pub level: &'static str,
    pub people: Vec<Person>,
}

/// The index of a group in the flattened pool list.
pub fn pool_index(group: &str) -> usize {
    GROUPS
        .iter()
        .flat_map(|g| g.iter())
        .position(|g| *g == group)
        .unwrap_or(0)
}

/// What happens when a piece of work ends.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Then {
    /// The person sets the incident to wait for the user for this long (ms), then it queues again.
    WaitUser(i64),
    /// Transferred to the next visit's pool.
    Transfer,
    /// Resolved, reopened this long (ms) later, queued again.
    ResolveThenReopen(i64),
    /// Resolved; closed this long (ms) later.
    Resolve(i64),
}

/// One piece of work: in which visit, how long (ms of shift time), and what follows.
#[derive(Debug, Clone, Copy)]
pub struct Piece {
    pub visit: usize,
    pub work: i64,
    pub then: Then,
}

/// Everything drawn for one incident before the simulation.
#[derive(Debug, Clone)]
pub struct Plan {
    pub opened: UtcMillis,
    pub priority: u8,
    pub route: Vec<(&'static str, &'static str)>,
    pub pieces: Vec<Piece>,
}

/// Adds the work (ms) a plan brings to each pool into `work_ms` (indexed by [`pool_index`]).
pub fn add_work(plan: &Plan, work_ms: &mut [f64]) {
    for piece in &plan.pieces {
        work_ms[pool_index(plan.route[piece.visit].0)] += piece.work as f64;
    }
}

/// Zero work for every pool, to [`add_work`] into.
pub fn no_work() -> Vec<f64> {
    vec![0f64; GROUPS.iter().map(|g| g.len()).sum()]
}

/// Staffs every pool for the work the plans bring to it over `span_ms`.
pub fn staff_pools(plans: &[Plan], span_ms: f64) -> Vec<Pool> {
    staff_pools_for(plans, span_ms, TARGET_UTILISATION)
}

/// Staffs every pool for `utilisation` of its people's shift hours.
fn staff_pools_for(plans: &[Plan], span_ms: f64, utilisation: f64) -> Vec<Pool> {
    let mut work_ms = no_work();
    for p in plans {
        add_work(p, &mut work_ms);
    }
    staff_for_work(&work_ms, span_ms, utilisation)
}

/// Staffs every pool for `work_ms` of work (per pool, as [`add_work`] sums it) over `span_ms` at
/// `utilisation` of its people's shift hours.
pub fn staff_for_work(work_ms: &[f64], span_ms: f64, utilisation: f64) -> Vec<Pool> {
    let weeks = span_ms / (7.0 * DAY as f64);
    let mut pools = Vec::new();
    let mut k = 0;
    for (line, groups) in GROUPS.iter().enumerate() {
        let (shifts, min_people) = if line == 0 {
            (&L1_SHIFTS, 4)
        } else {
            (&OTHER_SHIFTS, 2)
        };
        for group in groups.iter() {
            let need_hours = work_ms[pools.len()] / HOUR as f64;
            let mut people: Vec<Person> = Vec::new();
            let mut hours = 0.0;
            while people.len() < min_people
                || hours * weeks * f64::from(CARRIED_PER_PERSON) * utilisation < need_hours
            {
                let shift = shifts[people.len() % shifts.len()];
                hours += shift.weekly_hours();
                people.push(Person {
                    name: person_name(k),
                    shift,
                    carried: 0,
                    last_pick: i64::MIN,
                });
                k += 1;
            }
            pools.push(Pool {
                group,
                level: LEVELS[line],
                people,
            });
        }
    }
    pools
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    /// A shift starts or ends: every pool refreshes who is free and looks at its queue.
    Tick,
    /// The incident's current piece of work ends (incident, pool, person).
    WorkDone(usize, usize, usize),
    /// Back from an external wait or a reopen: queue again.
    Requeue(usize, StepKind),
}

/// An incident on the desk: its plan, what it carries along (`T`), and its progress.
struct Slot<T> {
    /// Position in the arrivals.
    arrival: usize,
    plan: Plan,
    extra: T,
    next_piece: usize,
    acknowledged: bool,
    steps: Vec<Step>,
}

/// The desk's state. Only the incidents in progress are held (in `slots`, reused once an incident
/// finishes; events name the slot), so memory follows the work in progress, not the total.
struct Desk<T> {
    pools: Vec<Pool>,
    queues: Vec<BTreeSet<(u8, UtcMillis, u64, usize)>>,
    heap: BinaryHeap<Reverse<(UtcMillis, u64, Ev)>>,
    seq: u64,
    slots: Vec<Option<Slot<T>>>,
    /// Slots free for the next arrival.
    vacant: Vec<usize>,
    /// Slots whose incident finished during the current event, in the order they finished.
    finished: Vec<usize>,
    arrivals: usize,
    /// Per pool: (carried, last pickup, person) of the people on shift with a free slot.
    free: Vec<BTreeSet<(u32, UtcMillis, usize)>>,
    end: UtcMillis,
}

impl<T> Desk<T> {
    fn slot(&mut self, i: usize) -> &mut Slot<T> {
        match &mut self.slots[i] {
            Some(slot) => slot,
            None => unreachable!("an event for a finished incident"),
        }
    }

    fn push(&mut self, at: UtcMillis, ev: Ev) {
        self.seq += 1;
        self.heap.push(Reverse((at, self.seq, ev)));
    }

    fn step(&mut self, i: usize, at: UtcMillis, kind: StepKind, hop: usize, who: Option<String>) {
        if at <= self.end {
            self.slot(i).steps.push(Step {
                at,
                kind,
                hop,
                assignee: who,
            });
        }
    }

    fn enqueue(&mut self, i: usize, at: UtcMillis) {
        let slot = self.slot(i);
        let visit = slot.plan.pieces[slot.next_piece].visit;
        let (pool, priority) = (pool_index(slot.plan.route[visit].0), slot.plan.priority);
        self.seq += 1;
        self.queues[pool].insert((priority, at, self.seq, i));
        self.dispatch(pool, at);
    }

    /// Rebuilds a pool's set of people on shift with a free slot (at every shift boundary).
    fn refresh_free(&mut self, pool: usize, t: UtcMillis) {
        let people = &self.pools[pool].people;
        self.free[pool] = people
            .iter()
            .enumerate()
            .filter(|(_, p)| p.carried < CARRIED_PER_PERSON && p.shift.on_shift(t))
            .map(|(k, p)| (p.carried, p.last_pick, k))
            .collect();
    }

    /// Free people on shift take queued incidents: the least loaded, then the longest idle.
    fn dispatch(&mut self, pool: usize, t: UtcMillis) {
        while let Some(&(_, _, _, i)) = self.queues[pool].first() {
            let Some((_, _, k)) = self.free[pool].pop_first() else {
                return;
            };
            if !self.pools[pool].people[k].shift.on_shift(t) {
                continue; // the shift ended at t; the next refresh sees the person again
            }
            self.queues[pool].pop_first();
            let slot = self.slot(i);
            let piece = slot.plan.pieces[slot.next_piece];
            let kind = if slot.acknowledged {
                StepKind::Started
            } else {
                StepKind::Acknowledged
            };
            slot.acknowledged = true;
            let person = &mut self.pools[pool].people[k];
            person.carried += 1;
            person.last_pick = t;
            if person.carried < CARRIED_PER_PERSON {
                self.free[pool].insert((person.carried, t, k));
            }
            let (name, done) = (person.name.clone(), person.shift.advance(t, piece.work));
            self.step(i, t, kind, piece.visit, Some(name));
            self.push(done, Ev::WorkDone(i, pool, k));
        }
    }

    fn work_done(&mut self, i: usize, pool: usize, k: usize, t: UtcMillis) {
        let person = &mut self.pools[pool].people[k];
        self.free[pool].remove(&(person.carried, person.last_pick, k));
        person.carried -= 1;
        if person.shift.on_shift(t) {
            self.free[pool].insert((person.carried, person.last_pick, k));
        }
        let name = Some(person.name.clone());
        let slot = self.slot(i);
        let piece = slot.plan.pieces[slot.next_piece];
        slot.next_piece += 1;
        match piece.then {
            Then::WaitUser(ms) => {
                self.step(i, t, StepKind::HoldStart, piece.visit, name);
                self.push(t + ms, Ev::Requeue(i, StepKind::HoldEnd));
            }
            Then::Transfer => {
                self.step(i, t, StepKind::Reassigned, piece.visit + 1, None);
                self.enqueue(i, t);
            }
            Then::ResolveThenReopen(ms) => {
                self.step(i, t, StepKind::FirstResolved, piece.visit, name);
                self.push(t + ms, Ev::Requeue(i, StepKind::Reopened));
            }
            Then::Resolve(close_ms) => {
                self.step(i, t, StepKind::Resolved, piece.visit, name.clone());
                self.step(i, t + close_ms, StepKind::Closed, piece.visit, name);
                self.finished.push(i);
            }
        }
        self.dispatch(pool, t);
    }

    fn arrive(&mut self, plan: Plan, extra: T) {
        let t = plan.opened;
        let slot = Some(Slot {
            arrival: self.arrivals,
            plan,
            extra,
            next_piece: 0,
            acknowledged: false,
            steps: Vec::new(),
        });
        self.arrivals += 1;
        let i = match self.vacant.pop() {
            Some(i) => {
                self.slots[i] = slot;
                i
            }
            None => {
                self.slots.push(slot);
                self.slots.len() - 1
            }
        };
        self.step(i, t, StepKind::Opened, 0, None);
        self.enqueue(i, t);
    }

    /// Hands on the incidents that finished, in the order they finished, and frees their slots.
    fn emit_finished(&mut self, emit: &mut Emit<'_, T>) -> Result<()> {
        for i in std::mem::take(&mut self.finished) {
            if let Some(s) = self.slots[i].take() {
                self.vacant.push(i);
                emit(s.plan, s.extra, s.steps)?;
            }
        }
        Ok(())
    }

    /// At the end of the period: hands on the incidents still in progress, in arrival order.
    fn emit_unfinished(&mut self, emit: &mut Emit<'_, T>) -> Result<()> {
        let mut left: Vec<Slot<T>> = self.slots.drain(..).flatten().collect();
        left.sort_by_key(|s| s.arrival);
        left.into_iter()
            .try_for_each(|s| emit(s.plan, s.extra, s.steps))
    }
}

/// Receives each incident once its timeline is complete: plan, what came with it, steps.
pub type Emit<'a, T> = dyn FnMut(Plan, T, Vec<Step>) -> Result<()> + 'a;

/// The first instant ≥ `t` at which some shift starts or ends (07, 08, 09, 13, 15, 16, 17 or
/// 21 h UTC).
fn next_shift_boundary(t: UtcMillis) -> UtcMillis {
    let day = t.div_euclid(DAY) * DAY;
    [7, 8, 9, 13, 15, 16, 17, 21, 24 + 7]
        .iter()
        .map(|h| day + h * HOUR)
        .find(|&s| s >= t)
        .unwrap_or(day + DAY + 7 * HOUR)
}

/// Runs the desk over [start, end]: the steps of every planned incident, and the staffed pools.
pub fn simulate(plans: &[Plan], start: UtcMillis, end: UtcMillis) -> (Vec<Vec<Step>>, Vec<Pool>) {
    run(plans, start, end, staff_pools(plans, (end - start) as f64))
}

/// [`run_stream`] over a slice in any order (arrivals are taken by opening time, then position).
fn run(
    plans: &[Plan],
    start: UtcMillis,
    end: UtcMillis,
    pools: Vec<Pool>,
) -> (Vec<Vec<Step>>, Vec<Pool>) {
    let mut order: Vec<usize> = (0..plans.len()).collect();
    order.sort_by_key(|&i| (plans[i].opened, i));
    let mut steps = vec![Vec::new(); plans.len()];
    let arrivals = order.into_iter().map(|i| Ok((plans[i].clone(), i)));
    let pools = run_stream(arrivals, start, end, pools, &mut |_, i, s| {
        steps[i] = s;
        Ok(())
    });
    (steps, pools.unwrap_or_default())
}

/// Runs the desk over [start, end] on arrivals in opening-time order (each plan with what should
/// come back with it), handing each incident to `emit` as soon as it is resolved for the last time
/// (in that order), and those still in progress at the end in arrival order. Events at the
/// same instant: arrivals first, then the others in the order they were scheduled. Returns the
/// pools. An arrival earlier than the one before it is an error (the caller sorts).
pub fn run_stream<T>(
    mut arrivals: impl Iterator<Item = Result<(Plan, T)>>,
    start: UtcMillis,
    end: UtcMillis,
    pools: Vec<Pool>,
    emit: &mut Emit<'_, T>,
) -> Result<Vec<Pool>> {
    let n_pools = pools.len();
    let mut desk = Desk {
        queues: vec![BTreeSet::new(); n_pools],
        pools,
        heap: BinaryHeap::new(),
        seq: 0,
        slots: Vec::new(),
        vacant: Vec::new(),
        finished: Vec::new(),
        arrivals: 0,
        free: vec![BTreeSet::new(); n_pools],
        end,
    };
    desk.push(next_shift_boundary(start), Ev::Tick);
    let mut next = arrivals.next().transpose()?;
    let mut last_opened = UtcMillis::MIN;
    loop {
        let top = desk
            .heap
            .peek()
            .map_or(UtcMillis::MAX, |Reverse((t, _, _))| *t);
        if let Some((plan, extra)) = next.take_if(|(p, _)| p.opened <= top.min(end)) {
            if plan.opened < last_opened {
                return Err(Error::Usage("desk arrivals out of time order".into()));
            }
            last_opened = plan.opened;
            desk.arrive(plan, extra);
            next = arrivals.next().transpose()?;
        } else if top > end {
            break;
        } else if let Some(Reverse((t, _, ev))) = desk.heap.pop() {
            desk.event(t, ev);
        }
        desk.emit_finished(emit)?;
    }
    desk.emit_unfinished(emit)?;
    Ok(desk.pools)
}

impl<T> Desk<T> {
    fn event(&mut self, t: UtcMillis, ev: Ev) {
        match ev {
            Ev::Tick => {
                for pool in 0..self.pools.len() {
                    self.refresh_free(pool, t);
                    self.dispatch(pool, t);
                }
                self.push(next_shift_boundary(t + 1), Ev::Tick);
            }
            Ev::WorkDone(i, pool, k) => self.work_done(i, pool, k, t),
            Ev::Requeue(i, kind) => {
                let slot = self.slot(i);
                let visit = slot.plan.pieces[slot.next_piece].visit;
                self.step(i, t, kind, visit, None);
                self.enqueue(i, t);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Monday 2024-01-01T00:00:00Z.
    const MONDAY: i64 = 1_704_067_200_000;

    #[test]
    fn shift_boundaries_are_found() {
        assert_eq!(next_shift_boundary(MONDAY), MONDAY + 7 * HOUR);
        assert_eq!(next_shift_boundary(MONDAY + 7 * HOUR), MONDAY + 7 * HOUR);
        assert_eq!(next_shift_boundary(MONDAY + 10 * HOUR), MONDAY + 13 * HOUR);
        assert_eq!(
            next_shift_boundary(MONDAY + 13 * HOUR + 1),
            MONDAY + 15 * HOUR
        );
        assert_eq!(
            next_shift_boundary(MONDAY + 21 * HOUR + 1),
            MONDAY + DAY + 7 * HOUR
        );
        for shift in [Shift::Early, Shift::Day, Shift::Late, Shift::Weekend] {
            let (s, e) = shift.hours();
            assert_eq!(next_shift_boundary(MONDAY + s * HOUR), MONDAY + s * HOUR);
            assert_eq!(next_shift_boundary(MONDAY + e * HOUR), MONDAY + e * HOUR);
        }
    }

    #[test]
    fn person_names_are_unique() {
        let names: BTreeSet<String> = (0..1000).map(person_name).collect();
        assert_eq!(names.len(), 1000);
        assert_eq!(person_name(0), "Anna Berg");
        assert_eq!(person_name(1), "Ben Garcia");
    }

    #[test]
    fn shifts_follow_the_weekly_calendar() {
        assert!(Shift::Day.on_shift(MONDAY + 9 * HOUR));
        assert!(!Shift::Day.on_shift(MONDAY + 17 * HOUR));
        assert!(!Shift::Day.on_shift(MONDAY + 5 * DAY + 10 * HOUR)); // Saturday
        assert!(Shift::Weekend.on_shift(MONDAY + 6 * DAY + 8 * HOUR)); // Sunday
                                                                       // 3 h of work started Monday 16:00 on the day shift: 1 h Monday, 2 h Tuesday from 09:00.
        assert_eq!(
            Shift::Day.advance(MONDAY + 16 * HOUR, 3 * HOUR),
            MONDAY + DAY + 11 * HOUR
        );
        // Started off shift (Friday 20:00): waits for Monday 09:00.
        let friday = MONDAY + 4 * DAY;
        assert_eq!(
            Shift::Day.advance(friday + 20 * HOUR, 30 * MINUTE),
            MONDAY + 7 * DAY + 9 * HOUR + 30 * MINUTE
        );
        assert_eq!(Shift::Weekend.weekly_hours(), 16.0);
    }

    fn plan(opened: i64, work_h: i64, route: Vec<(&'static str, &'static str)>) -> Plan {
        let n = route.len();
        let pieces = (0..n)
            .map(|v| Piece {
                visit: v,
                work: work_h * HOUR,
                then: if v + 1 < n {
                    Then::Transfer
                } else {
                    Then::Resolve(HOUR)
                },
            })
            .collect();
        Plan {
            opened,
            priority: 3,
            route,
            pieces,
        }
    }

    #[test]
    fn incidents_queue_until_a_person_is_free_and_on_shift() {
        // 20 one-hour incidents at Monday 10:00 into Service Desk: 4 people (day, early, late,
        // weekend) carry 2 each, so 6 start at once and the rest wait for a free slot.
        let plans: Vec<Plan> = (0..20)
            .map(|_| plan(MONDAY + 10 * HOUR, 1, vec![("Service Desk", "L1")]))
            .collect();
        let (steps, pools) = simulate(&plans, MONDAY, MONDAY + 7 * DAY);
        let sd = &pools[pool_index("Service Desk")];
        let people = sd.people.len();
        let first_pick = |s: &Vec<Step>| {
            s.iter()
                .find(|s| s.kind == StepKind::Acknowledged)
                .unwrap()
                .at
        };
        let at_once = steps
            .iter()
            .filter(|s| first_pick(s) == MONDAY + 10 * HOUR)
            .count();
        let on_shift = sd
            .people
            .iter()
            .filter(|p| p.shift.on_shift(MONDAY + 10 * HOUR))
            .count();
        assert_eq!(
            at_once,
            on_shift * CARRIED_PER_PERSON as usize,
            "{people} people"
        );
        assert!(steps.iter().any(|s| first_pick(s) >= MONDAY + 11 * HOUR));
        // A night arrival waits for the early shift at 07:00.
        let night = vec![plan(MONDAY + DAY + 2 * HOUR, 1, vec![("Network", "L2")])];
        let (steps, _) = simulate(&night, MONDAY, MONDAY + 7 * DAY);
        let ack = steps[0]
            .iter()
            .find(|s| s.kind == StepKind::Acknowledged)
            .unwrap();
        assert_eq!(ack.at, MONDAY + DAY + 7 * HOUR);
        let kinds: Vec<_> = steps[0].iter().map(|s| s.kind).collect();
        assert_eq!(
            kinds,
            [
                StepKind::Opened,
                StepKind::Acknowledged,
                StepKind::Resolved,
                StepKind::Closed
            ]
        );
    }

    /// Mean hours from entering a queue to the next pickup.
    fn mean_queue_hours(steps: &[Vec<Step>]) -> f64 {
        let waits: Vec<f64> = steps
            .iter()
            .flat_map(|s| s.windows(2))
            .filter(|w| w[0].assignee.is_none() && w[1].assignee.is_some())
            .map(|w| (w[1].at - w[0].at) as f64 / HOUR as f64)
            .collect();
        waits.iter().sum::<f64>() / waits.len() as f64
    }

    #[test]
    fn queueing_depends_on_staffing() {
        // 4 weeks of 2-hour incidents every 15 minutes around the clock, through L1 then Network.
        let route = vec![("Service Desk", "L1"), ("Network", "L2")];
        let plans: Vec<Plan> = (0..4 * 7 * 96)
            .map(|k| plan(MONDAY + k * 15 * MINUTE, 2, route.clone()))
            .collect();
        let end = MONDAY + 35 * DAY;
        let span = (28 * DAY) as f64;
        let (tight, tight_pools) = run(&plans, MONDAY, end, staff_pools_for(&plans, span, 0.95));
        let (loose, loose_pools) = run(&plans, MONDAY, end, staff_pools_for(&plans, span, 0.5));
        let people = |p: &[Pool]| p.iter().map(|p| p.people.len()).sum::<usize>();
        assert!(people(&tight_pools) < people(&loose_pools));
        let (qt, ql) = (mean_queue_hours(&tight), mean_queue_hours(&loose));
        assert!(qt > 1.5 * ql, "tight {qt} h, loose {ql} h");
    }

    #[test]
    fn staffing_grows_with_the_work() {
        let few: Vec<Plan> = (0..10)
            .map(|k| plan(MONDAY + k * HOUR, 2, vec![("Service Desk", "L1")]))
            .collect();
        let many: Vec<Plan> = (0..3000)
            .map(|k| plan(MONDAY + k * 10 * MINUTE, 2, vec![("Service Desk", "L1")]))
            .collect();
        let span = 28.0 * DAY as f64;
        let sd = pool_index("Service Desk");
        assert_eq!(staff_pools(&few, span)[sd].people.len(), 4);
        let staffed = &staff_pools(&many, span)[sd];
        let hours: f64 = staffed.people.iter().map(|p| p.shift.weekly_hours()).sum();
        // 6,000 h of work in 4 weeks at 2 carried and 65 %: at least 6000 / (4 × 2 × 0.65) shift hours a week.
        assert!(hours >= 6000.0 / (4.0 * 2.0 * 0.65));
        assert!(hours - 40.0 < 6000.0 / (4.0 * 2.0 * 0.65));
        let names: BTreeSet<_> = staffed.people.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names.len(), staffed.people.len());
    }
}
