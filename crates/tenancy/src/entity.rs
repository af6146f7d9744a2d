//! sea-orm entities of the tables this crate owns.

pub mod admin_user;
pub mod operator_account;
pub mod product_app;
pub mod provisioning_log;
pub mod scim_token;
pub mod tenant;
pub mod tenant_limits;
