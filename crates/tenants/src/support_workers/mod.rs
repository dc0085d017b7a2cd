//! Support workers (boendestöd) assigned to a person over periods: a support worker sees only the
//! people currently assigned to them.

pub(crate) mod http;
pub(crate) mod repo;
