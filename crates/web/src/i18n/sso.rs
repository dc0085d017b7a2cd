//! Single sign-on's strings: signing in at the city's identity provider, and being refused.

use super::{EN, Text};

#[derive(Debug)]
pub struct SsoText {
    pub sign_in_with_provider: &'static str,
    pub or_link: &'static str,
    pub signing_in: &'static str,
    pub continue_link: &'static str,
    pub no_access_title: &'static str,
    pub no_access: &'static str,
    pub failed_title: &'static str,
    pub failed: &'static str,
    pub try_again: &'static str,
    pub signed_out_provider: &'static str,
}

pub static SSO_SV: SsoText = SsoText {
    sign_in_with_provider: "Logga in med stadens konto",
    or_link: "Har du fått en inloggningslänk av en administratör kan du också använda den.",
    signing_in: "Du loggas in …",
    continue_link: "Fortsätt",
    no_access_title: "Ingen behörighet",
    no_access: "Du är inloggad hos stadens identitetstjänst, men ingen av dina grupper ger tillgång till \
                Hemvist. Be din chef eller administratör att lägga till dig i rätt grupp och logga sedan in igen.",
    failed_title: "Inloggningen misslyckades",
    failed: "Inloggningen kunde inte slutföras. Den kan ha tagit för lång tid eller avbrutits.",
    try_again: "Försök igen",
    signed_out_provider: "Logga ut även hos stadens identitetstjänst",
};

pub static SSO_EN: SsoText = SsoText {
    sign_in_with_provider: "Sign in with your city account",
    or_link: "If an administrator gave you a sign-in link, you can use that instead.",
    signing_in: "Signing you in …",
    continue_link: "Continue",
    no_access_title: "No access",
    no_access: "You are signed in at the city's identity provider, but none of your groups gives access to \
                Hemvist. Ask your manager or an administrator to add you to the right group, then sign in again.",
    failed_title: "Signing in failed",
    failed: "Signing in could not be completed. It may have taken too long or been cancelled.",
    try_again: "Try again",
    signed_out_provider: "Sign out at the city's identity provider too",
};

impl Text {
    /// Single sign-on's strings in this language.
    pub fn sso(&self) -> &'static SsoText {
        if self.code == EN.code { &SSO_EN } else { &SSO_SV }
    }
}
