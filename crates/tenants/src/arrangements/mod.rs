//! Housing arrangements: where a person stays, as recorded by staff (outdoors, in an institution due
//! to leave without a home, with relatives...), from a date until it is ended. Leases and shelter
//! nights are facts delivered by their own crates; `situations` counts them all.

pub(crate) mod http;
pub mod model;
pub(crate) mod repo;
