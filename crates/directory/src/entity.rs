//! sea-orm entities of the tables this crate owns. Never query them through `Entity::find()`
//! directly: go through [`crate::scope::Scope`], which adds the tenant and product filters.

pub mod group_member;
pub mod person;
pub mod scim_user;
pub mod scim_user_email;
pub mod user_group;
