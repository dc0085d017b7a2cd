//! A support plan's content, validated: goals, interventions, the person's participation, the next review.

use hemvist_platform::text::clean_text;
use hemvist_platform::{ApiError, Validation};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GoalStatus {
    NotStarted,
    InProgress,
    Achieved,
    Dropped,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Goal {
    #[schema(example = "Keep the apartment")]
    pub title: String,
    pub description: Option<String>,
    pub status: GoalStatus,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InterventionKind {
    HousingSupport,
    CaseManager,
    HealthCare,
    /// Offered, never required: declining it changes nothing else (Housing First).
    TreatmentOffered,
    Other,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanIntervention {
    pub kind: InterventionKind,
    #[schema(example = "Boendestöd Järva")]
    pub provider: String,
    /// Planned contacts per week.
    pub frequency_per_week: f64,
    #[schema(example = "lena.holm")]
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
}
