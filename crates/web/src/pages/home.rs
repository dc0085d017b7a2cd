//! The start page: how to sign in, or the pages of the signed-in role.

use askama::Template;
use axum::response::{IntoResponse, Redirect};
use hemvist_platform::auth::Role;
use hemvist_platform::night::Night;
use hemvist_shelter_beds::nights::{ShelterAvailability, night_board};
use uuid::Uuid;

use super::page::{Page, SignedIn};
use super::{Layout, PageResult};

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
    /// Single sign-on is configured: offer it.
    sso: bool,
}

pub async fn home(page: Page) -> PageResult {
    let Some(session) = page.session().await? else {
        let layout = Layout::new(page.lang, page.lang.text.sign_in_title, None);
        return Ok(page.render(&SignedOut { layout, sso: page.state.settings.oidc.is_some() }));
    };
    let page = SignedIn { page, session };
    let session = &page.session;
    // Shelter staff of one shelter go straight to it: tonight's count is two taps away.
    if let (Role::ShelterStaff, [only]) = (session.principal.role, session.principal.shelter_scope.as_slice()) {
        return Ok(Redirect::to(&tonight_path(*only)).into_response());
    }
    // Night coordinators start at tonight's bed board.
    if session.principal.role == Role::NightCoordinator {
        return Ok(Redirect::to("/night/board").into_response());
    }
    let night = Night::containing(jiff::Timestamp::now(), page.state.settings.night_cutover_hour).date();
    let shelters = if hemvist_shelter_beds::READ_SHELTERS.contains(&session.principal.role) {
        page.run(hemvist_shelter_beds::READ_SHELTERS, async |w| night_board(w, night).await).await?
    } else {
        Vec::new()
    };
    let layout = page.layout(page.lang.text.home_title);
    Ok(page.render(&Home { layout, night: night.to_string(), shelters }))
}

pub fn tonight_path(shelter: Uuid) -> String {
    format!("/shelters/{shelter}/tonight")
}
