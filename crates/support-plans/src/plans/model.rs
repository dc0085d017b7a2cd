//! A support plan's content, validated: goals, interventions, the person's participation, the next review.

use hemvist_platform::period::not_future;
use hemvist_platform::text::clean_text;
use hemvist_platform::{ApiError, Validation};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

hemvist_platform::pg_enum! {
    pub enum GoalStatus {
        NotStarted = "not_started",
        InProgress = "in_progress",
        Achieved = "achieved",
        Dropped = "dropped",
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Goal {
    #[schema(example = "Keep the apartment", min_length = 1, max_length = 200, pattern = "hemvist:line")]
    pub title: String,
    #[schema(min_length = 1, max_length = 2000, pattern = "hemvist:lines")]
    pub description: Option<String>,
    pub status: GoalStatus,
}

hemvist_platform::pg_enum! {
    pub enum InterventionKind {
        HousingSupport = "housing_support",
        CaseManager = "case_manager",
        HealthCare = "health_care",
        /// Offered, never required: declining it changes nothing else (Housing First).
        TreatmentOffered = "treatment_offered",
        Other = "other",
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanIntervention {
    pub kind: InterventionKind,
    #[schema(example = "Boendestöd Järva", min_length = 1, max_length = 200, pattern = "hemvist:line")]
    pub provider: String,
    /// Planned contacts per week.
    pub frequency_per_week: f64,
    #[schema(example = "lena.holm", min_length = 1, max_length = 200, pattern = "hemvist:line")]
    pub responsible_staff: String,
    /// The person's answer to what is offered; absent while not asked. A refusal has no consequence
    /// for anything else, the tenancy least of all.
    pub accepted: Option<bool>,
}

/// The person's own participation: person-centred planning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Participation {
    pub participated: bool,
    /// The day the person agreed to the plan; absent when not (yet) agreed.
    #[schema(value_type = Option<String>, format = Date)]
    pub agreed_on: Option<Date>,
    /// The person's own words about the plan.
    #[schema(min_length = 1, max_length = 5000, pattern = "hemvist:lines")]
    pub own_words: Option<String>,
}

/// A plan's content: what every version holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanContent {
    pub goals: Vec<Goal>,
    pub interventions: Vec<PlanIntervention>,
    pub participation: Participation,
    #[schema(value_type = String, format = Date)]
    pub next_review_on: Date,
}

impl PlanContent {
    /// Trims and checks every text, bounds lists and numbers; `today` keeps agreements out of the future.
    pub fn validate(mut self, today: Date) -> Result<Self, ApiError> {
        let mut v = Validation::default();
        if self.goals.is_empty() || self.goals.len() > 50 {
            v.push("goals", "a plan has 1 to 50 goals");
        }
        if self.interventions.len() > 50 {
            v.push("interventions", "at most 50 interventions");
        }
        for (i, goal) in self.goals.iter_mut().enumerate() {
            if let Some(title) = v.keep(clean_text(&format!("goals[{i}].title"), &goal.title, 200, false)) {
                goal.title = title;
            }
            if let Some(description) = &goal.description {
                goal.description = v.keep(clean_text(&format!("goals[{i}].description"), description, 2000, true));
            }
        }
        for (i, intervention) in self.interventions.iter_mut().enumerate() {
            if let Some(provider) =
                v.keep(clean_text(&format!("interventions[{i}].provider"), &intervention.provider, 200, false))
            {
                intervention.provider = provider;
            }
            if let Some(staff) = v.keep(clean_text(
                &format!("interventions[{i}].responsible_staff"),
                &intervention.responsible_staff,
                200,
                false,
            )) {
                intervention.responsible_staff = staff;
            }
            let f = intervention.frequency_per_week;
            if !(f.is_finite() && (0.0..=50.0).contains(&f)) {
                v.push(format!("interventions[{i}].frequency_per_week"), "must be 0 to 50");
            }
        }
        if let Some(words) = &self.participation.own_words {
            self.participation.own_words = v.keep(clean_text("participation.own_words", words, 5000, true));
        }
        if self.participation.agreed_on.is_some_and(|d| d > today) {
            v.push("participation.agreed_on", "must not be in the future");
        }
        if self.participation.agreed_on.is_some() && !self.participation.participated {
            v.push("participation.participated", "a plan the person agreed to is one they took part in");
        }
        v.finish()?;
        Ok(self)
    }
}

/// A support plan at one version, as stored.
#[derive(Debug, Clone)]
pub struct StoredPlan {
    pub id: Uuid,
    pub person_id: Uuid,
    pub lease_id: Option<Uuid>,
    pub version: i32,
    pub closed_on: Option<Date>,
    pub close_reason: Option<String>,
    pub content: PlanContent,
    pub reviewed_on: Option<Date>,
    pub created_by_staff: Option<String>,
    pub version_created_at: Timestamp,
}

impl StoredPlan {
    /// The next review date has passed by `today` and the plan is open.
    pub fn review_overdue(&self, today: Date) -> bool {
        self.closed_on.is_none() && self.content.next_review_on < today
    }

    /// A closed plan takes no revision, visit or second closing: `detail` says what was refused.
    pub fn check_open(&self, detail: &str) -> Result<(), ApiError> {
        if self.closed_on.is_some() { Err(ApiError::conflict(detail)) } else { Ok(()) }
    }
}

/// Closing a plan, checked: a day not ahead, a reason in clean text.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanClosing {
    pub closed_on: Date,
    pub reason: String,
}

impl PlanClosing {
    pub fn new(closed_on: Date, reason: &str) -> Result<Self, ApiError> {
        let reason = clean_text("reason", reason, 2000, true)?;
        not_future("closed_on", closed_on)?;
        Ok(Self { closed_on, reason })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content() -> PlanContent {
        PlanContent {
            goals: vec![Goal {
                title: " Keep the apartment ".into(),
                description: None,
                status: GoalStatus::InProgress,
            }],
            interventions: vec![PlanIntervention {
                kind: InterventionKind::TreatmentOffered,
                provider: "Beroendevården".into(),
                frequency_per_week: 1.0,
                responsible_staff: "lena.holm".into(),
                accepted: Some(false),
            }],
            participation: Participation {
                participated: true,
                agreed_on: Some(Date::constant(2026, 1, 5)),
                own_words: None,
            },
            next_review_on: Date::constant(2026, 4, 1),
        }
    }

    #[test]
    fn validates_and_trims() {
        let ok = content().validate(Date::constant(2026, 2, 1)).unwrap();
        assert_eq!(ok.goals[0].title, "Keep the apartment");
        let mut bad = content();
        bad.goals.clear();
        bad.interventions[0].frequency_per_week = f64::NAN;
        bad.participation.participated = false;
        match bad.validate(Date::constant(2026, 2, 1)) {
            Err(ApiError::Unprocessable { errors, .. }) => assert_eq!(errors.len(), 3),
            other => panic!("{other:?}"),
        }
        assert!(content().validate(Date::constant(2026, 1, 1)).is_err(), "agreed in the future");
    }

    #[test]
    fn states_read_their_stored_text_and_nothing_else() {
        assert_eq!("treatment_offered".parse::<InterventionKind>(), Ok(InterventionKind::TreatmentOffered));
        assert_eq!(GoalStatus::NotStarted.as_str(), "not_started");
        assert!("started".parse::<GoalStatus>().is_err());
        assert!(serde_json::from_str::<InterventionKind>("\"therapy\"").is_err());
    }

    #[test]
    fn a_review_is_overdue_only_on_an_open_plan() {
        let mut plan = StoredPlan {
            id: Uuid::nil(),
            person_id: Uuid::nil(),
            lease_id: None,
            version: 1,
            closed_on: None,
            close_reason: None,
            content: content(),
            reviewed_on: None,
            created_by_staff: None,
            version_created_at: Timestamp::UNIX_EPOCH,
        };
        assert!(!plan.review_overdue(Date::constant(2026, 4, 1)), "due today is not overdue");
        assert!(plan.review_overdue(Date::constant(2026, 4, 2)));
        assert!(plan.check_open("closed").is_ok());
        plan.closed_on = Some(Date::constant(2026, 3, 1));
        assert!(!plan.review_overdue(Date::constant(2026, 4, 2)));
        assert!(matches!(plan.check_open("closed"), Err(ApiError::Conflict { .. })));
    }

    #[test]
    fn a_closing_needs_a_past_day_and_a_clean_reason() {
        let closing = PlanClosing::new(Date::constant(2026, 1, 5), " No longer needed ").unwrap();
        assert_eq!(closing.reason, "No longer needed");
        assert!(PlanClosing::new(Date::constant(2099, 1, 1), "later").is_err());
    }
}
