//! End-to-end API tests: one binary, one module per area.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod access_policy;
mod audit_completeness;
mod audit_reads;
mod decisions;
mod districts;
mod foundation;
mod gallring;
mod guarantee_followup;
mod holds;
mod identity;
mod lease_law;
mod leases;
mod openapi;
mod operations;
mod people;
mod reports_rules;
mod review_holds;
mod review_law;
mod review_people;
mod review_shelter;
mod scope_lists;
mod secrecy;
mod shelters;
mod support_plans;
mod web;
