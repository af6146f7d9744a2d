//! sea-orm entities of the tables this crate owns.

pub mod admin_user;
pub mod oauth_access_token;
pub mod oauth_client;
pub mod oauth_client_secret;
pub mod operator_account;
pub mod product_app;
pub mod provisioning_log;
pub mod scim_token;
pub mod tenant;
pub mod tenant_limits;
