//! A visit's states and the rules for recording one, pure: no database here.

use hemvist_platform::ApiError;
use hemvist_platform::text::clean_text;
use jiff::civil::Date;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

hemvist_platform::pg_enum! {
    pub enum VisitStatus {
        Planned = "planned",
        Held = "held",
        /// The person was not met. This has no consequence for the tenancy.
        Missed = "missed",
        Cancelled = "cancelled",
    }
}

impl VisitStatus {
    /// How a visit stands on `today`: one still planned whose day has passed without being recorded
    /// held was missed; a recorded outcome stands as recorded, and today's visit is still planned.
    pub fn on(self, planned_on: Date, today: Date) -> VisitStatus {
        match self {
            VisitStatus::Planned if planned_on < today => VisitStatus::Missed,
            status => status,
        }
    }
}

/// A visit as stored.
#[derive(Debug, Clone)]
pub struct StoredVisit {
    pub id: Uuid,
    pub plan_id: Uuid,
    pub planned_on: Date,
    pub staff_id: String,
    pub status: VisitStatus,
    pub note: Option<String>,
}

#[derive(Debug, Default, Serialize, ToSchema)]
pub struct VisitCounts {
    pub planned: i64,
    pub held: i64,
    pub missed: i64,
    pub cancelled: i64,
}

impl VisitCounts {
    pub fn add(&mut self, status: VisitStatus, count: i64) {
        match status {
            VisitStatus::Planned => self.planned += count,
            VisitStatus::Held => self.held += count,
            VisitStatus::Missed => self.missed += count,
            VisitStatus::Cancelled => self.cancelled += count,
        }
    }

    /// held / (held + missed); None without either.
    pub fn share_held(&self) -> Option<f64> {
        let met = self.held + self.missed;
        (met > 0).then(|| self.held as f64 / met as f64)
    }
}

impl<'a> FromIterator<&'a VisitStatus> for VisitCounts {
    fn from_iter<I: IntoIterator<Item = &'a VisitStatus>>(statuses: I) -> Self {
        let mut counts = Self::default();
        for status in statuses {
            counts.add(*status, 1);
        }
        counts
    }
}

/// How a planned visit went, checked: held, missed or cancelled, with a clean note.
#[derive(Debug, Clone, PartialEq)]
pub struct VisitRecord {
    pub status: VisitStatus,
    pub note: Option<String>,
}

impl VisitRecord {
    pub fn new(status: VisitStatus, note: Option<&str>) -> Result<Self, ApiError> {
        if status == VisitStatus::Planned {
            return Err(ApiError::invalid("status", "record held, missed or cancelled"));
        }
        let note = note.map(|n| clean_text("note", n, 2000, true)).transpose()?;
        Ok(Self { status, note })
    }

    /// A visit planned for a later day than `today` cannot have been held (it may be missed or
    /// cancelled ahead).
    pub fn check_day(&self, planned_on: Date, today: Date) -> Result<(), ApiError> {
        if self.status == VisitStatus::Held && planned_on > today {
            return Err(ApiError::invalid("status", "a visit planned for a later day cannot have been held"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_states_fail_instead_of_defaulting() {
        assert_eq!("missed".parse::<VisitStatus>(), Ok(VisitStatus::Missed));
        assert!("postponed".parse::<VisitStatus>().is_err());
    }

    #[test]
    fn a_planned_visit_whose_day_passed_was_missed() {
        let (yesterday, today, tomorrow) =
            (Date::constant(2026, 11, 22), Date::constant(2026, 11, 23), Date::constant(2026, 11, 24));
        assert_eq!(VisitStatus::Planned.on(yesterday, today), VisitStatus::Missed);
        assert_eq!(VisitStatus::Planned.on(today, today), VisitStatus::Planned);
        assert_eq!(VisitStatus::Planned.on(tomorrow, today), VisitStatus::Planned);
        // Recorded outcomes stand, whenever they were planned.
        for status in [VisitStatus::Held, VisitStatus::Missed, VisitStatus::Cancelled] {
            assert_eq!(status.on(yesterday, today), status);
            assert_eq!(status.on(tomorrow, today), status);
        }
    }

    #[test]
    fn counts_and_share_held() {
        let counts: VisitCounts =
            [VisitStatus::Held, VisitStatus::Held, VisitStatus::Missed, VisitStatus::Cancelled].iter().collect();
        assert_eq!((counts.planned, counts.held, counts.missed, counts.cancelled), (0, 2, 1, 1));
        assert_eq!(counts.share_held(), Some(2.0 / 3.0));
        assert_eq!(VisitCounts::default().share_held(), None);
    }

    #[test]
    fn a_record_is_an_outcome_and_held_only_on_or_after_its_day() {
        assert!(VisitRecord::new(VisitStatus::Planned, None).is_err());
        let held = VisitRecord::new(VisitStatus::Held, Some(" met at home ")).unwrap();
        assert_eq!(held.note.as_deref(), Some("met at home"));
        let (day, before) = (Date::constant(2026, 3, 2), Date::constant(2026, 3, 1));
        assert!(held.check_day(day, day).is_ok());
        assert!(held.check_day(day, before).is_err());
        assert!(VisitRecord::new(VisitStatus::Missed, None).unwrap().check_day(day, before).is_ok());
    }
}
