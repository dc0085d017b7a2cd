//! The admin's integration tokens, on the access page: make one (for the admin's own scope, never
//! more; the text shown once), list them, revoke one. Through `hemvist_platform::tokens`, the functions
//! the API runs, in the admin's unit of work.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use hemvist_platform::auth::Role;
use hemvist_platform::pagination::PageRequest;
use hemvist_platform::tokens::{self, MANAGE_TOKENS, StoredToken, TokenRequest};
use hemvist_platform::work::Work;
use hemvist_platform::{ApiError, Path};
use jiff::{SignedDuration, Timestamp};
use uuid::Uuid;

use super::access::{Shown, show};
use super::{ACCESS_PATH, Pairs, see_other};
use crate::pages::login::CsrfForm;
use crate::pages::page::{SignedForm, SignedIn};
use crate::pages::{ErrorView, OnPage, PageResult, local_date_time};

/// A token as the list shows it.
pub struct TokenView {
    pub id: Uuid,
    pub name: String,
    pub scope: String,
    pub created: String,
    pub expires: String,
    pub last_used: String,
    pub state: &'static str,
    pub active: bool,
}

/// The municipality's tokens, oldest first (the first 200).
pub(super) async fn list(w: &mut Work<'_>) -> Result<Vec<StoredToken>, ApiError> {
    tokens::list(w, &PageRequest { limit: 200, after: None }).await
}

pub(super) fn view(token: &StoredToken, shelter_names: &BTreeMap<Uuid, String>, page: &SignedIn) -> TokenView {
    let tt = page.lang.text.tokens();
    let now = Timestamp::now();
    let shelters =
        token.shelter_scope.iter().map(|id| shelter_names.get(id).cloned().unwrap_or_else(|| id.to_string()));
    let scope: Vec<String> = token.district_scope.iter().cloned().chain(shelters).collect();
    let expired = token.expires_at.is_some_and(|at| at <= now);
    let (state, active) = match (token.revoked_at, expired) {
        (Some(_), _) => (tt.revoked, false),
        (None, true) => (tt.expired, false),
        (None, false) => (tt.active, true),
    };
    TokenView {
        id: token.id,
        name: token.name.clone(),
        scope: if scope.is_empty() { page.lang.text.admin().whole_municipality.to_owned() } else { scope.join(", ") },
        created: local_date_time(token.created_at),
        expires: token.expires_at.map(local_date_time).unwrap_or_default(),
        last_used: token.last_used_at.map_or_else(|| tt.never.to_owned(), local_date_time),
        state,
        active,
    }
}

/// Makes an integration token for the admin's own scope, valid the chosen number of days.
pub async fn make_token(SignedForm(page, form): SignedForm<Pairs>) -> PageResult {
    let work = page.work(MANAGE_TOKENS)?;
    let principal = &page.session.principal;
    let days = form.get("days").and_then(|d| d.parse::<i64>().ok()).filter(|d| [30, 90, 365].contains(d)).unwrap_or(90);
    let request = TokenRequest {
        name: form.get("name").unwrap_or_default().to_owned(),
        role: Role::Integration,
        district_scope: principal.district_scope.clone(),
        shelter_scope: principal.shelter_scope.clone(),
        staff_id: None,
        expires_at: Some(Timestamp::now() + SignedDuration::from_hours(24 * days)),
    };
    match work.run(async |w| tokens::create(w, &request).await).await {
        Ok((_, token)) => show(&page, Shown { new_token: Some(token), ..Shown::default() }, StatusCode::OK).await,
        Err(error) if error.status().is_client_error() => {
            let shown = Shown { error: Some(ErrorView::of(&error, page.lang)), ..Shown::default() };
            show(&page, shown, error.status()).await
        }
        Err(error) => Err(error).on(&page),
    }
}

pub async fn revoke_token(Path(id): Path<Uuid>, SignedForm(page, _): SignedForm<CsrfForm>) -> PageResult {
    page.run(MANAGE_TOKENS, async |w| tokens::revoke(w, id).await).await?;
    Ok(see_other(&format!("{ACCESS_PATH}?token_revoked=1")))
}
