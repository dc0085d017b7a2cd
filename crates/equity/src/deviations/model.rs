//! Deviations (avvikelser) and lex Sarah: the states, the steps between them and their deadlines.
//!
//! recorded → assessed (not lex Sarah, missförhållande, or påtaglig risk för missförhållande; serious or
//! not) → investigated (lex Sarah only) → reported to IVO (serious only). Each step has its date.
//!
//! Deadlines (assumed; domain.md names none for deviations, and SoL/SOSFS 2011:5 ask for "utan dröjsmål"):
//! assessed within [`ASSESS_WITHIN_DAYS`] days of being recorded, a lex Sarah matter investigated within
//! [`INVESTIGATE_WITHIN_DAYS`] days of the assessment, and a serious one reported to IVO within
//! [`REPORT_WITHIN_DAYS`] days of the investigation. A step not taken by its day is overdue.

use hemvist_platform::ApiError;
use jiff::ToSpan;
use jiff::civil::Date;

/// Days from recording to assessment.
pub const ASSESS_WITHIN_DAYS: i32 = 7;
/// Days from a lex Sarah assessment to the investigation.
pub const INVESTIGATE_WITHIN_DAYS: i32 = 30;
/// Days from the investigation of a serious matter to the report to IVO.
pub const REPORT_WITHIN_DAYS: i32 = 14;

hemvist_platform::pg_enum! {
    /// Where a deviation stands.
    pub enum DeviationState {
        Recorded = "recorded",
        Assessed = "assessed",
        Investigated = "investigated",
        ReportedToIvo = "reported_to_ivo",
    }
}

hemvist_platform::pg_enum! {
    /// The lex Sarah assessment.
    pub enum Assessment {
        /// Not a lex Sarah matter: handled as an ordinary deviation.
        NotLexSarah = "not_lex_sarah",
        /// A missförhållande (lex Sarah).
        Missforhallande = "missforhallande",
        /// A påtaglig risk för ett missförhållande (lex Sarah).
        PatagligRisk = "pataglig_risk",
    }
}

hemvist_platform::pg_enum! {
    /// How a deviation came to be recorded.
    pub enum Source {
        /// Recorded by staff.
        Staff = "staff",
        /// Created with a guarantee breach (no suitable bed).
        GuaranteeBreach = "guarantee_breach",
        /// Created when a person who asked for help was recorded sleeping outdoors.
        OutdoorsAfterRequest = "outdoors_after_request",
    }
}

hemvist_platform::pg_enum! {
    /// The next step a deviation waits for.
    pub enum Step {
        Assess = "assess",
        Investigate = "investigate",
        ReportToIvo = "report_to_ivo",
    }
}

/// What decides a deviation's next step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub state: DeviationState,
    pub assessment: Option<Assessment>,
    pub serious: Option<bool>,
    pub recorded_on: Date,
    pub assessed_on: Option<Date>,
    pub investigated_on: Option<Date>,
}

impl Progress {
    /// The next step and the last day for it; None when nothing more is due.
    pub fn next(&self) -> Option<(Step, Date)> {
        let due = |from: Date, days: i32| from.checked_add(days.days()).ok();
        match self.state {
            DeviationState::Recorded => Some((Step::Assess, due(self.recorded_on, ASSESS_WITHIN_DAYS)?)),
            DeviationState::Assessed if self.assessment != Some(Assessment::NotLexSarah) => {
                Some((Step::Investigate, due(self.assessed_on?, INVESTIGATE_WITHIN_DAYS)?))
            }
            DeviationState::Investigated if self.serious == Some(true) => {
                Some((Step::ReportToIvo, due(self.investigated_on?, REPORT_WITHIN_DAYS)?))
            }
            _ => None,
        }
    }

    /// Whether the next step is past its day on `today`.
    pub fn overdue(&self, today: Date) -> bool {
        self.next().is_some_and(|(_, due)| today > due)
    }

    /// 409 unless `step` is the next one.
    pub fn check(&self, step: Step) -> Result<(), ApiError> {
        match self.next() {
            Some((next, _)) if next == step => Ok(()),
            _ => Err(ApiError::conflict(format!(
                "a deviation that is {} ({}) cannot be {}",
                self.state,
                self.assessment.map_or("not assessed", |a| a.as_str()),
                match step {
                    Step::Assess => "assessed again",
                    Step::Investigate => "investigated: only a lex Sarah matter, once",
                    Step::ReportToIvo => "reported to IVO: only a serious matter, once investigated",
                }
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recorded() -> Progress {
        Progress {
            state: DeviationState::Recorded,
            assessment: None,
            serious: None,
            recorded_on: Date::constant(2026, 3, 1),
            assessed_on: None,
            investigated_on: None,
        }
    }

    #[test]
    fn steps_and_deadlines() {
        let p = recorded();
        assert_eq!(p.next(), Some((Step::Assess, Date::constant(2026, 3, 8))));
        assert!(!p.overdue(Date::constant(2026, 3, 8)));
        assert!(p.overdue(Date::constant(2026, 3, 9)));
        assert!(p.check(Step::Investigate).is_err());
        let assessed = Progress {
            state: DeviationState::Assessed,
            assessment: Some(Assessment::PatagligRisk),
            serious: Some(true),
            assessed_on: Some(Date::constant(2026, 3, 5)),
            ..p
        };
        assert_eq!(assessed.next(), Some((Step::Investigate, Date::constant(2026, 4, 4))));
        let not_lex_sarah = Progress { assessment: Some(Assessment::NotLexSarah), serious: Some(false), ..assessed };
        assert_eq!(not_lex_sarah.next(), None);
        assert!(not_lex_sarah.check(Step::Investigate).is_err());
        let investigated = Progress {
            state: DeviationState::Investigated,
            investigated_on: Some(Date::constant(2026, 4, 1)),
            ..assessed
        };
        assert_eq!(investigated.next(), Some((Step::ReportToIvo, Date::constant(2026, 4, 15))));
        let not_serious = Progress { serious: Some(false), ..investigated };
        assert_eq!(not_serious.next(), None);
        assert!(not_serious.check(Step::ReportToIvo).is_err());
    }
}
