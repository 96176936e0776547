//! Client.
/// Client.
pub struct Client;
/// Device iterator.
pub struct DeviceIter;
