//! The housing officer's page: granted decisions waiting for execution with the days left to the IVO
//! date (three months after the decision), most urgent first; the active leases with their next
//! follow-up and, for Bostad Först, whether the tenant may take over the lease; the rent arrears with
//! the redemption deadline; and the vacant apartments on a map by district (see `maps.rs`). Through the
//! tenants and apartments crates' public functions: the API's role checks, scope, masking and audit
//! apply unchanged.

use askama::Template;
use hemvist_apartments::leases::{LeaseToFollowUp, leases_to_follow_up};
use hemvist_apartments::rent::{READ_ARREARS, arrears_list};
use hemvist_platform::ApiError;
use hemvist_platform::night::today;
use hemvist_tenants::api::housing::{READ_AWAITING, awaiting_execution};

use super::maps::{DistrictCount, MapView, vacant_stock};
use super::page::SignedIn;
use super::{Layout, OnPage, PageResult};
use crate::i18n::{MapText, RolePagesText};

/// The most rows each list shows; the API pages through the rest.
const LIMIT: u32 = 200;
/// The longest-vacant apartments shown beside the longest-waiting decisions.
const LONGEST_VACANT: i64 = 10;

pub const HOUSING_PATH: &str = "/housing";
/// The map's data: vacant apartments and districts (`maps::housing_map`).
pub const MAP_DATA_PATH: &str = "/housing/map.json";

/// One decision row as shown.
pub struct AwaitingView {
    pub id: String,
    pub person: String,
    pub intervention: &'static str,
    pub district: String,
    pub decided_on: String,
    pub deadline: String,
    pub days_left: i32,
    /// The IVO date has passed or is within two weeks.
    pub urgent: bool,
}

/// One apartment available now, as shown beside the longest-waiting decisions.
pub struct VacantView {
    pub address: String,
    pub district: String,
    pub since: String,
    pub days: i32,
}

/// One arrears row as shown.
pub struct ArrearsView {
    pub address: String,
    pub district: String,
    pub balance_sek: i64,
    pub days_late: i32,
    pub redemption_deadline: Option<String>,
    pub status: &'static str,
}

/// One active lease as shown.
pub struct LeaseView {
    pub id: String,
    /// The tenant's name, or None outside the caller's scope of people.
    pub tenant: Option<String>,
    pub protected: bool,
    pub kind: &'static str,
    pub address: String,
    pub district: String,
    pub next_follow_up: Option<String>,
    /// The next follow-up's day has passed.
    pub overdue: bool,
    /// Bostad Först only: whether the tenant may take over the lease, in words.
    pub takeover: Option<String>,
    pub may_take_over: bool,
}

impl LeaseView {
    fn of(l: LeaseToFollowUp, today: jiff::civil::Date, r: &RolePagesText) -> Self {
        LeaseView {
            id: l.lease_id.to_string(),
            tenant: l.tenant.map(|t| format!("{} {}", t.given_name, t.family_name)),
            protected: l.tenant_protected,
            kind: r.lease_kind(l.kind),
            address: l.address,
            district: l.district_code,
            next_follow_up: l.next_follow_up_on.map(|d| d.to_string()),
            overdue: l.next_follow_up_on.is_some_and(|d| d < today),
            may_take_over: matches!(l.takeover, Some(Ok(()))),
            takeover: l.takeover.as_ref().map(|answer| r.takeover(answer)),
        }
    }
}

#[derive(Template)]
#[template(path = "housing_officer.html")]
struct HousingPage {
    layout: Layout,
    r: &'static RolePagesText,
    awaiting: Vec<AwaitingView>,
    e: &'static crate::i18n::EquityText,
    vacant_longest: Vec<VacantView>,
    leases: Vec<LeaseView>,
    arrears: Vec<ArrearsView>,
    m: &'static MapText,
    map: MapView,
    vacant_by_district: Vec<DistrictCount>,
}

pub async fn housing(page: SignedIn) -> PageResult {
    if !READ_ARREARS.contains(&page.session.principal.role) {
        return Err(ApiError::forbidden("the housing page")).on(&page);
    }
    let today = today();
    let (awaiting, vacant_longest, leases, arrears) = page
        .run(READ_AWAITING, async |w| {
            let awaiting = awaiting_execution(w, today, i64::from(LIMIT)).await?;
            let vacant = hemvist_equity::vacancy::longest_vacant(w, LONGEST_VACANT).await?;
            let leases = leases_to_follow_up(w, today, LIMIT).await?;
            let arrears = arrears_list(w, today, LIMIT).await?;
            Ok((awaiting, vacant, leases, arrears))
        })
        .await?;
    let vacant_longest = vacant_longest
        .into_iter()
        .map(|v| VacantView {
            address: v.address,
            district: v.district_code,
            since: v.vacant_since.to_string(),
            days: (today - v.vacant_since).get_days(),
        })
        .collect();
    let t = page.lang.text;
    let r = t.role_pages();
    let leases = leases.into_iter().map(|l| LeaseView::of(l, today, r)).collect();
    let awaiting = awaiting
        .into_iter()
        .map(|a| AwaitingView {
            id: a.decision_id.to_string(),
            person: format!("{} {}", a.given_name, a.family_name),
            intervention: t.intervention(a.intervention),
            district: a.district_code.unwrap_or_default(),
            decided_on: a.decided_on.to_string(),
            deadline: a.deadline.to_string(),
            days_left: a.days_left,
            urgent: a.days_left <= 14,
        })
        .collect();
    let arrears = arrears
        .into_iter()
        .map(|a| ArrearsView {
            address: a.address,
            district: a.district_code,
            balance_sek: a.arrears.balance_sek,
            days_late: a.arrears.days_late,
            redemption_deadline: a.arrears.redemption_deadline.map(|d| d.to_string()),
            status: t.redemption_status(a.arrears.redemption_status),
        })
        .collect();
    let m = t.maps();
    let vacant = vacant_stock(&page).await?;
    let map = MapView::new(&page.state.settings, m, "vacant-map", m.housing_map_label, MAP_DATA_PATH.to_owned());
    Ok(page.render(&HousingPage {
        layout: page.layout(t.housing_title),
        r,
        awaiting,
        e: t.equity(),
        vacant_longest,
        leases,
        arrears,
        m,
        map,
        vacant_by_district: vacant.by_district(&page.session.principal.district_scope),
    }))
}
