//! Sublets (trial, training, Bostad Först): offered, active, ended or taken over; their follow-ups
//! and rent ledger. Support plans live elsewhere: nothing here can require treatment.

pub mod http;
pub mod repo;
pub mod rules;
