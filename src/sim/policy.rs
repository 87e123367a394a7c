//! Queue disciplines of a tier: which waiting incident an agent takes next.

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, VecDeque};

use super::model::PolicyName;

/// An earliest-deadline entry: (deadline, sequence, incident).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Due(f64, u64, u32);
impl Eq for Due {}
impl PartialOrd for Due {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Due {
    fn cmp(&self, o: &Self) -> Ordering {
        self.0.total_cmp(&o.0).then(self.1.cmp(&o.1))
    }
}

/// The waiting line of one tier under one policy.
#[derive(Debug)]
pub enum Queue {
    /// First come, first served.
    Fifo(VecDeque<u32>),
    /// One FIFO line per priority class; the highest non-empty one is served first. With the
    /// number waiting in all of them (the engine reads it every event).
    ByClass(Vec<VecDeque<u32>>, usize),
    /// Earliest deadline first; ties by arrival at the queue.
    Deadline(BinaryHeap<Reverse<Due>>, u64),
}

impl Queue {
    pub fn new(policy: PolicyName, classes: usize) -> Queue {
        match policy {
            PolicyName::Fifo => Queue::Fifo(VecDeque::new()),
            PolicyName::Priority | PolicyName::Preemptive => {
                Queue::ByClass(vec![VecDeque::new(); classes], 0)
            }
            PolicyName::Edf => Queue::Deadline(BinaryHeap::new(), 0),
        }
    }

    /// Adds an incident at the back of its line (`front` = an interrupted one, served before others
    /// of its class).
    pub fn push(&mut self, id: u32, class: usize, deadline: f64, front: bool) {
        match self {
            Queue::Fifo(q) if front => q.push_front(id),
            Queue::Fifo(q) => q.push_back(id),
            Queue::ByClass(qs, n) => {
                *n += 1;
                if front {
                    qs[class].push_front(id);
                } else {
                    qs[class].push_back(id);
                }
            }
            Queue::Deadline(h, seq) => {
                // Interrupted work sorts before new work with the same deadline.
                let s = if front { 0 } else { *seq + 1 };
                *seq += 1;
                h.push(Reverse(Due(deadline, s, id)));
            }
        }
    }

    pub fn pop(&mut self) -> Option<u32> {
        match self {
            Queue::Fifo(q) => q.pop_front(),
            Queue::ByClass(qs, n) => {
                let id = qs.iter_mut().find_map(|q| q.pop_front());
                *n -= usize::from(id.is_some());
                id
            }
            Queue::Deadline(h, _) => h.pop().map(|Reverse(Due(_, _, id))| id),
        }
    }

    pub fn len(&self) -> usize {
        match self {
            Queue::Fifo(q) => q.len(),
            Queue::ByClass(_, n) => *n,
            Queue::Deadline(h, _) => h.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disciplines_pick_in_their_order() {
        let mut f = Queue::new(PolicyName::Fifo, 2);
        f.push(1, 1, 0.0, false);
        f.push(2, 0, 0.0, false);
        f.push(3, 1, 0.0, true);
        assert_eq!(
            (f.pop(), f.pop(), f.pop(), f.pop()),
            (Some(3), Some(1), Some(2), None)
        );

        let mut p = Queue::new(PolicyName::Priority, 2);
        p.push(1, 1, 0.0, false);
        p.push(2, 0, 0.0, false);
        p.push(3, 0, 0.0, false);
        assert_eq!(p.len(), 3);
        assert_eq!((p.pop(), p.pop(), p.pop()), (Some(2), Some(3), Some(1)));
        // The count follows pushes (front ones too) and pops, never below 0.
        assert!(p.is_empty() && p.pop().is_none() && p.is_empty());
        p.push(4, 1, 0.0, true);
        p.push(5, 1, 0.0, false);
        assert_eq!((p.len(), p.pop(), p.len()), (2, Some(4), 1));

        let mut d = Queue::new(PolicyName::Edf, 2);
        d.push(1, 1, 9.0, false);
        d.push(2, 0, 5.0, false);
        d.push(3, 0, 9.0, false);
        assert_eq!((d.pop(), d.pop(), d.pop()), (Some(2), Some(1), Some(3)));
    }
}
