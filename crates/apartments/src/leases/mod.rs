//! Sublets (trial, training, Bostad Först): offered, active, ended or taken over, and the lease outcomes
//! report. Follow-ups and rent are in their own modules. Support plans live elsewhere: nothing here can
//! require treatment.

mod follow_up_list;
pub(crate) mod http;
pub(crate) mod lifecycle;
pub mod model;
pub(crate) mod repo;
pub(crate) mod reports;

pub use follow_up_list::{LeaseToFollowUp, leases_to_follow_up};
