//! What the three product apps share: the shape of a product app ([`ProductApp`]: which license
//! kind a person gets, and whether an admin may change that), the provisioning hooks that turn
//! the directory's SCIM writes into ledger calls inside the same transaction ([`Licensing`]),
//! and a policy change previewed or saved ([`preview_policy`], [`save_policy`]).
//!
//! Each product crate (`scim-learning`, `scim-sales-navigator`, `scim-teamlink-extend`) is a
//! [`ProductApp`] constant and a router mount; everything here is written once for the three.
//! A SCIM write walks down: scim -> product app -> directory -> these hooks -> ledger, all in
//! one transaction, and never back up into the binary.

mod app;
mod change;
mod error;
mod hooks;
mod people;
mod reconcile;
mod shared;
mod tenant;

pub use app::{PolicySource, ProductApp};
pub use change::{policy_subject, preview_policy, save_policy};
pub use error::{Error, Result};
pub use hooks::Licensing;
pub use people::{Removed, remove_manual_person};
pub use shared::Shared;
pub use tenant::{NewTenant, open_tenant};
