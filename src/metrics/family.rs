//! Metric families (`analyze --metrics mttr,sla,flow,backlog,recurrence,major,trend`): which parts
//! of the analysis run, and so which columns the lazy plan reads.

use std::collections::BTreeSet;

/// One metric family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Family {
    /// `mttr_hours`, `mtta_hours` of `overall`/`groups` (resolution and response times).
    Mttr,
    /// `sla` and the SLA rates of `overall`/`groups`.
    Sla,
    /// `flow` and the flow rates of `overall`/`groups`.
    Flow,
    /// `backlog`.
    Backlog,
    /// `recurrence`.
    Recurrence,
    /// `major_incidents[]` and the `major_incidents` count of `overall`/`groups`.
    Major,
    /// `trend[]`, `trend_resolved[]`, `trend_maturity`.
    Trend,
}

impl Family {
    pub const ALL: [Family; 7] = [
        Family::Mttr,
        Family::Sla,
        Family::Flow,
        Family::Backlog,
        Family::Recurrence,
        Family::Major,
        Family::Trend,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Family::Mttr => "mttr",
            Family::Sla => "sla",
            Family::Flow => "flow",
            Family::Backlog => "backlog",
            Family::Recurrence => "recurrence",
            Family::Major => "major",
            Family::Trend => "trend",
        }
    }
}

/// The families to compute (default: all).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Families(BTreeSet<Family>);

impl Default for Families {
    fn default() -> Self {
        Families(Family::ALL.into_iter().collect())
    }
}

impl Families {
    /// Parses `mttr,sla,…` (case-insensitive, spaces ignored); an unknown name is an error naming
    /// the valid ones.
    pub fn parse(s: &str) -> std::result::Result<Families, String> {
        let mut set = BTreeSet::new();
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let f = Family::ALL
                .into_iter()
                .find(|f| f.name().eq_ignore_ascii_case(part))
                .ok_or_else(|| {
                    format!(
                        "--metrics: unknown metric family '{part}'; expected one of {}",
                        Family::ALL.map(Family::name).join(", ")
                    )
                })?;
            set.insert(f);
        }
        if set.is_empty() {
            return Err(format!(
                "--metrics: give at least one of {}",
                Family::ALL.map(Family::name).join(", ")
            ));
        }
        Ok(Families(set))
    }

    pub fn only(families: &[Family]) -> Families {
        Families(families.iter().copied().collect())
    }

    pub fn has(&self, f: Family) -> bool {
        self.0.contains(&f)
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.0.iter().map(|f| f.name()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_names_and_reject_unknown_ones() {
        let f = Families::parse("mttr, SLA").unwrap();
        assert!(f.has(Family::Mttr) && f.has(Family::Sla) && !f.has(Family::Flow));
        assert_eq!(f.names(), ["mttr", "sla"]);
        assert_eq!(Families::default().names().len(), 7);
        let e = Families::parse("mttr,speed").unwrap_err();
        assert!(
            e.contains("'speed'") && e.contains("recurrence, major, trend"),
            "{e}"
        );
        assert!(Families::parse(" , ").is_err());
    }
}
