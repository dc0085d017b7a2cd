//! People, validated: identity, names, sex for statistics, protection, contact, home municipality.

use hemvist_platform::text::clean_text;
use hemvist_platform::{ApiError, MunicipalityCode, Validation};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::identity::{IdentityKind, SwedishId};

/// How a person is identified. A shelter guest may give no identity at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum IdentityKindInput {
    Personnummer,
    Samordningsnummer,
    /// A reserve number (reservnummer) given by a region or authority.
    ReserveNumber,
    None,
}

impl IdentityKindInput {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Personnummer => "personnummer",
            Self::Samordningsnummer => "samordningsnummer",
            Self::ReserveNumber => "reserve_number",
            Self::None => "none",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Personnummer, Self::Samordningsnummer, Self::ReserveNumber, Self::None]
            .into_iter()
            .find(|k| k.as_str() == raw)
    }
}

/// A validated identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    Swedish(SwedishId),
    Reserve(String),
    Unknown,
}

impl Identity {
    pub fn parse(kind: IdentityKindInput, number: Option<&str>, today: Date) -> Result<Self, ApiError> {
        let field = "identity_number";
        match (kind, number.map(str::trim).filter(|n| !n.is_empty())) {
            (IdentityKindInput::None, None) => Ok(Self::Unknown),
            (IdentityKindInput::None, Some(_)) => {
                Err(ApiError::invalid(field, "must be absent when identity_kind is none"))
            }
            (_, None) => Err(ApiError::invalid(field, "is required for this identity_kind")),
            (IdentityKindInput::ReserveNumber, Some(number)) => {
                Ok(Self::Reserve(clean_text(field, number, 40, false)?))
            }
            (expected, Some(number)) => {
                let today =
                    (i32::from(today.year()), today.month().unsigned_abs().into(), today.day().unsigned_abs().into());
                let id = SwedishId::parse(number, today).map_err(|e| ApiError::invalid(field, e.to_string()))?;
                let matches = matches!(
                    (expected, id.kind()),
                    (IdentityKindInput::Personnummer, IdentityKind::Personnummer)
                        | (IdentityKindInput::Samordningsnummer, IdentityKind::Samordningsnummer)
                );
                if !matches {
                    return Err(ApiError::invalid(field, format!("is not a {}", expected.as_str())));
                }
                Ok(Self::Swedish(id))
            }
        }
    }

    pub fn kind(&self) -> IdentityKindInput {
        match self {
            Self::Swedish(id) if id.kind() == IdentityKind::Samordningsnummer => IdentityKindInput::Samordningsnummer,
            Self::Swedish(_) => IdentityKindInput::Personnummer,
            Self::Reserve(_) => IdentityKindInput::ReserveNumber,
            Self::Unknown => IdentityKindInput::None,
        }
    }

    /// The stored form: 12 canonical digits, or the reserve number as given.
    pub fn stored_number(&self) -> Option<String> {
        match self {
            Self::Swedish(id) => Some(id.canonical().to_owned()),
            Self::Reserve(number) => Some(number.clone()),
            Self::Unknown => None,
        }
    }

    fn birth_date(&self) -> Option<Date> {
        match self {
            Self::Swedish(id) => {
                let (y, m, d) = id.birth_date();
                Date::new(i16::try_from(y).ok()?, i8::try_from(m).ok()?, i8::try_from(d).ok()?).ok()
            }
            _ => None,
        }
    }
}

/// How a stored identity number is shown: in full to roles that need it, otherwise masked.
pub fn display_identity(kind: &str, stored: Option<&str>, full: bool) -> Option<String> {
    let stored = stored?;
    let swedish = kind == "personnummer" || kind == "samordningsnummer";
    match (swedish, full) {
        (true, true) if stored.len() == 12 => Some(format!("{}-{}", &stored[..8], &stored[8..])),
        (true, false) if stored.len() == 12 => Some(format!("{}-****", &stored[..8])),
        (false, true) => Some(stored.to_owned()),
        _ => Some("****".to_owned()),
    }
}

/// Sex for statistics. With a Swedish identity number it follows the number (even second-to-last digit: woman).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Woman,
    Man,
    Unknown,
}

impl Sex {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Woman => "woman",
            Self::Man => "man",
            Self::Unknown => "unknown",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        [Self::Woman, Self::Man, Self::Unknown].into_iter().find(|s| s.as_str() == raw)
    }
}

/// A person's record, validated, as it is written.
#[derive(Debug, Clone)]
pub struct PersonRecord {
    pub identity: Identity,
    pub given_name: String,
    pub family_name: String,
    pub birth_date: Option<Date>,
    pub sex: Sex,
    pub protected_identity: bool,
    pub home_municipality: Option<MunicipalityCode>,
    pub responsible_district_code: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// What a client sends to register or replace a person.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonInput {
    pub identity_kind: IdentityKindInput,
    /// Personnummer or samordningsnummer (10 or 12 digits, with or without separator), or a reserve number.
    #[schema(example = "19121212-1212")]
    pub identity_number: Option<String>,
    #[schema(example = "Tolvan")]
    pub given_name: String,
    #[schema(example = "Tolvansson")]
    pub family_name: String,
    /// Required knowledge only without a Swedish identity number (it is read from the number otherwise).
    #[schema(value_type = Option<String>, format = Date)]
    pub birth_date: Option<Date>,
    /// Only without a Swedish identity number; otherwise it follows the number.
    pub sex: Option<Sex>,
    #[serde(default)]
    pub protected_identity: bool,
    /// The municipality the person belongs to (hemmahörande); decides guarantee eligibility.
    #[schema(example = "0180")]
    pub home_municipality_code: Option<String>,
    #[schema(example = "jarva")]
    pub responsible_district_code: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    /// The first caseworker (handläggare), when registering only; change it later through
    /// `/people/{id}/caseworkers` so the history is kept.
    pub caseworker: Option<String>,
}

impl PersonInput {
    pub fn validate(self, today: Date) -> Result<PersonRecord, ApiError> {
        let mut v = Validation::default();
        let identity = v.keep(Identity::parse(self.identity_kind, self.identity_number.as_deref(), today));
        let given_name = v.keep(clean_text("given_name", &self.given_name, 200, false));
        let family_name = v.keep(clean_text("family_name", &self.family_name, 200, false));
        let home = v.keep(
            self.home_municipality_code
                .as_deref()
                .map(|c| {
                    MunicipalityCode::parse(c)
                        .map_err(|_| ApiError::invalid("home_municipality_code", "must be four digits"))
                })
                .transpose(),
        );
        let district = v.keep(
            self.responsible_district_code
                .as_deref()
                .map(|c| clean_text("responsible_district_code", c, 40, false))
                .transpose(),
        );
        let address = v.keep(self.address.as_deref().map(|a| clean_text("address", a, 500, true)).transpose());
        let phone = v.keep(self.phone.as_deref().map(|p| clean_text("phone", p, 50, false)).transpose());
        let email = v.keep(self.email.as_deref().map(|e| clean_text("email", e, 200, false)).transpose());
        if self.birth_date.is_some_and(|b| b > today) {
            v.push("birth_date", "must not be in the future");
        }
        if matches!(identity, Some(Identity::Swedish(_))) && (self.sex.is_some() || self.birth_date.is_some()) {
            v.push("sex", "birth date and sex follow the identity number; leave them out");
        }
        let (
            Some(identity),
            Some(given_name),
            Some(family_name),
            Some(home),
            Some(district),
            Some(address),
            Some(phone),
            Some(email),
        ) = (identity, given_name, family_name, home, district, address, phone, email)
        else {
            return Err(v.finish().err().unwrap_or_else(|| ApiError::invalid("body", "invalid person")));
        };
        v.finish()?;
        let (birth_date, sex) = match &identity {
            Identity::Swedish(id) => (identity.birth_date(), if id.is_woman() { Sex::Woman } else { Sex::Man }),
            _ => (self.birth_date, self.sex.unwrap_or(Sex::Unknown)),
        };
        Ok(PersonRecord {
            identity,
            given_name,
            family_name,
            birth_date,
            sex,
            protected_identity: self.protected_identity,
            home_municipality: home,
            responsible_district_code: district,
            address,
            phone,
            email,
        })
    }
}

/// Whole years between `birth` and `on`.
pub fn age_on(birth: Date, on: Date) -> i32 {
    let before_birthday = (on.month(), on.day()) < (birth.month(), birth.day());
    i32::from(on.year()) - i32::from(birth.year()) - i32::from(before_birthday)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: Date = Date::constant(2026, 11, 23);

    fn input(kind: IdentityKindInput, number: Option<&str>) -> PersonInput {
        PersonInput {
            identity_kind: kind,
            identity_number: number.map(str::to_owned),
            given_name: "Tolvan".into(),
            family_name: "Tolvansson".into(),
            birth_date: None,
            sex: None,
            protected_identity: false,
            home_municipality_code: Some("0180".into()),
            responsible_district_code: None,
            address: None,
            phone: None,
            email: None,
            caseworker: None,
        }
    }

    #[test]
    fn sex_and_birth_date_follow_the_number() {
        let person = input(IdentityKindInput::Personnummer, Some("19121212-1212")).validate(TODAY).unwrap();
        assert_eq!(person.sex, Sex::Man);
        assert_eq!(person.birth_date, Some(Date::constant(1912, 12, 12)));
        assert_eq!(person.identity.stored_number().as_deref(), Some("191212121212"));
        let coordination = input(IdentityKindInput::Samordningsnummer, Some("19701063-2391")).validate(TODAY).unwrap();
        assert_eq!(coordination.birth_date, Some(Date::constant(1970, 10, 3)));
    }

    #[test]
    fn kind_must_match_number() {
        assert!(input(IdentityKindInput::Samordningsnummer, Some("19121212-1212")).validate(TODAY).is_err());
        assert!(input(IdentityKindInput::Personnummer, Some("19701063-2391")).validate(TODAY).is_err());
        assert!(input(IdentityKindInput::None, Some("19121212-1212")).validate(TODAY).is_err());
        assert!(input(IdentityKindInput::Personnummer, None).validate(TODAY).is_err());
        assert!(input(IdentityKindInput::Personnummer, Some("19121212-1213")).validate(TODAY).is_err());
        assert!(input(IdentityKindInput::None, None).validate(TODAY).is_ok());
    }

    #[test]
    fn masking() {
        assert_eq!(display_identity("personnummer", Some("191212121212"), true).as_deref(), Some("19121212-1212"));
        assert_eq!(display_identity("personnummer", Some("191212121212"), false).as_deref(), Some("19121212-****"));
        assert_eq!(display_identity("reserve_number", Some("R123"), false).as_deref(), Some("****"));
        assert_eq!(display_identity("none", None, true), None);
    }

    #[test]
    fn ages() {
        assert_eq!(age_on(Date::constant(2010, 11, 24), TODAY), 15);
        assert_eq!(age_on(Date::constant(2010, 11, 23), TODAY), 16);
        assert_eq!(age_on(Date::constant(2008, 2, 29), Date::constant(2026, 2, 28)), 17);
    }
}
