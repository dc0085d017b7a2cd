//! A shelter's night: its capacity as reported and the beds given out, and the rules of a report.

use hemvist_platform::ApiError;
use hemvist_platform::text::clean_text;

use crate::shelters::model::Shelter;

/// A shelter's capacity and use for one night.
#[derive(Debug, Clone)]
pub struct NightLoad {
    pub shelter: Shelter,
    pub beds_in_service: i32,
    pub beds_out_of_service: i32,
    pub out_of_service_reason: Option<String>,
    pub reported: bool,
    pub taken: i64,
}

impl NightLoad {
    /// Beds not given out (never below zero, as a lowered capacity may leave more given than usable).
    pub fn free(&self) -> i64 {
        (i64::from(self.beds_in_service) - self.taken).max(0)
    }
}

/// A night's capacity as staff report it, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Capacity {
    pub beds_in_service: i32,
    pub beds_out_of_service: i32,
    /// Required when beds are out of service.
    pub reason: Option<String>,
}

impl Capacity {
    /// Both counts 0..=1000; beds out of service need a reason (up to 500 characters).
    pub fn new(beds_in_service: i32, beds_out_of_service: i32, reason: Option<&str>) -> Result<Self, ApiError> {
        if !(0..=1000).contains(&beds_in_service) {
            return Err(ApiError::invalid("beds_in_service", "must be 0..=1000"));
        }
        if !(0..=1000).contains(&beds_out_of_service) {
            return Err(ApiError::invalid("beds_out_of_service", "must be 0..=1000"));
        }
        let reason = reason.map(|r| clean_text("out_of_service_reason", r, 500, false)).transpose()?;
        if beds_out_of_service > 0 && reason.is_none() {
            return Err(ApiError::invalid("out_of_service_reason", "is required when beds are out of service"));
        }
        Ok(Self { beds_in_service, beds_out_of_service, reason })
    }

    /// A night never has more beds than the shelter has (the database checks it too).
    pub fn fits(&self, total_beds: i32) -> Result<(), ApiError> {
        if self.beds_in_service > total_beds {
            return Err(ApiError::invalid("beds_in_service", format!("the shelter has {total_beds} beds in all")));
        }
        if self.beds_in_service + self.beds_out_of_service > total_beds {
            return Err(ApiError::invalid(
                "beds_out_of_service",
                format!("beds in and out of service exceed the shelter's {total_beds} beds"),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field<T>(result: Result<T, ApiError>) -> Option<String> {
        match result {
            Err(ApiError::Unprocessable { errors, .. }) => errors.first().map(|e| e.field.clone()),
            _ => None,
        }
    }

    #[test]
    fn a_report_counts_beds_within_the_shelter() {
        assert_eq!(field(Capacity::new(-1, 0, None)).as_deref(), Some("beds_in_service"));
        assert_eq!(field(Capacity::new(3, 1001, Some("x"))).as_deref(), Some("beds_out_of_service"));
        assert_eq!(field(Capacity::new(3, 1, None)).as_deref(), Some("out_of_service_reason"));
        let report = Capacity::new(8, 2, Some("no heating")).ok();
        assert!(report.as_ref().is_some_and(|r| r.fits(10).is_ok()));
        assert_eq!(field(report.as_ref().map_or(Ok(()), |r| r.fits(9))).as_deref(), Some("beds_out_of_service"));
        assert_eq!(field(report.as_ref().map_or(Ok(()), |r| r.fits(7))).as_deref(), Some("beds_in_service"));
    }
}
