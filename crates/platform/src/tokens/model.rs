//! What an integration token may carry, and the rule that nobody makes a token with more power than
//! they have: pure rules, no database.

use jiff::{SignedDuration, Timestamp};
use uuid::Uuid;

use crate::auth::{Principal, Role};
use crate::text::clean_text;
use crate::{ApiError, Validation};

/// A token's life when the request names no expiry.
pub const DEFAULT_LIFETIME_DAYS: i64 = 365;
/// The longest life a token may be given.
pub const MAX_LIFETIME_DAYS: i64 = 2 * 365;

/// A token asked for, in the maker's municipality.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    pub name: String,
    pub role: Role,
    pub district_scope: Vec<String>,
    pub shelter_scope: Vec<Uuid>,
    pub staff_id: Option<String>,
    pub expires_at: Option<Timestamp>,
}

impl TokenRequest {
    /// What any token must carry (422 naming the field): a name, the role `integration`, and a future
    /// expiry within the longest life. Returns the expiry, the default one when none was asked for.
    pub fn check(&self, now: Timestamp) -> Result<Timestamp, ApiError> {
        let mut v = Validation::default();
        v.keep(clean_text("name", &self.name, 200, false));
        if let Some(staff_id) = &self.staff_id {
            v.keep(clean_text("staff_id", staff_id, 200, false));
        }
        // Only systems get tokens this way: a person signs in (at the city's identity provider, so
        // removing them there removes their access); a token for a person's role is made on the command
        // line (`hemvist token create`), by whoever runs the server.
        if self.role != Role::Integration {
            v.push("role", "only integration tokens are made here; a token for another role: hemvist token create");
        }
        for code in &self.district_scope {
            let valid = !code.is_empty()
                && code.len() <= 40
                && code.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !valid {
                v.push("district_scope", "district codes are 1-40 of a-z, 0-9 and '-'");
            }
        }
        let latest = now + SignedDuration::from_hours(24 * MAX_LIFETIME_DAYS);
        let expires_at = self.expires_at.unwrap_or(now + SignedDuration::from_hours(24 * DEFAULT_LIFETIME_DAYS));
        if expires_at <= now {
            v.push("expires_at", "must be in the future");
        } else if expires_at > latest {
            v.push("expires_at", format!("at most {MAX_LIFETIME_DAYS} days from now"));
        }
        v.finish()?;
        Ok(expires_at)
    }

    /// 403 unless the token carries no more power than its maker: a role the maker may hand out (an
    /// admin any; anyone else only their own), and within the maker's districts and shelters when the
    /// maker is limited to some (the municipality is always the maker's).
    pub fn within(&self, maker: &Principal) -> Result<(), ApiError> {
        if maker.role != Role::Admin && self.role != maker.role {
            return Err(ApiError::forbidden("a token only for a role you have yourself"));
        }
        let districts_within = maker.district_scope.is_empty()
            || (!self.district_scope.is_empty()
                && self.district_scope.iter().all(|d| maker.district_scope.contains(d)));
        if !districts_within {
            return Err(ApiError::forbidden("a token only for districts you have yourself"));
        }
        let shelters_within = maker.shelter_scope.is_empty()
            || (!self.shelter_scope.is_empty() && self.shelter_scope.iter().all(|s| maker.shelter_scope.contains(s)));
        if !shelters_within {
            return Err(ApiError::forbidden("a token only for shelters you have yourself"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MunicipalityCode;

    fn request(role: Role) -> TokenRequest {
        TokenRequest {
            name: "feed".into(),
            role,
            district_scope: Vec::new(),
            shelter_scope: Vec::new(),
            staff_id: None,
            expires_at: None,
        }
    }

    fn maker(role: Role, districts: &[&str], shelters: &[Uuid]) -> Principal {
        Principal {
            token_id: Uuid::nil(),
            municipality: MunicipalityCode::parse("0180").unwrap_or_else(|e| panic!("{e}")),
            role,
            district_scope: districts.iter().map(|d| (*d).to_owned()).collect(),
            shelter_scope: shelters.to_vec(),
            staff_id: None,
            request_id: None,
        }
    }

    #[test]
    fn a_token_expires_in_the_future_within_its_longest_life() {
        let now = Timestamp::now();
        let default = request(Role::Integration).check(now).unwrap_or(now);
        assert_eq!(default, now + SignedDuration::from_hours(24 * DEFAULT_LIFETIME_DAYS));
        let past = TokenRequest { expires_at: Some(now - SignedDuration::from_secs(1)), ..request(Role::Integration) };
        assert!(past.check(now).is_err());
        let far = TokenRequest {
            expires_at: Some(now + SignedDuration::from_hours(24 * (MAX_LIFETIME_DAYS + 1))),
            ..request(Role::Integration)
        };
        assert!(far.check(now).is_err());
        for role in [Role::Admin, Role::ShelterStaff, Role::SupportWorker, Role::Auditor] {
            assert!(request(role).check(now).is_err(), "{role}: only integration tokens");
        }
        assert!(TokenRequest { name: String::new(), ..request(Role::Integration) }.check(now).is_err());
    }

    #[test]
    fn no_token_carries_more_power_than_its_maker() {
        let shelter = Uuid::new_v4();
        assert!(request(Role::Admin).within(&maker(Role::Admin, &[], &[])).is_ok());
        assert!(request(Role::Admin).within(&maker(Role::Auditor, &[], &[])).is_err(), "a role above");
        let jarva_admin = maker(Role::Admin, &["jarva"], &[]);
        assert!(request(Role::Integration).within(&jarva_admin).is_err(), "the whole municipality");
        let in_jarva = TokenRequest { district_scope: vec!["jarva".into()], ..request(Role::Integration) };
        assert!(in_jarva.within(&jarva_admin).is_ok());
        let shelter_admin = maker(Role::Admin, &[], &[shelter]);
        let own = TokenRequest { shelter_scope: vec![shelter], ..request(Role::ShelterStaff) };
        assert!(own.within(&shelter_admin).is_ok());
        let other = TokenRequest { shelter_scope: vec![Uuid::new_v4()], ..own.clone() };
        assert!(other.within(&shelter_admin).is_err());
    }
}
