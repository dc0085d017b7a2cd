//! The shelter staff page: tonight's count for the shelter (beds in service, out of service with a
//! reason) and tonight's guests with check-in, check-out and no-show. Through the shelter-beds crate's
//! public functions, so the API's role checks, shelter scope, guest masking and audit apply unchanged.

use askama::Template;
use axum::response::{IntoResponse, Redirect};
use hemvist_platform::night::Night;
use hemvist_platform::{ApiError, AppState, Path};
use hemvist_shelter_beds::assignments::{AssignmentStatus, BedAssignment, Change, change_assignment, shelter_guests};
use hemvist_shelter_beds::nights::{Capacity, ShelterNight, report_night, shelter_night};
use hemvist_shelter_beds::shelters::shelter_in_scope;
use hemvist_shelter_beds::{HANDLE_BEDS, REPORT_CAPACITY};
use jiff::civil::Date;
use serde::Deserialize;
use uuid::Uuid;

use super::home::tonight_path;
use super::login::CsrfForm;
use super::page::{CsrfField, SignedForm, SignedIn};
use super::{Layout, OnPage, PageResult, local_time};
use crate::i18n::Text;

/// Tonight's count as the form shows it.
pub struct CountView {
    pub action: String,
    pub beds_in_service: i32,
    pub beds_out_of_service: i32,
    pub reason: String,
    pub taken: i64,
    /// When it was last reported (local time), if it was tonight.
    pub reported_at: Option<String>,
    pub just_saved: bool,
}

impl CountView {
    fn of(shelter: Uuid, night: &ShelterNight, just_saved: bool) -> Self {
        CountView {
            action: format!("/shelters/{shelter}/tonight/count"),
            beds_in_service: night.beds_in_service,
            beds_out_of_service: night.beds_out_of_service,
            reason: night.out_of_service_reason.clone().unwrap_or_default(),
            taken: night.taken,
            reported_at: night.reported.then(|| night.history.last().map(|r| local_time(r.reported_at))).flatten(),
            just_saved,
        }
    }
}

/// One guest row: a first name and initial, or a protected guest's alias.
pub struct GuestView {
    pub id: Uuid,
    pub name: String,
    pub status: &'static str,
    pub held_until: Option<String>,
    /// The changes allowed now: path segment and label.
    pub actions: Vec<(&'static str, &'static str)>,
}

impl GuestView {
    fn of(a: &BedAssignment, t: &'static Text) -> Self {
        let name = a.guest.alias.clone().unwrap_or_else(|| format!("{} {}", a.guest.given_name, a.guest.family_name));
        let actions = match a.status {
            // No no-show button: the bed is held for the guest until the hold ends (the API refuses a
            // no-show before), and then the release job records it as not collected within a minute.
            AssignmentStatus::Reserved => vec![("check-in", t.check_in)],
            AssignmentStatus::CheckedIn => vec![("check-out", t.check_out)],
            _ => Vec::new(),
        };
        GuestView {
            id: a.id,
            name,
            status: t.status(a.status),
            held_until: (a.status == AssignmentStatus::Reserved).then(|| local_time(a.hold_until)),
            actions,
        }
    }
}

#[derive(Template)]
#[template(path = "shelter.html")]
struct TonightPage {
    layout: Layout,
    shelter_name: String,
    night: String,
    count: CountView,
    guests: Vec<GuestView>,
}

#[derive(Template)]
#[template(path = "count.html")]
struct CountFragment {
    t: &'static Text,
    csrf: String,
    count: CountView,
}

#[derive(Template)]
#[template(path = "guest.html")]
struct GuestFragment {
    t: &'static Text,
    csrf: String,
    guest: GuestView,
}

fn tonight_of(state: &AppState) -> Date {
    Night::containing(jiff::Timestamp::now(), state.settings.night_cutover_hour).date()
}

pub async fn tonight(Path(id): Path<Uuid>, page: SignedIn) -> PageResult {
    let night = tonight_of(&page.state);
    let (shelter, count, guests) = page
        .run(HANDLE_BEDS, async |w| {
            let shelter = shelter_in_scope(w, id).await?;
            let count = shelter_night(w, id, night).await?;
            let guests = shelter_guests(w, id, night).await?;
            Ok((shelter, count, guests))
        })
        .await?;
    let t = page.lang.text;
    Ok(page.render(&TonightPage {
        layout: page.layout(t.count_title),
        shelter_name: shelter.name,
        night: night.to_string(),
        count: CountView::of(id, &count, false),
        guests: guests.iter().map(|g| GuestView::of(g, t)).collect(),
    }))
}

#[derive(Deserialize)]
pub struct CountForm {
    #[serde(default)]
    beds_in_service: String,
    #[serde(default)]
    beds_out_of_service: String,
    #[serde(default)]
    out_of_service_reason: String,
    csrf: Option<String>,
}

impl CsrfField for CountForm {
    fn csrf(&self) -> Option<&str> {
        self.csrf.as_deref()
    }
}

fn count_field(field: &str, raw: &str) -> Result<i32, ApiError> {
    match raw.trim() {
        "" => Ok(0),
        raw => raw.parse().map_err(|_| ApiError::invalid(field, "must be a whole number")),
    }
}

pub async fn report_count(Path(id): Path<Uuid>, SignedForm(page, form): SignedForm<CountForm>) -> PageResult {
    // The role is checked before the form is validated.
    let work = page.work(REPORT_CAPACITY)?;
    let capacity = (|| {
        let reason = Some(form.out_of_service_reason.trim()).filter(|r| !r.is_empty());
        Capacity::new(
            count_field("beds_in_service", &form.beds_in_service)?,
            count_field("beds_out_of_service", &form.beds_out_of_service)?,
            reason,
        )
    })()
    .on(&page)?;
    let night = tonight_of(&page.state);
    let reported = work.run(async |w| report_night(w, id, night, &capacity).await).await.on(&page)?;
    if !page.is_htmx() {
        return Ok(Redirect::to(&tonight_path(id)).into_response());
    }
    let t = page.lang.text;
    Ok(page.render(&CountFragment { t, csrf: page.session.csrf.clone(), count: CountView::of(id, &reported, true) }))
}

pub async fn change_guest(
    Path((id, change)): Path<(Uuid, String)>,
    SignedForm(page, _): SignedForm<CsrfForm>,
) -> PageResult {
    // When staff asked: a check-in asked for before the hold expired is honoured (see change_assignment).
    let asked_at = page.at;
    let change = match change.as_str() {
        "check-in" => Change::CheckIn,
        "check-out" => Change::CheckOut,
        "no-show" => Change::NoShow,
        _ => return Err(ApiError::NotFound("page")).on(&page),
    };
    let changed = page.run(HANDLE_BEDS, async |w| change_assignment(w, id, change, asked_at).await).await?;
    if !page.is_htmx() {
        return Ok(Redirect::to(&tonight_path(changed.shelter_id)).into_response());
    }
    let t = page.lang.text;
    Ok(page.render(&GuestFragment { t, csrf: page.session.csrf.clone(), guest: GuestView::of(&changed, t) }))
}
