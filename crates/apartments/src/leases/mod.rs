//! Sublets (trial, training, Bostad Först): offered, active, ended or taken over, and the lease outcomes
//! report. Follow-ups and rent are in their own modules. Support plans live elsewhere: nothing here can
//! require treatment.

pub(crate) mod http;
pub(crate) mod lifecycle;
pub mod model;
pub(crate) mod repo;
pub(crate) mod reports;
