//! The maps on the staff pages: the night coordinator's shelters by free beds and the housing
//! officer's vacant apartments, each over the district boundaries. The page renders an empty
//! `<div class="map">` ([`MapView`]); `assets/map.js` draws it with the vendored Leaflet from a GeoJSON
//! endpoint of the page, which runs the same domain functions in the same unit of work as the page's
//! table, so the map shows nothing the table does not. The table stays the accessible alternative.

use std::collections::BTreeMap;

use axum::extract::Query;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use hemvist_apartments::apartments::model::ApartmentStatus;
use hemvist_apartments::apartments::{READ_STOCK, StockPoint, stock_map};
use hemvist_geo::{StoredDistrict, districts_on};
use hemvist_platform::ApiError;
use hemvist_platform::night::today;
use hemvist_platform::settings::Settings;
use hemvist_shelter_beds::READ_SHELTERS;
use serde_json::{Value, json};

use super::PageError;
use super::night::{BoardFilters, filtered_board, tonight_of};
use super::page::{Page, SignedIn};
use crate::i18n::MapText;

/// Up to this many free beds is "few", the map's middle colour; the count is always written too.
pub const FEW_FREE_BEDS: i64 = 3;

/// Where the map's data comes from and how to draw it: the `data-` attributes map.js reads.
pub struct MapView {
    pub id: &'static str,
    pub label: &'static str,
    pub data_url: String,
    /// The id of the element whose htmx swap refreshes the map (the board's polled table).
    pub refresh_after: Option<&'static str>,
    /// Background tiles, only when `HEMVIST_MAP_TILES_URL` is set.
    pub tiles: Option<(String, String)>,
    pub zoom_in: &'static str,
    pub zoom_out: &'static str,
}

impl MapView {
    pub fn new(
        settings: &Settings,
        m: &'static MapText,
        id: &'static str,
        label: &'static str,
        data_url: String,
    ) -> Self {
        let tiles =
            settings.map_tiles_url.clone().map(|url| (url, settings.map_tiles_attribution.clone().unwrap_or_default()));
        MapView { id, label, data_url, refresh_after: None, tiles, zoom_in: m.zoom_in, zoom_out: m.zoom_out }
    }
}

/// How many beds a shelter has free, in the map's three colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FreeBeds {
    None,
    Few,
    Many,
}

impl FreeBeds {
    pub fn of(free: i64) -> Self {
        match free {
            ..=0 => FreeBeds::None,
            1..=FEW_FREE_BEDS => FreeBeds::Few,
            _ => FreeBeds::Many,
        }
    }

    /// The CSS class of the marker and of the legend's swatch.
    pub fn class(self) -> &'static str {
        match self {
            FreeBeds::None => "free-none",
            FreeBeds::Few => "free-few",
            FreeBeds::Many => "free-many",
        }
    }
}

/// One line of the legend: a swatch of the colour and what it means, in words and numbers.
pub struct LegendItem {
    pub class: &'static str,
    pub text: String,
}

pub fn free_beds_legend(m: &MapText) -> Vec<LegendItem> {
    vec![
        LegendItem { class: FreeBeds::None.class(), text: format!("{} (0)", m.level_none) },
        LegendItem { class: FreeBeds::Few.class(), text: format!("{} (1–{FEW_FREE_BEDS})", m.level_few) },
        LegendItem { class: FreeBeds::Many.class(), text: format!("{} ({}+)", m.level_many, FEW_FREE_BEDS + 1) },
    ]
}

fn district_feature(district: &StoredDistrict, label: String) -> Value {
    json!({"type": "Feature", "geometry": district.boundary, "properties": {"kind": "district", "label": label}})
}

/// A marker: `text` is written on it, `label` is its title, `class` its colour.
fn point_feature(id: String, lat: f64, lon: f64, text: String, label: String, class: &str) -> Value {
    json!({"type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
           "properties": {"kind": "point", "id": id, "text": text, "label": label, "class": class}})
}

fn geojson(features: Vec<Value>) -> Response {
    let body = json!({"type": "FeatureCollection", "features": features}).to_string();
    ([(header::CONTENT_TYPE, HeaderValue::from_static("application/geo+json"))], body).into_response()
}

/// A map's data is read by a script, not a person: errors are problem+json with the page's status.
fn for_script(error: PageError) -> ApiError {
    error.error
}

/// `GET /night/board/map.json`: tonight's shelters that pass the board's filters, each with its free
/// beds, and the districts; the same roles, scope and filters as the board's table.
pub async fn board_map(Query(filters): Query<BoardFilters>, page: Page) -> Result<Response, ApiError> {
    let page = page.signed_in().await.map_err(for_script)?;
    let night = tonight_of(&page.state);
    let (shelters, districts) = page
        .run(READ_SHELTERS, async |w| {
            let shelters = filtered_board(w, night, &filters).await?;
            let districts = districts_on(w.tx(), &w.principal().municipality, night).await?;
            Ok((shelters, districts))
        })
        .await
        .map_err(for_script)?;
    let m = page.lang.text.maps();
    let mut features: Vec<Value> = districts.iter().map(|d| district_feature(d, d.name.clone())).collect();
    features.extend(shelters.into_iter().map(|s| {
        let label = format!("{}: {} {}", s.name, s.free, m.free);
        point_feature(s.shelter_id.to_string(), s.lat, s.lon, s.free.to_string(), label, FreeBeds::of(s.free).class())
    }));
    Ok(geojson(features))
}

/// The vacant apartments the caller may see (through the apartments crate's map, which masks protected
/// homes as out of letting, so they are never vacant here) and today's districts.
pub struct VacantStock {
    pub districts: Vec<StoredDistrict>,
    pub vacant: Vec<StockPoint>,
}

pub async fn vacant_stock(page: &SignedIn) -> Result<VacantStock, PageError> {
    let on = today();
    let (districts, stock) = page
        .run(READ_STOCK, async |w| {
            let districts = districts_on(w.tx(), &w.principal().municipality, on).await?;
            Ok((districts, stock_map(w).await?))
        })
        .await?;
    let vacant = stock.into_iter().filter(|a| a.status == ApartmentStatus::Available).collect();
    Ok(VacantStock { districts, vacant })
}

/// A district's line in the count below the map.
#[derive(Debug, PartialEq, Eq)]
pub struct DistrictCount {
    pub code: String,
    pub name: String,
    pub vacant: usize,
}

impl VacantStock {
    /// Vacant apartments per district, in the order of the districts, then any district code of an
    /// apartment no longer among today's districts. A token limited to districts gets those and any
    /// district it sees a vacant apartment in: a zero for a district it cannot see would be a guess.
    pub fn by_district(&self, district_scope: &[String]) -> Vec<DistrictCount> {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for apartment in &self.vacant {
            *counts.entry(&apartment.district_code).or_default() += 1;
        }
        let shown = |code: &str| district_scope.is_empty() || district_scope.iter().any(|c| c == code);
        let mut rows = Vec::new();
        for d in &self.districts {
            let vacant = counts.remove(d.code.as_str());
            if shown(&d.code) || vacant.is_some() {
                rows.push(DistrictCount { code: d.code.clone(), name: d.name.clone(), vacant: vacant.unwrap_or(0) });
            }
        }
        rows.extend(counts.into_iter().map(|(code, vacant)| DistrictCount {
            code: code.to_owned(),
            name: code.to_owned(),
            vacant,
        }));
        rows
    }
}

/// `GET /housing/map.json`: the vacant apartments and the districts, each district with its count.
pub async fn housing_map(page: Page) -> Result<Response, ApiError> {
    let page = page.signed_in().await.map_err(for_script)?;
    let stock = vacant_stock(&page).await.map_err(for_script)?;
    let m = page.lang.text.maps();
    let scope = &page.session.principal.district_scope;
    let counts: BTreeMap<String, usize> =
        stock.by_district(scope).into_iter().map(|count| (count.code, count.vacant)).collect();
    let mut features: Vec<Value> = stock
        .districts
        .iter()
        .map(|d| match counts.get(&d.code) {
            Some(vacant) => district_feature(d, format!("{}: {vacant} {}", d.name, m.vacant.to_lowercase())),
            None => district_feature(d, d.name.clone()),
        })
        .collect();
    features.extend(stock.vacant.iter().map(|a| {
        let label = format!("{}: {}, {} {}", m.vacant_apartment, a.address, a.rooms, m.rooms);
        point_feature(a.id.to_string(), a.lat, a.lon, String::new(), label, "apartment")
    }));
    Ok(geojson(features))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_beds_have_three_colours_and_the_legend_says_where_they_change() {
        assert_eq!(
            [0, 1, 3, 4, 40].map(FreeBeds::of),
            [FreeBeds::None, FreeBeds::Few, FreeBeds::Few, FreeBeds::Many, FreeBeds::Many]
        );
        let legend: Vec<String> = free_beds_legend(&crate::i18n::MAPS_SV).into_iter().map(|l| l.text).collect();
        assert_eq!(legend, ["Inga lediga platser (0)", "Få lediga platser (1–3)", "Många lediga platser (4+)"]);
    }

    fn district(code: &str) -> StoredDistrict {
        StoredDistrict {
            id: uuid::Uuid::new_v4(),
            municipality_code: "0180".into(),
            code: code.into(),
            name: code.to_uppercase(),
            valid_from: jiff::civil::date(2023, 7, 1),
            valid_to: None,
            boundary: json!({}),
            version: 1,
        }
    }

    fn vacant_in(code: &str) -> StockPoint {
        StockPoint {
            id: uuid::Uuid::new_v4(),
            address: "Gatan 1".into(),
            lat: 59.4,
            lon: 17.9,
            district_code: code.into(),
            rooms: 2.0,
            status: ApartmentStatus::Available,
            wheelchair_accessible: false,
        }
    }

    #[test]
    fn vacant_apartments_are_counted_by_district_within_the_scope() {
        let stock = VacantStock {
            districts: vec![district("jarva"), district("farsta")],
            vacant: vec![vacant_in("farsta"), vacant_in("farsta"), vacant_in("old")],
        };
        let count = |code: &str, vacant| DistrictCount { code: code.into(), name: code.to_uppercase(), vacant };
        assert_eq!(
            stock.by_district(&[]),
            [
                count("jarva", 0),
                count("farsta", 2),
                DistrictCount { code: "old".into(), name: "old".into(), vacant: 1 }
            ]
        );
        let scoped = VacantStock { districts: stock.districts.clone(), vacant: vec![vacant_in("jarva")] };
        assert_eq!(scoped.by_district(&["jarva".into()]), [count("jarva", 1)], "no guessed zero for farsta");
    }
}
