//! Decisions (biståndsbeslut): applied, decided, executed, interrupted and resumed, closed; with the
//! delay reasons, offers and interim help the IVO report asks for.

pub mod http;
pub mod leasing;
pub mod model;
pub mod repo;
