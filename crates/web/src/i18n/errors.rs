//! What an error says on a page, in the page's language. English pages show the API's own detail;
//! Swedish pages a Swedish sentence per kind of error and, for invalid input, each field named in
//! Swedish words with why it was refused. The API's English messages are looked up in a table; one not
//! in it still names its field, with a general "is not valid".

use hemvist_platform::{ApiError, FieldError};

use super::Lang;

/// The detail under an error's headline, or None (5xx: the cause is logged, never shown).
pub fn error_detail(error: &ApiError, lang: Lang) -> Option<String> {
    if error.status().is_server_error() {
        return None;
    }
    if lang.text.code != super::SV.code {
        return Some(error.to_string());
    }
    Some(swedish_detail(error))
}

fn swedish_detail(error: &ApiError) -> String {
    match error {
        ApiError::Unprocessable { errors, .. } => {
            let fields: Vec<String> = errors.iter().map(swedish_field_error).collect();
            format!("Rätta följande: {}.", fields.join("; "))
        }
        ApiError::BadRequest(_) => "Formuläret kunde inte läsas. Ladda om sidan och försök igen.".into(),
        ApiError::Unauthenticated => {
            "Din session har gått ut eller avslutats. Logga in med en ny länk från en administratör.".into()
        }
        ApiError::Forbidden(detail) => swedish_message(detail)
            .map(sentence)
            .unwrap_or_else(|| "Din roll eller behörighet räcker inte till det här.".into()),
        ApiError::NotFound(what) => format!("{} finns inte, eller inte för dig.", swedish_thing(what)),
        ApiError::MethodNotAllowed(_) => "Sidan tar inte emot den sortens anrop.".into(),
        ApiError::Conflict { detail } => swedish_message(detail).map(sentence).unwrap_or_else(|| {
            "Det krockar med något som redan finns eller har ändrats under tiden. Ladda om sidan och försök igen."
                .into()
        }),
        ApiError::PreconditionFailed => {
            "Någon annan har ändrat uppgifterna sedan du öppnade sidan. Ladda om sidan och gör ändringen igen.".into()
        }
        ApiError::PayloadTooLarge(_) => "Filen eller formuläret är för stort.".into(),
        ApiError::UnsupportedMediaType(_) => "Formuläret skickades i ett format som inte stöds.".into(),
        ApiError::TooManyRequests { retry_after_secs } => {
            format!("För många misslyckade inloggningar härifrån. Försök igen om {retry_after_secs} sekunder.")
        }
        ApiError::Unavailable(_) | ApiError::Internal(_) => String::new(),
    }
}

/// A message as a sentence: capital first letter, full stop.
fn sentence(message: String) -> String {
    let mut chars = message.chars();
    let first = chars.next().map(|c| c.to_uppercase().collect::<String>()).unwrap_or_default();
    let text = format!("{first}{}", chars.as_str());
    if text.ends_with('.') { text } else { format!("{text}.") }
}

/// `antal platser: måste vara 0–1000`.
fn swedish_field_error(error: &FieldError) -> String {
    let message = swedish_message(&error.message).unwrap_or_else(|| "är inte giltigt".into());
    format!("{} {message}", swedish_field(&error.field))
}

/// A field's name in Swedish words; a GeoJSON file's feature by its place in the file.
fn swedish_field(field: &str) -> String {
    if let Some(rest) = field.strip_prefix("features/") {
        let (index, member) = rest.split_once('/').unwrap_or((rest, ""));
        let place = index.parse::<usize>().map_or_else(|_| index.to_owned(), |i| (i + 1).to_string());
        let member = match member {
            "geometry" => "polygonen (geometry)".to_owned(),
            "type" => "typen".to_owned(),
            other => match other.strip_prefix("properties/") {
                Some(property) => format!("egenskapen {property}"),
                None => other.to_owned(),
            },
        };
        return format!("område {place} i filen, {member}");
    }
    FIELDS.iter().find(|(name, _)| *name == field).map_or_else(|| format!("fältet {field}"), |(_, sv)| (*sv).to_owned())
}

/// Field names of the API (and so of the forms) in Swedish words.
const FIELDS: &[(&str, &str)] = &[
    ("file", "filen"),
    ("code", "koden"),
    ("name", "namnet"),
    ("valid_from", "gäller från"),
    ("valid_to", "gäller till"),
    ("boundary", "gränsen"),
    ("operator", "huvudmannen"),
    ("address", "adressen"),
    ("lat", "latituden"),
    ("lon", "longituden"),
    ("total_beds", "antal platser"),
    ("accepts_women", "vilka boendet tar emot"),
    ("min_age", "lägsta ålder"),
    ("max_age", "åldersgränserna"),
    ("opens_at", "öppnar"),
    ("check_in_deadline", "sista incheckning"),
    ("status", "status"),
    ("version", "versionen"),
    ("role", "rollen"),
    ("staff_id", "personal-id"),
    ("shelter_scope", "boendet"),
    ("district_scope", "stadsdelen"),
    ("beds_in_service", "platser i bruk"),
    ("beds_out_of_service", "platser ur bruk"),
    ("out_of_service_reason", "orsaken"),
    ("given_name", "förnamnet"),
    ("family_name", "efternamnet"),
    ("sex", "kön"),
    ("home_municipality_code", "hemkommunen"),
    ("municipality_code", "kommunkoden"),
    ("channel", "kanalen"),
    ("person_id", "personen"),
    ("shelter_id", "boendet"),
    ("body", "uppgifterna"),
];

/// The API's English messages (or their beginnings) in Swedish.
const MESSAGES: &[(&str, &str)] = &[
    ("must not be empty", "får inte vara tomt"),
    ("is missing", "saknas"),
    ("must be text", "måste vara text"),
    ("must not contain control characters", "får inte innehålla kontrolltecken"),
    ("must be a whole number", "måste vara ett heltal"),
    ("must be a number", "måste vara ett tal"),
    ("must be a date", "måste vara ett datum (åååå-mm-dd)"),
    ("must be a time", "måste vara en tid (tt:mm)"),
    ("no file was chosen", "ingen fil är vald"),
    ("is not JSON", "är inte en GeoJSON-fil (inte ens JSON)"),
    ("is not a GeoJSON FeatureCollection", "är inte en GeoJSON-fil med en FeatureCollection"),
    ("a FeatureCollection needs a features array", "saknar listan features"),
    ("has no features", "innehåller inga områden"),
    ("has more than", "innehåller för många områden"),
    ("is not a GeoJSON Feature", "är inte en GeoJSON Feature"),
    ("is not a GeoJSON geometry", "är inte en giltig GeoJSON-geometri"),
    ("must be a Polygon or MultiPolygon", "måste vara en Polygon eller MultiPolygon"),
    ("must contain at least one polygon", "måste innehålla minst en polygon"),
    ("a polygon needs an exterior ring", "är ogiltig: polygonen saknar yttre ring"),
    ("a ring needs at least four positions", "är ogiltig: en ring behöver minst fyra punkter"),
    ("positions must be", "är ogiltig: punkterna måste vara [longitud, latitud] i WGS84"),
    ("a position needs", "är ogiltig: punkterna måste vara [longitud, latitud] i WGS84"),
    ("a ring must end where it starts", "är ogiltig: en ring måste sluta där den börjar"),
    ("must be 1-40 of a-z", "får bara ha a–z, 0–9 och bindestreck (högst 40 tecken)"),
    ("appears more than once in the file", "finns flera gånger i filen"),
    ("another version of this district is valid", "krockar: en annan version av stadsdelen gäller redan då"),
    ("another version of the district", "En annan version av stadsdelen gäller redan under delar av perioden"),
    ("must be after valid_from", "måste vara efter gäller från"),
    ("must be 0..=1000", "måste vara 0–1000"),
    ("a shelter takes women, men or both", "måste vara kvinnor, män eller båda"),
    ("ages must be", "måste vara 0–120, och högsta ålder minst lägsta ålder"),
    ("must be a latitude", "måste vara en latitud mellan -90 och 90"),
    ("must be a longitude", "måste vara en longitud mellan -180 och 180"),
    (
        "the location is outside every district",
        "ligger utanför alla stadsdelar; markera boenden i andra kommuner som utanför kommunen",
    ),
    ("guests hold beds here without consent", "Gäster har platser här utan samtycke till plats i annan kommun"),
    ("an integration is a system", "är en integration: den får en API-nyckel, inte en inloggningslänk"),
    ("shelter staff sign in for a shelter", "måste väljas för boendepersonal"),
    ("a support worker signs in as a member of staff", "krävs för stödpersonal"),
    ("district codes are", "har en ogiltig kod"),
    ("no such shelter", "finns inte i kommunen"),
    ("no such district", "finns inte i kommunen"),
    ("choose a role", "måste väljas"),
    ("a sign-in link only for your own municipality", "En inloggningslänk kan bara gälla din egen kommun"),
    (
        "a sign-in link only for districts you have yourself",
        "En inloggningslänk kan bara gälla stadsdelar du själv har behörighet till",
    ),
    (
        "a sign-in link only for shelters you have yourself",
        "En inloggningslänk kan bara gälla boenden du själv har behörighet till",
    ),
    ("the form has expired", "Formuläret har gått ut. Ladda om sidan och försök igen"),
    ("the role", "Din roll får inte göra det här"),
];

/// The Swedish of an English message, when it is known.
fn swedish_message(message: &str) -> Option<String> {
    if let Some(max) = message.strip_prefix("must be at most ").and_then(|rest| rest.strip_suffix(" characters")) {
        return Some(format!("får vara högst {max} tecken"));
    }
    MESSAGES.iter().find(|(english, _)| message.starts_with(english)).map(|(_, sv)| (*sv).to_owned())
}

/// What a 404 was about, as the subject of a Swedish sentence.
fn swedish_thing(what: &str) -> &'static str {
    match what {
        "shelter" => "Boendet",
        "district" | "district containing that point" => "Stadsdelen",
        "session" => "Sessionen",
        "person" => "Personen",
        "bed assignment" | "assignment" => "Platsen",
        _ => "Det du sökte",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{EN, SV};

    fn sv(error: &ApiError) -> String {
        error_detail(error, Lang { text: &SV, chosen: false }).unwrap_or_default()
    }

    #[test]
    fn swedish_names_the_wrong_fields_in_swedish_words() {
        let error = ApiError::invalid_fields(vec![
            FieldError::new("total_beds", "must be 0..=1000"),
            FieldError::new("name", "must not be empty"),
            FieldError::new("operator", "must be at most 200 characters"),
        ]);
        assert_eq!(
            sv(&error),
            "Rätta följande: antal platser måste vara 0–1000; namnet får inte vara tomt; \
             huvudmannen får vara högst 200 tecken."
        );
    }

    #[test]
    fn a_files_features_are_named_by_their_place() {
        let error = ApiError::invalid_fields(vec![
            FieldError::new("features/1/properties/code", "is missing"),
            FieldError::new("features/2/geometry", "a ring must end where it starts"),
        ]);
        assert_eq!(
            sv(&error),
            "Rätta följande: område 2 i filen, egenskapen code saknas; \
             område 3 i filen, polygonen (geometry) är ogiltig: en ring måste sluta där den börjar."
        );
        assert_eq!(
            sv(&ApiError::invalid("file", "is not JSON")),
            "Rätta följande: filen är inte en GeoJSON-fil (inte ens JSON)."
        );
    }

    #[test]
    fn an_unknown_field_or_message_is_still_named() {
        assert_eq!(sv(&ApiError::invalid("frobs", "wibble")), "Rätta följande: fältet frobs är inte giltigt.");
    }

    #[test]
    fn every_kind_has_a_swedish_sentence_and_english_keeps_the_apis_words() {
        for error in [
            ApiError::BadRequest("x".into()),
            ApiError::Unauthenticated,
            ApiError::forbidden("the role auditor may not do this"),
            ApiError::NotFound("shelter"),
            ApiError::MethodNotAllowed("x".into()),
            ApiError::conflict("conflicts with an existing record (x)"),
            ApiError::PreconditionFailed,
            ApiError::PayloadTooLarge("x".into()),
            ApiError::UnsupportedMediaType("x".into()),
        ] {
            let detail = sv(&error);
            assert!(detail.ends_with('.') && detail.chars().next().is_some_and(char::is_uppercase), "{detail}");
            assert!(!detail.contains("the ") && !detail.contains("not found"), "English left in {detail:?}");
            let english = error_detail(&error, Lang { text: &EN, chosen: true });
            assert_eq!(english, Some(error.to_string()));
        }
        assert_eq!(sv(&ApiError::NotFound("shelter")), "Boendet finns inte, eller inte för dig.");
        assert_eq!(
            sv(&ApiError::forbidden("the form has expired; reload")),
            "Formuläret har gått ut. Ladda om sidan och försök igen."
        );
    }

    #[test]
    fn server_errors_show_no_detail_in_any_language() {
        for text in [&SV, &EN] {
            assert_eq!(error_detail(&ApiError::internal("secret cause"), Lang { text, chosen: false }), None);
        }
    }
}
