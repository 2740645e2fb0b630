//! Shared code of the benchmark binaries: corpora, implementations under test, measurement.

pub mod corpus;
pub mod imps;
pub mod sys;
