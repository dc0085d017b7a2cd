//! The admin's shelters: the list, a new shelter, and changing one (its beds and who it takes),
//! through the shelter-beds crate's `register_shelter` and `replace_shelter`, which the API's
//! `create_shelter` and `update_shelter` call: the same validation (`ShelterInput::validate`), district
//! from the location, lost-update check and audit.

use askama::Template;
use axum::extract::Query;
use hemvist_platform::{ApiError, Path, Validation};
use hemvist_shelter_beds::MANAGE_SHELTERS;
use hemvist_shelter_beds::shelters::model::{Eligibility, Shelter, ShelterInput, ShelterStatus};
use hemvist_shelter_beds::shelters::{register_shelter, replace_shelter, shelter_in_scope, shelters_in_scope};
use jiff::civil::Time;
use serde::Deserialize;
use uuid::Uuid;

use super::{SHELTERS_PATH, render_with, see_other};
use crate::i18n::AdminText;
use crate::pages::page::{CsrfField, SignedForm, SignedIn};
use crate::pages::{ErrorView, Layout, OnPage, PageResult};

pub struct ShelterRow {
    pub id: Uuid,
    pub name: String,
    pub operator: String,
    pub district: Option<String>,
    pub total_beds: i32,
    pub open: bool,
}

#[derive(Template)]
#[template(path = "admin_shelters.html")]
struct SheltersPage {
    layout: Layout,
    a: &'static AdminText,
    shelters: Vec<ShelterRow>,
    saved: bool,
}

#[derive(Debug, Deserialize)]
pub struct SheltersQuery {
    saved: Option<String>,
}

pub async fn shelters(Query(query): Query<SheltersQuery>, page: SignedIn) -> PageResult {
    let shelters = page.run(MANAGE_SHELTERS, async |w| shelters_in_scope(w).await).await?;
    let a = page.lang.text.admin();
    let rows = shelters
        .into_iter()
        .map(|s| ShelterRow {
            id: s.id,
            name: s.name,
            operator: s.operator,
            district: s.district_code,
            total_beds: s.total_beds,
            open: s.status == ShelterStatus::Open,
        })
        .collect();
    Ok(page.render(&SheltersPage {
        layout: page.layout(a.shelters_title),
        a,
        shelters: rows,
        saved: query.saved.is_some(),
    }))
}

/// The shelter form as typed: text as it came, checkboxes present when ticked.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ShelterForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub operator: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub lat: String,
    #[serde(default)]
    pub lon: String,
    pub outside_municipality: Option<String>,
    #[serde(default)]
    pub total_beds: String,
    pub accepts_women: Option<String>,
    pub accepts_men: Option<String>,
    pub accepts_couples: Option<String>,
    pub accepts_pets: Option<String>,
    pub accepts_substance_use: Option<String>,
    pub wheelchair_accessible: Option<String>,
    #[serde(default)]
    pub min_age: String,
    #[serde(default)]
    pub max_age: String,
    #[serde(default)]
    pub opens_at: String,
    #[serde(default)]
    pub check_in_deadline: String,
    #[serde(default)]
    pub status: String,
    /// The version the form was filled from (a change is refused if the shelter changed since).
    pub version: Option<String>,
    csrf: Option<String>,
}

impl CsrfField for ShelterForm {
    fn csrf(&self) -> Option<&str> {
        self.csrf.as_deref()
    }
}

fn ticked(yes: bool) -> Option<String> {
    yes.then(|| "1".to_owned())
}

impl ShelterForm {
    /// A new shelter's form: adults of any sex, open 19–23.
    fn blank() -> Self {
        ShelterForm {
            accepts_women: ticked(true),
            accepts_men: ticked(true),
            min_age: "18".into(),
            opens_at: "19:00".into(),
            check_in_deadline: "23:00".into(),
            status: ShelterStatus::Open.as_str().into(),
            ..ShelterForm::default()
        }
    }

    /// The form filled from a stored shelter.
    fn of(s: &Shelter) -> Self {
        let e = &s.eligibility;
        ShelterForm {
            name: s.name.clone(),
            operator: s.operator.clone(),
            address: s.address.clone(),
            lat: s.lat.to_string(),
            lon: s.lon.to_string(),
            outside_municipality: ticked(s.outside_municipality),
            total_beds: s.total_beds.to_string(),
            accepts_women: ticked(e.accepts_women),
            accepts_men: ticked(e.accepts_men),
            accepts_couples: ticked(e.accepts_couples),
            accepts_pets: ticked(e.accepts_pets),
            accepts_substance_use: ticked(e.accepts_substance_use),
            wheelchair_accessible: ticked(e.wheelchair_accessible),
            min_age: e.min_age.to_string(),
            max_age: e.max_age.map(|a| a.to_string()).unwrap_or_default(),
            opens_at: s.opens_at.strftime("%H:%M").to_string(),
            check_in_deadline: s.check_in_deadline.strftime("%H:%M").to_string(),
            status: s.status.as_str().into(),
            version: Some(s.version.to_string()),
            csrf: None,
        }
    }

    pub fn is_open(&self) -> bool {
        self.status != ShelterStatus::Closed.as_str()
    }

    /// What the API would be sent, and the version the form was filled from; a 422 naming every field
    /// that is not a number or a time. The API's own rules follow in `ShelterInput::validate`.
    fn input(&self) -> Result<(ShelterInput, Option<i32>), ApiError> {
        let mut v = Validation::default();
        let decimal = |raw: &str| raw.trim().replace(',', ".").parse::<f64>().ok().filter(|x| x.is_finite());
        let lat = decimal(&self.lat);
        let lon = decimal(&self.lon);
        for (field, value) in [("lat", lat), ("lon", lon)] {
            if value.is_none() {
                v.push(field, "must be a number");
            }
        }
        let whole = |v: &mut Validation, field: &str, raw: &str| match raw.trim().parse::<i32>() {
            Ok(n) => Some(n),
            Err(_) => {
                v.push(field, "must be a whole number");
                None
            }
        };
        let total_beds = whole(&mut v, "total_beds", &self.total_beds);
        let age = |v: &mut Validation, field: &str, raw: &str| {
            whole(v, field, raw).and_then(|n| match i16::try_from(n) {
                Ok(age) => Some(age),
                Err(_) => {
                    v.push("max_age", "ages must be 0..=120 with max_age at least min_age");
                    None
                }
            })
        };
        let min_age = age(&mut v, "min_age", &self.min_age);
        let max_age =
            if self.max_age.trim().is_empty() { Some(None) } else { age(&mut v, "max_age", &self.max_age).map(Some) };
        let time = |v: &mut Validation, field: &str, raw: &str| match raw.trim().parse::<Time>() {
            Ok(t) => Some(t),
            Err(_) => {
                v.push(field, "must be a time (HH:MM)");
                None
            }
        };
        let opens_at = time(&mut v, "opens_at", &self.opens_at);
        let check_in_deadline = time(&mut v, "check_in_deadline", &self.check_in_deadline);
        let status = match self.status.parse::<ShelterStatus>() {
            Ok(status) => Some(status),
            Err(_) => {
                v.push("status", "must be open or closed");
                None
            }
        };
        let version = match self.version.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Some(None),
            Some(raw) => raw.parse::<i32>().ok().map(Some),
        };
        if version.is_none() {
            v.push("version", "must be a whole number");
        }
        v.finish()?;
        let (
            Some(lat),
            Some(lon),
            Some(total_beds),
            Some(min_age),
            Some(max_age),
            Some(opens_at),
            Some(check_in_deadline),
            Some(status),
            Some(version),
        ) = (lat, lon, total_beds, min_age, max_age, opens_at, check_in_deadline, status, version)
        else {
            return Err(ApiError::invalid("body", "invalid shelter"));
        };
        let input = ShelterInput {
            name: self.name.clone(),
            operator: self.operator.clone(),
            address: self.address.clone(),
            lat,
            lon,
            outside_municipality: self.outside_municipality.is_some(),
            eligibility: Eligibility {
                accepts_women: self.accepts_women.is_some(),
                accepts_men: self.accepts_men.is_some(),
                min_age,
                max_age,
                accepts_couples: self.accepts_couples.is_some(),
                accepts_pets: self.accepts_pets.is_some(),
                accepts_substance_use: self.accepts_substance_use.is_some(),
                wheelchair_accessible: self.wheelchair_accessible.is_some(),
            },
            total_beds,
            opens_at,
            check_in_deadline,
            status,
        };
        Ok((input, version))
    }
}

#[derive(Template)]
#[template(path = "admin_shelter_form.html")]
struct ShelterFormPage {
    layout: Layout,
    a: &'static AdminText,
    heading: &'static str,
    action: String,
    form: ShelterForm,
    error: Option<ErrorView>,
}

fn form_page(page: &SignedIn, id: Option<Uuid>, form: ShelterForm, error: Option<&ApiError>) -> ShelterFormPage {
    let a = page.lang.text.admin();
    let heading = if id.is_some() { a.edit_shelter_title } else { a.new_shelter_title };
    ShelterFormPage {
        layout: page.layout(heading),
        a,
        heading,
        action: id.map_or_else(|| SHELTERS_PATH.to_owned(), |id| format!("{SHELTERS_PATH}/{id}")),
        form,
        error: error.map(|e| ErrorView::of(e, page.lang)),
    }
}

pub async fn new_shelter(page: SignedIn) -> PageResult {
    page.session.principal.require(MANAGE_SHELTERS).on(&page)?;
    Ok(page.render(&form_page(&page, None, ShelterForm::blank(), None)))
}

pub async fn edit_shelter(Path(id): Path<Uuid>, page: SignedIn) -> PageResult {
    let shelter = page.run(MANAGE_SHELTERS, async |w| shelter_in_scope(w, id).await).await?;
    Ok(page.render(&form_page(&page, Some(id), ShelterForm::of(&shelter), None)))
}

pub async fn create_shelter(SignedForm(page, form): SignedForm<ShelterForm>) -> PageResult {
    save(page, None, form).await
}

pub async fn update_shelter(Path(id): Path<Uuid>, SignedForm(page, form): SignedForm<ShelterForm>) -> PageResult {
    save(page, Some(id), form).await
}

/// Registers (`id` None) or replaces a shelter; a refused form is shown again as typed, with what to fix.
async fn save(page: SignedIn, id: Option<Uuid>, form: ShelterForm) -> PageResult {
    // The role is checked before the form is validated.
    let work = page.work(MANAGE_SHELTERS)?;
    let saved = match form.input().and_then(|(input, version)| Ok((input.validate()?, version))) {
        Ok((record, version)) => {
            work.run(async |w| match id {
                None => register_shelter(w, &record).await,
                Some(id) => replace_shelter(w, id, version, &record).await,
            })
            .await
        }
        Err(error) => Err(error),
    };
    match saved {
        Ok(_) => Ok(see_other(&format!("{SHELTERS_PATH}?saved=1"))),
        Err(error) if error.status().is_client_error() && !matches!(error, ApiError::NotFound(_)) => {
            Ok(render_with(&page, &form_page(&page, id, form, Some(&error)), error.status()))
        }
        Err(error) => Err(error).on(&page),
    }
}
