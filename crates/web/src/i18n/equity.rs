//! The strings of the equal-treatment pages (issue 14): the district equity report, caseworker
//! continuity, empty homes while people wait, and deviations (lex Sarah).

use hemvist_equity::deviations::model::{Assessment, DeviationState, Source, Step};
use hemvist_equity::equity::{Comparison, Group, Metric};

use super::{EN, Text};

#[derive(Debug)]
pub struct EquityText {
    pub from: &'static str,
    pub to: &'static str,
    pub period_format: &'static str,
    pub col_district: &'static str,
    pub equity_title: &'static str,
    pub equity_intro: &'static str,
    pub equity_table: &'static str,
    pub no_cells: &'static str,
    pub col_metric: &'static str,
    pub col_group: &'static str,
    pub col_n: &'static str,
    pub col_count: &'static str,
    pub col_value: &'static str,
    pub col_p90: &'static str,
    pub col_city_value: &'static str,
    pub col_city_p90: &'static str,
    pub col_comparison: &'static str,
    pub col_p_value: &'static str,
    /// In the order of `Metric::ALL`.
    pub metrics: [&'static str; 10],
    /// In the order of `Group::ALL`.
    pub groups: [&'static str; 5],
    /// In the order of `Comparison::ALL`.
    pub comparisons: [&'static str; 6],
    pub continuity_title: &'static str,
    pub continuity_intro: &'static str,
    pub continuity_districts: &'static str,
    pub continuity_people: &'static str,
    pub continuity_protected: &'static str,
    pub col_people: &'static str,
    pub col_kept_one: &'static str,
    pub col_share_kept: &'static str,
    pub col_person: &'static str,
    pub col_name: &'static str,
    pub col_changes: &'static str,
    pub nobody_changed: &'static str,
    pub vacancy_title: &'static str,
    pub vacancy_intro: &'static str,
    pub vacancy_districts: &'static str,
    pub vacancy_apartments: &'static str,
    pub col_vacant_apartment_days: &'static str,
    pub col_waiting_person_days: &'static str,
    pub col_days_with_both: &'static str,
    pub col_matchable_days: &'static str,
    pub col_address: &'static str,
    pub col_vacant_days: &'static str,
    pub no_vacancy: &'static str,
    pub longest_vacant_now: &'static str,
    pub no_vacancy_now: &'static str,
    pub col_vacant_since: &'static str,
    pub deviations_title: &'static str,
    pub deviations_intro: &'static str,
    pub deviations_table: &'static str,
    pub no_deviations: &'static str,
    pub col_recorded_on: &'static str,
    pub col_occurred_on: &'static str,
    pub col_source: &'static str,
    pub col_concerns: &'static str,
    pub col_what: &'static str,
    pub col_state: &'static str,
    pub col_assessment: &'static str,
    pub col_next_step: &'static str,
    pub col_due_on: &'static str,
    pub col_overdue: &'static str,
    pub overdue: &'static str,
    /// In the order of each enum's `ALL`.
    pub states: [&'static str; 4],
    pub assessments: [&'static str; 3],
    pub sources: [&'static str; 3],
    pub steps: [&'static str; 3],
}

pub const EQUITY_SV: EquityText = EquityText {
    from: "Från och med",
    to: "Till och med",
    period_format: "Skriv datum som ÅÅÅÅ-MM-DD; till och med får inte vara före från och med och högst 366 dagar senare.",
    col_district: "Stadsdel",
    equity_title: "Likvärdighet mellan stadsdelar",
    equity_intro: "Per beslutande stadsdel: tider, utfall, IVO-rapporter, garantin och flyttar, uppdelat på kön och \
        hushåll med barn, bredvid hela stadens värde. Andelar jämförs med resten av staden med ett z-test för två \
        andelar och tider med Mann-Whitneys U-test (p < 0,05). Under 10 observationer: för få för jämförelse. \
        Celler med 1–4 personer visas inte.",
    equity_table: "Stadsdelarna och hela staden",
    no_cells: "Inga ärenden under perioden.",
    col_metric: "Mått",
    col_group: "Grupp",
    col_n: "Antal",
    col_count: "Varav",
    col_value: "Värde",
    col_p90: "90:e percentil",
    col_city_value: "Hela staden",
    col_city_p90: "Hela staden, 90:e percentil",
    col_comparison: "Jämfört med resten av staden",
    col_p_value: "p-värde",
    metrics: [
        "Ansökningar",
        "Dagar från ansökan till beslut (median)",
        "Dagar från beslut till verkställighet (median)",
        "Andel bifall",
        "Andel delvis bifall",
        "Andel avslag",
        "Andel rapporterade till IVO",
        "Garantibrott per 1 000 förfrågningar",
        "Placeringar utanför kommunen",
        "Flyttar per person i akutboende (medel)",
    ],
    groups: ["Alla", "Kvinnor", "Män", "Hushåll med barn", "Hushåll utan barn"],
    comparisons: ["Högre", "Lägre", "Ingen skillnad", "För få för jämförelse", "Visas inte (under 5)", "Räknas bara"],
    continuity_title: "Kontinuitet i handläggningen",
    continuity_intro: "Byten av handläggare de senaste tolv månaderna. En person ska ha samma handläggare så länge \
        som möjligt; personer med skyddade personuppgifter som har bytt listas för stadsdelens egen granskning.",
    continuity_districts: "Andel som behållit en handläggare, per stadsdel",
    continuity_people: "Personer som bytt handläggare",
    continuity_protected: "Personer med skyddade personuppgifter som bytt handläggare",
    col_people: "Personer",
    col_kept_one: "Behöll en handläggare",
    col_share_kept: "Andel (%)",
    col_person: "Person",
    col_name: "Namn",
    col_changes: "Byten",
    nobody_changed: "Ingen har bytt handläggare.",
    vacancy_title: "Tomma lägenheter medan människor väntar",
    vacancy_intro: "Dagar som varje lägenhet stått ledig under perioden, och per stadsdel lediga lägenhetsdagar mot \
        personer som väntar på verkställighet av ett bostadsbeslut eller bor på akutboende samma dagar.",
    vacancy_districts: "Per stadsdel",
    vacancy_apartments: "Lediga lägenheter, längst först",
    col_vacant_apartment_days: "Lediga lägenhetsdagar",
    col_waiting_person_days: "Väntande persondagar",
    col_days_with_both: "Dagar med båda",
    col_matchable_days: "Tomma hem medan någon väntade (dagar)",
    col_address: "Adress",
    col_vacant_days: "Lediga dagar",
    no_vacancy: "Inga lediga lägenheter under perioden.",
    longest_vacant_now: "Längst lediga lägenheter",
    no_vacancy_now: "Ingen lägenhet står ledig.",
    col_vacant_since: "Ledig sedan",
    deviations_title: "Avvikelser och lex Sarah",
    deviations_intro: "Avvikelser om en person eller en enhet. Bedöms inom 7 dagar, utreds inom 30 dagar efter \
        bedömningen och anmäls till IVO inom 14 dagar efter utredningen när det är allvarligt.",
    deviations_table: "Avvikelser, senaste först",
    no_deviations: "Inga avvikelser.",
    col_recorded_on: "Registrerad",
    col_occurred_on: "Inträffade",
    col_source: "Källa",
    col_concerns: "Gäller",
    col_what: "Vad hände",
    col_state: "Läge",
    col_assessment: "Bedömning",
    col_next_step: "Nästa steg",
    col_due_on: "Senast",
    col_overdue: "Försenad",
    overdue: "Försenad",
    states: ["Registrerad", "Bedömd", "Utredd", "Anmäld till IVO"],
    assessments: ["Inte lex Sarah", "Missförhållande", "Påtaglig risk för missförhållande"],
    sources: ["Personal", "Garantibrott", "Ute efter att ha bett om hjälp"],
    steps: ["Bedöm", "Utred", "Anmäl till IVO"],
};

pub const EQUITY_EN: EquityText = EquityText {
    from: "From",
    to: "To",
    period_format: "Write dates as YYYY-MM-DD; to must not be before from and at most 366 days later.",
    col_district: "District",
    equity_title: "Equal treatment across districts",
    equity_intro: "Per deciding district: times, outcomes, IVO reports, the guarantee and moves, by sex and by \
        households with children, beside the whole city's figure. Shares are compared with the rest of the city \
        by a two-proportion z-test and times by a Mann-Whitney U test (p < 0.05). Under 10 observations: too few \
        to compare. Cells of 1–4 people are not shown.",
    equity_table: "The districts and the whole city",
    no_cells: "No cases in the period.",
    col_metric: "Figure",
    col_group: "Group",
    col_n: "Number",
    col_count: "Of which",
    col_value: "Value",
    col_p90: "90th percentile",
    col_city_value: "Whole city",
    col_city_p90: "Whole city, 90th percentile",
    col_comparison: "Against the rest of the city",
    col_p_value: "p value",
    metrics: [
        "Applications",
        "Days from application to decision (median)",
        "Days from decision to execution (median)",
        "Share granted",
        "Share partly granted",
        "Share denied",
        "Share reported to IVO",
        "Guarantee breaches per 1,000 requests",
        "Placements outside the municipality",
        "Moves per person in shelters (mean)",
    ],
    groups: ["All", "Women", "Men", "Households with children", "Households without children"],
    comparisons: ["Higher", "Lower", "No difference", "Too few to compare", "Not shown (under 5)", "Count only"],
    continuity_title: "Caseworker continuity",
    continuity_intro: "Changes of caseworker in the last twelve months. A person keeps the same caseworker as long as \
        possible; people with protected identity who changed are listed for the district's own review.",
    continuity_districts: "Share who kept one caseworker, per district",
    continuity_people: "People who changed caseworker",
    continuity_protected: "People with protected identity who changed caseworker",
    col_people: "People",
    col_kept_one: "Kept one caseworker",
    col_share_kept: "Share (%)",
    col_person: "Person",
    col_name: "Name",
    col_changes: "Changes",
    nobody_changed: "Nobody changed caseworker.",
    vacancy_title: "Empty homes while people wait",
    vacancy_intro: "Days each apartment stood vacant in the period, and per district vacant apartment-days against \
        people waiting for a housing decision to be executed or living in shelters on the same days.",
    vacancy_districts: "Per district",
    vacancy_apartments: "Vacant apartments, longest first",
    col_vacant_apartment_days: "Vacant apartment-days",
    col_waiting_person_days: "Waiting person-days",
    col_days_with_both: "Days with both",
    col_matchable_days: "Empty homes while someone waited (days)",
    col_address: "Address",
    col_vacant_days: "Vacant days",
    no_vacancy: "No vacant apartments in the period.",
    longest_vacant_now: "Longest-vacant apartments",
    no_vacancy_now: "No apartment stands vacant.",
    col_vacant_since: "Vacant since",
    deviations_title: "Deviations and lex Sarah",
    deviations_intro: "Deviations about a person or a unit. Assessed within 7 days, investigated within 30 days of \
        the assessment and reported to IVO within 14 days of the investigation when serious.",
    deviations_table: "Deviations, newest first",
    no_deviations: "No deviations.",
    col_recorded_on: "Recorded",
    col_occurred_on: "Happened",
    col_source: "Source",
    col_concerns: "Concerns",
    col_what: "What happened",
    col_state: "State",
    col_assessment: "Assessment",
    col_next_step: "Next step",
    col_due_on: "Due",
    col_overdue: "Overdue",
    overdue: "Overdue",
    states: ["Recorded", "Assessed", "Investigated", "Reported to IVO"],
    assessments: ["Not lex Sarah", "Missförhållande", "Påtaglig risk"],
    sources: ["Staff", "Guarantee breach", "Outdoors after asking for help"],
    steps: ["Assess", "Investigate", "Report to IVO"],
};

fn pick<T: PartialEq, const N: usize>(all: &[T], value: &T, names: &[&'static str; N]) -> &'static str {
    all.iter().position(|x| x == value).and_then(|i| names.get(i)).copied().unwrap_or("")
}

impl EquityText {
    pub fn metric(&self, m: Metric) -> &'static str {
        pick(Metric::ALL, &m, &self.metrics)
    }
    pub fn group(&self, g: Group) -> &'static str {
        pick(Group::ALL, &g, &self.groups)
    }
    pub fn comparison(&self, c: Comparison) -> &'static str {
        pick(Comparison::ALL, &c, &self.comparisons)
    }
    pub fn state(&self, s: DeviationState) -> &'static str {
        pick(DeviationState::ALL, &s, &self.states)
    }
    pub fn assessment(&self, a: Assessment) -> &'static str {
        pick(Assessment::ALL, &a, &self.assessments)
    }
    pub fn source(&self, s: Source) -> &'static str {
        pick(Source::ALL, &s, &self.sources)
    }
    pub fn step(&self, s: Step) -> &'static str {
        pick(Step::ALL, &s, &self.steps)
    }
}

impl Text {
    /// The equal-treatment pages' strings in this language.
    pub fn equity(&self) -> &'static EquityText {
        if self.code == EN.code { &EQUITY_EN } else { &EQUITY_SV }
    }
}
