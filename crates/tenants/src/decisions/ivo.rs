//! Which granted decisions (biståndsbeslut) go in the quarterly report to IVO.
//!
//! Social services must report, every quarter:
//! - every granted decision not executed within 3 months of the decision date,
//! - every executed decision interrupted and not resumed within 3 months of
//!   the interruption,
//!
//! each quarter until executed/resumed or closed, and, in the quarter it
//! happens, the later execution/resumption or closing of such a late decision.
//! A declined offer does not close a decision, so offers are no input here.
//!
//! Rules, per *period* (the non-execution period, and each interruption):
//! - The period starts on `decided_on` (or `interrupted_on`); its deadline is
//!   start + 3 months, clamped at month end (2025-11-30 → 2026-02-28).
//! - It ends at the earliest of execution/resumption and closing; on the same
//!   day, execution/resumption wins.
//! - Ending on or before the deadline is on time and never reported. Otherwise
//!   the period is late from deadline + 1 day until its end (or for ever).
//! - A late period belongs to quarter Q if its first late day <= Q's last day
//!   and it has no end or its end >= Q's first day. It is
//!   [`StatusAtQuarterEnd::StillLate`] unless it ended within Q; an end after Q
//!   is irrelevant to Q.

use std::fmt;

use jiff::ToSpan;
use jiff::civil::{Date, date};

/// A calendar quarter, e.g. 2026-Q3 (July–September 2026).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quarter {
    pub year: i16,
    /// 1..=4.
    pub number: u8,
}

impl Quarter {
    /// Parses "2026-Q3" (or "2026-q3"): a four-digit year, "-", "Q" and 1..=4.
    ///
    /// # Errors
    /// A message saying what is wrong, for any other input.
    pub fn parse(raw: &str) -> Result<Quarter, String> {
        let invalid = || format!("invalid quarter {raw:?}, expected e.g. \"2026-Q3\"");
        let (year, rest) = raw.split_once('-').ok_or_else(invalid)?;
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        let year: i16 = year.parse().map_err(|_| invalid())?;
        let number = match rest.as_bytes() {
            [b'Q' | b'q', digit @ b'1'..=b'4'] => digit - b'0',
            _ => return Err(invalid()),
        };
        Ok(Quarter { year, number })
    }

    /// The quarter's first day, e.g. 2026-07-01 for 2026-Q3.
    ///
    /// # Panics
    /// If `number` is not 1..=4 or `year` is beyond what `jiff` supports;
    /// [`Quarter::parse`] never yields such a quarter.
    pub fn first_day(self) -> Date {
        date(self.year, self.first_month(), 1)
    }

    /// The quarter's last day, e.g. 2026-09-30 for 2026-Q3.
    ///
    /// # Panics
    /// As [`Quarter::first_day`].
    pub fn last_day(self) -> Date {
        let month = self.first_month() + 2;
        date(self.year, month, 1).last_of_month()
    }

    fn first_month(self) -> i8 {
        match self.number {
            1 => 1,
            2 => 4,
            3 => 7,
            4 => 10,
            n => panic!("quarter number {n} is not 1..=4"),
        }
    }
}

impl fmt::Display for Quarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-Q{}", self.year, self.number)
    }
}

/// One interruption of an executed decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interruption {
    pub interrupted_on: Date,
    pub resumed_on: Option<Date>,
}

/// What the report needs to know about one decision. Only granted (fully or
/// partly) decisions are passed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionDates {
    pub decided_on: Date,
    pub executed_on: Option<Date>,
    /// In any order; each is its own period.
    pub interruptions: Vec<Interruption>,
    pub closed_on: Option<Date>,
}

/// Why a decision is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Lateness {
    /// Not executed within 3 months of the decision date.
    NotExecuted,
    /// Interrupted and not resumed within 3 months of the interruption.
    InterruptedNotResumed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatusAtQuarterEnd {
    /// Still late on the quarter's last day.
    StillLate,
    /// Late, then executed (or resumed) during this quarter.
    ExecutedInQuarter,
    /// Late, then closed during this quarter.
    ClosedInQuarter,
}

/// One late period of one decision, as seen in one quarter's report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportLine {
    pub lateness: Lateness,
    /// The date the 3 months run from: decided_on, or the interruption date.
    pub period_start: Date,
    /// period_start + 3 months (clamped at month end): the last day on which
    /// execution/resumption was on time.
    pub deadline: Date,
    pub status: StatusAtQuarterEnd,
    /// The execution/resumption or closing date when status is not StillLate.
    pub ended_on: Option<Date>,
}

/// The lines (0, 1 or more — one per late period) this decision contributes
/// to the report of `quarter`, ordered by `period_start`. See the module
/// documentation for the rules.
pub fn report_lines(decision: &DecisionDates, quarter: Quarter) -> Vec<ReportLine> {
    let mut lines = Vec::new();
    let closed = decision.closed_on;
    let periods =
        std::iter::once((Lateness::NotExecuted, decision.decided_on, earliest_end(decision.executed_on, closed)))
            .chain(
                decision
                    .interruptions
                    .iter()
                    .map(|i| (Lateness::InterruptedNotResumed, i.interrupted_on, earliest_end(i.resumed_on, closed))),
            );
    for (lateness, start, end) in periods {
        if let Some(line) = line_for_period(lateness, start, end, quarter) {
            lines.push(line);
        }
    }
    // Stable, so on equal starts the non-execution line stays first.
    lines.sort_by_key(|line| line.period_start);
    lines
}

/// How a period ended: the date and whether by execution/resumption or closing.
type End = (Date, StatusAtQuarterEnd);

/// Execution/resumption wins over closing on the same day.
fn earliest_end(done: Option<Date>, closed: Option<Date>) -> Option<End> {
    match (done, closed) {
        (Some(d), Some(c)) if c < d => Some((c, StatusAtQuarterEnd::ClosedInQuarter)),
        (Some(d), _) => Some((d, StatusAtQuarterEnd::ExecutedInQuarter)),
        (None, Some(c)) => Some((c, StatusAtQuarterEnd::ClosedInQuarter)),
        (None, None) => None,
    }
}

/// The last day on which execution (or resumption) of a period starting `start` is on time: three
/// months on, clamped at month end. None past jiff's last date (year 9999): it can never be missed.
pub fn deadline(start: Date) -> Option<Date> {
    start.checked_add(3.months()).ok()
}

fn line_for_period(lateness: Lateness, start: Date, end: Option<End>, quarter: Quarter) -> Option<ReportLine> {
    let deadline = deadline(start)?;
    let first_late_day = deadline.tomorrow().ok()?;
    if end.is_some_and(|(on, _)| on <= deadline) {
        return None;
    }
    if first_late_day > quarter.last_day() {
        return None;
    }
    let (status, ended_on) = match end {
        Some((on, _)) if on < quarter.first_day() => return None,
        Some((on, status)) if on <= quarter.last_day() => (status, Some(on)),
        _ => (StatusAtQuarterEnd::StillLate, None),
    };
    Some(ReportLine { lateness, period_start: start, deadline, status, ended_on })
}

#[cfg(test)]
mod tests {
    use super::*;
    use Lateness::{InterruptedNotResumed, NotExecuted};
    use StatusAtQuarterEnd::{ClosedInQuarter, ExecutedInQuarter, StillLate};

    fn d(raw: &str) -> Date {
        raw.parse().unwrap()
    }

    fn q(raw: &str) -> Quarter {
        Quarter::parse(raw).unwrap()
    }

    fn decision(decided: &str, executed: Option<&str>, closed: Option<&str>) -> DecisionDates {
        DecisionDates {
            decided_on: d(decided),
            executed_on: executed.map(d),
            interruptions: Vec::new(),
            closed_on: closed.map(d),
        }
    }

    fn interrupted(mut dec: DecisionDates, list: &[(&str, Option<&str>)]) -> DecisionDates {
        dec.interruptions =
            list.iter().map(|(from, to)| Interruption { interrupted_on: d(from), resumed_on: to.map(d) }).collect();
        dec
    }

    fn line(
        lateness: Lateness,
        start: &str,
        deadline: &str,
        status: StatusAtQuarterEnd,
        ended: Option<&str>,
    ) -> ReportLine {
        ReportLine { lateness, period_start: d(start), deadline: d(deadline), status, ended_on: ended.map(d) }
    }

    // ---- Quarter ----

    #[test]
    fn parses_quarters_in_either_case() {
        assert_eq!(q("2026-Q3"), Quarter { year: 2026, number: 3 });
        assert_eq!(q("2026-q3"), Quarter { year: 2026, number: 3 });
        assert_eq!(q("1999-Q1"), Quarter { year: 1999, number: 1 });
    }

    #[test]
    fn rejects_malformed_quarters() {
        for raw in [
            "2026-Q5",
            "2026Q1",
            "abc",
            "2026-Q0",
            "",
            "26-Q1",
            "2026-Q",
            "2026-Q12",
            "2026-Q1 ",
            "2026-3",
            "+202-Q1",
            "-2026-Q1",
            "2026-X1",
            "２０２６-Q1",
        ] {
            let err = Quarter::parse(raw).unwrap_err();
            assert!(err.contains("invalid quarter"), "{raw:?}: {err}");
        }
    }

    #[test]
    fn quarter_first_and_last_days() {
        let cases = [
            ("2026-Q1", "2026-01-01", "2026-03-31"),
            ("2026-Q2", "2026-04-01", "2026-06-30"),
            ("2026-Q3", "2026-07-01", "2026-09-30"),
            ("2026-Q4", "2026-10-01", "2026-12-31"),
        ];
        for (raw, first, last) in cases {
            assert_eq!(q(raw).first_day(), d(first), "{raw}");
            assert_eq!(q(raw).last_day(), d(last), "{raw}");
        }
    }

    #[test]
    fn quarter_displays_and_round_trips() {
        assert_eq!(q("2026-q3").to_string(), "2026-Q3");
        for raw in ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4", "0999-Q2"] {
            assert_eq!(q(raw).to_string(), raw);
        }
    }

    #[test]
    fn quarters_order_chronologically() {
        assert!(q("2025-Q4") < q("2026-Q1"));
        assert!(q("2026-Q1") < q("2026-Q2"));
    }

    // ---- Deadline arithmetic ----

    #[test]
    fn deadline_clamps_at_month_end() {
        // 2025-11-30 + 3 months: Feb 2026 has 28 days → 2026-02-28.
        // 2024-11-30 + 3 months → 2025-02-28; 2023-11-29 / 11-30 → leap 2024-02-29.
        // 2026-05-31 + 3 months → 2026-08-31 (no clamp needed).
        for (start, deadline) in [
            ("2025-11-30", "2026-02-28"),
            ("2024-11-30", "2025-02-28"),
            ("2023-11-29", "2024-02-29"),
            ("2023-11-30", "2024-02-29"),
            ("2026-05-31", "2026-08-31"),
        ] {
            let lines = report_lines(&decision(start, None, None), q("2027-Q4"));
            assert_eq!(lines.len(), 1, "{start}");
            assert_eq!(lines[0].deadline, d(deadline), "{start}");
        }
    }

    // ---- Non-execution ----

    #[test]
    fn late_from_first_day_of_next_quarter() {
        // Decided 2026-03-31 → deadline 2026-06-30 → first late day 07-01:
        // not in Q2 (07-01 > 06-30), StillLate in Q3.
        let dec = decision("2026-03-31", None, None);
        assert_eq!(report_lines(&dec, q("2026-Q2")), vec![]);
        assert_eq!(
            report_lines(&dec, q("2026-Q3")),
            vec![line(NotExecuted, "2026-03-31", "2026-06-30", StillLate, None)]
        );
    }

    #[test]
    fn first_late_day_on_quarter_last_day() {
        // Decided 2026-03-29 → deadline 06-29 → late from 06-30 = Q2's last day.
        let dec = decision("2026-03-29", None, None);
        assert_eq!(
            report_lines(&dec, q("2026-Q2")),
            vec![line(NotExecuted, "2026-03-29", "2026-06-29", StillLate, None)]
        );
        // Executed 06-30: one day late, executed within Q2, gone by Q3.
        let dec = decision("2026-03-29", Some("2026-06-30"), None);
        assert_eq!(
            report_lines(&dec, q("2026-Q2")),
            vec![line(NotExecuted, "2026-03-29", "2026-06-29", ExecutedInQuarter, Some("2026-06-30"))]
        );
        assert_eq!(report_lines(&dec, q("2026-Q3")), vec![]);
    }

    #[test]
    fn executed_on_deadline_day_is_on_time() {
        // Decided 2026-04-01 → deadline 2026-07-01; executed 07-01 → on time.
        let dec = decision("2026-04-01", Some("2026-07-01"), None);
        for quarter in ["2026-Q2", "2026-Q3", "2026-Q4"] {
            assert_eq!(report_lines(&dec, q(quarter)), vec![], "{quarter}");
        }
    }

    #[test]
    fn executed_one_day_late_reported_once() {
        // Decided 2026-04-01 → deadline 07-01; executed 07-02 → late 07-02 only:
        // ExecutedInQuarter in Q3, nothing in Q2 (not yet late) or Q4.
        let dec = decision("2026-04-01", Some("2026-07-02"), None);
        assert_eq!(report_lines(&dec, q("2026-Q2")), vec![]);
        assert_eq!(
            report_lines(&dec, q("2026-Q3")),
            vec![line(NotExecuted, "2026-04-01", "2026-07-01", ExecutedInQuarter, Some("2026-07-02"))]
        );
        assert_eq!(report_lines(&dec, q("2026-Q4")), vec![]);
    }

    #[test]
    fn month_end_clamp_2025_11_30() {
        // Decided 2025-11-30 → deadline 2026-02-28 → late from 2026-03-01.
        let dec = decision("2025-11-30", Some("2026-02-28"), None);
        assert_eq!(report_lines(&dec, q("2026-Q1")), vec![]);
        let dec = decision("2025-11-30", Some("2026-03-01"), None);
        assert_eq!(report_lines(&dec, q("2025-Q4")), vec![]);
        assert_eq!(
            report_lines(&dec, q("2026-Q1")),
            vec![line(NotExecuted, "2025-11-30", "2026-02-28", ExecutedInQuarter, Some("2026-03-01"))]
        );
    }

    #[test]
    fn month_end_clamp_leap_year() {
        // Decided 2023-11-30 → deadline 2024-02-29 (leap) → late from 2024-03-01.
        let on_time = decision("2023-11-30", Some("2024-02-29"), None);
        assert_eq!(report_lines(&on_time, q("2024-Q1")), vec![]);
        let late = decision("2023-11-30", None, None);
        assert_eq!(report_lines(&late, q("2023-Q4")), vec![]);
        assert_eq!(
            report_lines(&late, q("2024-Q1")),
            vec![line(NotExecuted, "2023-11-30", "2024-02-29", StillLate, None)]
        );
    }

    #[test]
    fn month_end_clamp_non_leap_2024_11_30() {
        // Decided 2024-11-30 → deadline 2025-02-28; executed 2025-03-01 → late.
        let dec = decision("2024-11-30", Some("2025-03-01"), None);
        assert_eq!(
            report_lines(&dec, q("2025-Q1")),
            vec![line(NotExecuted, "2024-11-30", "2025-02-28", ExecutedInQuarter, Some("2025-03-01"))]
        );
    }

    #[test]
    fn executed_after_quarter_end_is_still_late_in_that_quarter() {
        // Decided 2026-03-01 → deadline 06-01 → late from 06-02; executed 07-01:
        // Q2 StillLate (the Q3 execution is irrelevant to Q2), Q3 ExecutedInQuarter
        // (end on the quarter's first day still counts).
        let dec = decision("2026-03-01", Some("2026-07-01"), None);
        assert_eq!(
            report_lines(&dec, q("2026-Q2")),
            vec![line(NotExecuted, "2026-03-01", "2026-06-01", StillLate, None)]
        );
        assert_eq!(
            report_lines(&dec, q("2026-Q3")),
            vec![line(NotExecuted, "2026-03-01", "2026-06-01", ExecutedInQuarter, Some("2026-07-01"))]
        );
    }

    #[test]
    fn still_late_across_several_quarters() {
        // Decided 2025-09-15 → deadline 2025-12-15 → late from 12-16;
        // executed 2026-08-03: StillLate in 2025-Q4, 2026-Q1 and Q2,
        // ExecutedInQuarter in Q3, nothing in 2025-Q3 or 2026-Q4.
        let dec = decision("2025-09-15", Some("2026-08-03"), None);
        assert_eq!(report_lines(&dec, q("2025-Q3")), vec![]);
        for quarter in ["2025-Q4", "2026-Q1", "2026-Q2"] {
            assert_eq!(
                report_lines(&dec, q(quarter)),
                vec![line(NotExecuted, "2025-09-15", "2025-12-15", StillLate, None)],
                "{quarter}"
            );
        }
        assert_eq!(
            report_lines(&dec, q("2026-Q3")),
            vec![line(NotExecuted, "2025-09-15", "2025-12-15", ExecutedInQuarter, Some("2026-08-03"))]
        );
        assert_eq!(report_lines(&dec, q("2026-Q4")), vec![]);
    }

    #[test]
    fn executed_late_in_previous_quarter_gives_nothing_next_quarter() {
        // Decided 2026-01-10 → deadline 04-10; executed 05-20 → Q2 only.
        let dec = decision("2026-01-10", Some("2026-05-20"), None);
        assert_eq!(report_lines(&dec, q("2026-Q2")).len(), 1);
        assert_eq!(report_lines(&dec, q("2026-Q3")), vec![]);
    }

    #[test]
    fn closed_in_quarter() {
        // Decided 2026-01-10 → deadline 04-10 → late from 04-11; closed 05-20
        // without execution: Q2 ClosedInQuarter, nothing in Q1 or Q3.
        let dec = decision("2026-01-10", None, Some("2026-05-20"));
        assert_eq!(report_lines(&dec, q("2026-Q1")), vec![]);
        assert_eq!(
            report_lines(&dec, q("2026-Q2")),
            vec![line(NotExecuted, "2026-01-10", "2026-04-10", ClosedInQuarter, Some("2026-05-20"))]
        );
        assert_eq!(report_lines(&dec, q("2026-Q3")), vec![]);
    }

    #[test]
    fn closed_on_or_before_deadline_gives_nothing() {
        // Decided 2026-01-10 → deadline 04-10; closed 03-01 or on 04-10 → on time.
        for closed in ["2026-03-01", "2026-04-10"] {
            let dec = decision("2026-01-10", None, Some(closed));
            for quarter in ["2026-Q1", "2026-Q2", "2026-Q3"] {
                assert_eq!(report_lines(&dec, q(quarter)), vec![], "{closed} {quarter}");
            }
        }
    }

    #[test]
    fn never_executed_closed_quarters_after_deadline() {
        // Decided 2026-02-15 → deadline 05-15 → late from 05-16; closed 10-02:
        // StillLate in Q2 and Q3, ClosedInQuarter in Q4, nothing in 2027-Q1.
        let dec = decision("2026-02-15", None, Some("2026-10-02"));
        for quarter in ["2026-Q2", "2026-Q3"] {
            assert_eq!(
                report_lines(&dec, q(quarter)),
                vec![line(NotExecuted, "2026-02-15", "2026-05-15", StillLate, None)],
                "{quarter}"
            );
        }
        assert_eq!(
            report_lines(&dec, q("2026-Q4")),
            vec![line(NotExecuted, "2026-02-15", "2026-05-15", ClosedInQuarter, Some("2026-10-02"))]
        );
        assert_eq!(report_lines(&dec, q("2027-Q1")), vec![]);
    }

    #[test]
    fn earliest_of_execution_and_closing_ends_the_period() {
        // Decided 2026-01-10 → deadline 04-10.
        // Executed and closed the same day (05-20) → execution wins.
        let dec = decision("2026-01-10", Some("2026-05-20"), Some("2026-05-20"));
        assert_eq!(report_lines(&dec, q("2026-Q2"))[0].status, ExecutedInQuarter);
        // Closed 05-20, executed (recorded) later 06-01 → closing ends it first.
        let dec = decision("2026-01-10", Some("2026-06-01"), Some("2026-05-20"));
        let lines = report_lines(&dec, q("2026-Q2"));
        assert_eq!(lines[0].status, ClosedInQuarter);
        assert_eq!(lines[0].ended_on, Some(d("2026-05-20")));
        // Executed 05-20, closed later 2026-12-01 → executed; closing irrelevant.
        let dec = decision("2026-01-10", Some("2026-05-20"), Some("2026-12-01"));
        assert_eq!(report_lines(&dec, q("2026-Q2"))[0].status, ExecutedInQuarter);
        assert_eq!(report_lines(&dec, q("2026-Q4")), vec![]);
    }

    #[test]
    fn decision_after_quarter_gives_nothing() {
        // Decided 2026-07-01: nothing can be late in 2026-Q2.
        let dec = decision("2026-07-01", None, None);
        assert_eq!(report_lines(&dec, q("2026-Q2")), vec![]);
    }

    // ---- Interruptions ----

    fn executed_early() -> DecisionDates {
        // Decided 2026-01-10, executed 2026-02-01: on time, no non-execution line.
        decision("2026-01-10", Some("2026-02-01"), None)
    }

    #[test]
    fn interruption_not_resumed() {
        // Interrupted 2026-05-15 → deadline 08-15 → late from 08-16:
        // nothing in Q2, StillLate in Q3 and Q4.
        let dec = interrupted(executed_early(), &[("2026-05-15", None)]);
        assert_eq!(report_lines(&dec, q("2026-Q2")), vec![]);
        for quarter in ["2026-Q3", "2026-Q4"] {
            assert_eq!(
                report_lines(&dec, q(quarter)),
                vec![line(InterruptedNotResumed, "2026-05-15", "2026-08-15", StillLate, None)],
                "{quarter}"
            );
        }
    }

    #[test]
    fn interruption_resumed_on_deadline_is_on_time() {
        // Interrupted 2026-05-15 → deadline 08-15; resumed 08-15 → nothing.
        let dec = interrupted(executed_early(), &[("2026-05-15", Some("2026-08-15"))]);
        for quarter in ["2026-Q2", "2026-Q3", "2026-Q4"] {
            assert_eq!(report_lines(&dec, q(quarter)), vec![], "{quarter}");
        }
    }

    #[test]
    fn interruption_resumed_late() {
        // Interrupted 2026-05-15 → deadline 08-15; resumed 08-16 → Q3 "resumed".
        let dec = interrupted(executed_early(), &[("2026-05-15", Some("2026-08-16"))]);
        assert_eq!(
            report_lines(&dec, q("2026-Q3")),
            vec![line(InterruptedNotResumed, "2026-05-15", "2026-08-15", ExecutedInQuarter, Some("2026-08-16"))]
        );
        assert_eq!(report_lines(&dec, q("2026-Q4")), vec![]);
    }

    #[test]
    fn interruption_ended_by_closing() {
        // Interrupted 2026-02-01 → deadline 05-01 → late from 05-02; closed 06-15.
        let mut dec = interrupted(executed_early(), &[("2026-02-01", None)]);
        dec.closed_on = Some(d("2026-06-15"));
        assert_eq!(
            report_lines(&dec, q("2026-Q2")),
            vec![line(InterruptedNotResumed, "2026-02-01", "2026-05-01", ClosedInQuarter, Some("2026-06-15"))]
        );
        // Resumed and closed the same day → resumption wins.
        let mut dec = interrupted(executed_early(), &[("2026-02-01", Some("2026-06-15"))]);
        dec.closed_on = Some(d("2026-06-15"));
        assert_eq!(report_lines(&dec, q("2026-Q2"))[0].status, ExecutedInQuarter);
        // Closed on the deadline 05-01 → on time, nothing.
        let mut dec = interrupted(executed_early(), &[("2026-02-01", None)]);
        dec.closed_on = Some(d("2026-05-01"));
        assert_eq!(report_lines(&dec, q("2026-Q2")), vec![]);
    }

    #[test]
    fn two_interruptions_each_its_own_period() {
        // A: 2026-01-20 → deadline 04-20, resumed 05-04 → late, resumed in Q2.
        // B: 2026-06-01 → deadline 09-01 → late from 09-02, never resumed.
        // Given in reverse order on purpose.
        let dec = interrupted(executed_early(), &[("2026-06-01", None), ("2026-01-20", Some("2026-05-04"))]);
        // Q2: only A (B's first late day 09-02 > 06-30).
        assert_eq!(
            report_lines(&dec, q("2026-Q2")),
            vec![line(InterruptedNotResumed, "2026-01-20", "2026-04-20", ExecutedInQuarter, Some("2026-05-04"))]
        );
        // Q3: only B (A ended 05-04 < 07-01).
        assert_eq!(
            report_lines(&dec, q("2026-Q3")),
            vec![line(InterruptedNotResumed, "2026-06-01", "2026-09-01", StillLate, None)]
        );
    }

    #[test]
    fn several_lines_ordered_by_period_start() {
        // Decided 2025-06-02 → deadline 09-02, never executed (StillLate);
        // inconsistent but possible data: two unresumed interruptions
        // 2025-12-01 (deadline 2026-03-01) and 2025-10-01 (deadline 2026-01-01).
        // In 2026-Q2 all three are StillLate, ordered by start.
        let dec = interrupted(decision("2025-06-02", None, None), &[("2025-12-01", None), ("2025-10-01", None)]);
        assert_eq!(
            report_lines(&dec, q("2026-Q2")),
            vec![
                line(NotExecuted, "2025-06-02", "2025-09-02", StillLate, None),
                line(InterruptedNotResumed, "2025-10-01", "2026-01-01", StillLate, None),
                line(InterruptedNotResumed, "2025-12-01", "2026-03-01", StillLate, None),
            ]
        );
    }

    #[test]
    fn late_execution_and_later_interruption() {
        // Decided 2025-10-01 → deadline 2026-01-01; executed 2026-01-15 (late,
        // Q1 ExecutedInQuarter). Interrupted 2026-01-20 → deadline 04-20,
        // resumed 06-10 → Q2 line only.
        let dec = interrupted(decision("2025-10-01", Some("2026-01-15"), None), &[("2026-01-20", Some("2026-06-10"))]);
        assert_eq!(
            report_lines(&dec, q("2026-Q1")),
            vec![line(NotExecuted, "2025-10-01", "2026-01-01", ExecutedInQuarter, Some("2026-01-15"))]
        );
        assert_eq!(
            report_lines(&dec, q("2026-Q2")),
            vec![line(InterruptedNotResumed, "2026-01-20", "2026-04-20", ExecutedInQuarter, Some("2026-06-10"))]
        );
    }

    #[test]
    fn deadline_beyond_supported_dates_is_never_late() {
        // 9999-11-15 + 3 months overflows jiff's range: no line, no panic.
        let dec = decision("9999-11-15", None, None);
        assert_eq!(report_lines(&dec, q("9999-Q4")), vec![]);
    }

    #[test]
    fn enums_serialise_in_snake_case() {
        let json = serde_json::to_string(&(NotExecuted, InterruptedNotResumed)).unwrap();
        assert_eq!(json, r#"["not_executed","interrupted_not_resumed"]"#);
        let json = serde_json::to_string(&(StillLate, ExecutedInQuarter, ClosedInQuarter)).unwrap();
        assert_eq!(json, r#"["still_late","executed_in_quarter","closed_in_quarter"]"#);
    }
}
