//! sea-orm entities of the tables this crate owns. Never query them through `Entity::find()`
//! directly: go through [`crate::scope::Scope`], which adds the tenant and product filters.

pub mod group_member;
pub mod person;
pub mod scim_user;
pub mod scim_user_email;
pub mod user_group;

/// How an inline write transaction reads these tables' columns
/// ([`rosterd_database::inline_writes`]).
pub fn columns(
    columns: rosterd_database::inline_reads::Columns,
) -> rosterd_database::inline_reads::Columns {
    columns
        .and::<group_member::Entity>()
        .and::<person::Entity>()
        .and::<scim_user::Entity>()
        .and::<scim_user_email::Entity>()
        .and::<user_group::Entity>()
}
