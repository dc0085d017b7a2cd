//! The support worker's pages: my people (those assigned to the session's member of staff), the
//! week's visits to them (Monday to Sunday, Stockholm) and the plans due for review; a person's page. Through the tenants and support-plans crates' public
//! functions, so the scope is the API's: a person not assigned to the worker is not found, and the
//! page says so in the page's language (404), never a stack trace or a JSON problem.

use std::collections::HashMap;

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use hemvist_platform::auth::Role;
use hemvist_platform::night::today;
use hemvist_platform::{ApiError, Path};
use hemvist_support_plans::reviews::{READ_REVIEWS, due_for_review};
use hemvist_support_plans::visits::model::{VisitCounts, VisitStatus};
use hemvist_support_plans::visits::{PersonVisit, READ_VISITS, visits_between};
use hemvist_tenants::api::support::{READ_SUPPORTED, people_in_scope, read_person};
use jiff::ToSpan;
use jiff::civil::Date;
use serde::Deserialize;
use uuid::Uuid;

use super::page::SignedIn;
use super::{Layout, OnPage, PageResult, render};
use crate::i18n::RolePagesText;

pub const SUPPORT_PATH: &str = "/support";
/// The most rows each list shows.
const LIMIT: u32 = 200;
/// The most visits the week shows.
const VISIT_LIMIT: u32 = 1000;
/// Plans whose review falls within this many days are listed with the overdue ones.
const REVIEW_HORIZON_DAYS: i32 = 14;

pub struct PersonView {
    pub id: Uuid,
    pub href: String,
    pub name: String,
}

pub struct PlanView {
    pub person: String,
    pub href: String,
    pub next_review_on: String,
    pub overdue: bool,
}

/// One visit of the week as shown.
pub struct VisitView {
    pub id: Uuid,
    pub day: String,
    /// How it stands today: planned, held, missed or cancelled.
    pub state: VisitStatus,
    pub state_name: &'static str,
}

/// A person's visits of the week.
pub struct PersonWeek {
    pub person: String,
    pub href: String,
    pub counts: VisitCounts,
    pub visits: Vec<VisitView>,
}

/// The week shown: Monday to Sunday, and the links to the weeks around it.
pub struct WeekView {
    pub label: String,
    pub previous: String,
    pub next: String,
    pub this_week: Option<String>,
    pub people: Vec<PersonWeek>,
}

#[derive(Template)]
#[template(path = "support_worker.html")]
struct SupportPage {
    layout: Layout,
    r: &'static RolePagesText,
    people: Vec<PersonView>,
    week: WeekView,
    plans: Vec<PlanView>,
}

#[derive(Debug, Default, Deserialize)]
pub struct WeekQuery {
    /// A day of the week to show (`YYYY-MM-DD`); this week when absent.
    week: Option<String>,
}

/// The Monday of the week `day` falls in.
fn monday_of(day: Date) -> Result<Date, ApiError> {
    day.checked_sub(i64::from(day.weekday().to_monday_zero_offset()).days()).map_err(ApiError::internal)
}

fn week_path(monday: Date) -> String {
    format!("{SUPPORT_PATH}?week={monday}")
}

/// The week's visits per person, in the order of `people`; each visit's state as it stands `today`.
fn week_by_person(
    visits: Vec<PersonVisit>,
    people: &[PersonView],
    today: Date,
    r: &'static RolePagesText,
) -> Vec<PersonWeek> {
    let mut by_person: HashMap<Uuid, Vec<PersonVisit>> = HashMap::new();
    for v in visits {
        by_person.entry(v.person_id).or_default().push(v);
    }
    people
        .iter()
        .filter_map(|person| {
            let visits = by_person.remove(&person.id)?;
            let visits: Vec<VisitView> = visits
                .into_iter()
                .map(|v| {
                    let state = v.visit.status.on(v.visit.planned_on, today);
                    let weekday = usize::from(v.visit.planned_on.weekday().to_monday_zero_offset().unsigned_abs());
                    VisitView {
                        id: v.visit.id,
                        day: format!("{} {}", r.weekdays.get(weekday).copied().unwrap_or(""), v.visit.planned_on),
                        state,
                        state_name: r.visit_state(state),
                    }
                })
                .collect();
            let counts = visits.iter().map(|v| &v.state).collect();
            Some(PersonWeek { person: person.name.clone(), href: person.href.clone(), counts, visits })
        })
        .collect()
}

#[derive(Template)]
#[template(path = "support_person.html")]
struct PersonPage {
    layout: Layout,
    name: String,
    birth_year: Option<i16>,
}

#[derive(Template)]
#[template(path = "support_person_missing.html")]
struct PersonMissing {
    layout: Layout,
}

fn person_path(id: Uuid) -> String {
    format!("/people/{id}")
}

pub async fn my_people(Query(query): Query<WeekQuery>, page: SignedIn) -> PageResult {
    let role = page.session.principal.role;
    // "My people" is a support worker's list; other roles search people through the API.
    if role != Role::SupportWorker {
        return Err(ApiError::forbidden("the support worker's page")).on(&page);
    }
    if !READ_REVIEWS.contains(&role) {
        return Err(ApiError::forbidden("support plans")).on(&page);
    }
    if !READ_VISITS.contains(&role) {
        return Err(ApiError::forbidden("visits")).on(&page);
    }
    let today = today();
    let before = today.checked_add(REVIEW_HORIZON_DAYS.days()).map_err(ApiError::internal).on(&page)?;
    let day = match query.week.as_deref().map(str::trim).filter(|w| !w.is_empty()) {
        None => today,
        Some(raw) => raw.parse::<Date>().map_err(|_| ApiError::invalid("week", "must be a date")).on(&page)?,
    };
    let monday = monday_of(day).on(&page)?;
    let sunday = monday.checked_add(6.days()).map_err(ApiError::internal).on(&page)?;
    let (people, visits, plans) = page
        .run(READ_SUPPORTED, async |w| {
            let people = people_in_scope(w, LIMIT).await?;
            let visits = visits_between(w, monday, sunday, VISIT_LIMIT).await?;
            let plans = due_for_review(w, before, LIMIT).await?;
            Ok((people, visits, plans))
        })
        .await?;
    let names: HashMap<Uuid, String> =
        people.iter().map(|p| (p.id, format!("{} {}", p.given_name, p.family_name))).collect();
    let plans = plans
        .into_iter()
        .map(|plan| PlanView {
            person: names.get(&plan.person_id).cloned().unwrap_or_default(),
            href: person_path(plan.person_id),
            next_review_on: plan.content.next_review_on.to_string(),
            overdue: plan.review_overdue(today),
        })
        .collect();
    let people: Vec<PersonView> = people
        .into_iter()
        .map(|p| PersonView { id: p.id, href: person_path(p.id), name: format!("{} {}", p.given_name, p.family_name) })
        .collect();
    let r = page.lang.text.role_pages();
    let around = |days: i64| monday.checked_add(days.days()).map(week_path).map_err(ApiError::internal).on(&page);
    let week = WeekView {
        label: r.week_label(monday.iso_week_date().week(), &monday.to_string(), &sunday.to_string()),
        previous: around(-7)?,
        next: around(7)?,
        this_week: (monday_of(today).ok() != Some(monday)).then(|| SUPPORT_PATH.to_owned()),
        people: week_by_person(visits, &people, today, r),
    };
    Ok(page.render(&SupportPage { layout: page.layout(page.lang.text.support_title), r, people, week, plans }))
}

pub async fn person(Path(id): Path<String>, page: SignedIn) -> PageResult {
    let t = page.lang.text;
    let missing =
        || render(&PersonMissing { layout: page.layout(t.person_missing_title) }, page.lang, StatusCode::NOT_FOUND);
    // A malformed id is a person who is not there, on the same page.
    let Ok(id) = id.parse::<Uuid>() else { return Ok(missing()) };
    let Some(person) = page.run(READ_SUPPORTED, async |w| read_person(w, id).await).await? else {
        return Ok(missing());
    };
    Ok(page.render(&PersonPage {
        layout: page.layout(t.person_title),
        name: format!("{} {}", person.given_name, person.family_name),
        birth_year: person.birth.map(|b| b.year()),
    }))
}
