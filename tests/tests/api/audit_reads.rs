//! Audit completeness per person read.
