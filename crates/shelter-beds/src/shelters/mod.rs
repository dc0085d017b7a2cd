//! Shelters: operator, location, who they take and how many beds they have.

pub(crate) mod http;
pub mod model;
pub(crate) mod repo;

pub use http::{register_shelter, replace_shelter, shelter_in_scope, shelters_in_scope};
