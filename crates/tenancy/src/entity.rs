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

/// How an inline write transaction reads these tables' columns
/// ([`rosterd_database::inline_writes`]).
pub fn columns(
    columns: rosterd_database::inline_reads::Columns,
) -> rosterd_database::inline_reads::Columns {
    columns
        .and::<admin_user::Entity>()
        .and::<oauth_access_token::Entity>()
        .and::<oauth_client::Entity>()
        .and::<oauth_client_secret::Entity>()
        .and::<operator_account::Entity>()
        .and::<product_app::Entity>()
        .and::<provisioning_log::Entity>()
        .and::<scim_token::Entity>()
        .and::<tenant::Entity>()
        .and::<tenant_limits::Entity>()
}
