//! OAuth 2.0 client credentials (RFC 6749 section 4.4) per product app, the scheme Microsoft
//! Entra ID's app gallery requires: the identity provider holds a client id and a client
//! secret, asks the app's token endpoint for a short-lived access token, and presents that as
//! the bearer token of its SCIM requests. Long-lived SCIM tokens ([`crate::token`]) keep
//! working beside it, for Okta, OneLogin and Entra's custom apps.
//!
//! - [`credential`]: what the client ids, client secrets and access tokens look like, and how
//!   they are hashed.
//! - [`client`]: clients and their secrets (shown once, stored as SHA-256, several live at once
//!   for rotation, valid two years, revocable), as stored and listed.
//! - [`changes`]: the changes an admin or the operator makes to them, each one transaction with
//!   its audit event.
//! - [`grant`]: the token endpoint's decision: authenticate the client, issue an access token.
//! - [`access`]: an access token presented to a SCIM endpoint, verified to one tenant and app.
//!
//! Access tokens are stored as SHA-256 (never in clear) and checked on every request against
//! their client and the secret they were issued with, so revoking either stops them at once.

mod access;
mod changes;
mod client;
mod credential;
mod grant;

pub(crate) use access::{access_token_owner, authenticate_access_token};
pub use changes::{add_client_secret, create_client, revoke_client, revoke_client_secret};
pub use client::{
    ClientInfo, ClientSecretInfo, CreatedClient, IssuedClientSecret, RevokedClientSecret,
    SECRET_EXPIRY_WARNING_DAYS, SECRET_LIFETIME_DAYS, SecretState, find_client, list_clients,
};
pub(crate) use credential::is_access_token;
pub use credential::{ACCESS_TOKEN_PREFIX, CLIENT_ID_PREFIX, CLIENT_SECRET_PREFIX};
pub use grant::{
    ACCESS_TOKEN_MINUTES_DEFAULT, ACCESS_TOKEN_MINUTES_RANGE, AccessTokenRequest, GrantError,
    IssuedAccessToken, SCOPE, grant_client_credentials, token_endpoint,
};
