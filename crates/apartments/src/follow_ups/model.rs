//! Follow-ups of a lease: the plan made at move-in and which held follow-ups count toward a Bostad
//! Först takeover. Pure rules, tested without a database.

use jiff::Span;
use jiff::civil::Date;

/// Planned follow-up dates: every `every_months` months after `starts_on`, `count` of them (jiff month
/// arithmetic, clamped at month ends: 2026-01-31 + 3 months = 2026-04-30; each computed from starts_on,
/// not chained, so 2026-01-31 gives 04-30, 07-31, 10-31, 2027-01-31).
///
/// A non-positive `every_months` gives no dates, and the list stops early at the end of the calendar
/// (year 9999).
pub fn follow_up_schedule(starts_on: Date, every_months: i32, count: usize) -> Vec<Date> {
    // Zero or negative intervals would put follow-ups on or before the start, which is never a plan.
    if every_months < 1 {
        return Vec::new();
    }
    let mut dates = Vec::new();
    for n in 1..=count {
        // Offset from starts_on rather than from the previous date, so a month-end clamp doesn't stick.
        let next = i64::try_from(n)
            .ok()
            .and_then(|n| n.checked_mul(i64::from(every_months)))
            .and_then(|months| Span::new().try_months(months).ok())
            .and_then(|span| starts_on.checked_add(span).ok());
        // Past the calendar's end; every later date would be too.
        let Some(date) = next else { break };
        dates.push(date);
    }
    dates
}

/// A follow-up as the takeover rule sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FollowUpRecord {
    pub planned_on: Date,
    pub held_on: Option<Date>,
    /// One of the follow-ups planned at move-in (quarterly by default), not an extra one.
    pub scheduled: bool,
}

impl FollowUpRecord {
    /// Counts toward a Bostad Först takeover: a planned follow-up held on or after its planned date.
    /// One held early may be recorded, but it is not the follow-up the plan asked for.
    pub fn counts_toward_takeover(&self) -> bool {
        self.scheduled && self.held_on.is_some_and(|held| held >= self.planned_on)
    }
}

/// How many follow-ups count toward a takeover dated `on`: those held by that day.
pub fn follow_ups_counting_on(follow_ups: &[FollowUpRecord], on: Date) -> usize {
    follow_ups.iter().filter(|f| f.counts_toward_takeover() && f.held_on.is_some_and(|held| held <= on)).count()
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    #[test]
    fn follow_ups_clamp_at_month_end_without_chaining() {
        // 01-31 + 3 = 04-31 -> clamped 04-30; + 6 = 07-31; + 9 = 10-31; + 12 = 2027-01-31.
        assert_eq!(
            follow_up_schedule(date(2026, 1, 31), 3, 4),
            vec![date(2026, 4, 30), date(2026, 7, 31), date(2026, 10, 31), date(2027, 1, 31)]
        );
    }

    #[test]
    fn monthly_follow_ups_recover_after_february() {
        // + 1 = 02-31 -> 02-28 (2026 is not a leap year); + 2 = 03-31; + 3 = 04-31 -> 04-30.
        // Chaining would have given 03-28 after 02-28.
        assert_eq!(
            follow_up_schedule(date(2026, 1, 31), 1, 3),
            vec![date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)]
        );
    }

    #[test]
    fn yearly_follow_ups_from_leap_day() {
        // 2024-02-29 + 12 = 2025-02-29 -> 02-28; + 24 = 2026-02-28; + 48 = 2028-02-29 (leap year again).
        assert_eq!(
            follow_up_schedule(date(2024, 2, 29), 12, 4),
            vec![date(2025, 2, 28), date(2026, 2, 28), date(2027, 2, 28), date(2028, 2, 29)]
        );
    }

    #[test]
    fn no_follow_ups_for_zero_count_or_non_positive_interval() {
        assert!(follow_up_schedule(date(2026, 1, 1), 3, 0).is_empty());
        assert!(follow_up_schedule(date(2026, 1, 1), 0, 4).is_empty());
        assert!(follow_up_schedule(date(2026, 1, 1), -3, 4).is_empty());
    }

    #[test]
    fn follow_ups_stop_at_end_of_calendar() {
        // 9999-06-15 + 6 = 9999-12-15; + 12 would be year 10000, beyond jiff's range.
        assert_eq!(follow_up_schedule(date(9999, 6, 15), 6, 5), vec![date(9999, 12, 15)]);
        // A huge count neither allocates up front nor runs forever: 9999-01-01 + 1..=11 months only.
        let dates = follow_up_schedule(date(9999, 1, 1), 1, usize::MAX);
        assert_eq!(dates.len(), 11);
        assert_eq!(dates.last(), Some(&date(9999, 12, 1)));
        // An interval so large that n * every_months cannot be a span.
        assert!(follow_up_schedule(date(2026, 1, 1), i32::MAX, 3).is_empty());
    }

    #[test]
    fn only_planned_follow_ups_held_on_or_after_their_date_count() {
        let planned =
            |m, held: Option<Date>| FollowUpRecord { planned_on: date(2025, m, 1), held_on: held, scheduled: true };
        let follow_ups = [
            // Held on the planned day: counts.
            planned(5, Some(date(2025, 5, 1))),
            // Held the day before: recorded, does not count.
            planned(8, Some(date(2025, 7, 31))),
            // Held three days late: counts.
            planned(11, Some(date(2025, 11, 4))),
            // Not held.
            planned(2, None),
            // An extra follow-up held on its day: not part of the plan.
            FollowUpRecord { planned_on: date(2025, 2, 10), held_on: Some(date(2025, 2, 10)), scheduled: false },
        ];
        let counts: Vec<bool> = follow_ups.iter().map(FollowUpRecord::counts_toward_takeover).collect();
        assert_eq!(counts, [true, false, true, false, false]);
        assert_eq!(follow_ups_counting_on(&follow_ups, date(2025, 12, 1)), 2);
        // A takeover dated before the third was held counts only the first.
        assert_eq!(follow_ups_counting_on(&follow_ups, date(2025, 11, 3)), 1);
        assert_eq!(follow_ups_counting_on(&follow_ups, date(2025, 11, 4)), 2);
    }
}
