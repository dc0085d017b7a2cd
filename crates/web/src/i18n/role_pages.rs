//! The strings of three roles' lists: the housing officer's leases to follow up, the support worker's
//! visits of the week and the night coordinator's form to resolve a breach. Swedish first, English.

use hemvist_apartments::leases::model::{LeaseKind, TakeoverRefusal};
use hemvist_shelter_beds::guarantee::model::ResolutionKind;
use hemvist_support_plans::visits::model::VisitStatus;

use super::{EN, Text};

#[derive(Debug)]
pub struct RolePagesText {
    // The housing officer's leases to follow up.
    pub leases_title: &'static str,
    pub leases_intro: &'static str,
    pub no_leases: &'static str,
    pub col_tenant: &'static str,
    pub col_kind: &'static str,
    pub col_apartment: &'static str,
    pub col_next_follow_up: &'static str,
    pub col_takeover: &'static str,
    /// In the order of [`LeaseKind::ALL`].
    pub lease_kinds: [&'static str; 3],
    pub tenant_outside_scope: &'static str,
    pub protected: &'static str,
    pub follow_up_overdue: &'static str,
    pub no_follow_up: &'static str,
    pub takeover_yes: &'static str,
    pub takeover_not_applicable: &'static str,
    too_few_follow_ups: fn(usize, usize) -> String,
    rent_in_arrears: fn(i64) -> String,
    never_for_training: &'static str,
    // The support worker's visits of the week.
    pub week_title: &'static str,
    pub week_intro: &'static str,
    week_label: fn(i8, &str, &str) -> String,
    pub previous_week: &'static str,
    pub next_week: &'static str,
    pub this_week: &'static str,
    pub week_nav: &'static str,
    pub no_visits: &'static str,
    pub col_planned: &'static str,
    pub col_held: &'static str,
    pub col_missed: &'static str,
    pub col_visits: &'static str,
    /// In the order of [`VisitStatus::ALL`].
    pub visit_states: [&'static str; 4],
    /// Monday first.
    pub weekdays: [&'static str; 7],
    // The night coordinator's resolution of a breach.
    pub col_resolution: &'static str,
    pub resolve_summary: &'static str,
    pub resolution_kind: &'static str,
    /// In the order of [`ResolutionKind::ALL`].
    pub resolution_kinds: [&'static str; 4],
    pub later_shelter: &'static str,
    pub no_shelter: &'static str,
    pub consent_given: &'static str,
    pub consent_not_given: &'static str,
    pub note: &'static str,
    pub resolve_button: &'static str,
    pub resolved: &'static str,
}

impl RolePagesText {
    pub fn lease_kind(&self, kind: LeaseKind) -> &'static str {
        LeaseKind::ALL.iter().position(|k| *k == kind).map_or("", |i| self.lease_kinds[i])
    }

    pub fn visit_state(&self, status: VisitStatus) -> &'static str {
        VisitStatus::ALL.iter().position(|s| *s == status).map_or("", |i| self.visit_states[i])
    }

    pub fn resolution_kind(&self, kind: ResolutionKind) -> &'static str {
        ResolutionKind::ALL.iter().position(|k| *k == kind).map_or("", |i| self.resolution_kinds[i])
    }

    /// Whether the tenant may take over the lease, in words.
    pub fn takeover(&self, answer: &Result<(), TakeoverRefusal>) -> String {
        match answer {
            Ok(()) => self.takeover_yes.to_owned(),
            Err(TakeoverRefusal::TooFewFollowUps { held, required }) => (self.too_few_follow_ups)(*held, *required),
            Err(TakeoverRefusal::RentInArrears { balance_sek }) => (self.rent_in_arrears)(*balance_sek),
            Err(TakeoverRefusal::NeverForTraining) => self.never_for_training.to_owned(),
        }
    }

    /// The week's heading: its ISO number and its first and last day.
    pub fn week_label(&self, week: i8, monday: &str, sunday: &str) -> String {
        (self.week_label)(week, monday, sunday)
    }
}

pub static ROLE_PAGES_SV: RolePagesText = RolePagesText {
    leases_title: "Hyresavtal att följa upp",
    leases_intro: "Aktiva avtal med nästa planerade uppföljning, tidigast först. För Bostad Först: om hyresgästen \
        kan överta kontraktet i dag. Det räknas bara de planerade kvartalsuppföljningarna som hållits på eller efter \
        sitt planerade datum, och hyran får inte ligga efter.",
    no_leases: "Inga aktiva avtal.",
    col_tenant: "Hyresgäst",
    col_kind: "Avtal",
    col_apartment: "Lägenhet",
    col_next_follow_up: "Nästa uppföljning",
    col_takeover: "Kan överta kontraktet",
    lease_kinds: ["Försökslägenhet", "Träningslägenhet", "Bostad Först"],
    tenant_outside_scope: "Person utanför dina stadsdelar",
    protected: "skyddade personuppgifter",
    follow_up_overdue: "försenad",
    no_follow_up: "Ingen planerad",
    takeover_yes: "Ja",
    takeover_not_applicable: "Gäller Bostad Först",
    too_few_follow_ups: |held, required| format!("Nej: {held} av {required} uppföljningar hållna i tid"),
    rent_in_arrears: |sek| format!("Nej: hyresskuld {sek} kr"),
    never_for_training: "Nej: träningslägenhet",
    week_title: "Veckans besök",
    week_intro: "Besök hos dem du stöttar, måndag till söndag. Ett planerat besök vars dag har passerat utan att \
        det registrerats som genomfört räknas som missat.",
    week_label: |week, monday, sunday| format!("Vecka {week}: {monday} – {sunday}"),
    previous_week: "Föregående vecka",
    next_week: "Nästa vecka",
    this_week: "Denna vecka",
    week_nav: "Välj vecka",
    no_visits: "Inga besök den här veckan.",
    col_planned: "Planerade",
    col_held: "Genomförda",
    col_missed: "Missade",
    col_visits: "Besök",
    visit_states: ["planerat", "genomfört", "missat", "inställt"],
    weekdays: ["mån", "tis", "ons", "tor", "fre", "lör", "sön"],
    col_resolution: "Lösning",
    resolve_summary: "Registrera hur det löstes",
    resolution_kind: "Hur löstes det?",
    resolution_kinds: [
        "Plats senare samma natt",
        "Akut boende i stället (hotell, jourlägenhet)",
        "Personen tackade nej",
        "Annat (beskriv i anteckningen)",
    ],
    later_shelter: "Boende, vid plats senare",
    no_shelter: "Inget boende",
    consent_given: "Personen har samtyckt till plats i annan kommun.",
    consent_not_given: "Inget samtycke till plats i annan kommun: bara boenden i kommunen kan väljas.",
    note: "Anteckning (krävs för Annat)",
    resolve_button: "Registrera lösningen",
    resolved: "Garantibrottet är registrerat som löst.",
};

pub static ROLE_PAGES_EN: RolePagesText = RolePagesText {
    leases_title: "Leases to follow up",
    leases_intro: "Active leases with the next planned follow-up, earliest first. For Housing First: whether the \
        tenant may take over the lease today. Only the planned quarterly follow-ups held on or after their planned \
        date count, and the rent must not be in arrears.",
    no_leases: "No active leases.",
    col_tenant: "Tenant",
    col_kind: "Lease",
    col_apartment: "Apartment",
    col_next_follow_up: "Next follow-up",
    col_takeover: "May take over the lease",
    lease_kinds: ["Trial apartment", "Training apartment", "Housing First"],
    tenant_outside_scope: "A person outside your districts",
    protected: "protected personal data",
    follow_up_overdue: "overdue",
    no_follow_up: "None planned",
    takeover_yes: "Yes",
    takeover_not_applicable: "Housing First only",
    too_few_follow_ups: |held, required| format!("No: {held} of {required} follow-ups held on time"),
    rent_in_arrears: |sek| format!("No: rent owed {sek} SEK"),
    never_for_training: "No: a training apartment",
    week_title: "This week's visits",
    week_intro: "Visits to the people you support, Monday to Sunday. A planned visit whose day has passed without \
        being recorded as held counts as missed.",
    week_label: |week, monday, sunday| format!("Week {week}: {monday} – {sunday}"),
    previous_week: "Previous week",
    next_week: "Next week",
    this_week: "This week",
    week_nav: "Choose a week",
    no_visits: "No visits this week.",
    col_planned: "Planned",
    col_held: "Held",
    col_missed: "Missed",
    col_visits: "Visits",
    visit_states: ["planned", "held", "missed", "cancelled"],
    weekdays: ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
    col_resolution: "Resolution",
    resolve_summary: "Record how it was resolved",
    resolution_kind: "How was it resolved?",
    resolution_kinds: [
        "A bed later that night",
        "Emergency housing instead (hotel, emergency flat)",
        "The person declined",
        "Other (say what in the note)",
    ],
    later_shelter: "Shelter, for a bed later",
    no_shelter: "No shelter",
    consent_given: "The person consented to a bed in another municipality.",
    consent_not_given: "No consent to a bed in another municipality: only shelters in the municipality can be chosen.",
    note: "Note (required for Other)",
    resolve_button: "Record the resolution",
    resolved: "The breach is recorded as resolved.",
};

impl Text {
    /// The strings of the housing officer's, support worker's and night coordinator's lists.
    pub fn role_pages(&self) -> &'static RolePagesText {
        if self.code == EN.code { &ROLE_PAGES_EN } else { &ROLE_PAGES_SV }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_and_state_has_a_name_in_both_languages() {
        for text in [&ROLE_PAGES_SV, &ROLE_PAGES_EN] {
            assert!(LeaseKind::ALL.iter().all(|k| !text.lease_kind(*k).is_empty()));
            assert!(VisitStatus::ALL.iter().all(|s| !text.visit_state(*s).is_empty()));
            assert!(ResolutionKind::ALL.iter().all(|k| !text.resolution_kind(*k).is_empty()));
        }
        let too_few = Err(TakeoverRefusal::TooFewFollowUps { held: 3, required: 4 });
        assert_eq!(ROLE_PAGES_SV.takeover(&too_few), "Nej: 3 av 4 uppföljningar hållna i tid");
        assert_eq!(ROLE_PAGES_EN.takeover(&Ok(())), "Yes");
    }
}
