//! Shelters: operator, location, who they take and how many beds they have.

pub(crate) mod http;
pub mod model;
pub(crate) mod repo;

pub use http::shelter_in_scope;
