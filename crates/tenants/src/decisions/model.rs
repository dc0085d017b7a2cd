//! The life of a decision as a state machine: which change may follow which.

use hemvist_platform::ApiError;
use jiff::civil::Date;

hemvist_platform::pg_enum! {
    pub enum Intervention {
        TrialApartment = "trial_apartment",
        TrainingApartment = "training_apartment",
        HousingFirst = "housing_first",
        EmergencyShelter = "emergency_shelter",
        SupportedHousing = "supported_housing",
        Other = "other",
    }
}

hemvist_platform::pg_enum! {
    pub enum Outcome {
        Granted = "granted",
        PartlyGranted = "partly_granted",
        Denied = "denied",
    }
}

impl Outcome {
    pub fn is_granted(self) -> bool {
        matches!(self, Self::Granted | Self::PartlyGranted)
    }
}

hemvist_platform::pg_enum! {
    /// The person's answer to an offer made to execute a decision.
    pub enum OfferResponse {
        Pending = "pending",
        Accepted = "accepted",
        /// Declining an offer does not close the decision.
        Declined = "declined",
    }
}

hemvist_platform::pg_enum! {
    /// Where a decision stands, derived from its dates.
    pub enum DecisionStatus {
        Applied = "applied",
        Granted = "granted",
        PartlyGranted = "partly_granted",
        Denied = "denied",
        Executed = "executed",
        Interrupted = "interrupted",
        Closed = "closed",
    }
}

/// The dates that decide what may happen next.
#[derive(Debug, Clone, Default)]
pub struct Lifecycle {
    pub applied_on: Option<Date>,
    pub decided_on: Option<Date>,
    pub outcome: Option<Outcome>,
    pub executed_on: Option<Date>,
    pub closed_on: Option<Date>,
    /// Start of an interruption not yet resumed.
    pub open_interruption: Option<Date>,
    /// The latest resumption.
    pub last_resumed_on: Option<Date>,
}

/// A change to a decision's life.
#[derive(Debug, Clone, Copy)]
pub enum Change {
    Decide { on: Date, outcome: Outcome },
    Execute { on: Date },
    Interrupt { on: Date },
    Resume { on: Date },
    Close { on: Date },
}

impl Lifecycle {
    /// A granted, open decision waits for execution: only then are delays and offers recorded.
    pub fn require_waiting(&self) -> Result<(), ApiError> {
        if self.closed_on.is_some() {
            return Err(ApiError::conflict("the decision is closed"));
        }
        match self.outcome {
            Some(outcome) if outcome.is_granted() => Ok(()),
            _ => Err(ApiError::conflict("only a granted decision waits for execution")),
        }
    }

    pub fn status(&self) -> DecisionStatus {
        match (self.closed_on, self.outcome, self.executed_on, self.open_interruption) {
            (Some(_), ..) => DecisionStatus::Closed,
            (None, None, ..) => DecisionStatus::Applied,
            (None, Some(_), Some(_), Some(_)) => DecisionStatus::Interrupted,
            (None, Some(_), Some(_), None) => DecisionStatus::Executed,
            (None, Some(Outcome::Granted), None, _) => DecisionStatus::Granted,
            (None, Some(Outcome::PartlyGranted), None, _) => DecisionStatus::PartlyGranted,
            (None, Some(Outcome::Denied), None, _) => DecisionStatus::Denied,
        }
    }

    /// Whether `change` may happen now; a refusal says why (409), a date out of order is 422.
    pub fn check(&self, change: Change, today: Date) -> Result<(), ApiError> {
        let on = match change {
            Change::Decide { on, .. }
            | Change::Execute { on }
            | Change::Interrupt { on }
            | Change::Resume { on }
            | Change::Close { on } => on,
        };
        if on > today {
            return Err(ApiError::invalid("date", "must not be in the future"));
        }
        if self.closed_on.is_some() {
            return Err(ApiError::conflict("the decision is closed"));
        }
        let not_before = |field: &str, earliest: Option<Date>, what: &str| match earliest {
            Some(earliest) if on < earliest => {
                Err(ApiError::invalid(field, format!("must not be before {what} ({earliest})")))
            }
            _ => Ok(()),
        };
        match change {
            Change::Decide { .. } => {
                if self.outcome.is_some() {
                    return Err(ApiError::conflict("the application is already decided"));
                }
                not_before("decided_on", self.applied_on, "the application")
            }
            Change::Execute { .. } => {
                match self.outcome {
                    None => return Err(ApiError::conflict("the application is not decided yet")),
                    Some(outcome) if !outcome.is_granted() => {
                        return Err(ApiError::conflict("a denied decision cannot be executed"));
                    }
                    Some(_) => {}
                }
                if self.executed_on.is_some() {
                    return Err(ApiError::conflict("the decision is already executed"));
                }
                not_before("executed_on", self.decided_on, "the decision")
            }
            Change::Interrupt { .. } => {
                if self.executed_on.is_none() {
                    return Err(ApiError::conflict("only an executed decision can be interrupted"));
                }
                if self.open_interruption.is_some() {
                    return Err(ApiError::conflict("the decision is already interrupted"));
                }
                not_before("interrupted_on", self.executed_on, "the execution")?;
                not_before("interrupted_on", self.last_resumed_on, "the last resumption")
            }
            Change::Resume { .. } => {
                if self.open_interruption.is_none() {
                    return Err(ApiError::conflict("the decision is not interrupted"));
                }
                not_before("resumed_on", self.open_interruption, "the interruption")
            }
            Change::Close { .. } => {
                let latest =
                    [self.applied_on, self.decided_on, self.executed_on, self.open_interruption, self.last_resumed_on]
                        .into_iter()
                        .flatten()
                        .max();
                not_before("closed_on", latest, "the decision's last event")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: Date = Date::constant(2026, 11, 23);

    fn d(m: i8, day: i8) -> Date {
        Date::constant(2026, m, day)
    }

    fn applied() -> Lifecycle {
        Lifecycle { applied_on: Some(d(1, 10)), ..Lifecycle::default() }
    }

    #[test]
    fn happy_path_and_status() {
        let mut l = applied();
        assert_eq!(l.status(), DecisionStatus::Applied);
        l.check(Change::Decide { on: d(2, 1), outcome: Outcome::Granted }, TODAY).unwrap();
        l.decided_on = Some(d(2, 1));
        l.outcome = Some(Outcome::Granted);
        assert_eq!(l.status(), DecisionStatus::Granted);
        l.check(Change::Execute { on: d(3, 1) }, TODAY).unwrap();
        l.executed_on = Some(d(3, 1));
        assert_eq!(l.status(), DecisionStatus::Executed);
        l.check(Change::Interrupt { on: d(4, 1) }, TODAY).unwrap();
        l.open_interruption = Some(d(4, 1));
        assert_eq!(l.status(), DecisionStatus::Interrupted);
        assert!(l.check(Change::Interrupt { on: d(4, 2) }, TODAY).is_err());
        assert!(l.check(Change::Resume { on: d(3, 31) }, TODAY).is_err());
        l.check(Change::Resume { on: d(5, 1) }, TODAY).unwrap();
        l.open_interruption = None;
        l.last_resumed_on = Some(d(5, 1));
        assert!(l.check(Change::Close { on: d(4, 30) }, TODAY).is_err());
        l.check(Change::Close { on: d(6, 1) }, TODAY).unwrap();
        l.closed_on = Some(d(6, 1));
        assert_eq!(l.status(), DecisionStatus::Closed);
        assert!(matches!(l.check(Change::Resume { on: d(7, 1) }, TODAY), Err(ApiError::Conflict { .. })));
    }

    #[test]
    fn refusals() {
        let l = applied();
        assert!(matches!(l.check(Change::Execute { on: d(3, 1) }, TODAY), Err(ApiError::Conflict { .. })));
        assert!(l.check(Change::Decide { on: d(1, 9), outcome: Outcome::Granted }, TODAY).is_err());
        assert!(l.check(Change::Decide { on: Date::constant(2027, 1, 1), outcome: Outcome::Granted }, TODAY).is_err());
        let denied = Lifecycle { decided_on: Some(d(2, 1)), outcome: Some(Outcome::Denied), ..applied() };
        assert_eq!(denied.status(), DecisionStatus::Denied);
        let refused = denied.check(Change::Execute { on: d(3, 1) }, TODAY);
        assert!(matches!(refused, Err(ApiError::Conflict { ref detail }) if detail.contains("denied")));
        assert!(denied.check(Change::Decide { on: d(3, 1), outcome: Outcome::Granted }, TODAY).is_err());
        let granted = Lifecycle { decided_on: Some(d(2, 1)), outcome: Some(Outcome::Granted), ..applied() };
        assert!(granted.check(Change::Interrupt { on: d(3, 1) }, TODAY).is_err());
        assert!(granted.check(Change::Execute { on: d(1, 31) }, TODAY).is_err());
        granted.check(Change::Close { on: d(2, 1) }, TODAY).unwrap();
    }
}
