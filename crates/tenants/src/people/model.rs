//! People, validated: identity, names, sex for statistics, protection, contact, home municipality.

use hemvist_platform::text::clean_text;
use hemvist_platform::{ApiError, MunicipalityCode, Validation};
use jiff::civil::Date;
use serde::Deserialize;
use utoipa::ToSchema;

use super::birth::BirthDate;
use super::identity::{IdentityKind, SwedishId};

hemvist_platform::pg_enum! {
    /// How a person is identified. A shelter guest may give no identity at all.
    #[derive(Default)]
    pub enum IdentityKindInput {
        Personnummer = "personnummer",
        Samordningsnummer = "samordningsnummer",
        /// A reserve number (reservnummer) given by a region or authority.
        ReserveNumber = "reserve_number",
        #[default]
        None = "none",
    }
}

impl IdentityKindInput {
    /// A Swedish identity number (personnummer or samordningsnummer), shown in its own format.
    pub fn is_swedish(self) -> bool {
        matches!(self, Self::Personnummer | Self::Samordningsnummer)
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

    /// The birth date as far as the number tells it (a samordningsnummer may leave out month and day).
    pub fn birth_date(&self) -> Option<BirthDate> {
        match self {
            Self::Swedish(id) => {
                let (y, m, d) = id.birth_date();
                let part = |p: Option<u32>| p.and_then(|p| i8::try_from(p).ok());
                BirthDate::new(i16::try_from(y).ok()?, part(m), part(d)).ok()
            }
            _ => None,
        }
    }

    /// Sex for statistics as the number gives it.
    pub fn sex(&self) -> Option<Sex> {
        match self {
            Self::Swedish(id) => Some(if id.is_woman() { Sex::Woman } else { Sex::Man }),
            _ => None,
        }
    }
}

/// How a stored identity number is shown: in full to roles that need it, otherwise masked.
pub fn display_identity(kind: IdentityKindInput, stored: Option<&str>, full: bool) -> Option<String> {
    let stored = stored?;
    match (kind.is_swedish(), full) {
        (true, true) if stored.len() == 12 => Some(format!("{}-{}", &stored[..8], &stored[8..])),
        (true, false) if stored.len() == 12 => Some(format!("{}-****", &stored[..8])),
        (false, true) => Some(stored.to_owned()),
        _ => Some("****".to_owned()),
    }
}

hemvist_platform::pg_enum! {
    /// Sex for statistics. With a Swedish identity number it follows the number (even second-to-last digit: woman).
    pub enum Sex {
        Woman = "woman",
        Man = "man",
        Unknown = "unknown",
    }
}

hemvist_platform::pg_enum! {
    /// A person's place in their household.
    pub enum HouseholdRole {
        Adult = "adult",
        Child = "child",
    }
}

/// A person's record, validated, as it is written.
#[derive(Debug, Clone)]
pub struct PersonRecord {
    pub identity: Identity,
    pub given_name: String,
    pub family_name: String,
    pub birth: Option<BirthDate>,
    pub sex: Sex,
    pub protected_identity: bool,
    pub home_municipality: Option<MunicipalityCode>,
    pub responsible_district_code: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// What a client sends to register or replace a person. A person as read (`GET`) may be sent back as it
/// is: the values the identity number gives and the read-only ones are accepted when they equal what is
/// stored, and a value that differs is refused naming its field.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonInput {
    /// Read-only: when sent, must be the person's id.
    pub id: Option<uuid::Uuid>,
    pub identity_kind: IdentityKindInput,
    /// Personnummer or samordningsnummer (10 or 12 digits, with or without separator), or a reserve number.
    #[schema(example = "19121212-1212")]
    pub identity_number: Option<String>,
    #[schema(example = "Tolvan", min_length = 1, max_length = 200, pattern = "hemvist:line")]
    pub given_name: String,
    #[schema(example = "Tolvansson", min_length = 1, max_length = 200, pattern = "hemvist:line")]
    pub family_name: String,
    /// The complete birth date. With a Swedish identity number it is read from the number; when sent it
    /// must agree with it.
    #[schema(value_type = Option<String>, format = Date)]
    pub birth_date: Option<Date>,
    /// The birth year, when only part of the birth date is known (or together with `birth_date`, agreeing).
    #[schema(minimum = 1, maximum = 9999)]
    pub birth_year: Option<i16>,
    /// The birth month when known; needs `birth_year`.
    #[schema(minimum = 1, maximum = 12)]
    pub birth_month: Option<i8>,
    /// The day of the month when known; needs `birth_year`.
    #[schema(minimum = 1, maximum = 31)]
    pub birth_day: Option<i8>,
    /// Without a Swedish identity number as known (default `unknown`); with one it follows the number
    /// and, when sent, must agree with it.
    pub sex: Option<Sex>,
    /// Skyddade personuppgifter (default false when registering). `PUT` of a protected person must send
    /// it: leaving it out would lift the protection unnoticed (422).
    pub protected_identity: Option<bool>,
    /// The municipality the person belongs to (hemmahörande); decides guarantee eligibility.
    #[schema(example = "0180")]
    pub home_municipality_code: Option<String>,
    #[schema(example = "jarva", min_length = 1, max_length = 40, pattern = "hemvist:line")]
    pub responsible_district_code: Option<String>,
    #[schema(min_length = 1, max_length = 500, pattern = "hemvist:lines")]
    pub address: Option<String>,
    #[schema(min_length = 1, max_length = 50, pattern = "hemvist:line")]
    pub phone: Option<String>,
    #[schema(min_length = 1, max_length = 200, pattern = "hemvist:line")]
    pub email: Option<String>,
    /// The first caseworker (handläggare) when registering. When replacing, it may only repeat the current
    /// one: change it through `/people/{id}/caseworkers` so the history is kept.
    pub caseworker: Option<String>,
    /// Read-only (set through `/households`): accepted when equal to the stored value.
    pub household_id: Option<uuid::Uuid>,
    /// Read-only (set through `/households`): accepted when equal to the stored value.
    pub household_role: Option<String>,
    /// Read-only: when sent to replace a person, a precondition like `If-Match`.
    pub version: Option<i32>,
    /// Read-only, derived for the reader; ignored.
    pub identity_masked: Option<bool>,
    /// Read-only, derived for the reader; ignored.
    pub belongs_to_municipality: Option<bool>,
    /// Read-only, derived for the reader; ignored.
    pub contact_withheld: Option<bool>,
}

/// The birth date a client sent: a complete `birth_date` or the parts known; parts sent with a complete
/// date must agree with it. None when nothing was sent or something is wrong (then `v` says what).
fn birth_input(
    v: &mut Validation,
    date: Option<Date>,
    year: Option<i16>,
    month: Option<i8>,
    day: Option<i8>,
) -> Option<BirthDate> {
    if let Some(date) = date {
        let complete = BirthDate::complete(date);
        disagreeing_parts(v, complete, year, month, day, "birth_date");
        return Some(complete);
    }
    let Some(year) = year else {
        if month.is_some() || day.is_some() {
            v.push("birth_year", "is required with birth_month or birth_day");
        }
        return None;
    };
    BirthDate::new(year, month, day).map_err(|part| v.push(part.field(), "is not a possible birth date")).ok()
}

/// Pushes an error for each sent part that differs from `known`, which came from `source`.
fn disagreeing_parts(
    v: &mut Validation,
    known: BirthDate,
    year: Option<i16>,
    month: Option<i8>,
    day: Option<i8>,
    source: &str,
) {
    let message = format!("disagrees with the {source}, which gives {known}");
    if year.is_some_and(|y| y != known.year()) {
        v.push("birth_year", message.clone());
    }
    if month.is_some() && month != known.month() {
        v.push("birth_month", message.clone());
    }
    if day.is_some() && day != known.day() {
        v.push("birth_day", message);
    }
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
        let sent_birth = match &identity {
            // The number gives birth date and sex: what is sent must agree, each field named on its own.
            Some(identity @ Identity::Swedish(_)) => {
                let known = identity.birth_date();
                if let Some(sent) = self.birth_date
                    && known.and_then(BirthDate::date) != Some(sent)
                {
                    let known = known.map_or_else(|| "no date".to_owned(), |k| k.to_string());
                    v.push("birth_date", format!("disagrees with the identity number, which gives {known}"));
                }
                if let Some(known) = known {
                    disagreeing_parts(
                        &mut v,
                        known,
                        self.birth_year,
                        self.birth_month,
                        self.birth_day,
                        "identity number",
                    );
                }
                if let (Some(sent), Some(known)) = (self.sex, identity.sex())
                    && sent != known
                {
                    v.push("sex", format!("disagrees with the identity number, which gives {}", known.as_str()));
                }
                None
            }
            _ => birth_input(&mut v, self.birth_date, self.birth_year, self.birth_month, self.birth_day),
        };
        if sent_birth.is_some_and(|b| b.earliest() > today) {
            let field = if self.birth_date.is_some() { "birth_date" } else { "birth_year" };
            v.push(field, "must not be in the future");
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
        let (birth, sex) = match identity.sex() {
            Some(sex) => (identity.birth_date(), sex),
            None => (sent_birth, self.sex.unwrap_or(Sex::Unknown)),
        };
        Ok(PersonRecord {
            identity,
            given_name,
            family_name,
            birth,
            sex,
            protected_identity: self.protected_identity.unwrap_or(false),
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
            home_municipality_code: Some("0180".into()),
            ..PersonInput::default()
        }
    }

    #[test]
    fn sex_and_birth_date_follow_the_number() {
        let person = input(IdentityKindInput::Personnummer, Some("19121212-1212")).validate(TODAY).unwrap();
        assert_eq!(person.sex, Sex::Man);
        assert_eq!(person.birth, Some(BirthDate::complete(Date::constant(1912, 12, 12))));
        assert_eq!(person.identity.stored_number().as_deref(), Some("191212121212"));
        let coordination = input(IdentityKindInput::Samordningsnummer, Some("19701063-2391")).validate(TODAY).unwrap();
        assert_eq!(coordination.birth, Some(BirthDate::complete(Date::constant(1970, 10, 3))));
        let partial = input(IdentityKindInput::Samordningsnummer, Some("19900060-1238")).validate(TODAY).unwrap();
        assert_eq!(partial.birth, Some(BirthDate::new(1990, None, None).unwrap()));
        assert_eq!(partial.sex, Sex::Man);
    }

    fn fields(result: Result<PersonRecord, ApiError>) -> Vec<String> {
        match result {
            Err(ApiError::Unprocessable { errors, .. }) => errors.into_iter().map(|e| e.field).collect(),
            other => panic!("expected 422, got {other:?}"),
        }
    }

    #[test]
    fn values_sent_with_a_number_must_agree_with_it_and_name_their_field() {
        let tolvan = || input(IdentityKindInput::Personnummer, Some("19121212-1212"));
        let agreeing = PersonInput {
            birth_date: Some(Date::constant(1912, 12, 12)),
            birth_year: Some(1912),
            birth_month: Some(12),
            birth_day: Some(12),
            sex: Some(Sex::Man),
            ..tolvan()
        };
        assert!(agreeing.validate(TODAY).is_ok());
        let cases: [(PersonInput, &[&str]); 4] = [
            (PersonInput { birth_date: Some(Date::constant(1990, 1, 1)), ..tolvan() }, &["birth_date"]),
            (PersonInput { sex: Some(Sex::Woman), ..tolvan() }, &["sex"]),
            (PersonInput { birth_year: Some(1913), birth_day: Some(13), ..tolvan() }, &["birth_year", "birth_day"]),
            (PersonInput { sex: Some(Sex::Unknown), birth_month: Some(1), ..tolvan() }, &["birth_month", "sex"]),
        ];
        for (sent, expected) in cases {
            assert_eq!(fields(sent.validate(TODAY)), expected);
        }
        // A partial number: a complete date is more than it says; its parts must match.
        let partial = || input(IdentityKindInput::Samordningsnummer, Some("19900560-1233"));
        let read_back = PersonInput { birth_year: Some(1990), birth_month: Some(5), ..partial() };
        assert_eq!(read_back.validate(TODAY).unwrap().birth, Some(BirthDate::new(1990, Some(5), None).unwrap()));
        let made_up = PersonInput { birth_date: Some(Date::constant(1990, 5, 17)), ..partial() };
        assert_eq!(fields(made_up.validate(TODAY)), ["birth_date"]);
    }

    #[test]
    fn a_birth_date_without_a_number_may_be_partial() {
        let none = || input(IdentityKindInput::None, None);
        let year_month = PersonInput { birth_year: Some(2015), birth_month: Some(3), ..none() };
        assert_eq!(year_month.validate(TODAY).unwrap().birth, Some(BirthDate::new(2015, Some(3), None).unwrap()));
        let cases: [(PersonInput, &[&str]); 5] = [
            (PersonInput { birth_month: Some(3), ..none() }, &["birth_year"]),
            (PersonInput { birth_year: Some(2015), birth_month: Some(13), ..none() }, &["birth_month"]),
            (
                PersonInput { birth_year: Some(2023), birth_month: Some(2), birth_day: Some(29), ..none() },
                &["birth_day"],
            ),
            (PersonInput { birth_year: Some(2027), ..none() }, &["birth_year"]),
            (
                PersonInput { birth_date: Some(Date::constant(2015, 3, 1)), birth_month: Some(4), ..none() },
                &["birth_month"],
            ),
        ];
        for (sent, expected) in cases {
            assert_eq!(fields(sent.validate(TODAY)), expected);
        }
        // This year's is not in the future although December has not come.
        assert!(PersonInput { birth_year: Some(2026), ..none() }.validate(TODAY).is_ok());
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
        assert_eq!(
            display_identity(IdentityKindInput::Personnummer, Some("191212121212"), true).as_deref(),
            Some("19121212-1212")
        );
        assert_eq!(
            display_identity(IdentityKindInput::Personnummer, Some("191212121212"), false).as_deref(),
            Some("19121212-****")
        );
        assert_eq!(display_identity(IdentityKindInput::ReserveNumber, Some("R123"), false).as_deref(), Some("****"));
        assert_eq!(display_identity(IdentityKindInput::None, None, true), None);
    }

    #[test]
    fn ages() {
        assert_eq!(age_on(Date::constant(2010, 11, 24), TODAY), 15);
        assert_eq!(age_on(Date::constant(2010, 11, 23), TODAY), 16);
        assert_eq!(age_on(Date::constant(2008, 2, 29), Date::constant(2026, 2, 28)), 17);
    }
}
