//! The maps' strings: the night coordinator's shelters by free beds and the housing officer's vacant
//! apartments, each over the districts.

use super::{EN, Text};

#[derive(Debug)]
pub struct MapText {
    pub zoom_in: &'static str,
    pub zoom_out: &'static str,
    pub legend: &'static str,
    pub board_map_title: &'static str,
    pub board_map_label: &'static str,
    pub board_map_intro: &'static str,
    pub level_none: &'static str,
    pub level_few: &'static str,
    pub level_many: &'static str,
    /// After a number: "3 lediga".
    pub free: &'static str,
    pub housing_map_title: &'static str,
    pub housing_map_label: &'static str,
    pub housing_map_intro: &'static str,
    pub vacant_caption: &'static str,
    pub district: &'static str,
    pub vacant: &'static str,
    pub vacant_apartment: &'static str,
    /// After a number: "2 rum".
    pub rooms: &'static str,
    pub no_districts: &'static str,
}

pub static MAPS_SV: MapText = MapText {
    zoom_in: "Zooma in",
    zoom_out: "Zooma ut",
    legend: "Färgerna på kartan",
    board_map_title: "Karta",
    board_map_label: "Karta över boendena och stadsdelarna, med antalet lediga platser",
    board_map_intro: "Varje boende visas med antalet lediga platser i natt. Tabellen ovan har samma uppgifter.",
    level_none: "Inga lediga platser",
    level_few: "Få lediga platser",
    level_many: "Många lediga platser",
    free: "lediga",
    housing_map_title: "Lediga lägenheter på kartan",
    housing_map_label: "Karta över lediga lägenheter och stadsdelarna",
    housing_map_intro: "Lägenheter som kan hyras ut nu. Tabellen under kartan visar antalet per stadsdel.",
    vacant_caption: "Lediga lägenheter per stadsdel",
    district: "Stadsdel",
    vacant: "Lediga lägenheter",
    vacant_apartment: "Ledig lägenhet",
    rooms: "rum",
    no_districts: "Inga stadsdelar är registrerade.",
};

pub static MAPS_EN: MapText = MapText {
    zoom_in: "Zoom in",
    zoom_out: "Zoom out",
    legend: "The map's colours",
    board_map_title: "Map",
    board_map_label: "Map of the shelters and districts, with the number of free beds",
    board_map_intro: "Each shelter is shown with its free beds tonight. The table above has the same facts.",
    level_none: "No free beds",
    level_few: "Few free beds",
    level_many: "Many free beds",
    free: "free",
    housing_map_title: "Vacant apartments on a map",
    housing_map_label: "Map of vacant apartments and the districts",
    housing_map_intro: "Apartments that can be let now. The table below the map counts them by district.",
    vacant_caption: "Vacant apartments by district",
    district: "District",
    vacant: "Vacant apartments",
    vacant_apartment: "Vacant apartment",
    rooms: "rooms",
    no_districts: "No districts are registered.",
};

impl Text {
    /// The maps' strings in this language.
    pub fn maps(&self) -> &'static MapText {
        if self.code == EN.code { &MAPS_EN } else { &MAPS_SV }
    }
}
