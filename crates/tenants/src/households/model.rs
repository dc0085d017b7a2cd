//! A household, validated: registered adults (at least one), children registered as people, and
//! children known only by name and birth date.

use hemvist_platform::ApiError;
use hemvist_platform::text::clean_text;
use jiff::civil::Date;
use uuid::Uuid;

/// A child known only by name and birth date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewChild {
    pub given_name: Option<String>,
    pub birth_date: Date,
}

/// A household to form, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewHousehold {
    pub adults: Vec<Uuid>,
    pub child_people: Vec<Uuid>,
    pub children: Vec<NewChild>,
}

impl NewHousehold {
    /// At least one adult; children's birth dates not after `today`.
    pub fn new(
        adults: Vec<Uuid>,
        child_people: Vec<Uuid>,
        children: impl IntoIterator<Item = (Option<String>, Date)>,
        today: Date,
    ) -> Result<Self, ApiError> {
        if adults.is_empty() {
            return Err(ApiError::invalid("adults", "a household needs at least one adult"));
        }
        let mut checked = Vec::new();
        for (index, (given_name, birth_date)) in children.into_iter().enumerate() {
            if birth_date > today {
                return Err(ApiError::invalid(format!("children[{index}].birth_date"), "must not be in the future"));
            }
            let given_name = given_name.as_deref().map(|n| clean_text("given_name", n, 200, false)).transpose()?;
            checked.push(NewChild { given_name, birth_date });
        }
        Ok(Self { adults, child_people, children: checked })
    }

    /// Every registered member, adults first.
    pub fn people(&self) -> impl Iterator<Item = Uuid> + '_ {
        self.adults.iter().chain(&self.child_people).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: Date = Date::constant(2026, 11, 23);

    #[test]
    fn needs_an_adult_and_children_born_by_today() {
        assert!(NewHousehold::new(Vec::new(), vec![Uuid::nil()], [], TODAY).is_err());
        let born_tomorrow = [(None, Date::constant(2026, 11, 24))];
        assert!(NewHousehold::new(vec![Uuid::nil()], Vec::new(), born_tomorrow, TODAY).is_err());
        let household =
            NewHousehold::new(vec![Uuid::nil()], Vec::new(), [(Some(" Lo ".into()), TODAY)], TODAY).unwrap();
        assert_eq!(household.children.len(), 1);
    }
}
