//! Every string the pages show, one catalogue per language: Swedish first, English available. A page
//! takes its language from `?lang=`, then the `hemvist_lang` cookie, then Accept-Language.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use hemvist_apartments::rent::model::RedemptionStatus;
use hemvist_platform::auth::Role;
use hemvist_shelter_beds::assignments::AssignmentStatus;
use hemvist_tenants::api::Intervention;

mod maps;
mod sso;
pub use sso::SsoText;
mod tokens;
pub use maps::{MAPS_EN, MAPS_SV, MapText};
pub use tokens::TokensText;

pub const LANG_COOKIE: &str = "hemvist_lang";

/// The strings of one language.
#[derive(Debug)]
pub struct Text {
    pub code: &'static str,
    /// The other language, offered in the header: its code and its own name.
    pub other_code: &'static str,
    pub other_name: &'static str,
    pub app_name: &'static str,
    pub skip_to_content: &'static str,
    pub main_nav: &'static str,
    pub sign_out: &'static str,
    pub signed_in_as: &'static str,
    pub sign_in_title: &'static str,
    pub sign_in_intro: &'static str,
    pub sign_in_button: &'static str,
    pub sign_in_how: &'static str,
    pub link_unusable: &'static str,
    pub home_title: &'static str,
    pub home_more_soon: &'static str,
    pub shelters_tonight: &'static str,
    pub free_beds: &'static str,
    pub night_of: &'static str,
    pub count_title: &'static str,
    pub beds_in_service: &'static str,
    pub beds_out_of_service: &'static str,
    pub out_of_service_reason: &'static str,
    pub reason_hint: &'static str,
    pub report_count: &'static str,
    pub reported: &'static str,
    pub not_reported: &'static str,
    pub saved: &'static str,
    pub taken: &'static str,
    pub guests_title: &'static str,
    pub no_guests: &'static str,
    pub check_in: &'static str,
    pub check_out: &'static str,
    pub no_show: &'static str,
    pub held_until: &'static str,
    pub error_title: &'static str,
    pub error_sign_in: &'static str,
    pub error_forbidden: &'static str,
    pub error_not_found: &'static str,
    pub error_conflict: &'static str,
    pub error_invalid: &'static str,
    pub error_unavailable: &'static str,
    pub error_internal: &'static str,
    pub back_home: &'static str,
    /// In the order of [`Role::ALL`].
    pub roles: [&'static str; 7],
    /// In the order of [`STATUSES`].
    pub statuses: [&'static str; 6],
    // Housing officer and support worker pages.
    pub housing_title: &'static str,
    pub housing_nav: &'static str,
    pub awaiting_title: &'static str,
    pub awaiting_intro: &'static str,
    pub no_awaiting: &'static str,
    pub col_person: &'static str,
    pub col_intervention: &'static str,
    pub col_district: &'static str,
    pub col_decided_on: &'static str,
    pub col_ivo_date: &'static str,
    pub col_days_left: &'static str,
    pub days_overdue: &'static str,
    pub arrears_title: &'static str,
    pub arrears_intro: &'static str,
    pub no_arrears: &'static str,
    pub col_address: &'static str,
    pub col_balance: &'static str,
    pub col_days_late: &'static str,
    pub col_redemption_deadline: &'static str,
    pub col_redemption_status: &'static str,
    pub not_started: &'static str,
    /// In the order of [`Intervention::ALL`].
    pub interventions: [&'static str; 6],
    /// In the order of [`RedemptionStatus::ALL`].
    pub redemption_statuses: [&'static str; 5],
    pub support_title: &'static str,
    pub support_nav: &'static str,
    pub my_people_title: &'static str,
    pub no_people: &'static str,
    pub reviews_title: &'static str,
    pub reviews_intro: &'static str,
    pub no_reviews: &'static str,
    pub col_next_review: &'static str,
    pub review_overdue: &'static str,
    pub person_title: &'static str,
    pub born: &'static str,
    pub person_missing_title: &'static str,
    pub person_missing: &'static str,
    pub back_to_my_people: &'static str,
}

const STATUSES: [AssignmentStatus; 6] = [
    AssignmentStatus::Reserved,
    AssignmentStatus::CheckedIn,
    AssignmentStatus::NoShow,
    AssignmentStatus::NotCollected,
    AssignmentStatus::CheckedOut,
    AssignmentStatus::Cancelled,
];

impl Text {
    pub fn role(&self, role: Role) -> &'static str {
        Role::ALL.iter().position(|r| *r == role).map_or("", |i| self.roles[i])
    }

    pub fn status(&self, status: AssignmentStatus) -> &'static str {
        STATUSES.iter().position(|s| *s == status).map_or("", |i| self.statuses[i])
    }

    pub fn intervention(&self, intervention: Intervention) -> &'static str {
        Intervention::ALL.iter().position(|i| *i == intervention).map_or("", |i| self.interventions[i])
    }

    pub fn redemption_status(&self, status: RedemptionStatus) -> &'static str {
        RedemptionStatus::ALL.iter().position(|s| *s == status).map_or("", |i| self.redemption_statuses[i])
    }
}

pub static SV: Text = Text {
    code: "sv",
    other_code: "en",
    other_name: "English",
    app_name: "Hemvist",
    skip_to_content: "Hoppa till innehållet",
    main_nav: "Huvudmeny",
    sign_out: "Logga ut",
    signed_in_as: "Inloggad som",
    sign_in_title: "Logga in",
    sign_in_intro: "Du har fått en inloggningslänk. Den fungerar en gång.",
    sign_in_button: "Logga in",
    sign_in_how: "Logga in med länken du har fått av en administratör (hemvist login-link).",
    link_unusable: "Länken är redan använd eller har gått ut. Be en administratör om en ny.",
    home_title: "Start",
    home_more_soon: "Fler sidor för din roll kommer.",
    shelters_tonight: "Akutboenden i natt",
    free_beds: "lediga platser",
    night_of: "Natten som börjar",
    count_title: "Nattens platser",
    beds_in_service: "Platser i bruk",
    beds_out_of_service: "Platser ur bruk",
    out_of_service_reason: "Orsak",
    reason_hint: "Krävs när platser är ur bruk, t.ex. ingen värme i rum 3.",
    report_count: "Rapportera",
    reported: "Rapporterat",
    not_reported: "Inte rapporterat i natt: boendets alla platser räknas.",
    saved: "Sparat",
    taken: "Belagda",
    guests_title: "Nattens gäster",
    no_guests: "Inga gäster i natt.",
    check_in: "Checka in",
    check_out: "Checka ut",
    no_show: "Kom inte",
    held_until: "Platsen hålls till",
    error_title: "Något gick fel",
    error_sign_in: "Du behöver logga in.",
    error_forbidden: "Du har inte behörighet till det här.",
    error_not_found: "Sidan finns inte.",
    error_conflict: "Det gick inte: läget har ändrats.",
    error_invalid: "Kontrollera uppgifterna.",
    error_unavailable: "Tjänsten är tillfälligt otillgänglig. Försök igen strax.",
    error_internal: "Ett internt fel inträffade.",
    back_home: "Till startsidan",
    roles: [
        "administratör",
        "bostadshandläggare",
        "stödpersonal",
        "boendepersonal",
        "nattsamordnare",
        "integration",
        "granskare",
    ],
    statuses: ["Väntas", "Incheckad", "Kom inte", "Inte hämtad", "Utcheckad", "Avbokad"],
    housing_title: "Bostad",
    housing_nav: "Beslut och hyror",
    awaiting_title: "Beslut som väntar på verkställighet",
    awaiting_intro: "Beviljade beslut som inte är verkställda. IVO-datum: tre månader efter beslutsdagen. Mest brådskande först.",
    no_awaiting: "Inga beslut väntar på verkställighet.",
    col_person: "Person",
    col_intervention: "Insats",
    col_district: "Stadsdel",
    col_decided_on: "Beslutsdag",
    col_ivo_date: "IVO-datum",
    col_days_left: "Dagar kvar",
    days_overdue: "passerat, rapporteras till IVO",
    arrears_title: "Hyresskulder",
    arrears_intro: "Hyresavtal med förfallen hyra eller en uppsägning som socialnämnden inte har underrättats om.",
    no_arrears: "Inga hyresskulder.",
    col_address: "Adress",
    col_balance: "Skuld (kr)",
    col_days_late: "Dagar sen",
    col_redemption_deadline: "Sista dag för återvinning",
    col_redemption_status: "Återvinning",
    not_started: "ej påbörjad",
    interventions: ["Försökslägenhet", "Träningslägenhet", "Bostad först", "Akutboende", "Stödboende", "Annan insats"],
    redemption_statuses: [
        "Ingen uppsägning",
        "Ej påbörjad: socialnämnden ej underrättad",
        "Pågår",
        "Återvunnen",
        "Utgången",
    ],
    support_title: "Mina personer",
    support_nav: "Mina personer",
    my_people_title: "Personer jag stödjer",
    no_people: "Ingen är tilldelad dig.",
    reviews_title: "Planer att följa upp",
    reviews_intro: "Öppna stödplaner vars uppföljning är försenad eller infaller inom två veckor.",
    no_reviews: "Inga planer att följa upp.",
    col_next_review: "Nästa uppföljning",
    review_overdue: "försenad",
    person_title: "Person",
    born: "Född",
    person_missing_title: "Personen hittades inte",
    person_missing: "Personen finns inte, eller är inte tilldelad dig. Be en bostadshandläggare om du behöver tillgång.",
    back_to_my_people: "Till mina personer",
};

pub static EN: Text = Text {
    code: "en",
    other_code: "sv",
    other_name: "Svenska",
    app_name: "Hemvist",
    skip_to_content: "Skip to content",
    main_nav: "Main menu",
    sign_out: "Sign out",
    signed_in_as: "Signed in as",
    sign_in_title: "Sign in",
    sign_in_intro: "You have been given a sign-in link. It works once.",
    sign_in_button: "Sign in",
    sign_in_how: "Sign in with the link an administrator gave you (hemvist login-link).",
    link_unusable: "The link has been used or has expired. Ask an administrator for a new one.",
    home_title: "Home",
    home_more_soon: "More pages for your role are coming.",
    shelters_tonight: "Shelters tonight",
    free_beds: "free beds",
    night_of: "The night beginning",
    count_title: "Tonight's beds",
    beds_in_service: "Beds in service",
    beds_out_of_service: "Beds out of service",
    out_of_service_reason: "Reason",
    reason_hint: "Required when beds are out of service, e.g. no heating in room 3.",
    report_count: "Report",
    reported: "Reported",
    not_reported: "Not reported tonight: all the shelter's beds count.",
    saved: "Saved",
    taken: "Taken",
    guests_title: "Tonight's guests",
    no_guests: "No guests tonight.",
    check_in: "Check in",
    check_out: "Check out",
    no_show: "No-show",
    held_until: "Bed held until",
    error_title: "Something went wrong",
    error_sign_in: "You need to sign in.",
    error_forbidden: "You may not do this.",
    error_not_found: "There is no such page.",
    error_conflict: "That did not work: things have changed.",
    error_invalid: "Check what you entered.",
    error_unavailable: "The service is briefly unavailable. Try again shortly.",
    error_internal: "An internal error occurred.",
    back_home: "Back to the start page",
    roles: [
        "administrator",
        "housing officer",
        "support worker",
        "shelter staff",
        "night coordinator",
        "integration",
        "auditor",
    ],
    statuses: ["Expected", "Checked in", "No-show", "Not collected", "Checked out", "Cancelled"],
    housing_title: "Housing",
    housing_nav: "Decisions and rent",
    awaiting_title: "Decisions waiting for execution",
    awaiting_intro: "Granted decisions not yet executed. IVO date: three months after the decision date. Most urgent first.",
    no_awaiting: "No decisions are waiting for execution.",
    col_person: "Person",
    col_intervention: "Intervention",
    col_district: "District",
    col_decided_on: "Decided on",
    col_ivo_date: "IVO date",
    col_days_left: "Days left",
    days_overdue: "passed, reported to IVO",
    arrears_title: "Rent arrears",
    arrears_intro: "Leases with rent past due or a notice the social welfare committee has not been told of.",
    no_arrears: "No rent arrears.",
    col_address: "Address",
    col_balance: "Owed (SEK)",
    col_days_late: "Days late",
    col_redemption_deadline: "Redemption deadline",
    col_redemption_status: "Redemption",
    not_started: "not started",
    interventions: [
        "Trial apartment",
        "Training apartment",
        "Housing First",
        "Emergency shelter",
        "Supported housing",
        "Other",
    ],
    redemption_statuses: ["No notice", "Not started: committee not notified", "Running", "Redeemed", "Expired"],
    support_title: "My people",
    support_nav: "My people",
    my_people_title: "People I support",
    no_people: "Nobody is assigned to you.",
    reviews_title: "Plans to review",
    reviews_intro: "Open support plans whose review is overdue or falls within two weeks.",
    no_reviews: "No plans to review.",
    col_next_review: "Next review",
    review_overdue: "overdue",
    person_title: "Person",
    born: "Born",
    person_missing_title: "Person not found",
    person_missing: "The person does not exist or is not assigned to you. Ask a housing officer if you need access.",
    back_to_my_people: "Back to my people",
};

/// The language of a request.
#[derive(Debug, Clone, Copy)]
pub struct Lang {
    pub text: &'static Text,
    /// Chosen with `?lang=` on this request: remembered in a cookie.
    pub chosen: bool,
}

fn by_code(code: &str) -> Option<&'static Text> {
    match code.trim().get(..2).map(str::to_ascii_lowercase).as_deref() {
        Some("sv") => Some(&SV),
        Some("en") => Some(&EN),
        _ => None,
    }
}

impl Lang {
    pub fn from_parts(query: Option<&str>, cookie: Option<&str>, accept_language: Option<&str>) -> Lang {
        let chosen = query.and_then(|q| {
            q.split('&').find_map(|pair| pair.strip_prefix("lang=")).and_then(|code| (code.len() == 2).then_some(code))
        });
        if let Some(text) = chosen.and_then(by_code) {
            return Lang { text, chosen: true };
        }
        let remembered = cookie.and_then(|c| crate::sessions::model::cookie_value(c, LANG_COOKIE)).and_then(by_code);
        // Accept-Language in the order given (weights are rarely out of order); Swedish by default.
        let accepted = || accept_language.and_then(|a| a.split(',').find_map(|part| by_code(part.split(';').next()?)));
        Lang { text: remembered.or_else(accepted).unwrap_or(&SV), chosen: false }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let header = |name| parts.headers.get(name).and_then(|v| v.to_str().ok());
        Ok(Lang::from_parts(parts.uri.query(), header(header::COOKIE), header(header::ACCEPT_LANGUAGE)))
    }
}

/// The night coordinator's pages: the bed board, the guarantee desk and the open breaches.
#[derive(Debug)]
pub struct NightText {
    pub night_nav: &'static str,
    pub board_title: &'static str,
    pub desk_title: &'static str,
    pub breaches_title: &'static str,
    pub filters: &'static str,
    pub filter_women: &'static str,
    pub filter_couples: &'static str,
    pub filter_pets: &'static str,
    pub filter_substance_use: &'static str,
    pub filter_wheelchair: &'static str,
    pub apply_filters: &'static str,
    pub board_caption: &'static str,
    pub shelter: &'static str,
    pub district: &'static str,
    pub free: &'static str,
    pub capacity: &'static str,
    pub takes: &'static str,
    pub men: &'static str,
    pub outside: &'static str,
    pub not_reported_short: &'static str,
    pub no_shelters: &'static str,
    pub updated_at: &'static str,
    pub find_person: &'static str,
    pub name: &'static str,
    pub search: &'static str,
    pub no_people: &'static str,
    pub identity: &'static str,
    pub no_identity: &'static str,
    pub choose: &'static str,
    pub walk_in_title: &'static str,
    pub given_name: &'static str,
    pub family_name: &'static str,
    pub sex: &'static str,
    pub sex_unknown: &'static str,
    pub sex_woman: &'static str,
    pub sex_man: &'static str,
    pub home_municipality: &'static str,
    pub register: &'static str,
    pub request_title: &'static str,
    pub for_person: &'static str,
    pub channel: &'static str,
    pub channel_reception: &'static str,
    pub channel_social: &'static str,
    pub channel_other: &'static str,
    pub needs: &'static str,
    pub need_couple: &'static str,
    pub need_pets: &'static str,
    pub need_substance_use: &'static str,
    pub need_wheelchair: &'static str,
    pub consent: &'static str,
    pub record_request: &'static str,
    pub outcome_title: &'static str,
    pub placed: &'static str,
    pub address: &'static str,
    pub hold_until: &'static str,
    pub breach: &'static str,
    pub declined: &'static str,
    pub not_eligible: &'static str,
    pub home_unknown: &'static str,
    pub new_request: &'static str,
    pub requested_at: &'static str,
    pub person: &'static str,
    pub escalated_at: &'static str,
    pub no_breaches: &'static str,
    pub outside_placement: &'static str,
}

pub static NIGHT_SV: NightText = NightText {
    night_nav: "Nattsamordning",
    board_title: "Nattens platstavla",
    desk_title: "Garantidisken",
    breaches_title: "Öppna garantibrott",
    filters: "Visa boenden som tar emot",
    filter_women: "kvinnor",
    filter_couples: "par",
    filter_pets: "husdjur",
    filter_substance_use: "påverkade",
    filter_wheelchair: "rullstol",
    apply_filters: "Filtrera",
    board_caption: "Lediga platser i natt, uppdateras var femte sekund",
    shelter: "Boende",
    district: "Stadsdel",
    free: "Lediga",
    capacity: "Platser i bruk",
    takes: "Tar emot",
    men: "män",
    outside: "utanför kommunen",
    not_reported_short: "ej rapporterat",
    no_shelters: "Inga boenden matchar.",
    updated_at: "Uppdaterad",
    find_person: "Sök person",
    name: "Namn",
    search: "Sök",
    no_people: "Ingen person hittades.",
    identity: "Personnummer",
    no_identity: "utan nummer",
    choose: "Välj",
    walk_in_title: "Registrera en person utan id (walk-in)",
    given_name: "Förnamn eller alias",
    family_name: "Efternamn eller kännetecken",
    sex: "Kön",
    sex_unknown: "Okänt",
    sex_woman: "Kvinna",
    sex_man: "Man",
    home_municipality: "Hemkommun (kod, t.ex. 0180)",
    register: "Registrera",
    request_title: "Begäran om plats i natt",
    for_person: "För",
    channel: "Kanal",
    channel_reception: "Hemlöshetsmottagningen",
    channel_social: "Socialjouren",
    channel_other: "Annat",
    needs: "Behov",
    need_couple: "Kommer som par",
    need_pets: "Har husdjur",
    need_substance_use: "Påverkad",
    need_wheelchair: "Använder rullstol",
    consent: "Samtycker till plats i annan kommun",
    record_request: "Registrera begäran",
    outcome_title: "Utfall",
    placed: "Plats given",
    address: "Adress",
    hold_until: "Platsen hålls till",
    breach: "Ingen lämplig plats: garantibrott, eskalerat",
    declined: "Personen tackade nej",
    not_eligible: "Inte hemmahörande: nödprövning",
    home_unknown: "Hemkommun okänd: bedöm, nödprövning under tiden",
    new_request: "Ny begäran",
    requested_at: "Begärd",
    person: "Person",
    escalated_at: "Eskalerad",
    no_breaches: "Inga öppna garantibrott.",
    outside_placement: "Plats i annan kommun",
};

pub static NIGHT_EN: NightText = NightText {
    night_nav: "Night coordination",
    board_title: "Tonight's bed board",
    desk_title: "Guarantee desk",
    breaches_title: "Open guarantee breaches",
    filters: "Show shelters that take",
    filter_women: "women",
    filter_couples: "couples",
    filter_pets: "pets",
    filter_substance_use: "people under the influence",
    filter_wheelchair: "wheelchair users",
    apply_filters: "Filter",
    board_caption: "Free beds tonight, updated every five seconds",
    shelter: "Shelter",
    district: "District",
    free: "Free",
    capacity: "Beds in service",
    takes: "Takes",
    men: "men",
    outside: "outside the municipality",
    not_reported_short: "not reported",
    no_shelters: "No shelters match.",
    updated_at: "Updated",
    find_person: "Find a person",
    name: "Name",
    search: "Search",
    no_people: "Nobody found.",
    identity: "Identity number",
    no_identity: "no number",
    choose: "Choose",
    walk_in_title: "Register a walk-in",
    given_name: "Given name or alias",
    family_name: "Family name or descriptor",
    sex: "Sex",
    sex_unknown: "Unknown",
    sex_woman: "Woman",
    sex_man: "Man",
    home_municipality: "Home municipality (code, e.g. 0180)",
    register: "Register",
    request_title: "Request for a bed tonight",
    for_person: "For",
    channel: "Channel",
    channel_reception: "Homelessness reception",
    channel_social: "Social emergency service",
    channel_other: "Other",
    needs: "Needs",
    need_couple: "Comes as a couple",
    need_pets: "Has pets",
    need_substance_use: "Under the influence",
    need_wheelchair: "Uses a wheelchair",
    consent: "Consents to a bed in another municipality",
    record_request: "Record the request",
    outcome_title: "Outcome",
    placed: "Bed given",
    address: "Address",
    hold_until: "Bed held until",
    breach: "No suitable bed: a guarantee breach, escalated",
    declined: "The person declined",
    not_eligible: "Does not belong to the municipality: emergency assessment",
    home_unknown: "Home municipality unknown: assess, emergency assessment meanwhile",
    new_request: "New request",
    requested_at: "Requested",
    person: "Person",
    escalated_at: "Escalated",
    no_breaches: "No open breaches.",
    outside_placement: "A bed in another municipality",
};

impl Text {
    /// The night coordinator's strings in this language.
    pub fn night(&self) -> &'static NightText {
        if self.code == EN.code { &NIGHT_EN } else { &NIGHT_SV }
    }
}

// ---------------------------------------------------------------------------------------------------
// The report pages (crates/web/src/i18n/reports.rs)

mod reports;
pub use reports::ReportText;

// The housing officer's, support worker's and night coordinator's lists (issue 12).
mod role_pages;
pub use role_pages::{ROLE_PAGES_EN, ROLE_PAGES_SV, RolePagesText};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swedish_first_then_what_is_asked() {
        assert_eq!(Lang::from_parts(None, None, None).text.code, "sv");
        assert_eq!(Lang::from_parts(None, None, Some("en-GB,en;q=0.9")).text.code, "en");
        assert_eq!(Lang::from_parts(None, None, Some("de-DE, sv;q=0.5")).text.code, "sv");
        assert_eq!(Lang::from_parts(None, Some("hemvist_lang=en"), Some("sv")).text.code, "en");
        let chosen = Lang::from_parts(Some("x=1&lang=en"), Some("hemvist_lang=sv"), None);
        assert!(chosen.chosen && chosen.text.code == "en");
        assert_eq!(Lang::from_parts(Some("lang=fi"), None, None).text.code, "sv");
    }

    #[test]
    fn every_role_and_status_has_a_name_in_both_languages() {
        for text in [&SV, &EN] {
            assert!(Role::ALL.iter().all(|r| !text.role(*r).is_empty()));
            assert!(STATUSES.iter().all(|s| !text.status(*s).is_empty()));
            assert_eq!(Intervention::ALL.len(), text.interventions.len());
            assert!(Intervention::ALL.iter().all(|i| !text.intervention(*i).is_empty()));
            assert_eq!(RedemptionStatus::ALL.len(), text.redemption_statuses.len());
        }
    }
}

// The admin's pages and the Swedish words of errors: catalogues of their own (i18n/admin.rs, i18n/errors.rs).
mod admin;
mod errors;

pub use admin::AdminText;
pub use errors::error_detail;

// The equal-treatment pages (issue 14).
mod equity;
pub use equity::EquityText;
