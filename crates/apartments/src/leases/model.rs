//! Sublets (trial, training, Bostad Först): their kinds and states, what a lease offer says on the
//! decision, and when the tenant may take over the first-hand lease. Pure rules, tested without a
//! database. There is deliberately no treatment or sobriety condition anywhere (JO 8958-2020).

use std::fmt;

use hemvist_tenants::api::Intervention;
use jiff::civil::Date;

use crate::apartments::model::ApartmentStatus;

hemvist_platform::pg_enum! {
    /// The kind of sublet.
    pub enum LeaseKind {
        /// Försökslägenhet: may be taken over once the tenancy works.
        Trial = "trial",
        /// Träningslägenhet: practice in keeping a home; never taken over.
        Training = "training",
        /// Bostad Först: may be taken over after enough follow-ups.
        HousingFirst = "housing_first",
    }
}

hemvist_platform::pg_enum! {
    pub enum LeaseStatus {
        Offered = "offered",
        Active = "active",
        Ended = "ended",
        /// The tenant took over the first-hand lease.
        TakenOver = "taken_over",
    }
}

impl LeaseStatus {
    /// Offered or active: the lease holds the apartment for its period.
    pub const OPEN: &'static [LeaseStatus] = &[LeaseStatus::Offered, LeaseStatus::Active];
    /// Offered, active or taken over: the apartment is (or is to be) the tenant's home.
    pub const HOME: &'static [LeaseStatus] = &[LeaseStatus::Offered, LeaseStatus::Active, LeaseStatus::TakenOver];
}

impl LeaseKind {
    /// The intervention a decision must grant for this kind of lease.
    pub fn intervention(self) -> Intervention {
        match self {
            LeaseKind::Trial => Intervention::TrialApartment,
            LeaseKind::Training => Intervention::TrainingApartment,
            LeaseKind::HousingFirst => Intervention::HousingFirst,
        }
    }

    /// What the offer on the decision says (it goes to IVO): the kind and the date, never the address.
    pub fn offer_description(self, starts_on: Date) -> String {
        let what = match self {
            LeaseKind::Trial => "Trial apartment (försökslägenhet) sublet",
            LeaseKind::Training => "Training apartment (träningslägenhet) sublet",
            LeaseKind::HousingFirst => "Bostad Först sublet",
        };
        format!("{what} from {starts_on}")
    }
}

/// The apartment's status once one of its leases stops being open, from the statuses of its other
/// open (offered or active) leases: let while one is active, offered while one is offered, else available.
pub fn apartment_status_after(others: &[LeaseStatus]) -> ApartmentStatus {
    if others.contains(&LeaseStatus::Active) {
        ApartmentStatus::Let
    } else if others.is_empty() {
        ApartmentStatus::Available
    } else {
        ApartmentStatus::Offered
    }
}

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

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde::de::IntoDeserializer;
    use serde::de::value::{Error as DeError, StrDeserializer};

    use super::*;

    #[test]
    fn lease_kind_names_round_trip() {
        for kind in LeaseKind::ALL.iter().copied() {
            assert_eq!(kind.as_str().parse::<LeaseKind>().ok(), Some(kind));
        }
        assert_eq!(LeaseKind::Trial.as_str(), "trial");
        assert_eq!(LeaseKind::Training.as_str(), "training");
        assert_eq!(LeaseKind::HousingFirst.as_str(), "housing_first");
    }

    #[test]
    fn lease_kind_parse_is_exact() {
        assert_eq!("Trial".parse::<LeaseKind>().ok(), None);
        assert_eq!("housing-first".parse::<LeaseKind>().ok(), None);
        assert_eq!(" trial".parse::<LeaseKind>().ok(), None);
        assert_eq!("".parse::<LeaseKind>().ok(), None);
    }

    #[test]
    fn lease_kind_serde_names_match_as_str() {
        for kind in LeaseKind::ALL.iter().copied() {
            let de: StrDeserializer<'_, DeError> = kind.as_str().into_deserializer();
            assert_eq!(LeaseKind::deserialize(de).ok(), Some(kind));
        }
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

    #[test]
    fn the_apartment_follows_its_other_open_leases() {
        assert_eq!(apartment_status_after(&[]), ApartmentStatus::Available);
        assert_eq!(apartment_status_after(&[LeaseStatus::Offered]), ApartmentStatus::Offered);
        assert_eq!(apartment_status_after(&[LeaseStatus::Offered, LeaseStatus::Active]), ApartmentStatus::Let);
    }
}
