//! Client configuration.
/// Builder.
pub struct ClientBuilder;
/// Retry policy.
pub struct RetryPolicy;
