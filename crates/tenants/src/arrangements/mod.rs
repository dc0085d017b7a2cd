//! Housing arrangements: where a person stays, as recorded by staff (outdoors, in an institution due
//! to leave without a home, with relatives...), from a date until it is ended. Leases and shelter
//! nights are facts delivered by their own crates; `rules::situation` counts them all.

pub mod http;
pub mod model;
pub mod repo;
