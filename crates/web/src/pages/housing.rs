//! The housing officer's page: granted decisions waiting for execution with the days left to the IVO
//! date (three months after the decision), most urgent first, and the rent arrears with the redemption
//! deadline, and the vacant apartments on a map by district (see `maps.rs`). Through the tenants and
//! apartments crates' public functions: the API's role checks, scope, masking and audit apply unchanged.

use askama::Template;
use hemvist_apartments::rent::{READ_ARREARS, arrears_list};
use hemvist_platform::ApiError;
use hemvist_platform::night::today;
use hemvist_tenants::api::housing::{READ_AWAITING, awaiting_execution};

use super::maps::{DistrictCount, MapView, vacant_stock};
use super::page::SignedIn;
use super::{Layout, OnPage, PageResult};
use crate::i18n::MapText;

/// The most rows each list shows; the API pages through the rest.
const LIMIT: u32 = 200;

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

/// One arrears row as shown.
pub struct ArrearsView {
    pub address: String,
    pub district: String,
    pub balance_sek: i64,
    pub days_late: i32,
    pub redemption_deadline: Option<String>,
    pub status: &'static str,
}

#[derive(Template)]
#[template(path = "housing_officer.html")]
struct HousingPage {
    layout: Layout,
    awaiting: Vec<AwaitingView>,
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
    let (awaiting, arrears) = page
        .run(READ_AWAITING, async |w| {
            let awaiting = awaiting_execution(w, today, i64::from(LIMIT)).await?;
            let arrears = arrears_list(w, today, LIMIT).await?;
            Ok((awaiting, arrears))
        })
        .await?;
    let t = page.lang.text;
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
        awaiting,
        arrears,
        m,
        map,
        vacant_by_district: vacant.by_district(&page.session.principal.district_scope),
    }))
}
