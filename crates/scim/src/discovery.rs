//! The discovery documents: `/ServiceProviderConfig`, `/ResourceTypes`, `/Schemas`.
