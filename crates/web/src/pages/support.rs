//! The support worker's pages: my people (those assigned to the session's member of staff) and the
//! plans due for review; a person's page. Through the tenants and support-plans crates' public
//! functions, so the scope is the API's: a person not assigned to the worker is not found, and the
//! page says so in the page's language (404), never a stack trace or a JSON problem.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use hemvist_platform::auth::Role;
use hemvist_platform::night::today;
use hemvist_platform::{ApiError, AppState, Path};
use hemvist_support_plans::reviews::{READ_REVIEWS, due_for_review};
use hemvist_tenants::api::support::{READ_SUPPORTED, people_in_scope, read_person};
use jiff::ToSpan;
use uuid::Uuid;

use super::{Layout, OnPage, PageError, PageResult, render};
use crate::i18n::Lang;
use crate::sessions::Session;

pub const SUPPORT_PATH: &str = "/support";
/// The most rows each list shows.
const LIMIT: u32 = 200;
/// Plans whose review falls within this many days are listed with the overdue ones.
const REVIEW_HORIZON_DAYS: i32 = 14;

pub struct PersonView {
    pub href: String,
    pub name: String,
}

pub struct PlanView {
    pub person: String,
    pub href: String,
    pub next_review_on: String,
    pub overdue: bool,
}

#[derive(Template)]
#[template(path = "support_worker.html")]
struct SupportPage {
    layout: Layout,
    people: Vec<PersonView>,
    plans: Vec<PlanView>,
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

async fn signed_in(state: &AppState, lang: Lang, headers: &HeaderMap) -> Result<Session, PageError> {
    Session::of(state, headers).await.on_page(lang, headers)?.ok_or(ApiError::Unauthenticated).on_page(lang, headers)
}

fn person_path(id: Uuid) -> String {
    format!("/people/{id}")
}

pub async fn my_people(State(state): State<AppState>, lang: Lang, headers: HeaderMap) -> PageResult {
    let session = signed_in(&state, lang, &headers).await?;
    // "My people" is a support worker's list; other roles search people through the API.
    if session.principal.role != Role::SupportWorker {
        return Err(ApiError::forbidden("the support worker's page")).on_page(lang, &headers);
    }
    if !READ_REVIEWS.contains(&session.principal.role) {
        return Err(ApiError::forbidden("support plans")).on_page(lang, &headers);
    }
    let today = today();
    let before = today.checked_add(REVIEW_HORIZON_DAYS.days()).map_err(ApiError::internal).on_page(lang, &headers)?;
    let work = state.unit_of_work(&session.principal, READ_SUPPORTED).on_page(lang, &headers)?;
    let (people, plans) = work
        .run(async |w| {
            let people = people_in_scope(w, LIMIT).await?;
            let plans = due_for_review(w, before, LIMIT).await?;
            Ok((people, plans))
        })
        .await
        .on_page(lang, &headers)?;
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
    let people = people
        .into_iter()
        .map(|p| PersonView { href: person_path(p.id), name: format!("{} {}", p.given_name, p.family_name) })
        .collect();
    let page = SupportPage { layout: Layout::new(lang, lang.text.support_title, Some(&session)), people, plans };
    Ok(render(&page, lang, StatusCode::OK))
}

pub async fn person(
    State(state): State<AppState>,
    lang: Lang,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> PageResult {
    let session = signed_in(&state, lang, &headers).await?;
    let t = lang.text;
    let missing = || {
        render(
            &PersonMissing { layout: Layout::new(lang, t.person_missing_title, Some(&session)) },
            lang,
            StatusCode::NOT_FOUND,
        )
    };
    // A malformed id is a person who is not there, on the same page.
    let Ok(id) = id.parse::<Uuid>() else { return Ok(missing()) };
    let work = state.unit_of_work(&session.principal, READ_SUPPORTED).on_page(lang, &headers)?;
    let found = work.run(async |w| read_person(w, id).await).await.on_page(lang, &headers)?;
    let Some(person) = found else { return Ok(missing()) };
    let page = PersonPage {
        layout: Layout::new(lang, t.person_title, Some(&session)),
        name: format!("{} {}", person.given_name, person.family_name),
        birth_year: person.birth.map(|b| b.year()),
    };
    Ok(render(&page, lang, StatusCode::OK))
}
