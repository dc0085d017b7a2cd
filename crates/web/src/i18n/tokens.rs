//! The admin's integration tokens on the access page.

use super::{EN, Text};

#[derive(Debug)]
pub struct TokensText {
    pub title: &'static str,
    pub intro: &'static str,
    pub name: &'static str,
    pub lifetime: &'static str,
    pub days: &'static str,
    pub make: &'static str,
    pub new_title: &'static str,
    pub new_once: &'static str,
    pub none: &'static str,
    pub scope: &'static str,
    pub created: &'static str,
    pub expires: &'static str,
    pub last_used: &'static str,
    pub never: &'static str,
    pub state: &'static str,
    pub active: &'static str,
    pub expired: &'static str,
    pub revoked: &'static str,
    pub revoke: &'static str,
    pub revoked_notice: &'static str,
}

pub static TOKENS_SV: TokensText = TokensText {
    title: "API-nycklar för integrationer",
    intro: "En nyckel låter ett annat system hämta avidentifierade uppgifter. Den gäller för ditt område, aldrig \
            mer än du själv har, tills den går ut eller återkallas.",
    name: "Namn (vilket system)",
    lifetime: "Giltig i",
    days: "dagar",
    make: "Skapa nyckel",
    new_title: "Nyckeln är skapad",
    new_once: "Kopiera nyckeln nu och lägg in den i systemet. Den visas bara den här gången.",
    none: "Inga nycklar ännu.",
    scope: "Område",
    created: "Skapad",
    expires: "Går ut",
    last_used: "Senast använd",
    never: "aldrig",
    state: "Status",
    active: "gäller",
    expired: "har gått ut",
    revoked: "återkallad",
    revoke: "Återkalla",
    revoked_notice: "Nyckeln är återkallad.",
};

pub static TOKENS_EN: TokensText = TokensText {
    title: "API tokens for integrations",
    intro: "A token lets another system fetch anonymised data. It is for your scope, never more than you have, \
            until it expires or is revoked.",
    name: "Name (which system)",
    lifetime: "Valid for",
    days: "days",
    make: "Make a token",
    new_title: "The token is made",
    new_once: "Copy the token now and put it into the system. It is shown only this once.",
    none: "No tokens yet.",
    scope: "Scope",
    created: "Made",
    expires: "Expires",
    last_used: "Last used",
    never: "never",
    state: "State",
    active: "active",
    expired: "expired",
    revoked: "revoked",
    revoke: "Revoke",
    revoked_notice: "The token is revoked.",
};

impl Text {
    /// The integration tokens' strings in this language.
    pub fn tokens(&self) -> &'static TokensText {
        if self.code == EN.code { &TOKENS_EN } else { &TOKENS_SV }
    }
}
