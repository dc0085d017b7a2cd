//! Beds given out for a night: their states, how long a bed is held for the guest, and how often a
//! person was moved between shelters.

use hemvist_platform::ApiError;
use jiff::Timestamp;
use jiff::civil::{Date, Time};
use uuid::Uuid;

use crate::access::GuestProtection;

// `schema(rename)` repeats each text for the spec: utoipa does not see the rename `pg_enum!` gives serde.
hemvist_platform::pg_enum! {
    /// What became of a bed given out for a night.
    pub enum AssignmentStatus {
        /// Held for the guest until `hold_until`.
        #[schema(rename = "reserved")]
        Reserved = "reserved",
        #[schema(rename = "checked_in")]
        CheckedIn = "checked_in",
        /// Staff recorded that the guest did not come.
        #[schema(rename = "no_show")]
        NoShow = "no_show",
        /// The hold expired without a check-in; the bed was released by the server.
        #[schema(rename = "not_collected")]
        NotCollected = "not_collected",
        #[schema(rename = "checked_out")]
        CheckedOut = "checked_out",
        #[schema(rename = "cancelled")]
        Cancelled = "cancelled",
    }
}

impl AssignmentStatus {
    /// Whether the guest came for the bed: known once checked in, or once the reservation lapsed.
    pub fn collected(self) -> Option<bool> {
        match self {
            Self::CheckedIn | Self::CheckedOut => Some(true),
            Self::NoShow | Self::NotCollected => Some(false),
            Self::Reserved | Self::Cancelled => None,
        }
    }
}

/// What staff do with a bed given out; each is allowed from some states only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    CheckIn,
    CheckOut,
    Cancel,
    NoShow,
}

impl Change {
    /// The state the change leads to from `current`; 409 when it is not allowed from there.
    pub fn apply(self, current: AssignmentStatus) -> Result<AssignmentStatus, ApiError> {
        use AssignmentStatus as S;
        let (from, to) = match self {
            Self::CheckIn => (S::Reserved, S::CheckedIn),
            Self::CheckOut => (S::CheckedIn, S::CheckedOut),
            Self::Cancel => (S::Reserved, S::Cancelled),
            Self::NoShow => (S::Reserved, S::NoShow),
        };
        if current == from { Ok(to) } else { Err(ApiError::conflict(format!("the assignment is {current}"))) }
    }

    /// As `apply` for a change asked for at `asked_at`: a guest whose check-in was asked for before the
    /// hold expired is checked in even when the release got to the bed first (the two raced), so nobody
    /// who came in time is turned away. The database still refuses a bed given to someone else meanwhile.
    pub fn apply_asked_at(
        self,
        current: AssignmentStatus,
        hold_until: Timestamp,
        asked_at: Timestamp,
    ) -> Result<AssignmentStatus, ApiError> {
        if self == Self::CheckIn && current == AssignmentStatus::NotCollected && asked_at <= hold_until {
            return Ok(AssignmentStatus::CheckedIn);
        }
        // domain.md: a bed given is held until the person can get there. A no-show recorded before the
        // hold ends would give the bed away while the guest may still be on their way (review,
        // 2026-11-24); a guest who said they are not coming has their bed cancelled instead.
        if self == Self::NoShow && current == AssignmentStatus::Reserved && asked_at < hold_until {
            return Err(ApiError::conflict(format!(
                "the bed is held for the guest until {hold_until}: a no-show can be recorded from then on \
                 (cancel the bed if the guest said they are not coming)"
            )));
        }
        self.apply(current)
    }
}

/// A bed given out for a night, with its guest.
#[derive(Debug, Clone)]
pub struct StoredAssignment {
    pub id: Uuid,
    pub shelter_id: Uuid,
    pub night: Date,
    pub person_id: Uuid,
    pub status: AssignmentStatus,
    pub hold_until: Timestamp,
    pub checked_in_at: Option<Timestamp>,
    pub checked_out_at: Option<Timestamp>,
    pub released_at: Option<Timestamp>,
    pub outside_municipality: bool,
    pub consent_outside_municipality: bool,
    pub given_name: String,
    pub family_name: String,
    pub created_at: Timestamp,
    pub guest: GuestProtection,
}

/// The shelter's check-in deadline on `night`: that evening, or the next morning when the deadline is
/// before noon (a 01:00 deadline is the small hours after the night's date). A deadline the clock shows
/// twice (the October fall-back hour) is the later one, and one it skips (March) the moment after the
/// gap: a guest at the door before the wall clock shows the deadline arrived in time.
pub fn check_in_deadline_on(night: Date, check_in_deadline: Time) -> Option<jiff::Timestamp> {
    let date = if check_in_deadline.hour() < 12 { night.tomorrow().ok()? } else { night };
    let local = date.to_datetime(check_in_deadline);
    hemvist_platform::night::city_time_zone().to_ambiguous_zoned(local).later().ok().map(|z| z.timestamp())
}

/// How long a bed given at `placed_at` for `night` is held: never ending before the person could get
/// there, so at least `min_hold` after the placement, or the shelter's check-in deadline that night
/// if that is later.
pub fn hold_until(
    placed_at: jiff::Timestamp,
    night: Date,
    check_in_deadline: Time,
    min_hold: jiff::SignedDuration,
) -> jiff::Timestamp {
    let earliest = placed_at.checked_add(min_hold).unwrap_or(placed_at);
    check_in_deadline_on(night, check_in_deadline).map_or(earliest, |deadline| deadline.max(earliest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> jiff::Timestamp {
        s.parse().unwrap_or_default()
    }

    const NINETY: jiff::SignedDuration = jiff::SignedDuration::from_mins(90);

    #[test]
    fn deadline_follows_local_time_and_the_morning_after() {
        let evening = check_in_deadline_on(Date::constant(2026, 11, 23), Time::constant(23, 0, 0, 0));
        assert_eq!(evening, Some(at("2026-11-23T22:00:00Z")));
        let after_midnight = check_in_deadline_on(Date::constant(2026, 7, 1), Time::constant(1, 0, 0, 0));
        assert_eq!(after_midnight, Some(at("2026-07-01T23:00:00Z")), "01:00 CEST on the 2nd");
        // Summer time ends 2026-10-25 03:00 -> 02:00: a 02:30 deadline the morning after the 24th shows
        // twice; the later one (CET) is taken, so a guest in time by the wall clock still has the bed.
        let ambiguous = check_in_deadline_on(Date::constant(2026, 10, 24), Time::constant(2, 30, 0, 0));
        assert_eq!(ambiguous, Some(at("2026-10-25T01:30:00Z")));
        // Summer time begins 2026-03-29 02:00 -> 03:00: 02:30 never shows; the deadline is 03:30 CEST.
        let skipped = check_in_deadline_on(Date::constant(2026, 3, 28), Time::constant(2, 30, 0, 0));
        assert_eq!(skipped, Some(at("2026-03-29T01:30:00Z")));
    }

    #[test]
    fn hold_is_the_later_of_deadline_and_minimum_after_placement() {
        let night = Date::constant(2026, 11, 23);
        let ten_pm = Time::constant(22, 0, 0, 0);
        // Placed at 19:00 local for a 22:00 deadline: held until the deadline.
        assert_eq!(hold_until(at("2026-11-23T18:00:00Z"), night, ten_pm, NINETY), at("2026-11-23T21:00:00Z"));
        // Placed at 21:00 local: 90 minutes take it past the deadline.
        assert_eq!(hold_until(at("2026-11-23T20:00:00Z"), night, ten_pm, NINETY), at("2026-11-23T21:30:00Z"));
        // Placed at 23:10 local, after the deadline: 00:40.
        assert_eq!(hold_until(at("2026-11-23T22:10:00Z"), night, ten_pm, NINETY), at("2026-11-23T23:40:00Z"));
        // Placed at 02:00 local (the night of the 23rd) for a 01:00 deadline: 03:30.
        let one_am = Time::constant(1, 0, 0, 0);
        assert_eq!(hold_until(at("2026-11-24T01:00:00Z"), night, one_am, NINETY), at("2026-11-24T02:30:00Z"));
        // Placed at 20:00 local for a 01:00 deadline: the deadline, after midnight.
        assert_eq!(hold_until(at("2026-11-23T19:00:00Z"), night, one_am, NINETY), at("2026-11-24T00:00:00Z"));
        // Placed for a night a week ahead: its deadline.
        let later = Date::constant(2026, 11, 30);
        assert_eq!(hold_until(at("2026-11-23T19:00:00Z"), later, ten_pm, NINETY), at("2026-11-30T21:00:00Z"));
        // No minimum: the deadline, or the placement itself if past it.
        let zero = jiff::SignedDuration::ZERO;
        assert_eq!(hold_until(at("2026-11-23T22:10:00Z"), night, ten_pm, zero), at("2026-11-23T22:10:00Z"));
    }

    #[test]
    fn statuses_parse_strictly() {
        for status in AssignmentStatus::ALL {
            assert_eq!(status.as_str().parse::<AssignmentStatus>().ok(), Some(*status));
        }
        assert!("gone".parse::<AssignmentStatus>().is_err());
        assert_eq!(AssignmentStatus::NotCollected.collected(), Some(false));
        assert_eq!(AssignmentStatus::Reserved.collected(), None);
    }

    #[test]
    fn changes_follow_the_bed() {
        use AssignmentStatus as S;
        assert_eq!(Change::CheckIn.apply(S::Reserved).ok(), Some(S::CheckedIn));
        assert_eq!(Change::CheckOut.apply(S::CheckedIn).ok(), Some(S::CheckedOut));
        assert_eq!(Change::Cancel.apply(S::Reserved).ok(), Some(S::Cancelled));
        assert_eq!(Change::NoShow.apply(S::Reserved).ok(), Some(S::NoShow));
        for (change, from) in
            [(Change::CheckIn, S::CheckedIn), (Change::CheckOut, S::Reserved), (Change::Cancel, S::NotCollected)]
        {
            assert!(matches!(change.apply(from), Err(ApiError::Conflict { .. })), "{change:?} from {from}");
        }
        // A check-in asked for before the hold expired wins over the release; one asked for after it not.
        let hold: Timestamp = at("2026-11-23T21:00:00Z");
        let in_time = Change::CheckIn.apply_asked_at(S::NotCollected, hold, at("2026-11-23T20:59:59Z"));
        assert_eq!(in_time.ok(), Some(S::CheckedIn));
        let late = Change::CheckIn.apply_asked_at(S::NotCollected, hold, at("2026-11-23T21:00:01Z"));
        assert!(matches!(late, Err(ApiError::Conflict { .. })));
        let no_show = Change::NoShow.apply_asked_at(S::NotCollected, hold, at("2026-11-23T20:00:00Z"));
        assert!(matches!(no_show, Err(ApiError::Conflict { .. })));
        // A held bed is not a no-show before its hold ends (domain.md: held until the person can get
        // there); from the hold's end on it is. Cancelling stays possible at any time.
        for (asked, allowed) in
            [("2026-11-23T20:59:59Z", false), ("2026-11-23T21:00:00Z", true), ("2026-11-24T03:00:00Z", true)]
        {
            let no_show = Change::NoShow.apply_asked_at(S::Reserved, hold, at(asked));
            assert_eq!(no_show.is_ok(), allowed, "no-show asked at {asked}");
        }
        let cancel = Change::Cancel.apply_asked_at(S::Reserved, hold, at("2026-11-23T19:00:00Z"));
        assert_eq!(cancel.ok(), Some(S::Cancelled));
    }
}
