//! Cross-cutting infrastructure shared by every domain crate: state, settings, errors as
//! problem+json, request extractors, authentication and roles, audit, pagination and the night.

pub mod audit;
pub mod auth;
pub mod db;
pub mod error;
pub mod etag;
pub mod extract;
pub mod fresh;
pub mod jwt;
pub mod municipality;
pub mod night;
pub mod oidc;
pub mod pagination;
pub mod period;
pub mod settings;
pub mod snapshot;
pub mod state;
pub mod states;
pub mod text;
pub mod throttle;
pub mod tokens;
pub mod work;

pub use error::{ApiError, FieldError, OnConstraint, Problem, ReadProblems, Validation, WriteProblems};
pub use extract::{Json, Path, Query};
pub use municipality::MunicipalityCode;
pub use state::AppState;
pub use work::{UnitOfWork, Work};
