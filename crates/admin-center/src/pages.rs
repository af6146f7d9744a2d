//! The admin center's pages for a signed-in admin: the overview, SCIM settings per product app,
//! admin accounts, and users.

pub mod admins;
pub mod audit;
pub mod cleanup;
pub mod exports;
pub mod groups;
pub mod guides;
pub mod licenses;
pub mod overview;
pub mod policy;
pub mod provisioning;
pub mod reports;
pub mod resend;
pub mod scim;
pub mod users;
