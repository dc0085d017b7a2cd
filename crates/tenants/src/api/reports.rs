//! The statistical reports, for the web app's report pages: the same functions the API's report
//! handlers run, with the same parse rules, so a page and the API answer alike.

pub use crate::access::READ_REPORTS;
pub use crate::decisions::ivo::{Lateness, Quarter, StatusAtQuarterEnd};
pub use crate::decisions::reports::{
    CouncilCount, NonExecutedDecisionsReport, ReportCase, non_executed_decisions_report, parse_quarter,
};
pub use crate::situations::model::Situation;
pub use crate::situations::reports::{SituationCount, SituationsReport, situations_report};
