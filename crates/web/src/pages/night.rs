//! The night coordinator's pages: tonight's bed board (a table with filters, refreshed by htmx polling
//! so a second coordinator sees a placement without reloading, and a map of the same shelters, see
//! `maps.rs`), the guarantee desk (find a person or
//! register a walk-in, record the request, see the outcome at once) and the open breaches. Through the
//! tenants and shelter-beds crates' public functions: the API's role checks, masking and audit apply.

use askama::Template;
use axum::extract::Query;
use axum::response::{IntoResponse, Redirect};
use hemvist_platform::night::Night;
use hemvist_platform::{ApiError, AppState, Path, Work};
use hemvist_shelter_beds::guarantee::model::{Channel, GuaranteeOutcome, Resolution, ResolutionKind};
use hemvist_shelter_beds::guarantee::{
    GuaranteeRequest, GuaranteeRequestInput, desk_request, open_breaches, resolve_breach,
};
use hemvist_shelter_beds::nights::{ShelterAvailability, night_board};
use hemvist_shelter_beds::shelters::model::Eligibility;
use hemvist_shelter_beds::{HANDLE_GUARANTEE, READ_SHELTERS, RESOLVE_BREACHES};
use hemvist_tenants::access::{READ_PEOPLE, REGISTER_WALK_INS};
use hemvist_tenants::model::Sex;
use hemvist_tenants::people::walk_ins::{WalkInInput, register_walk_in, walk_in_record};
use hemvist_tenants::people::{Person, find_by_name, person_for_caller};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::Deserialize;
use uuid::Uuid;

use super::maps::{LegendItem, MapView, free_beds_legend};
use super::page::{CsrfField, SignedForm, SignedIn};
use super::{Layout, OnPage, PageError, PageResult, local_time};
use crate::i18n::{MapText, NightText, RolePagesText, Text};
use crate::sessions::Session;

/// At most this many people from a name search, and breaches on the list.
const SEARCH_LIMIT: u32 = 20;
const BREACH_LIMIT: u32 = 200;

pub(super) fn tonight_of(state: &AppState) -> Date {
    Night::containing(Timestamp::now(), state.settings.night_cutover_hour).date()
}

/// A moment as a date and time of day in Stockholm.
fn local_date_time(at: Timestamp) -> String {
    at.to_zoned(hemvist_platform::night::city_time_zone()).strftime("%Y-%m-%d %H:%M").to_string()
}

// ---------------------------------------------------------------------------------------------------
// The bed board

/// The board's filters: each asks for shelters that take such a guest (a checked box sends `1`).
#[derive(Debug, Default, Deserialize)]
pub struct BoardFilters {
    women: Option<String>,
    couples: Option<String>,
    pets: Option<String>,
    substance_use: Option<String>,
    wheelchair: Option<String>,
}

/// The filters' names in the query string, in the order of [`BoardFilters::on`] and [`meets`].
const FILTERS: [&str; 5] = ["women", "couples", "pets", "substance_use", "wheelchair"];

/// Whether a shelter takes each kind of guest a filter asks for.
fn meets(e: &Eligibility) -> [bool; 5] {
    [e.accepts_women, e.accepts_couples, e.accepts_pets, e.accepts_substance_use, e.wheelchair_accessible]
}

impl BoardFilters {
    fn on(&self) -> [bool; 5] {
        [&self.women, &self.couples, &self.pets, &self.substance_use, &self.wheelchair].map(Option::is_some)
    }

    fn keeps(&self, e: &Eligibility) -> bool {
        self.on().iter().zip(meets(e)).all(|(on, meets)| !on || meets)
    }

    /// The filters as a query string for the polling request ("" when none is on).
    fn query(&self) -> String {
        let on: Vec<String> =
            FILTERS.iter().zip(self.on()).filter(|(_, on)| *on).map(|(name, _)| format!("{name}=1")).collect();
        if on.is_empty() { String::new() } else { format!("?{}", on.join("&")) }
    }

    fn checkboxes(&self, n: &'static NightText) -> Vec<FilterBox> {
        let labels = [n.filter_women, n.filter_couples, n.filter_pets, n.filter_substance_use, n.filter_wheelchair];
        FILTERS
            .into_iter()
            .zip(labels)
            .zip(self.on())
            .map(|((name, label), checked)| FilterBox { name, label, checked })
            .collect()
    }
}

pub struct FilterBox {
    pub name: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

/// One shelter on the board.
pub struct BoardRow {
    pub id: Uuid,
    pub name: String,
    pub district: String,
    pub free: i64,
    pub taken: i64,
    pub capacity: i32,
    pub reported: bool,
    pub outside: bool,
    /// Who the shelter takes, as words.
    pub takes: String,
}

impl BoardRow {
    fn of(s: ShelterAvailability, n: &'static NightText) -> Self {
        let e = &s.eligibility;
        let takes: Vec<&str> = [
            (e.accepts_women, n.filter_women),
            (e.accepts_men, n.men),
            (e.accepts_couples, n.filter_couples),
            (e.accepts_pets, n.filter_pets),
            (e.accepts_substance_use, n.filter_substance_use),
            (e.wheelchair_accessible, n.filter_wheelchair),
        ]
        .into_iter()
        .filter_map(|(yes, word)| yes.then_some(word))
        .collect();
        BoardRow {
            id: s.shelter_id,
            name: s.name,
            district: s.district_code.unwrap_or_default(),
            free: s.free,
            taken: s.taken,
            capacity: s.capacity,
            reported: s.reported,
            outside: s.outside_municipality,
            takes: takes.join(", "),
        }
    }
}

/// The board's table: what the polling request swaps in.
pub struct BoardView {
    pub poll_url: String,
    pub rows: Vec<BoardRow>,
    pub updated_at: String,
}

/// The night's shelters that take every kind of guest the filters ask for: the board's table and map.
pub(super) async fn filtered_board(
    w: &mut Work<'_>,
    night: Date,
    filters: &BoardFilters,
) -> Result<Vec<ShelterAvailability>, ApiError> {
    let mut shelters = night_board(w, night).await?;
    shelters.retain(|s| filters.keeps(&s.eligibility));
    Ok(shelters)
}

async fn board_view(page: &SignedIn, filters: &BoardFilters) -> Result<BoardView, PageError> {
    let night = tonight_of(&page.state);
    let shelters = page.run(READ_SHELTERS, async |w| filtered_board(w, night, filters).await).await?;
    let n = page.lang.text.night();
    Ok(BoardView {
        poll_url: format!("/night/board/table{}", filters.query()),
        rows: shelters.into_iter().map(|s| BoardRow::of(s, n)).collect(),
        updated_at: local_time(Timestamp::now()),
    })
}

#[derive(Template)]
#[template(path = "night_board.html")]
struct BoardPage {
    layout: Layout,
    n: &'static NightText,
    m: &'static MapText,
    night: String,
    filters: Vec<FilterBox>,
    board: BoardView,
    map: MapView,
    legend: Vec<LegendItem>,
}

#[derive(Template)]
#[template(path = "night_board_table.html")]
struct BoardTable {
    t: &'static Text,
    n: &'static NightText,
    board: BoardView,
}

pub async fn board(Query(filters): Query<BoardFilters>, page: SignedIn) -> PageResult {
    let board = board_view(&page, &filters).await?;
    let (n, m) = (page.lang.text.night(), page.lang.text.maps());
    let data_url = format!("/night/board/map.json{}", filters.query());
    let map = MapView {
        refresh_after: Some("board"),
        ..MapView::new(&page.state.settings, m, "board-map", m.board_map_label, data_url)
    };
    Ok(page.render(&BoardPage {
        layout: page.layout(n.board_title),
        n,
        m,
        night: tonight_of(&page.state).to_string(),
        filters: filters.checkboxes(n),
        board,
        map,
        legend: free_beds_legend(m),
    }))
}

/// The board's table alone, for htmx polling.
pub async fn board_table(Query(filters): Query<BoardFilters>, page: SignedIn) -> PageResult {
    let board = board_view(&page, &filters).await?;
    let t = page.lang.text;
    Ok(page.render(&BoardTable { t, n: t.night(), board }))
}

// ---------------------------------------------------------------------------------------------------
// The guarantee desk

/// A person as the desk shows them: the number as the API masks it for the caller's role.
pub struct PersonRow {
    pub id: Uuid,
    pub name: String,
    pub identity: Option<String>,
}

impl From<Person> for PersonRow {
    fn from(p: Person) -> Self {
        PersonRow { id: p.id, name: format!("{} {}", p.given_name, p.family_name), identity: p.identity_number }
    }
}

pub struct BedView {
    pub shelter: String,
    pub address: String,
    pub hold_until: String,
}

/// What came of a request.
pub struct OutcomeView {
    pub placed: bool,
    pub headline: &'static str,
    pub bed: Option<BedView>,
    pub outside: bool,
    pub escalated_at: Option<String>,
}

impl OutcomeView {
    fn of(r: GuaranteeRequest, n: &'static NightText) -> Self {
        let headline = match r.outcome {
            GuaranteeOutcome::Placed => n.placed,
            GuaranteeOutcome::DeclinedByPerson => n.declined,
            GuaranteeOutcome::NoSuitableBed => n.breach,
            GuaranteeOutcome::NotEligible => n.not_eligible,
            GuaranteeOutcome::HomeMunicipalityUnknown => n.home_unknown,
        };
        OutcomeView {
            placed: r.outcome == GuaranteeOutcome::Placed,
            headline,
            bed: r.bed.map(|b| BedView {
                shelter: b.shelter_name,
                address: b.address,
                hold_until: local_date_time(b.hold_until),
            }),
            outside: r.placed_outside_municipality,
            escalated_at: r.escalated_at.map(local_date_time),
        }
    }
}

/// The desk's panel: a search, a walk-in form, a chosen person's request form, or an outcome.
pub struct DeskView {
    pub csrf: String,
    pub name: String,
    pub found: Option<Vec<PersonRow>>,
    pub chosen: Option<PersonRow>,
    /// Sent with the request form: a form submitted twice records one request.
    pub key: Uuid,
    pub outcome: Option<OutcomeView>,
}

impl DeskView {
    fn new(session: &Session) -> Self {
        DeskView {
            csrf: session.csrf.clone(),
            name: String::new(),
            found: None,
            chosen: None,
            key: Uuid::new_v4(),
            outcome: None,
        }
    }
}

#[derive(Template)]
#[template(path = "night_desk.html")]
struct DeskPage {
    layout: Layout,
    n: &'static NightText,
    night: String,
    desk: DeskView,
    board: BoardView,
}

#[derive(Template)]
#[template(path = "night_desk_panel.html")]
struct DeskPanel {
    n: &'static NightText,
    desk: DeskView,
}

/// The whole page, or only the panel for htmx.
async fn desk_response(page: &SignedIn, desk: DeskView) -> PageResult {
    let n = page.lang.text.night();
    if page.is_htmx() {
        return Ok(page.render(&DeskPanel { n, desk }));
    }
    let board = board_view(page, &BoardFilters::default()).await?;
    Ok(page.render(&DeskPage {
        layout: page.layout(n.desk_title),
        n,
        night: tonight_of(&page.state).to_string(),
        desk,
        board,
    }))
}

#[derive(Debug, Default, Deserialize)]
pub struct DeskQuery {
    #[serde(default)]
    name: String,
    #[serde(default)]
    person: String,
}

pub async fn desk(Query(query): Query<DeskQuery>, page: SignedIn) -> PageResult {
    let mut desk = DeskView::new(&page.session);
    let person = match query.person.trim() {
        "" => None,
        raw => Some(Uuid::parse_str(raw).map_err(|_| ApiError::invalid("person", "must be a UUID")).on(&page)?),
    };
    let name = query.name.trim().to_owned();
    if person.is_some() || !name.is_empty() {
        let (found, chosen) = page
            .run(READ_PEOPLE, async |w| {
                let found = if name.is_empty() { None } else { Some(find_by_name(w, &name, SEARCH_LIMIT).await?) };
                let chosen = match person {
                    Some(id) => Some(person_for_caller(w, id).await?),
                    None => None,
                };
                Ok((found, chosen))
            })
            .await?;
        desk.found = found.map(|people| people.into_iter().map(PersonRow::from).collect());
        desk.chosen = chosen.map(PersonRow::from);
    }
    desk.name = name;
    desk_response(&page, desk).await
}

#[derive(Debug, Deserialize)]
pub struct WalkInForm {
    #[serde(default)]
    given_name: String,
    #[serde(default)]
    family_name: String,
    #[serde(default)]
    sex: Option<Sex>,
    #[serde(default)]
    home_municipality: String,
    csrf: Option<String>,
}

impl CsrfField for WalkInForm {
    fn csrf(&self) -> Option<&str> {
        self.csrf.as_deref()
    }
}

pub async fn walk_in(SignedForm(page, form): SignedForm<WalkInForm>) -> PageResult {
    let home = Some(form.home_municipality.trim().to_owned()).filter(|h| !h.is_empty());
    let record = walk_in_record(WalkInInput {
        given_name: form.given_name,
        family_name: form.family_name,
        sex: form.sex,
        home_municipality_code: home,
        responsible_district_code: None,
    })
    .on(&page)?;
    let person = page.run(REGISTER_WALK_INS, async |w| register_walk_in(w, &record).await).await?;
    let mut desk = DeskView::new(&page.session);
    desk.chosen = Some(Person::for_caller(person, &page.session.principal).into());
    desk_response(&page, desk).await
}

#[derive(Debug, Deserialize)]
pub struct RequestForm {
    #[serde(default)]
    person_id: String,
    channel: Option<Channel>,
    couple: Option<String>,
    pets: Option<String>,
    substance_use: Option<String>,
    wheelchair: Option<String>,
    consent_outside_municipality: Option<String>,
    #[serde(default)]
    key: String,
    csrf: Option<String>,
}

impl CsrfField for RequestForm {
    fn csrf(&self) -> Option<&str> {
        self.csrf.as_deref()
    }
}

pub async fn record_request(SignedForm(page, form): SignedForm<RequestForm>) -> PageResult {
    let person_id = Uuid::parse_str(form.person_id.trim())
        .map_err(|_| ApiError::invalid("person_id", "choose a person"))
        .on(&page)?;
    let channel = form.channel.ok_or_else(|| ApiError::invalid("channel", "choose a channel")).on(&page)?;
    let input = GuaranteeRequestInput {
        person_id,
        channel,
        requested_at: None,
        recorded_outcome: None,
        shelter_id: None,
        lat: None,
        lon: None,
        couple: form.couple.is_some(),
        pets: form.pets.is_some(),
        substance_use: form.substance_use.is_some(),
        wheelchair: form.wheelchair.is_some(),
        declined_by_person: false,
        consent_outside_municipality: form.consent_outside_municipality.is_some(),
        emergency_assessment: None,
    };
    let key = Some(form.key.trim().to_owned()).filter(|k| !k.is_empty());
    let cutover = page.state.settings.night_cutover_hour;
    let recorded = page.run(HANDLE_GUARANTEE, async |w| desk_request(w, key, input, cutover).await).await?;
    let mut desk = DeskView::new(&page.session);
    desk.outcome = Some(OutcomeView::of(recorded, page.lang.text.night()));
    desk_response(&page, desk).await
}

// ---------------------------------------------------------------------------------------------------
// The open breaches

pub struct BreachRow {
    pub id: Uuid,
    pub requested_at: String,
    pub night: String,
    /// A protected person's alias, as on every list; others open at the desk by their record.
    pub alias: Option<String>,
    pub person_id: Option<Uuid>,
    pub district: String,
    pub escalated_at: String,
    pub note: String,
    /// The request recorded the person's consent to a bed in another municipality.
    pub consent: bool,
}

/// A shelter a breach may be resolved with (a bed found later).
pub struct ShelterOption {
    pub id: Uuid,
    pub name: String,
    pub outside: bool,
}

impl BreachRow {
    /// The shelters this breach may name: one in another municipality only with the person's consent.
    pub fn shelters<'a>(&self, shelters: &'a [ShelterOption]) -> Vec<&'a ShelterOption> {
        shelters.iter().filter(|s| !s.outside || self.consent).collect()
    }
}

/// The ways a breach may be resolved, as the API accepts them.
pub struct KindOption {
    pub value: &'static str,
    pub label: &'static str,
}

#[derive(Template)]
#[template(path = "night_breaches.html")]
struct BreachesPage {
    layout: Layout,
    n: &'static NightText,
    r: &'static RolePagesText,
    breaches: Vec<BreachRow>,
    shelters: Vec<ShelterOption>,
    kinds: Vec<KindOption>,
}

pub async fn breaches(page: SignedIn) -> PageResult {
    let night = tonight_of(&page.state);
    let (open, shelters) = page
        .run(RESOLVE_BREACHES, async |w| {
            let open = open_breaches(w, BREACH_LIMIT).await?;
            // The shelters a bed may have been found in later (every breach-resolving role reads them).
            let shelters = night_board(w, night).await?;
            Ok((open, shelters))
        })
        .await?;
    let breaches = open
        .into_iter()
        .map(|r| BreachRow {
            id: r.id,
            requested_at: local_date_time(r.requested_at),
            night: r.night.to_string(),
            alias: r.guest_alias,
            person_id: r.person_id,
            district: r.district_code.unwrap_or_default(),
            escalated_at: r.escalated_at.map(local_date_time).unwrap_or_default(),
            note: r.escalation_note.unwrap_or_default(),
            consent: r.consent_outside_municipality,
        })
        .collect();
    let shelters = shelters
        .into_iter()
        .map(|s| ShelterOption { id: s.shelter_id, name: s.name, outside: s.outside_municipality })
        .collect();
    let (n, r) = (page.lang.text.night(), page.lang.text.role_pages());
    let kinds =
        ResolutionKind::ALL.iter().map(|k| KindOption { value: k.as_str(), label: r.resolution_kind(*k) }).collect();
    Ok(page.render(&BreachesPage { layout: page.layout(n.breaches_title), n, r, breaches, shelters, kinds }))
}

#[derive(Debug, Deserialize)]
pub struct ResolutionForm {
    kind: Option<ResolutionKind>,
    #[serde(default)]
    shelter_id: String,
    #[serde(default)]
    note: String,
    csrf: Option<String>,
}

impl CsrfField for ResolutionForm {
    fn csrf(&self) -> Option<&str> {
        self.csrf.as_deref()
    }
}

/// What a resolved breach's row is swapped for: nothing, and a word in the message area.
#[derive(Template)]
#[template(path = "night_breach_resolved.html")]
struct BreachResolved {
    r: &'static RolePagesText,
}

/// Records how a breach was resolved, through the function `POST /api/v1/guarantee-breaches/{id}/resolution`
/// calls: the breach leaves the open list; resolving it again is a conflict.
pub async fn resolve(Path(id): Path<String>, SignedForm(page, form): SignedForm<ResolutionForm>) -> PageResult {
    // The role is checked before the form is validated, as the API does.
    let work = page.work(RESOLVE_BREACHES)?;
    let id = Uuid::parse_str(&id).map_err(|_| ApiError::NotFound("guarantee request")).on(&page)?;
    let resolution = (|| {
        let kind = form.kind.ok_or_else(|| ApiError::invalid("kind", "choose how it was resolved"))?;
        let shelter = match form.shelter_id.trim() {
            "" => None,
            raw => Some(Uuid::parse_str(raw).map_err(|_| ApiError::invalid("shelter_id", "choose a shelter"))?),
        };
        let note = Some(form.note.trim()).filter(|n| !n.is_empty());
        Resolution::new(kind, shelter, note, None, page.at)
    })()
    .on(&page)?;
    work.run(async |w| resolve_breach(w, id, resolution).await).await.on(&page)?;
    if !page.is_htmx() {
        return Ok(Redirect::to("/night/breaches").into_response());
    }
    Ok(page.render(&BreachResolved { r: page.lang.text.role_pages() }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn takes(women: bool, pets: bool, wheelchair: bool) -> Eligibility {
        Eligibility {
            accepts_women: women,
            accepts_men: true,
            min_age: 18,
            max_age: None,
            accepts_couples: false,
            accepts_pets: pets,
            accepts_substance_use: false,
            wheelchair_accessible: wheelchair,
        }
    }

    #[test]
    fn filters_keep_shelters_that_take_every_kind_asked_for() {
        let none = BoardFilters::default();
        assert!(none.keeps(&takes(false, false, false)));
        assert_eq!(none.query(), "");
        let women_pets = BoardFilters { women: Some("1".into()), pets: Some("1".into()), ..BoardFilters::default() };
        assert!(women_pets.keeps(&takes(true, true, false)));
        assert!(!women_pets.keeps(&takes(true, false, true)));
        assert!(!women_pets.keeps(&takes(false, true, true)));
        assert_eq!(women_pets.query(), "?women=1&pets=1");
        let boxes = women_pets.checkboxes(&crate::i18n::NIGHT_SV);
        let checked: Vec<&str> = boxes.iter().filter(|b| b.checked).map(|b| b.name).collect();
        assert_eq!(checked, ["women", "pets"]);
        assert_eq!(boxes.len(), 5);
    }
}
