//! Visits: planned against held. A missed visit is recorded and changes nothing else: support and
//! tenancy are separate records.

pub(crate) mod http;
pub mod model;
pub(crate) mod repo;
