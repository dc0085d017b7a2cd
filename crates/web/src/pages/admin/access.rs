//! The admin's staff access: a one-time sign-in link for a role and scope (the link `hemvist
//! login-link` makes, shown once), the municipality's open sessions, and ending one. Through
//! `sessions::staff` in the admin's unit of work: audited, and no link with more power than the admin.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use hemvist_geo::all_districts;
use hemvist_platform::auth::Role;
use hemvist_platform::night::today;
use hemvist_platform::work::Work;
use hemvist_platform::{ApiError, MunicipalityCode, Path};
use hemvist_shelter_beds::shelters::{shelter_in_scope, shelters_in_scope};
use serde::Deserialize;
use uuid::Uuid;

use super::{ACCESS_PATH, Pairs, render_with, see_other};
use crate::i18n::AdminText;
use crate::pages::login::CsrfForm;
use crate::pages::page::{SignedForm, SignedIn};
use crate::pages::{ErrorView, Layout, OnPage, PageResult, local_date_time};
use crate::sessions::Grant;
use crate::sessions::staff::{MANAGE_STAFF_ACCESS, SessionRow, make_login_link, open_sessions};

/// The roles a sign-in link may be for (an integration is a system: it gets an API token).
const LINK_ROLES: [Role; 6] =
    [Role::ShelterStaff, Role::NightCoordinator, Role::SupportWorker, Role::HousingOfficer, Role::Auditor, Role::Admin];

/// One option of a list: its value, what it says, whether it is chosen.
pub struct Choice {
    pub value: String,
    pub label: String,
    pub chosen: bool,
}

/// An open session as the list shows it.
pub struct SessionView {
    pub id: Uuid,
    pub role: &'static str,
    pub scope: String,
    pub staff_id: String,
    pub created: String,
    pub last_seen: String,
    pub ends: String,
    /// The admin's own session.
    pub own: bool,
}

#[derive(Template)]
#[template(path = "admin_access.html")]
struct AccessPage {
    layout: Layout,
    a: &'static AdminText,
    roles: Vec<Choice>,
    districts: Vec<Choice>,
    shelters: Vec<Choice>,
    staff_id: String,
    /// A link just made: shown this once.
    new_link: Option<String>,
    error: Option<ErrorView>,
    sessions: Vec<SessionView>,
    ended: bool,
    /// Integration API tokens (templates/admin_access_tokens.html, pages/admin/tokens.rs).
    tokens: Vec<super::tokens::TokenView>,
    /// A token just made: shown this once.
    new_token: Option<String>,
    token_revoked: bool,
}

/// What the link form asked for, kept to show it again when it is refused.
#[derive(Debug, Default)]
pub(super) struct LinkChoices {
    role: String,
    districts: Vec<String>,
    shelters: Vec<String>,
    staff_id: String,
}

impl LinkChoices {
    fn of(form: &Pairs) -> Self {
        LinkChoices {
            role: form.get("role").unwrap_or_default().to_owned(),
            districts: form.all("district").map(str::to_owned).collect(),
            shelters: form.all("shelter").map(str::to_owned).collect(),
            staff_id: form.get("staff_id").unwrap_or_default().to_owned(),
        }
    }

    /// The grant asked for, in the admin's municipality.
    fn grant(&self, municipality: &MunicipalityCode) -> Result<Grant, ApiError> {
        let role = Role::parse(&self.role)
            .filter(|role| LINK_ROLES.contains(role))
            .ok_or_else(|| ApiError::invalid("role", "choose a role"))?;
        let shelter_scope = self
            .shelters
            .iter()
            .map(|s| s.parse::<Uuid>().map_err(|_| ApiError::invalid("shelter_scope", "no such shelter")))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Grant {
            municipality: municipality.clone(),
            role,
            district_scope: self.districts.clone(),
            shelter_scope,
            staff_id: Some(self.staff_id.clone()).filter(|s| !s.is_empty()),
        })
    }
}

#[derive(Debug, Deserialize)]
pub struct AccessQuery {
    ended: Option<String>,
    token_revoked: Option<String>,
}

pub async fn access(Query(query): Query<AccessQuery>, page: SignedIn) -> PageResult {
    let shown =
        Shown { ended: query.ended.is_some(), token_revoked: query.token_revoked.is_some(), ..Shown::default() };
    show(&page, shown, StatusCode::OK).await
}

/// What the page shows besides its lists.
#[derive(Default)]
pub(super) struct Shown {
    pub(super) choices: LinkChoices,
    pub(super) new_link: Option<String>,
    pub(super) error: Option<ErrorView>,
    pub(super) ended: bool,
    pub(super) new_token: Option<String>,
    pub(super) token_revoked: bool,
}

pub(super) async fn show(page: &SignedIn, shown: Shown, status: StatusCode) -> PageResult {
    let (districts, shelters, sessions, tokens) = page
        .run(MANAGE_STAFF_ACCESS, async |w| {
            let tokens = super::tokens::list(w).await?;
            Ok((all_districts(w).await?, shelters_in_scope(w).await?, open_sessions(w).await?, tokens))
        })
        .await?;
    let t = page.lang.text;
    let a = t.admin();
    let Shown { choices, new_link, error, ended, new_token, token_revoked } = shown;
    // The districts valid today, once per code.
    let today = today();
    let current: BTreeMap<String, String> = districts
        .into_iter()
        .filter(|d| d.valid_from <= today && d.valid_to.is_none_or(|to| today < to))
        .map(|d| (d.code, d.name))
        .collect();
    let shelter_names: BTreeMap<Uuid, String> = shelters.iter().map(|s| (s.id, s.name.clone())).collect();
    let own = page.session.principal.token_id;
    let view = AccessPage {
        layout: page.layout(a.access_title),
        a,
        roles: LINK_ROLES
            .iter()
            .map(|r| Choice { value: r.as_str().into(), label: t.role(*r).into(), chosen: choices.role == r.as_str() })
            .collect(),
        districts: current
            .iter()
            .map(|(code, name)| Choice {
                value: code.clone(),
                label: format!("{name} ({code})"),
                chosen: choices.districts.contains(code),
            })
            .collect(),
        shelters: shelters
            .iter()
            .map(|s| Choice {
                value: s.id.to_string(),
                label: s.name.clone(),
                chosen: choices.shelters.contains(&s.id.to_string()),
            })
            .collect(),
        staff_id: choices.staff_id,
        new_link,
        error,
        sessions: sessions.iter().map(|s| session_view(s, own, &shelter_names, page)).collect(),
        ended,
        tokens: tokens.iter().map(|k| super::tokens::view(k, &shelter_names, page)).collect(),
        new_token,
        token_revoked,
    };
    Ok(render_with(page, &view, status))
}

fn session_view(row: &SessionRow, own: Uuid, shelter_names: &BTreeMap<Uuid, String>, page: &SignedIn) -> SessionView {
    let a = page.lang.text.admin();
    let s = &row.session;
    let shelters = s.shelter_scope.iter().map(|id| shelter_names.get(id).cloned().unwrap_or_else(|| id.to_string()));
    let scope: Vec<String> = s.district_scope.iter().cloned().chain(shelters).collect();
    SessionView {
        id: s.id,
        role: page.lang.text.role(s.role),
        scope: if scope.is_empty() { a.whole_municipality.to_owned() } else { scope.join(", ") },
        staff_id: s.staff_id.clone().unwrap_or_default(),
        created: local_date_time(s.created_at),
        last_seen: local_date_time(s.last_seen_at),
        ends: local_date_time(row.ends_at),
        own: s.id == own,
    }
}

/// The link's shelters and districts exist in the municipality (a 422 naming the field when not).
async fn scope_exists(w: &mut Work<'_>, grant: &Grant) -> Result<(), ApiError> {
    for shelter in &grant.shelter_scope {
        match shelter_in_scope(w, *shelter).await {
            Err(ApiError::NotFound(_)) => return Err(ApiError::invalid("shelter_scope", "no such shelter")),
            other => other.map(drop)?,
        }
    }
    let districts = all_districts(w).await?;
    if !grant.district_scope.iter().all(|code| districts.iter().any(|d| &d.code == code)) {
        return Err(ApiError::invalid("district_scope", "no such district"));
    }
    Ok(())
}

pub async fn make_link(SignedForm(page, form): SignedForm<Pairs>) -> PageResult {
    // The role is checked before the form is validated.
    let work = page.work(MANAGE_STAFF_ACCESS)?;
    let choices = LinkChoices::of(&form);
    let made = match choices.grant(&page.session.principal.municipality) {
        Ok(grant) => {
            work.run(async |w| {
                grant.check()?;
                scope_exists(w, &grant).await?;
                make_login_link(w, &grant).await
            })
            .await
        }
        Err(error) => Err(error),
    };
    match made {
        Ok(link) => show(&page, Shown { new_link: Some(link.url), ..Shown::default() }, StatusCode::OK).await,
        Err(error) if error.status().is_client_error() => {
            let shown = Shown { choices, error: Some(ErrorView::of(&error, page.lang)), ..Shown::default() };
            show(&page, shown, error.status()).await
        }
        Err(error) => Err(error).on(&page),
    }
}

pub async fn end_session(Path(id): Path<Uuid>, SignedForm(page, _): SignedForm<CsrfForm>) -> PageResult {
    page.run(MANAGE_STAFF_ACCESS, async |w| crate::sessions::staff::end_session(w, id).await).await?;
    // Ending one's own session signs out.
    if id == page.session.principal.token_id {
        return Ok(see_other("/"));
    }
    Ok(see_other(&format!("{ACCESS_PATH}?ended=1")))
}
