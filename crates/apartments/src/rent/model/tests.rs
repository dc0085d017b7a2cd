use jiff::civil::date;

use super::*;

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
    assert_eq!(arrears_status(&more, &paid, &notices, date(2026, 4, 10)).redemption_status, RedemptionStatus::Redeemed);
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
            // 11-21 + 21 = 42; November has 30 days: December 12, a Saturday: Monday 12-14.
            redemption_starts_on: Some(date(2026, 11, 21)),
            redemption_deadline: Some(date(2026, 12, 14)),
            redemption_status: RedemptionStatus::Redeemed,
            recovery_deadline: Some(date(2026, 12, 14)),
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
fn easter_and_the_days_a_period_cannot_end_on() {
    // Easter Days from the almanac.
    for (y, m, d) in [(2024, 3, 31), (2025, 4, 20), (2026, 4, 5), (2027, 3, 28), (2038, 4, 25), (2285, 3, 22)] {
        assert_eq!(easter_sunday(y), Some(date(y, m, d)));
    }
    // Ascension Day 2026: Easter + 39 = Thursday 05-14 -> Friday 05-15.
    assert_eq!(last_day_of_period(date(2026, 5, 14)), date(2026, 5, 15));
    // National Day on a Monday (2025-06-06 is a Friday) -> Monday 06-09.
    assert_eq!(last_day_of_period(date(2025, 6, 6)), date(2025, 6, 9));
    // New Year's Eve 2026 (Thursday), New Year's Day (Friday), weekend -> Monday 2027-01-04.
    assert_eq!(last_day_of_period(date(2026, 12, 31)), date(2027, 1, 4));
    // Maundy Thursday is a weekday.
    assert_eq!(last_day_of_period(date(2026, 4, 2)), date(2026, 4, 2));
}

#[test]
fn a_later_unnotified_notice_keeps_the_earlier_period() {
    let charges = [charge(date(2026, 2, 28), 5_000)];
    let notices = [
        Notice { served_on: date(2026, 3, 10), committee_notified_on: Some(date(2026, 3, 12)) },
        Notice { served_on: date(2026, 3, 20), committee_notified_on: None },
    ];
    let status = arrears_status(&charges, &[], &notices, date(2026, 3, 25));
    assert_eq!(status.redemption_status, RedemptionStatus::Running);
    assert_eq!(status.redemption_deadline, Some(date(2026, 4, 2)));
    assert_eq!(status.notice_served_on, Some(date(2026, 3, 20)));
    assert!(status.needs_attention);
}

/// domain.md: the period "starts only when the tenant has been served notice AND the social welfare
/// committee has been notified". A notice redeemed in time is over; new arrears with a new notice the
/// committee was not told of have no period yet, and that is what the status says, not "redeemed"
/// (review, 2026-11-24).
#[test]
fn a_redeemed_notice_does_not_hide_a_later_unnotified_one() {
    let charges = [charge(date(2026, 1, 5), 5_000), charge(date(2026, 6, 1), 5_000)];
    // January's arrears paid within the period; June's not paid.
    let payments = [payment(date(2026, 1, 20), 5_000)];
    let notices = [
        Notice { served_on: date(2026, 1, 10), committee_notified_on: Some(date(2026, 1, 12)) },
        Notice { served_on: date(2026, 6, 10), committee_notified_on: None },
    ];
    // Before the June notice, January's is the redeemed one.
    let before = arrears_status(&charges, &payments, &notices, date(2026, 6, 5));
    assert_eq!(before.redemption_status, RedemptionStatus::Redeemed);
    let status = arrears_status(&charges, &payments, &notices, date(2026, 6, 15));
    assert_eq!(status.redemption_status, RedemptionStatus::NotStartedCommitteeNotNotified);
    assert_eq!((status.redemption_starts_on, status.redemption_deadline), (None, None));
    assert_eq!(status.notice_served_on, Some(date(2026, 6, 10)));
    assert!(status.needs_attention);
    // Once the committee is told (06-16), June's period runs: 06-16 + 21 = 07-07.
    let told = [notices[0], Notice { served_on: date(2026, 6, 10), committee_notified_on: Some(date(2026, 6, 16)) }];
    let status = arrears_status(&charges, &payments, &told, date(2026, 6, 20));
    assert_eq!(status.redemption_status, RedemptionStatus::Running);
    assert_eq!(status.redemption_deadline, Some(date(2026, 7, 7)));
}

#[test]
fn committee_notification_must_come_after_the_rent_fell_due() {
    // 5000 due 02-28, unpaid when notice is served on 03-10.
    let at_service = arrears_status(&[charge(date(2026, 2, 28), 5_000)], &[], &[], date(2026, 3, 10));
    for too_early in [date(2026, 2, 20), date(2026, 2, 28)] {
        assert!(committee_notified_after_rent_fell_late(&at_service, too_early).is_err());
    }
    // After the rent fell late, even before service: fine.
    assert!(committee_notified_after_rent_fell_late(&at_service, date(2026, 3, 1)).is_ok());
    // Nothing unpaid at service: nothing to compare with.
    assert!(committee_notified_after_rent_fell_late(&no_arrears(0), date(2026, 1, 1)).is_ok());
}

#[test]
fn whole_days_counts_calendar_days() {
    // 2024 is a leap year: 02-28 -> 03-01 = 2 days; 2026-01-01 -> 2027-01-01 = 365.
    assert_eq!(whole_days(date(2024, 2, 28), date(2024, 3, 1)), 2);
    assert_eq!(whole_days(date(2026, 1, 1), date(2027, 1, 1)), 365);
    assert_eq!(whole_days(date(2026, 1, 2), date(2026, 1, 1)), -1);
}
