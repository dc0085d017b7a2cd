//! A revision, validated: the plan's new content and the day of the review it records, if any.

use hemvist_platform::ApiError;
use hemvist_platform::period::not_future;
use jiff::civil::Date;

use crate::plans::model::PlanContent;

/// A plan's next version, checked against `today`.
#[derive(Debug, Clone, PartialEq)]
pub struct Revision {
    pub content: PlanContent,
    /// The review this revision records: not a day ahead.
    pub reviewed_on: Option<Date>,
}

impl Revision {
    pub fn new(content: PlanContent, reviewed_on: Option<Date>, today: Date) -> Result<Self, ApiError> {
        let content = content.validate(today)?;
        if let Some(reviewed_on) = reviewed_on {
            not_future("reviewed_on", reviewed_on)?;
        }
        Ok(Self { content, reviewed_on })
    }
}

/// Whether a revision written against `expected` (the `If-Match` version, if sent) may follow the
/// plan's `current` version: no one else revised it in between.
pub fn revises_current(expected: Option<i32>, current: i32) -> bool {
    expected.is_none_or(|v| v == current)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_guards_the_version_revised() {
        assert!(revises_current(None, 3));
        assert!(revises_current(Some(3), 3));
        assert!(!revises_current(Some(2), 3));
    }
}
