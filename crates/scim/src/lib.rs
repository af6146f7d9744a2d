//! SCIM 2.0 (RFC 7643 / RFC 7644 / RFC 9865) as a protocol: resource shapes and schemas, the
//! filter grammar, the PATCH engine with the IdP dialects, listing and projection, ETags, the SCIM
//! error body, the discovery documents, and an axum router generic over a storage trait.
//! It knows no database: `directory` implements the storage trait.

pub mod context;
pub mod discovery;
pub mod error;
pub mod filter;
pub mod http;
pub mod media;
pub mod patch;
pub mod projection;
pub mod resource;
pub mod router;
pub mod schema;
pub mod store;

pub use context::ScimContext;
pub use error::{ScimError, ScimType};
