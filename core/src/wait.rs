//! Wait.
/// Cancel token.
pub struct CancelToken;
/// Wait options.
pub struct WaitOptions;
