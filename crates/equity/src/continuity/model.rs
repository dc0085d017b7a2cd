//! Continuity's rules: what a change is, and the per-district share who kept one caseworker.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use crate::equity::model::suppressed;

/// One person's caseworker changes in the window: a new assignment to another caseworker than the
/// one before. The first caseworker a person gets is not a change; reassigning the same is not either.
#[derive(Debug, Clone)]
pub struct PersonChanges {
    pub person_id: uuid::Uuid,
    pub district_code: Option<String>,
    pub protected_identity: bool,
    pub given_name: String,
    pub family_name: String,
    pub changes: i64,
}

/// A district's continuity: people with a caseworker in the window and how many kept one.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct DistrictContinuity {
    pub district_code: String,
    /// People with a caseworker at some time in the window (null when 1 to 4: suppressed).
    pub people: Option<i64>,
    /// Of them, those who had no change of caseworker (null when suppressed).
    pub kept_one: Option<i64>,
    /// `kept_one / people` (null when suppressed).
    pub share_kept: Option<f64>,
}

/// Per district (people without a responsible district under `unknown`), suppressed below five people.
pub fn by_district(people: &[PersonChanges]) -> Vec<DistrictContinuity> {
    let mut counts: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for p in people {
        let entry = counts.entry(p.district_code.as_deref().unwrap_or("unknown")).or_default();
        entry.0 += 1;
        entry.1 += i64::from(p.changes == 0);
    }
    counts
        .into_iter()
        .map(|(district, (n, kept))| {
            let shown = !suppressed(n);
            DistrictContinuity {
                district_code: district.to_owned(),
                people: shown.then_some(n),
                kept_one: shown.then_some(kept),
                share_kept: shown.then(|| kept as f64 / n as f64),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(district: &str, changes: i64) -> PersonChanges {
        PersonChanges {
            person_id: uuid::Uuid::new_v4(),
            district_code: Some(district.into()),
            protected_identity: false,
            given_name: "A".into(),
            family_name: "B".into(),
            changes,
        }
    }

    #[test]
    fn shares_and_suppression() {
        let mut people: Vec<PersonChanges> = (0..5).map(|i| person("jarva", i64::from(i < 2))).collect();
        people.push(person("farsta", 0));
        let districts = by_district(&people);
        assert_eq!(districts[0].district_code, "farsta");
        assert_eq!(districts[0].share_kept, None);
        assert_eq!(
            (districts[1].people, districts[1].kept_one, districts[1].share_kept),
            (Some(5), Some(3), Some(0.6))
        );
    }
}
