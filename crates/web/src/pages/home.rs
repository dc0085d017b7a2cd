//! The start page: how to sign in, or the pages of the signed-in role.

use askama::Template;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use hemvist_platform::AppState;
use hemvist_platform::auth::Role;
use hemvist_platform::night::Night;
use hemvist_shelter_beds::nights::{ShelterAvailability, night_board};
use uuid::Uuid;

use super::{Layout, OnPage, PageResult, render};
use crate::i18n::Lang;
use crate::sessions::Session;

#[derive(Template)]
#[template(path = "home.html")]
struct Home {
    layout: Layout,
    night: String,
    shelters: Vec<ShelterAvailability>,
}

#[derive(Template)]
#[template(path = "signed_out.html")]
struct SignedOut {
    layout: Layout,
}

pub async fn home(State(state): State<AppState>, lang: Lang, headers: HeaderMap) -> PageResult {
    let Some(session) = Session::of(&state, &headers).await.on_page(lang, &headers)? else {
        let layout = Layout::new(lang, lang.text.sign_in_title, None);
        return Ok(render(&SignedOut { layout }, lang, StatusCode::OK));
    };
    // Shelter staff of one shelter go straight to it: tonight's count is two taps away.
    if let (Role::ShelterStaff, [only]) = (session.principal.role, session.principal.shelter_scope.as_slice()) {
        return Ok(Redirect::to(&tonight_path(*only)).into_response());
    }
    // Night coordinators start at tonight's bed board.
    if session.principal.role == Role::NightCoordinator {
        return Ok(Redirect::to("/night/board").into_response());
    }
    let night = Night::containing(jiff::Timestamp::now(), state.settings.night_cutover_hour).date();
    let shelters = if hemvist_shelter_beds::READ_SHELTERS.contains(&session.principal.role) {
        let work =
            state.unit_of_work(&session.principal, hemvist_shelter_beds::READ_SHELTERS).on_page(lang, &headers)?;
        work.run(async |w| night_board(w, night).await).await.on_page(lang, &headers)?
    } else {
        Vec::new()
    };
    let layout = Layout::new(lang, lang.text.home_title, Some(&session));
    Ok(render(&Home { layout, night: night.to_string(), shelters }, lang, StatusCode::OK))
}

pub fn tonight_path(shelter: Uuid) -> String {
    format!("/shelters/{shelter}/tonight")
}
