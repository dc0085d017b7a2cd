//! The support worker's pages: my people (those assigned to the session's member of staff) and the
//! plans due for review; a person's page. Through the tenants and support-plans crates' public
//! functions, so the scope is the API's: a person not assigned to the worker is not found, and the
//! page says so in the page's language (404), never a stack trace or a JSON problem.

use std::collections::HashMap;

use askama::Template;
use axum::http::StatusCode;
use hemvist_platform::auth::Role;
use hemvist_platform::night::today;
use hemvist_platform::{ApiError, Path};
use hemvist_support_plans::reviews::{READ_REVIEWS, due_for_review};
use hemvist_tenants::api::support::{READ_SUPPORTED, people_in_scope, read_person};
use jiff::ToSpan;
use uuid::Uuid;

use super::page::SignedIn;
use super::{Layout, OnPage, PageResult, render};

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

fn person_path(id: Uuid) -> String {
    format!("/people/{id}")
}

pub async fn my_people(page: SignedIn) -> PageResult {
    let role = page.session.principal.role;
    // "My people" is a support worker's list; other roles search people through the API.
    if role != Role::SupportWorker {
        return Err(ApiError::forbidden("the support worker's page")).on(&page);
    }
    if !READ_REVIEWS.contains(&role) {
        return Err(ApiError::forbidden("support plans")).on(&page);
    }
    let today = today();
    let before = today.checked_add(REVIEW_HORIZON_DAYS.days()).map_err(ApiError::internal).on(&page)?;
    let (people, plans) = page
        .run(READ_SUPPORTED, async |w| {
            let people = people_in_scope(w, LIMIT).await?;
            let plans = due_for_review(w, before, LIMIT).await?;
            Ok((people, plans))
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
    let people = people
        .into_iter()
        .map(|p| PersonView { href: person_path(p.id), name: format!("{} {}", p.given_name, p.family_name) })
        .collect();
    Ok(page.render(&SupportPage { layout: page.layout(page.lang.text.support_title), people, plans }))
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
