//! End-to-end API tests: one binary, one module per area.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod access_policy;
mod audit_completeness;
mod audit_reads;
mod decisions;
mod districts;
mod foundation;
mod gallring;
mod leases;
mod openapi;
mod people;
mod scope_lists;
mod shelters;
mod support_plans;
