//! Validated input for housing arrangements.

use hemvist_platform::ApiError;
use jiff::civil::Date;

use crate::situations::model::FactKind;

/// A new arrangement, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewArrangement {
    pub kind: FactKind,
    pub valid_from: Date,
    /// The first day it no longer holds; None while it does.
    pub valid_to: Option<Date>,
    pub note: Option<String>,
}

/// Why an arrangement cannot be ended on a date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndRefused {
    /// On or before its first day: it would never have held.
    NotAfterStart,
    /// A day that has not come yet: an end records what happened.
    InTheFuture,
    /// It already ended on or before that day.
    AlreadyEnded(Date),
}

impl From<EndRefused> for ApiError {
    fn from(refused: EndRefused) -> Self {
        match refused {
            EndRefused::NotAfterStart => ApiError::invalid(
                "ended_on",
                "must be after valid_from: it is the first day the arrangement no longer holds",
            ),
            EndRefused::InTheFuture => ApiError::invalid("ended_on", "must not be in the future"),
            EndRefused::AlreadyEnded(on) => ApiError::conflict(format!("the arrangement already ended on {on}")),
        }
    }
}

/// Whether an arrangement valid over [`valid_from`, `valid_to`) may be ended on `ended_on` (the first
/// day it no longer holds), seen on `today`. Ending one earlier than a recorded end corrects it.
pub fn check_end(valid_from: Date, valid_to: Option<Date>, ended_on: Date, today: Date) -> Result<(), EndRefused> {
    if ended_on <= valid_from {
        return Err(EndRefused::NotAfterStart);
    }
    if ended_on > today {
        return Err(EndRefused::InTheFuture);
    }
    match valid_to {
        Some(to) if to <= ended_on => Err(EndRefused::AlreadyEnded(to)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(raw: &str) -> Date {
        raw.parse().unwrap()
    }

    #[test]
    fn ends_after_the_start_up_to_today() {
        let today = d("2026-07-10");
        let from = d("2026-06-01");
        let cases = [
            (None, "2026-05-31", Err(EndRefused::NotAfterStart)),
            (None, "2026-06-01", Err(EndRefused::NotAfterStart)),
            (None, "2026-06-02", Ok(())),
            (None, "2026-07-10", Ok(())),
            (None, "2026-07-11", Err(EndRefused::InTheFuture)),
            (Some("2026-07-01"), "2026-06-15", Ok(())),
            (Some("2026-07-01"), "2026-07-01", Err(EndRefused::AlreadyEnded(d("2026-07-01")))),
            (Some("2026-07-01"), "2026-07-05", Err(EndRefused::AlreadyEnded(d("2026-07-01")))),
        ];
        for (to, ended, expected) in cases {
            assert_eq!(check_end(from, to.map(d), d(ended), today), expected, "{to:?} {ended}");
        }
    }
}
