//! Reviews: a revision records a review as a new version of the plan; open plans whose review date
//! has passed are listed for follow-up.

pub(crate) mod http;
pub mod model;
pub(crate) mod repo;
