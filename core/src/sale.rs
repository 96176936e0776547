//! Sale.
/// Sale.
pub struct Sale;
/// Verdict.
pub struct Verdict;
