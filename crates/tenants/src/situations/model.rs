//! A person's homelessness situation on a date, as Socialstyrelsen counts it
//! (situations 1–4), or as Stockholm counts it.
//!
//! Rules:
//! - Only facts valid on the date count: `from <= date` and (`to` is None or
//!   `date < to`); `to` is exclusive.
//! - Outdoors, emergency shelter and emergency housing → 1 (acute).
//! - Institution or supported housing, due to leave within 3 months with no
//!   home arranged → 2.
//! - Trial, training and Housing First leases and social contracts → 3
//!   (long-term arrangements by the municipality).
//! - Own short-term arrangement (second-hand contract, living with relatives
//!   or friends, any other) → 4.
//! - Own home → not homeless.
//! - A home (an own home or a lease: trial, training, Housing First, social
//!   contract) valid on the date supersedes every *open* (no `to`) fact of
//!   another kind that began on or before the home did: the person moved in,
//!   and the older record was never ended.
//! - Otherwise several valid facts: the most acute (lowest number) wins. An
//!   own home does not override a fact that began after it (an eviction, a
//!   night in a shelter): counting the person is the safer error.
//! - Stockholm does not count trial leases, Housing First leases, second-hand
//!   contracts or living with relatives as homelessness; they are ignored,
//!   everything else is as nationally.

use jiff::civil::Date;

/// One thing known about where a person lives, valid over [from, to)
/// (to None = still).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HousingFact {
    pub kind: FactKind,
    pub from: Date,
    pub to: Option<Date>,
}

impl HousingFact {
    /// Whether the fact holds on `date` (`to` is exclusive).
    pub fn is_valid_on(&self, date: Date) -> bool {
        self.from <= date && self.to.is_none_or(|to| date < to)
    }
}

hemvist_platform::pg_enum! {
    /// Kinds of housing facts. Leases and shelter nights will be delivered as
    /// facts by other crates, hence one flat list.
    pub enum FactKind {
        Outdoors = "outdoors",
        EmergencyShelter = "emergency_shelter",
        EmergencyHousing = "emergency_housing",
        /// In an institution, due to leave within 3 months, no home arranged.
        InstitutionLeavingWithoutHome = "institution_leaving_without_home",
        /// In supported housing, due to leave within 3 months, no home arranged.
        SupportedHousingLeavingWithoutHome = "supported_housing_leaving_without_home",
        TrialLease = "trial_lease",
        TrainingLease = "training_lease",
        HousingFirstLease = "housing_first_lease",
        SocialContract = "social_contract",
        /// A second-hand contract (andrahandskontrakt) of the person's own.
        SecondHandContract = "second_hand_contract",
        /// Living temporarily with relatives.
        LivingWithRelatives = "living_with_relatives",
        /// Living temporarily with friends.
        LivingWithFriends = "living_with_friends",
        /// Any other own short-term arrangement (and what was recorded before the kinds above existed).
        OwnShortTerm = "own_short_term",
        OwnHome = "own_home",
    }
}

impl FactKind {
    /// Whether staff record this kind as a housing arrangement; leases and shelter nights come from
    /// their own resources.
    pub fn is_recorded_arrangement(self) -> bool {
        !matches!(self, Self::TrialLease | Self::TrainingLease | Self::HousingFirstLease)
    }

    /// The situation this kind alone means under `classification`, or None
    /// when it is not homelessness by that count.
    pub fn situation(self, classification: Classification) -> Option<Situation> {
        match (self, classification) {
            (Self::Outdoors | Self::EmergencyShelter | Self::EmergencyHousing, _) => Some(Situation::Acute),
            (Self::InstitutionLeavingWithoutHome | Self::SupportedHousingLeavingWithoutHome, _) => {
                Some(Situation::Institution)
            }
            (Self::TrialLease | Self::HousingFirstLease, Classification::Stockholm) => None,
            (Self::TrialLease | Self::TrainingLease | Self::HousingFirstLease | Self::SocialContract, _) => {
                Some(Situation::LongTermMunicipal)
            }
            (Self::SecondHandContract | Self::LivingWithRelatives, Classification::Stockholm) => None,
            (
                Self::SecondHandContract | Self::LivingWithRelatives | Self::LivingWithFriends | Self::OwnShortTerm,
                _,
            ) => Some(Situation::OwnShortTerm),
            (Self::OwnHome, _) => None,
        }
    }

    /// A home the person lives in: an own home or a lease. Moving into one supersedes the older open
    /// records of where the person stayed before.
    pub fn is_home(self) -> bool {
        matches!(
            self,
            Self::OwnHome | Self::TrialLease | Self::TrainingLease | Self::HousingFirstLease | Self::SocialContract
        )
    }
}

/// Socialstyrelsen's homelessness situations; ordered from most acute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Situation {
    Acute = 1,
    Institution = 2,
    LongTermMunicipal = 3,
    OwnShortTerm = 4,
}

impl Situation {
    /// Socialstyrelsen's number, 1..=4.
    pub fn number(self) -> u8 {
        self as u8
    }
}

/// Whose definition of homelessness to count by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Classification {
    /// Socialstyrelsen's national definition.
    National,
    /// Stockholm's: trial leases, Housing First leases, second-hand contracts and living with relatives
    /// are not homelessness.
    Stockholm,
}

/// The person's situation on `date` under `classification`, or None when not
/// homeless by that count. See the module documentation for the rules.
pub fn situation_on(facts: &[HousingFact], date: Date, classification: Classification) -> Option<Situation> {
    let valid: Vec<&HousingFact> = facts.iter().filter(|fact| fact.is_valid_on(date)).collect();
    // The latest start of a home valid on the date; open facts begun on or before it are superseded.
    let moved_in = valid.iter().filter(|fact| fact.kind.is_home()).map(|fact| fact.from).max();
    let superseded = |fact: &HousingFact| {
        !fact.kind.is_home() && fact.to.is_none() && moved_in.is_some_and(|home| fact.from <= home)
    };
    valid.into_iter().filter(|fact| !superseded(fact)).filter_map(|fact| fact.kind.situation(classification)).min()
}

#[cfg(test)]
mod tests {
    use super::*;
    use Classification::{National, Stockholm};

    fn d(raw: &str) -> Date {
        raw.parse().unwrap()
    }

    fn fact(kind: FactKind, from: &str, to: Option<&str>) -> HousingFact {
        HousingFact { kind, from: d(from), to: to.map(d) }
    }

    const ALL_KINDS: [FactKind; 14] = [
        FactKind::Outdoors,
        FactKind::EmergencyShelter,
        FactKind::EmergencyHousing,
        FactKind::InstitutionLeavingWithoutHome,
        FactKind::SupportedHousingLeavingWithoutHome,
        FactKind::TrialLease,
        FactKind::TrainingLease,
        FactKind::HousingFirstLease,
        FactKind::SocialContract,
        FactKind::SecondHandContract,
        FactKind::LivingWithRelatives,
        FactKind::LivingWithFriends,
        FactKind::OwnShortTerm,
        FactKind::OwnHome,
    ];

    #[test]
    fn each_kind_under_both_classifications() {
        use FactKind::*;
        use Situation::{Acute, Institution, LongTermMunicipal};
        let expected = [
            (Outdoors, Some(Acute), Some(Acute)),
            (EmergencyShelter, Some(Acute), Some(Acute)),
            (EmergencyHousing, Some(Acute), Some(Acute)),
            (InstitutionLeavingWithoutHome, Some(Institution), Some(Institution)),
            (SupportedHousingLeavingWithoutHome, Some(Institution), Some(Institution)),
            (TrialLease, Some(LongTermMunicipal), None),
            (TrainingLease, Some(LongTermMunicipal), Some(LongTermMunicipal)),
            (HousingFirstLease, Some(LongTermMunicipal), None),
            (SocialContract, Some(LongTermMunicipal), Some(LongTermMunicipal)),
            (SecondHandContract, Some(Situation::OwnShortTerm), None),
            (LivingWithRelatives, Some(Situation::OwnShortTerm), None),
            (LivingWithFriends, Some(Situation::OwnShortTerm), Some(Situation::OwnShortTerm)),
            (OwnShortTerm, Some(Situation::OwnShortTerm), Some(Situation::OwnShortTerm)),
            (OwnHome, None, None),
        ];
        assert_eq!(expected.len(), ALL_KINDS.len());
        let on = d("2026-03-10");
        for (kind, national, stockholm) in expected {
            let facts = [fact(kind, "2026-01-01", None)];
            assert_eq!(situation_on(&facts, on, National), national, "{kind:?}");
            assert_eq!(situation_on(&facts, on, Stockholm), stockholm, "{kind:?}");
            assert_eq!(kind.situation(National), national, "{kind:?}");
            assert_eq!(kind.situation(Stockholm), stockholm, "{kind:?}");
        }
    }

    #[test]
    fn situation_numbers() {
        assert_eq!(Situation::Acute.number(), 1);
        assert_eq!(Situation::Institution.number(), 2);
        assert_eq!(Situation::LongTermMunicipal.number(), 3);
        assert_eq!(Situation::OwnShortTerm.number(), 4);
    }

    #[test]
    fn no_facts_is_not_homeless() {
        assert_eq!(situation_on(&[], d("2026-03-10"), National), None);
        assert_eq!(situation_on(&[], d("2026-03-10"), Stockholm), None);
    }

    #[test]
    fn from_is_inclusive_and_to_exclusive() {
        // Valid 2026-02-01 up to but not including 2026-03-01.
        let facts = [fact(FactKind::Outdoors, "2026-02-01", Some("2026-03-01"))];
        let on = |day| situation_on(&facts, d(day), National);
        assert_eq!(on("2026-01-31"), None);
        assert_eq!(on("2026-02-01"), Some(Situation::Acute));
        assert_eq!(on("2026-02-28"), Some(Situation::Acute));
        assert_eq!(on("2026-03-01"), None);
    }

    #[test]
    fn open_ended_fact_stays_valid() {
        let facts = [fact(FactKind::SocialContract, "2020-05-05", None)];
        assert_eq!(situation_on(&facts, d("2030-01-01"), National), Some(Situation::LongTermMunicipal));
        assert_eq!(situation_on(&facts, d("2020-05-04"), National), None);
    }

    #[test]
    fn empty_or_inverted_interval_is_never_valid() {
        let facts = [
            fact(FactKind::Outdoors, "2026-02-01", Some("2026-02-01")),
            fact(FactKind::Outdoors, "2026-02-10", Some("2026-02-05")),
        ];
        for day in ["2026-02-01", "2026-02-05", "2026-02-07", "2026-02-10"] {
            assert_eq!(situation_on(&facts, d(day), National), None, "{day}");
        }
    }

    #[test]
    fn most_acute_of_overlapping_facts_wins() {
        let facts = [
            fact(FactKind::OwnShortTerm, "2026-01-01", None),
            fact(FactKind::TrainingLease, "2026-01-01", None),
            fact(FactKind::EmergencyShelter, "2026-02-10", Some("2026-02-11")),
            fact(FactKind::InstitutionLeavingWithoutHome, "2026-03-01", Some("2026-04-01")),
        ];
        for (day, expected) in [
            ("2026-01-15", Situation::LongTermMunicipal),
            ("2026-02-10", Situation::Acute),
            ("2026-02-11", Situation::LongTermMunicipal),
            ("2026-03-15", Situation::Institution),
            ("2026-04-01", Situation::LongTermMunicipal),
        ] {
            for classification in [National, Stockholm] {
                assert_eq!(situation_on(&facts, d(day), classification), Some(expected), "{day} {classification:?}");
            }
        }
    }

    #[test]
    fn own_home_does_not_override_newer_facts() {
        let facts = [
            fact(FactKind::OwnHome, "2026-01-01", None),
            fact(FactKind::EmergencyHousing, "2026-02-01", Some("2026-02-15")),
        ];
        assert_eq!(situation_on(&facts, d("2026-01-20"), National), None);
        assert_eq!(situation_on(&facts, d("2026-02-05"), National), Some(Situation::Acute));
        assert_eq!(situation_on(&facts, d("2026-02-15"), Stockholm), None);
    }

    #[test]
    fn trial_lease_with_later_own_short_term_differs_by_classification() {
        // The stay with friends began after the lease, so the lease does not supersede it.
        // National: lease → 3 wins over 4. Stockholm ignores the lease → 4.
        let facts =
            [fact(FactKind::TrialLease, "2026-01-01", None), fact(FactKind::LivingWithFriends, "2026-03-01", None)];
        let on = d("2026-06-01");
        assert_eq!(situation_on(&facts, on, National), Some(Situation::LongTermMunicipal));
        assert_eq!(situation_on(&facts, on, Stockholm), Some(Situation::OwnShortTerm));
    }

    #[test]
    fn a_home_supersedes_older_open_facts_from_the_day_it_begins() {
        use FactKind::*;
        // (older open fact, home moved into on 2026-08-01, national and Stockholm on 07-31 and 08-01)
        let long_term = Some(Situation::LongTermMunicipal);
        let cases = [
            (Outdoors, OwnHome, Some(Situation::Acute), None),
            (EmergencyShelter, TrainingLease, Some(Situation::Acute), long_term),
            (EmergencyHousing, HousingFirstLease, Some(Situation::Acute), long_term),
            (InstitutionLeavingWithoutHome, TrialLease, Some(Situation::Institution), long_term),
            (LivingWithFriends, SocialContract, Some(Situation::OwnShortTerm), long_term),
        ];
        for (older, home, before, after) in cases {
            let facts = [fact(older, "2026-06-01", None), fact(home, "2026-08-01", None)];
            assert_eq!(situation_on(&facts, d("2026-07-31"), National), before, "{older:?} {home:?}");
            for day in ["2026-08-01", "2026-08-02"] {
                assert_eq!(situation_on(&facts, d(day), National), after, "{older:?} {home:?} {day}");
                let stockholm = home.situation(Stockholm);
                assert_eq!(situation_on(&facts, d(day), Stockholm), stockholm, "{older:?} {home:?} {day}");
            }
        }
        // Same start: the home wins.
        let facts = [fact(Outdoors, "2026-08-01", None), fact(OwnHome, "2026-08-01", None)];
        assert_eq!(situation_on(&facts, d("2026-08-01"), National), None);
    }

    #[test]
    fn a_home_does_not_supersede_newer_or_ended_facts() {
        use FactKind::*;
        // Outdoors after the home began (an eviction not yet recorded on the lease): acute.
        let facts = [fact(TrainingLease, "2026-01-01", None), fact(Outdoors, "2026-08-01", None)];
        assert_eq!(situation_on(&facts, d("2026-07-31"), National), Some(Situation::LongTermMunicipal));
        assert_eq!(situation_on(&facts, d("2026-08-01"), National), Some(Situation::Acute));
        // A shelter night (it has an end) during a lease still counts that night.
        let facts = [fact(OwnHome, "2026-01-01", None), fact(EmergencyShelter, "2025-12-31", Some("2026-01-02"))];
        assert_eq!(situation_on(&facts, d("2026-01-01"), National), Some(Situation::Acute));
        // A home that is not valid on the date supersedes nothing.
        let facts = [fact(Outdoors, "2026-01-01", None), fact(OwnHome, "2026-02-01", Some("2026-03-01"))];
        assert_eq!(situation_on(&facts, d("2026-02-15"), National), None);
        assert_eq!(situation_on(&facts, d("2026-03-01"), National), Some(Situation::Acute));
    }

    #[test]
    fn housing_first_alone_is_homeless_only_nationally() {
        let facts = [fact(FactKind::HousingFirstLease, "2025-09-01", None)];
        let on = d("2026-06-01");
        assert_eq!(situation_on(&facts, on, National), Some(Situation::LongTermMunicipal));
        assert_eq!(situation_on(&facts, on, Stockholm), None);
    }

    #[test]
    fn serde_names_are_snake_case() {
        let json = serde_json::to_string(&ALL_KINDS).unwrap();
        assert_eq!(
            json,
            concat!(
                r#"["outdoors","emergency_shelter","emergency_housing","#,
                r#""institution_leaving_without_home","supported_housing_leaving_without_home","#,
                r#""trial_lease","training_lease","housing_first_lease","social_contract","#,
                r#""second_hand_contract","living_with_relatives","living_with_friends","#,
                r#""own_short_term","own_home"]"#
            )
        );
        let back: Vec<FactKind> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, ALL_KINDS);
        assert_eq!(FactKind::ALL, ALL_KINDS);
        for kind in ALL_KINDS {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str(), "{kind:?}");
            assert_eq!(kind.as_str().parse::<FactKind>().ok(), Some(kind));
        }
        assert!("friends".parse::<FactKind>().is_err());
        assert_eq!(serde_json::to_string(&Situation::LongTermMunicipal).unwrap(), r#""long_term_municipal""#);
        let stockholm: Classification = serde_json::from_str(r#""stockholm""#).unwrap();
        assert_eq!(stockholm, Stockholm);
    }

    #[test]
    fn openapi_schemas_are_string_enums() {
        // The explicit discriminants of `Situation` must not leak into the API as integers.
        use utoipa::PartialSchema;
        let schema = serde_json::to_value(Situation::schema()).unwrap();
        assert_eq!(schema["type"], "string");
        assert_eq!(
            schema["enum"],
            serde_json::json!(["acute", "institution", "long_term_municipal", "own_short_term"])
        );
        let schema = serde_json::to_value(FactKind::schema()).unwrap();
        assert_eq!(schema["enum"].as_array().unwrap().len(), ALL_KINDS.len());
    }
}
