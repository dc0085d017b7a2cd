//! Pure rules for the city's sublet leases: follow-up schedules, takeover of the first-hand lease,
//! rent arrears and lease outcome statistics. No I/O here: callers load the data and pass it in,
//! so every rule can be tested with plain values.

use std::fmt;

use jiff::civil::Date;
use jiff::{Span, ToSpan, Unit};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Rent paid more than this many days after the due date makes the tenancy forfeit (12 kap. 42 § JB).
const FORFEITURE_AFTER_DAYS: i32 = 7;
/// The tenant keeps the home if the arrears are paid within three weeks of the notice (återvinningsfrist).
const RECOVERY_PERIOD_DAYS: i32 = 21;
/// The horizon for the "still housed" outcome.
const HOUSED_HORIZON_MONTHS: i32 = 12;

/// The kind of sublet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LeaseKind {
    /// Försökslägenhet: may be taken over once the tenancy works.
    Trial,
    /// Träningslägenhet: practice in keeping a home; never taken over.
    Training,
    /// Bostad Först: may be taken over after enough follow-ups.
    HousingFirst,
}

impl LeaseKind {
    /// Every kind, in report order.
    pub const ALL: [LeaseKind; 3] = [LeaseKind::Trial, LeaseKind::Training, LeaseKind::HousingFirst];

    /// The stored and serialized name.
    pub fn as_str(self) -> &'static str {
        match self {
            LeaseKind::Trial => "trial",
            LeaseKind::Training => "training",
            LeaseKind::HousingFirst => "housing_first",
        }
    }

    /// Inverse of [`LeaseKind::as_str`]; exact match only, like serde.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == raw)
    }
}

// ---- Follow-ups ----

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

// ---- Takeover (the tenant takes over the first-hand lease) ----

/// Why a lease may not be taken over (yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TakeoverRefusal {
    /// Training apartments are never taken over.
    NeverForTraining,
    /// Housing First: not enough follow-ups held yet.
    TooFewFollowUps { held: usize, required: usize },
    /// Rent is in arrears.
    RentInArrears { balance_sek: i64 },
}

impl fmt::Display for TakeoverRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TakeoverRefusal::NeverForTraining => f.write_str("a training apartment is never taken over"),
            TakeoverRefusal::TooFewFollowUps { held, required } => {
                write!(
                    f,
                    "only {held} of the {required} required planned follow-ups have been held on or after their planned date"
                )
            }
            TakeoverRefusal::RentInArrears { balance_sek } => {
                write!(f, "the rent is in arrears by {balance_sek} SEK")
            }
        }
    }
}

impl std::error::Error for TakeoverRefusal {}

/// Whether the lease may be taken over. trial: no rent arrears (balance due > 0 refuses);
/// housing_first: at least `required_follow_ups` held follow-ups AND no arrears; training: never.
///
/// When several reasons apply, the first in that order is returned (kind, follow-ups, arrears).
pub fn may_take_over(
    kind: LeaseKind,
    held_follow_ups: usize,
    required_follow_ups: usize,
    arrears_balance_sek: i64,
) -> Result<(), TakeoverRefusal> {
    match kind {
        LeaseKind::Training => return Err(TakeoverRefusal::NeverForTraining),
        LeaseKind::HousingFirst if held_follow_ups < required_follow_ups => {
            return Err(TakeoverRefusal::TooFewFollowUps { held: held_follow_ups, required: required_follow_ups });
        }
        LeaseKind::Trial | LeaseKind::HousingFirst => {}
    }
    // A credit (negative balance) is fine; only money owed refuses.
    if arrears_balance_sek > 0 {
        return Err(TakeoverRefusal::RentInArrears { balance_sek: arrears_balance_sek });
    }
    Ok(())
}

// ---- Rent arrears ----

/// Rent (or another charge) falling due. A negative amount is a credit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Charge {
    pub due_on: Date,
    pub amount_sek: i64,
}

/// Money received. A negative amount is a reversal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Payment {
    pub paid_on: Date,
    pub amount_sek: i64,
}

/// A notice of termination for rent arrears.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Notice {
    pub served_on: Date,
    /// When the social welfare committee was told of the notice, if it has been.
    pub committee_notified_on: Option<Date>,
}

/// Where the three-week redemption period (återvinningsfrist, 12 kap. 44 § JB) stands for the latest notice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RedemptionStatus {
    /// No notice of termination for arrears has been served.
    NoNotice,
    /// Served, but the social welfare committee has not been notified: the period has not started
    /// (NJA 1985 s. 586), so the tenant cannot lose the home for these arrears yet.
    NotStartedCommitteeNotNotified,
    /// The period runs (up to and including the deadline) and the arrears of the notice are not paid.
    Running,
    /// The arrears owed when notice was served were paid by the deadline: the tenancy is kept.
    Redeemed,
    /// The deadline has passed without the arrears being paid.
    Expired,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ArrearsStatus {
    /// Charges due on or before `as_of` minus payments made on or before `as_of` (may be negative = credit).
    pub balance_sek: i64,
    /// Due date of the oldest charge not fully covered by payments (payments pay the oldest charges first).
    #[schema(value_type = Option<String>, format = Date)]
    pub oldest_unpaid_due_on: Option<Date>,
    /// Whole days from that due date to as_of (0 when paid up).
    pub days_late: i32,
    /// More than one week late (days_late > 7): the tenancy is forfeit (förverkad) unless paid in time.
    pub forfeiture_risk: bool,
    /// Served notice of termination for arrears, if any (the latest).
    #[schema(value_type = Option<String>, format = Date)]
    pub notice_served_on: Option<Date>,
    /// Whether the social welfare committee was notified of that notice (on or before as_of).
    pub committee_notified: bool,
    /// The day the redemption period started: the later of service and the committee notification;
    /// absent while either is missing.
    #[schema(value_type = Option<String>, format = Date)]
    pub redemption_starts_on: Option<Date>,
    /// redemption_starts_on + 21 days: the last day to pay and keep the tenancy (återvinningsfrist).
    /// Absent (null) while the period has not started.
    #[schema(value_type = Option<String>, format = Date)]
    pub redemption_deadline: Option<Date>,
    pub redemption_status: RedemptionStatus,
    /// Same as `redemption_deadline`; kept for older clients.
    #[schema(value_type = Option<String>, format = Date, deprecated)]
    pub recovery_deadline: Option<Date>,
    /// Something needs doing: any unpaid charge past due (early warning), or a notice without committee notification.
    pub needs_attention: bool,
}

/// The arrears position on `as_of`. Charges, payments and notices dated after `as_of` are ignored,
/// as is a committee notification dated after `as_of`, so a past day can be reproduced exactly.
/// Inputs need not be sorted.
pub fn arrears_status(charges: &[Charge], payments: &[Payment], notices: &[Notice], as_of: Date) -> ArrearsStatus {
    let mut due: Vec<&Charge> = charges.iter().filter(|c| c.due_on <= as_of).collect();
    // Stable, so same-day charges keep the caller's order.
    due.sort_by_key(|c| c.due_on);

    // i128 so that no sum of i64 amounts can overflow.
    let paid: i128 = payments.iter().filter(|p| p.paid_on <= as_of).map(|p| i128::from(p.amount_sek)).sum();
    let charged: i128 = due.iter().map(|c| i128::from(c.amount_sek)).sum();
    // Credits pay debts like payments do; allocating them as debts would leave the oldest-unpaid date
    // inconsistent with the balance.
    let credits: i128 = due.iter().filter(|c| c.amount_sek < 0).map(|c| -i128::from(c.amount_sek)).sum();

    let mut available = paid + credits;
    let mut oldest_unpaid_due_on = None;
    for charge in due.iter().filter(|c| c.amount_sek > 0) {
        let amount = i128::from(charge.amount_sek);
        if available < amount {
            oldest_unpaid_due_on = Some(charge.due_on);
            break;
        }
        available -= amount;
    }

    let balance = charged - paid;
    let balance_sek = i64::try_from(balance).unwrap_or(if balance < 0 { i64::MIN } else { i64::MAX });
    let days_late = oldest_unpaid_due_on.map_or(0, |due_on| whole_days(due_on, as_of));

    let notified = |n: &Notice| n.committee_notified_on.is_some_and(|on| on <= as_of);
    // On a tie of serve dates, the notified one wins: two notices the same day are one notice recorded twice.
    let latest = notices.iter().filter(|n| n.served_on <= as_of).max_by_key(|n| (n.served_on, notified(n)));
    let committee_notified = latest.is_some_and(notified);
    let redemption = latest.map_or(Redemption::NO_NOTICE, |notice| redemption(charges, payments, notice, as_of));

    ArrearsStatus {
        balance_sek,
        oldest_unpaid_due_on,
        days_late,
        forfeiture_risk: days_late > FORFEITURE_AFTER_DAYS,
        notice_served_on: latest.map(|n| n.served_on),
        committee_notified,
        redemption_starts_on: redemption.starts_on,
        redemption_deadline: redemption.deadline,
        redemption_status: redemption.status,
        recovery_deadline: redemption.deadline,
        needs_attention: days_late >= 1 || (latest.is_some() && !committee_notified),
    }
}

struct Redemption {
    starts_on: Option<Date>,
    deadline: Option<Date>,
    status: RedemptionStatus,
}

impl Redemption {
    const NO_NOTICE: Redemption = Redemption { starts_on: None, deadline: None, status: RedemptionStatus::NoNotice };
}

/// The redemption period of `notice` as of `as_of`. It starts when the tenant has been served AND the
/// committee notified, whichever is later (NJA 1985 s. 586), and lasts three weeks of civil days, the
/// deadline day included. What must be paid is what was due when notice was served.
fn redemption(charges: &[Charge], payments: &[Payment], notice: &Notice, as_of: Date) -> Redemption {
    let Some(notified_on) = notice.committee_notified_on.filter(|on| *on <= as_of) else {
        return Redemption {
            starts_on: None,
            deadline: None,
            status: RedemptionStatus::NotStartedCommitteeNotNotified,
        };
    };
    let starts_on = notice.served_on.max(notified_on);
    // Only fails at the end of the calendar; such a period never ends.
    let deadline = starts_on.checked_add(RECOVERY_PERIOD_DAYS.days()).ok();
    let paid_until = deadline.map_or(as_of, |deadline| deadline.min(as_of));
    let owed: i128 = charges.iter().filter(|c| c.due_on <= notice.served_on).map(|c| i128::from(c.amount_sek)).sum();
    let paid: i128 = payments.iter().filter(|p| p.paid_on <= paid_until).map(|p| i128::from(p.amount_sek)).sum();
    let status = if owed <= paid {
        RedemptionStatus::Redeemed
    } else if deadline.is_none_or(|deadline| as_of <= deadline) {
        RedemptionStatus::Running
    } else {
        RedemptionStatus::Expired
    };
    Redemption { starts_on: Some(starts_on), deadline, status }
}

/// Whole days from `from` to `to` (negative when `to` is earlier).
fn whole_days(from: Date, to: Date) -> i32 {
    // Civil days are always 24 hours, and the span of the calendar fits an i32 many times over.
    let days = to.duration_since(from).as_secs() / 86_400;
    i32::try_from(days).unwrap_or(if days < 0 { i32::MIN } else { i32::MAX })
}

// ---- Lease outcomes (a report) ----

#[derive(Debug, Clone)]
pub struct LeaseHistory {
    pub kind: LeaseKind,
    /// The day the tenant moved in (activation); leases never activated are not passed in.
    pub activated_on: Date,
    /// The day it ended (not taken over), if it did.
    pub ended_on: Option<Date>,
    pub taken_over_on: Option<Date>,
}

#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct LeaseOutcomes {
    pub kind: LeaseKind,
    /// Leases activated on or before as_of.
    pub leases: u32,
    pub active: u32,
    pub ended: u32,
    pub taken_over: u32,
    /// taken_over / (taken_over + ended), among leases that finished on or before as_of; None when none finished.
    pub share_taken_over: Option<f64>,
    /// Median whole months from activation to takeover (jiff: months between dates, rounding down), None without takeovers.
    /// For an even count, the mean of the two middle values.
    pub median_months_to_takeover: Option<f64>,
    /// Among leases activated at least 12 months before as_of: the share where the person still had the home 12 months
    /// after activation (not ended before activated_on + 12 months; a takeover counts as still housed). None when none qualify.
    pub share_housed_after_12_months: Option<f64>,
}

/// Where a lease stands on the report day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Standing {
    Active,
    Ended(Date),
    TakenOver(Date),
}

fn standing(lease: &LeaseHistory, as_of: Date) -> Standing {
    // A takeover wins over an end date: the sublease ending because the tenant took over the
    // first-hand lease is success, not an ended tenancy.
    if let Some(on) = lease.taken_over_on.filter(|on| *on <= as_of) {
        Standing::TakenOver(on)
    } else if let Some(on) = lease.ended_on.filter(|on| *on <= as_of) {
        Standing::Ended(on)
    } else {
        Standing::Active
    }
}

/// One entry per kind, in the order Trial, Training, HousingFirst (all three always present).
/// Events (ended_on/taken_over_on) after as_of are treated as not having happened yet.
pub fn lease_outcomes(leases: &[LeaseHistory], as_of: Date) -> Vec<LeaseOutcomes> {
    LeaseKind::ALL.into_iter().map(|kind| outcomes_for(kind, leases, as_of)).collect()
}

fn outcomes_for(kind: LeaseKind, leases: &[LeaseHistory], as_of: Date) -> LeaseOutcomes {
    let (mut count, mut active, mut ended, mut taken_over) = (0u32, 0u32, 0u32, 0u32);
    let (mut qualifying, mut housed) = (0u32, 0u32);
    let mut months_to_takeover = Vec::new();

    for lease in leases.iter().filter(|l| l.kind == kind && l.activated_on <= as_of) {
        count = count.saturating_add(1);
        let standing = standing(lease, as_of);
        match standing {
            Standing::Active => active = active.saturating_add(1),
            Standing::Ended(_) => ended = ended.saturating_add(1),
            Standing::TakenOver(on) => {
                taken_over = taken_over.saturating_add(1);
                // Only fails at the calendar's edges; such a lease is left out of the median.
                if let Ok(span) = lease.activated_on.until((Unit::Month, on)) {
                    months_to_takeover.push(span.get_months());
                }
            }
        }
        // No horizon date (end of calendar) means the lease cannot be 12 months old yet.
        if let Ok(horizon) = lease.activated_on.checked_add(HOUSED_HORIZON_MONTHS.months())
            && horizon <= as_of
        {
            qualifying = qualifying.saturating_add(1);
            if !matches!(standing, Standing::Ended(on) if on < horizon) {
                housed = housed.saturating_add(1);
            }
        }
    }

    LeaseOutcomes {
        kind,
        leases: count,
        active,
        ended,
        taken_over,
        share_taken_over: share(taken_over, taken_over.saturating_add(ended)),
        median_months_to_takeover: median(&mut months_to_takeover),
        share_housed_after_12_months: share(housed, qualifying),
    }
}

fn share(part: u32, whole: u32) -> Option<f64> {
    (whole > 0).then(|| f64::from(part) / f64::from(whole))
}

fn median(values: &mut [i32]) -> Option<f64> {
    values.sort_unstable();
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values.get(mid).map(|v| f64::from(*v))
    } else {
        // Empty slices fall through here and give None, since index 0 - 1 does not exist.
        let lower = values.get(mid.checked_sub(1)?)?;
        let upper = values.get(mid)?;
        Some(f64::midpoint(f64::from(*lower), f64::from(*upper)))
    }
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;
    use serde::de::IntoDeserializer;
    use serde::de::value::{Error as DeError, StrDeserializer};

    use super::*;

    // ---- LeaseKind ----

    #[test]
    fn lease_kind_names_round_trip() {
        for kind in LeaseKind::ALL {
            assert_eq!(LeaseKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(LeaseKind::Trial.as_str(), "trial");
        assert_eq!(LeaseKind::Training.as_str(), "training");
        assert_eq!(LeaseKind::HousingFirst.as_str(), "housing_first");
    }

    #[test]
    fn lease_kind_parse_is_exact() {
        assert_eq!(LeaseKind::parse("Trial"), None);
        assert_eq!(LeaseKind::parse("housing-first"), None);
        assert_eq!(LeaseKind::parse(" trial"), None);
        assert_eq!(LeaseKind::parse(""), None);
    }

    #[test]
    fn lease_kind_serde_names_match_as_str() {
        for kind in LeaseKind::ALL {
            let de: StrDeserializer<'_, DeError> = kind.as_str().into_deserializer();
            assert_eq!(LeaseKind::deserialize(de).ok(), Some(kind));
        }
    }

    // ---- Follow-ups ----

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

    // ---- Takeover ----

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

    #[test]
    fn training_is_never_taken_over() {
        assert_eq!(may_take_over(LeaseKind::Training, 10, 0, 0), Err(TakeoverRefusal::NeverForTraining));
        assert_eq!(may_take_over(LeaseKind::Training, 0, 3, 500), Err(TakeoverRefusal::NeverForTraining));
    }

    #[test]
    fn trial_needs_only_no_arrears() {
        // Follow-ups are not a condition for trial leases.
        assert_eq!(may_take_over(LeaseKind::Trial, 0, 3, 0), Ok(()));
        assert_eq!(may_take_over(LeaseKind::Trial, 0, 3, -500), Ok(()));
        assert_eq!(may_take_over(LeaseKind::Trial, 5, 3, 1), Err(TakeoverRefusal::RentInArrears { balance_sek: 1 }));
    }

    #[test]
    fn housing_first_needs_follow_ups_and_no_arrears() {
        assert_eq!(may_take_over(LeaseKind::HousingFirst, 3, 3, 0), Ok(()));
        assert_eq!(may_take_over(LeaseKind::HousingFirst, 4, 3, -100), Ok(()));
        assert_eq!(
            may_take_over(LeaseKind::HousingFirst, 2, 3, 0),
            Err(TakeoverRefusal::TooFewFollowUps { held: 2, required: 3 })
        );
        assert_eq!(
            may_take_over(LeaseKind::HousingFirst, 3, 3, 8_000),
            Err(TakeoverRefusal::RentInArrears { balance_sek: 8_000 })
        );
        // Both fail: the follow-up reason comes first.
        assert_eq!(
            may_take_over(LeaseKind::HousingFirst, 2, 3, 8_000),
            Err(TakeoverRefusal::TooFewFollowUps { held: 2, required: 3 })
        );
    }

    #[test]
    fn refusals_read_as_sentences() {
        assert_eq!(TakeoverRefusal::NeverForTraining.to_string(), "a training apartment is never taken over");
        assert_eq!(
            TakeoverRefusal::TooFewFollowUps { held: 2, required: 3 }.to_string(),
            "only 2 of the 3 required planned follow-ups have been held on or after their planned date"
        );
        assert_eq!(
            TakeoverRefusal::RentInArrears { balance_sek: 8_000 }.to_string(),
            "the rent is in arrears by 8000 SEK"
        );
    }

    // ---- Rent arrears ----

    fn charge(due_on: Date, amount_sek: i64) -> Charge {
        Charge { due_on, amount_sek }
    }

    fn payment(paid_on: Date, amount_sek: i64) -> Payment {
        Payment { paid_on, amount_sek }
    }

    fn no_arrears(balance_sek: i64) -> ArrearsStatus {
        ArrearsStatus {
            balance_sek,
            oldest_unpaid_due_on: None,
            days_late: 0,
            forfeiture_risk: false,
            notice_served_on: None,
            committee_notified: false,
            redemption_starts_on: None,
            redemption_deadline: None,
            redemption_status: RedemptionStatus::NoNotice,
            recovery_deadline: None,
            needs_attention: false,
        }
    }

    #[test]
    fn paid_up() {
        let charges = [charge(date(2026, 3, 1), 8_000), charge(date(2026, 4, 1), 8_000)];
        let payments = [payment(date(2026, 2, 28), 8_000), payment(date(2026, 3, 30), 8_000)];
        // 16000 charged - 16000 paid = 0.
        assert_eq!(arrears_status(&charges, &payments, &[], date(2026, 4, 15)), no_arrears(0));
    }

    #[test]
    fn nothing_at_all() {
        assert_eq!(arrears_status(&[], &[], &[], date(2026, 4, 15)), no_arrears(0));
    }

    #[test]
    fn seven_days_late_is_not_yet_forfeiture() {
        // 03-01 -> 03-08 = 7 days; 7 > 7 is false.
        let status = arrears_status(&[charge(date(2026, 3, 1), 8_000)], &[], &[], date(2026, 3, 8));
        assert_eq!(
            status,
            ArrearsStatus {
                balance_sek: 8_000,
                oldest_unpaid_due_on: Some(date(2026, 3, 1)),
                days_late: 7,
                forfeiture_risk: false,
                needs_attention: true,
                ..no_arrears(0)
            }
        );
    }

    #[test]
    fn eight_days_late_risks_forfeiture() {
        // 03-01 -> 03-09 = 8 days; 8 > 7.
        let status = arrears_status(&[charge(date(2026, 3, 1), 8_000)], &[], &[], date(2026, 3, 9));
        assert_eq!(status.days_late, 8);
        assert!(status.forfeiture_risk);
        assert!(status.needs_attention);
    }

    #[test]
    fn due_today_is_not_late() {
        // 03-01 -> 03-01 = 0 days: owed, but not past due.
        let status = arrears_status(&[charge(date(2026, 3, 1), 8_000)], &[], &[], date(2026, 3, 1));
        assert_eq!(status.balance_sek, 8_000);
        assert_eq!(status.oldest_unpaid_due_on, Some(date(2026, 3, 1)));
        assert_eq!(status.days_late, 0);
        assert!(!status.forfeiture_risk);
        assert!(!status.needs_attention);
    }

    #[test]
    fn one_day_late_is_an_early_warning() {
        // 03-01 -> 03-02 = 1 day.
        let status = arrears_status(&[charge(date(2026, 3, 1), 8_000)], &[], &[], date(2026, 3, 2));
        assert_eq!(status.days_late, 1);
        assert!(!status.forfeiture_risk);
        assert!(status.needs_attention);
    }

    #[test]
    fn partial_payment_leaves_oldest_charge_unpaid() {
        // Given newest first, to show the sorting.
        let charges = [charge(date(2026, 4, 1), 8_000), charge(date(2026, 3, 1), 8_000)];
        let payments = [payment(date(2026, 3, 20), 6_000)];
        let status = arrears_status(&charges, &payments, &[], date(2026, 4, 5));
        // 16000 - 6000 = 10000; 6000 < 8000 so 03-01 is not covered.
        assert_eq!(status.balance_sek, 10_000);
        assert_eq!(status.oldest_unpaid_due_on, Some(date(2026, 3, 1)));
        // 03-01 -> 04-01 = 31 days (March), + 4 = 35.
        assert_eq!(status.days_late, 35);
        assert!(status.forfeiture_risk);
    }

    #[test]
    fn payments_cover_oldest_first() {
        let charges = [charge(date(2026, 3, 1), 8_000), charge(date(2026, 4, 1), 8_000)];
        let payments = [payment(date(2026, 3, 5), 5_000), payment(date(2026, 4, 2), 8_000)];
        let status = arrears_status(&charges, &payments, &[], date(2026, 4, 10));
        // 13000 paid: 03-01 takes 8000, 5000 left < 8000 so 04-01 is the oldest unpaid; 16000 - 13000 = 3000.
        assert_eq!(status.balance_sek, 3_000);
        assert_eq!(status.oldest_unpaid_due_on, Some(date(2026, 4, 1)));
        // 04-01 -> 04-10 = 9 days.
        assert_eq!(status.days_late, 9);
        assert!(status.forfeiture_risk);
    }

    #[test]
    fn exact_cover_leaves_nothing_unpaid() {
        let charges = [charge(date(2026, 3, 1), 8_000), charge(date(2026, 4, 1), 8_000)];
        let payments = [payment(date(2026, 3, 5), 16_000)];
        // 16000 - 8000 = 8000 >= 8000, then 0 left; balance 0.
        assert_eq!(arrears_status(&charges, &payments, &[], date(2026, 4, 10)), no_arrears(0));
    }

    #[test]
    fn overpayment_is_a_credit() {
        let charges = [charge(date(2026, 3, 1), 8_000)];
        let payments = [payment(date(2026, 2, 25), 10_000)];
        // 8000 - 10000 = -2000.
        assert_eq!(arrears_status(&charges, &payments, &[], date(2026, 3, 10)), no_arrears(-2_000));
    }

    #[test]
    fn payment_after_as_of_is_ignored() {
        let charges = [charge(date(2026, 3, 1), 8_000)];
        let payments = [payment(date(2026, 3, 12), 8_000)];
        let status = arrears_status(&charges, &payments, &[], date(2026, 3, 10));
        // Nothing counted as paid; 03-01 -> 03-10 = 9 days.
        assert_eq!(status.balance_sek, 8_000);
        assert_eq!(status.oldest_unpaid_due_on, Some(date(2026, 3, 1)));
        assert_eq!(status.days_late, 9);
        assert!(status.forfeiture_risk);
    }

    #[test]
    fn charge_due_after_as_of_is_ignored() {
        let charges = [charge(date(2026, 3, 1), 8_000), charge(date(2026, 4, 1), 8_000)];
        let payments = [payment(date(2026, 2, 27), 8_000)];
        // Only 03-01 counts: 8000 - 8000 = 0.
        assert_eq!(arrears_status(&charges, &payments, &[], date(2026, 3, 31)), no_arrears(0));
    }

    #[test]
    fn credit_charge_pays_like_a_payment() {
        // A rent reduction credited after the rent fell due.
        let charges = [charge(date(2026, 3, 1), 8_000), charge(date(2026, 3, 15), -8_000)];
        // 8000 - 8000 = 0 charged, nothing paid.
        assert_eq!(arrears_status(&charges, &[], &[], date(2026, 3, 20)), no_arrears(0));
    }

    #[test]
    fn notice_without_committee_notification_has_not_started_the_period() {
        let charges = [charge(date(2026, 11, 1), 8_000)];
        let notices = [Notice { served_on: date(2026, 11, 20), committee_notified_on: None }];
        let status = arrears_status(&charges, &[], &notices, date(2026, 12, 25));
        assert_eq!(status.notice_served_on, Some(date(2026, 11, 20)));
        // Served 35 days ago, yet no deadline: the committee was never told.
        assert_eq!(status.redemption_starts_on, None);
        assert_eq!(status.redemption_deadline, None);
        assert_eq!(status.recovery_deadline, None);
        assert_eq!(status.redemption_status, RedemptionStatus::NotStartedCommitteeNotNotified);
        assert!(!status.committee_notified);
        assert!(status.needs_attention);
    }

    #[test]
    fn period_starts_at_the_later_of_service_and_notification() {
        let charges = [charge(date(2026, 11, 1), 8_000)];
        // Committee told before service: the period runs from service, 11-20 + 21 = 12-11.
        let before = [Notice { served_on: date(2026, 11, 20), committee_notified_on: Some(date(2026, 11, 18)) }];
        let status = arrears_status(&charges, &[], &before, date(2026, 11, 25));
        assert_eq!(status.redemption_starts_on, Some(date(2026, 11, 20)));
        assert_eq!(status.redemption_deadline, Some(date(2026, 12, 11)));
        assert_eq!(status.redemption_status, RedemptionStatus::Running);
        // Told after service: from 11-24, 24 + 21 = 45; November has 30 days, so December 15.
        let after = [Notice { served_on: date(2026, 11, 20), committee_notified_on: Some(date(2026, 11, 24)) }];
        let status = arrears_status(&charges, &[], &after, date(2026, 11, 25));
        assert_eq!(status.redemption_starts_on, Some(date(2026, 11, 24)));
        assert_eq!(status.redemption_deadline, Some(date(2026, 12, 15)));
        assert_eq!(status.recovery_deadline, Some(date(2026, 12, 15)));
    }

    #[test]
    fn deadline_day_is_inside_the_period() {
        let charges = [charge(date(2026, 3, 1), 8_000)];
        // 03-12 + 21 = 04-02, across the change to summer time on 03-29: civil days.
        let notices = [Notice { served_on: date(2026, 3, 10), committee_notified_on: Some(date(2026, 3, 12)) }];
        let on = arrears_status(&charges, &[], &notices, date(2026, 4, 2));
        assert_eq!(on.redemption_deadline, Some(date(2026, 4, 2)));
        assert_eq!(on.redemption_status, RedemptionStatus::Running);
        let after = arrears_status(&charges, &[], &notices, date(2026, 4, 3));
        assert_eq!(after.redemption_status, RedemptionStatus::Expired);
        // Paid on the deadline day: redeemed, then and later.
        let paid = [payment(date(2026, 4, 2), 8_000)];
        assert_eq!(
            arrears_status(&charges, &paid, &notices, date(2026, 4, 2)).redemption_status,
            RedemptionStatus::Redeemed
        );
        assert_eq!(
            arrears_status(&charges, &paid, &notices, date(2026, 5, 1)).redemption_status,
            RedemptionStatus::Redeemed
        );
        // Paid the day after: too late.
        let late = [payment(date(2026, 4, 3), 8_000)];
        assert_eq!(
            arrears_status(&charges, &late, &notices, date(2026, 5, 1)).redemption_status,
            RedemptionStatus::Expired
        );
        // Rent falling due after service is not part of what redeems the tenancy.
        let more = [charge(date(2026, 3, 1), 8_000), charge(date(2026, 4, 1), 8_000)];
        assert_eq!(
            arrears_status(&more, &paid, &notices, date(2026, 4, 10)).redemption_status,
            RedemptionStatus::Redeemed
        );
    }

    #[test]
    fn notice_without_committee_needs_attention_even_when_paid() {
        let charges = [charge(date(2026, 11, 1), 8_000)];
        let payments = [payment(date(2026, 11, 22), 8_000)];
        let notices = [Notice { served_on: date(2026, 11, 20), committee_notified_on: None }];
        let status = arrears_status(&charges, &payments, &notices, date(2026, 11, 25));
        assert_eq!(status.balance_sek, 0);
        assert_eq!(status.days_late, 0);
        assert!(status.needs_attention);
    }

    #[test]
    fn notified_committee_clears_attention() {
        let charges = [charge(date(2026, 11, 1), 8_000)];
        let payments = [payment(date(2026, 11, 22), 8_000)];
        let notices = [Notice { served_on: date(2026, 11, 20), committee_notified_on: Some(date(2026, 11, 21)) }];
        let status = arrears_status(&charges, &payments, &notices, date(2026, 11, 25));
        assert_eq!(
            status,
            ArrearsStatus {
                notice_served_on: Some(date(2026, 11, 20)),
                committee_notified: true,
                // 11-21 + 21 = 42; November has 30 days: December 12.
                redemption_starts_on: Some(date(2026, 11, 21)),
                redemption_deadline: Some(date(2026, 12, 12)),
                redemption_status: RedemptionStatus::Redeemed,
                recovery_deadline: Some(date(2026, 12, 12)),
                ..no_arrears(0)
            }
        );
    }

    #[test]
    fn committee_notification_after_as_of_does_not_count_yet() {
        let notices = [Notice { served_on: date(2026, 11, 20), committee_notified_on: Some(date(2026, 11, 27)) }];
        let status = arrears_status(&[], &[], &notices, date(2026, 11, 25));
        assert!(!status.committee_notified);
        assert!(status.needs_attention);
        // On 11-27 it does.
        let status = arrears_status(&[], &[], &notices, date(2026, 11, 27));
        assert!(status.committee_notified);
        assert!(!status.needs_attention);
    }

    #[test]
    fn latest_served_notice_is_used() {
        let notices = [
            Notice { served_on: date(2026, 11, 20), committee_notified_on: None },
            Notice { served_on: date(2026, 5, 4), committee_notified_on: Some(date(2026, 5, 5)) },
            // Served after as_of: not yet.
            Notice { served_on: date(2026, 12, 1), committee_notified_on: Some(date(2026, 12, 1)) },
        ];
        let status = arrears_status(&[], &[], &notices, date(2026, 11, 25));
        assert_eq!(status.notice_served_on, Some(date(2026, 11, 20)));
        assert!(!status.committee_notified);
        assert!(status.needs_attention);

        // Before the November notice only the May one counts: from 05-05 (notified), + 21 = 05-26.
        let status = arrears_status(&[], &[], &notices, date(2026, 6, 1));
        assert_eq!(status.notice_served_on, Some(date(2026, 5, 4)));
        assert_eq!(status.redemption_deadline, Some(date(2026, 5, 26)));
        assert!(status.committee_notified);
        assert!(!status.needs_attention);
    }

    #[test]
    fn same_day_notices_prefer_the_notified_record() {
        let notices = [
            Notice { served_on: date(2026, 11, 20), committee_notified_on: Some(date(2026, 11, 20)) },
            Notice { served_on: date(2026, 11, 20), committee_notified_on: None },
        ];
        let status = arrears_status(&[], &[], &notices, date(2026, 11, 25));
        assert!(status.committee_notified);
    }

    #[test]
    fn whole_days_counts_calendar_days() {
        // 2024 is a leap year: 02-28 -> 03-01 = 2 days; 2026-01-01 -> 2027-01-01 = 365.
        assert_eq!(whole_days(date(2024, 2, 28), date(2024, 3, 1)), 2);
        assert_eq!(whole_days(date(2026, 1, 1), date(2027, 1, 1)), 365);
        assert_eq!(whole_days(date(2026, 1, 2), date(2026, 1, 1)), -1);
    }

    // ---- Lease outcomes ----

    fn lease(kind: LeaseKind, activated_on: Date, ended_on: Option<Date>, taken_over_on: Option<Date>) -> LeaseHistory {
        LeaseHistory { kind, activated_on, ended_on, taken_over_on }
    }

    fn months(from: Date, to: Date) -> i32 {
        from.until((Unit::Month, to)).map(|s| s.get_months()).unwrap_or(i32::MIN)
    }

    #[test]
    fn whole_months_round_down() {
        // 01-15 -> 10-15 is 9 months; one day short is 8 months and 29 days.
        assert_eq!(months(date(2026, 1, 15), date(2026, 10, 14)), 8);
        assert_eq!(months(date(2026, 1, 15), date(2026, 10, 15)), 9);
        // 04-01 -> 2026-05-01 = 13 months, + 14 days.
        assert_eq!(months(date(2025, 4, 1), date(2026, 5, 15)), 13);
        // Counting back does not clamp like adding does: 2024-02-29 + 12 months = 2025-02-28, yet
        // 2024-02-29 -> 2025-02-28 is 11 months and 30 days, since 2025 has no 02-29.
        assert_eq!(months(date(2024, 2, 29), date(2025, 2, 28)), 11);
        // Likewise 01-31 -> 04-30 is 2 months (03-31) and 30 days.
        assert_eq!(months(date(2026, 1, 31), date(2026, 4, 30)), 2);
    }

    #[test]
    fn outcomes_for_mixed_leases() {
        use LeaseKind::{HousingFirst, Training, Trial};
        let as_of = date(2027, 3, 1);
        // Activated on or before 2026-03-01 qualifies for the 12-month share (+ 12 months <= 2027-03-01).
        let leases = [
            // Trial
            // t1: taken over, 01-15 -> 10-14 = 8 months; housed (qualifies).
            lease(Trial, date(2026, 1, 15), None, Some(date(2026, 10, 14))),
            // t2: taken over, 01-15 -> 10-15 = 9 months; housed.
            lease(Trial, date(2026, 1, 15), None, Some(date(2026, 10, 15))),
            // t3: ended 2025-11-30 < 2025-06-01 + 12 = 2026-06-01: not housed.
            lease(Trial, date(2025, 6, 1), Some(date(2025, 11, 30)), None),
            // t4: active; 2026-05-10 + 12 = 2027-05-10 > as_of: does not qualify.
            lease(Trial, date(2026, 5, 10), None, None),
            // t5: takeover after as_of: still active; housed.
            lease(Trial, date(2025, 3, 1), None, Some(date(2027, 4, 1))),
            // t6: activated after as_of: not counted at all.
            lease(Trial, date(2027, 3, 2), None, None),
            // t7: taken over, 2025-02-01 -> 2026-02-01 = 12 months; housed.
            lease(Trial, date(2025, 2, 1), None, Some(date(2026, 2, 1))),
            // Training
            // r1: ended exactly on 2025-09-01 + 12 = 2026-09-01: not before it, so housed.
            lease(Training, date(2025, 9, 1), Some(date(2026, 9, 1)), None),
            // r2: ended 2026-08-31, one day before the horizon: not housed.
            lease(Training, date(2025, 9, 1), Some(date(2026, 8, 31)), None),
            // r3: ends after as_of: active; 2026-04-01 + 12 > as_of: does not qualify.
            lease(Training, date(2026, 4, 1), Some(date(2027, 5, 1)), None),
            // Housing First
            // h1: 01-10 -> 07-09 = 5 months (6 would be 07-10).
            lease(HousingFirst, date(2025, 1, 10), None, Some(date(2025, 7, 9))),
            // h2: 01-10 -> 07-10 = 6 months.
            lease(HousingFirst, date(2025, 1, 10), None, Some(date(2025, 7, 10))),
            // h3: 2025-03-20 -> 2026-03-20 = 12 months.
            lease(HousingFirst, date(2025, 3, 20), None, Some(date(2026, 3, 20))),
            // h4: 2025-04-01 -> 2026-05-15 = 13 months.
            lease(HousingFirst, date(2025, 4, 1), None, Some(date(2026, 5, 15))),
            // h5: 2026-02-01 + 12 = 2027-02-01 <= as_of qualifies; ended 2026-06-15 before it: not housed.
            lease(HousingFirst, date(2026, 2, 1), Some(date(2026, 6, 15)), None),
            // h6: active, too recent to qualify.
            lease(HousingFirst, date(2026, 12, 1), None, None),
        ];

        assert_eq!(
            lease_outcomes(&leases, as_of),
            vec![
                LeaseOutcomes {
                    kind: Trial,
                    // t1, t2, t3, t4, t5, t7 (t6 not yet activated).
                    leases: 6,
                    // t4, t5.
                    active: 2,
                    // t3.
                    ended: 1,
                    // t1, t2, t7.
                    taken_over: 3,
                    // 3 / (3 + 1) = 0.75.
                    share_taken_over: Some(0.75),
                    // sorted [8, 9, 12] -> middle 9.
                    median_months_to_takeover: Some(9.0),
                    // qualifying t1, t2, t3, t5, t7 = 5; housed all but t3 = 4; 4 / 5 = 0.8.
                    share_housed_after_12_months: Some(0.8),
                },
                LeaseOutcomes {
                    kind: Training,
                    leases: 3,
                    // r3.
                    active: 1,
                    // r1, r2.
                    ended: 2,
                    taken_over: 0,
                    // 0 / (0 + 2) = 0.
                    share_taken_over: Some(0.0),
                    median_months_to_takeover: None,
                    // qualifying r1, r2; housed r1: 1 / 2 = 0.5.
                    share_housed_after_12_months: Some(0.5),
                },
                LeaseOutcomes {
                    kind: HousingFirst,
                    leases: 6,
                    // h6.
                    active: 1,
                    // h5.
                    ended: 1,
                    // h1..h4.
                    taken_over: 4,
                    // 4 / (4 + 1) = 0.8.
                    share_taken_over: Some(0.8),
                    // sorted [5, 6, 12, 13] -> (6 + 12) / 2 = 9.
                    median_months_to_takeover: Some(9.0),
                    // qualifying h1..h5 = 5; housed h1..h4 = 4; 4 / 5 = 0.8.
                    share_housed_after_12_months: Some(0.8),
                },
            ]
        );
    }

    #[test]
    fn outcomes_always_list_every_kind() {
        let empty = |kind| LeaseOutcomes {
            kind,
            leases: 0,
            active: 0,
            ended: 0,
            taken_over: 0,
            share_taken_over: None,
            median_months_to_takeover: None,
            share_housed_after_12_months: None,
        };
        assert_eq!(
            lease_outcomes(&[], date(2027, 3, 1)),
            vec![empty(LeaseKind::Trial), empty(LeaseKind::Training), empty(LeaseKind::HousingFirst)]
        );
    }

    #[test]
    fn outcomes_before_any_event_happened() {
        // Same lease seen on three days: before the end, on it, and after a later takeover record.
        let leases = [lease(LeaseKind::Trial, date(2026, 1, 15), Some(date(2026, 6, 30)), None)];
        let before = &lease_outcomes(&leases, date(2026, 6, 29))[0];
        assert_eq!((before.active, before.ended, before.share_taken_over), (1, 0, None));
        let on = &lease_outcomes(&leases, date(2026, 6, 30))[0];
        // 0 / (0 + 1) = 0.
        assert_eq!((on.active, on.ended, on.share_taken_over), (0, 1, Some(0.0)));
        // 2026-01-15 + 12 = 2027-01-15 <= 2027-01-15 qualifies; ended 06-30 before it: 0 / 1.
        let year_later = &lease_outcomes(&leases, date(2027, 1, 15))[0];
        assert_eq!(year_later.share_housed_after_12_months, Some(0.0));
        // One day earlier it does not qualify yet.
        let almost = &lease_outcomes(&leases, date(2027, 1, 14))[0];
        assert_eq!(almost.share_housed_after_12_months, None);
    }

    #[test]
    fn takeover_wins_over_end_date() {
        // A record with both dates (the sublease ended because the tenant took over) counts once, as a takeover.
        let leases = [lease(LeaseKind::HousingFirst, date(2025, 5, 1), Some(date(2026, 2, 1)), Some(date(2026, 2, 1)))];
        let out = &lease_outcomes(&leases, date(2026, 6, 1))[2];
        assert_eq!(out.kind, LeaseKind::HousingFirst);
        assert_eq!((out.leases, out.active, out.ended, out.taken_over), (1, 0, 0, 1));
        // 2025-05-01 -> 2026-02-01 = 9 months.
        assert_eq!(out.median_months_to_takeover, Some(9.0));
        // 2025-05-01 + 12 = 2026-05-01 <= 06-01 qualifies; a takeover counts as housed: 1 / 1.
        assert_eq!(out.share_housed_after_12_months, Some(1.0));
    }

    #[test]
    fn twelve_month_horizon_from_leap_day() {
        // 2024-02-29 + 12 months = 2025-02-28 (clamped), so it qualifies on 2025-02-28 and
        // an end on 2025-02-28 is not before it.
        let leases = [lease(LeaseKind::Training, date(2024, 2, 29), Some(date(2025, 2, 28)), None)];
        let out = &lease_outcomes(&leases, date(2025, 2, 28))[1];
        assert_eq!(out.share_housed_after_12_months, Some(1.0));
        let leases = [lease(LeaseKind::Training, date(2024, 2, 29), Some(date(2025, 2, 27)), None)];
        let out = &lease_outcomes(&leases, date(2025, 2, 28))[1];
        assert_eq!(out.share_housed_after_12_months, Some(0.0));
    }

    #[test]
    fn median_of_one_and_two() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [7]), Some(7.0));
        // (3 + 4) / 2 = 3.5, input unsorted.
        assert_eq!(median(&mut [4, 3]), Some(3.5));
    }
}
