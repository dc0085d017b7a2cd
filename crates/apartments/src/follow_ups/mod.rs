//! Follow-ups of a lease: quarterly by default from move-in, plus extra ones; the planned ones held on
//! time count toward a Bostad Först takeover.

pub(crate) mod http;
pub mod model;
pub(crate) mod repo;
