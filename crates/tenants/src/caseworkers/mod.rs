//! Caseworkers (handläggare): who handles a person's case now, and who did before.

pub(crate) mod http;
pub(crate) mod repo;
