//! Empty homes while people wait: days each apartment stood vacant in a period, and per district the
//! vacant apartment-days against the people waiting on the same days.

pub mod http;
pub mod repo;

pub use http::{VacancyReport, longest_vacant, vacancy_report};
pub use repo::VacantNow;
