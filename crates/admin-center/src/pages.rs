//! The admin center's pages for a signed-in admin: the overview, SCIM settings per product app,
//! admin accounts, and users.

pub mod admins;
pub mod audit;
pub mod cleanup;
pub mod exports;
pub mod groups;
pub mod guides;
pub mod licenses;
pub mod oauth_clients;
pub mod overview;
pub mod policy;
pub mod provisioning;
pub mod reports;
pub mod resend;
pub mod scim;
pub mod users;

/// The signed-in admin as the actor of the changes they make.
pub(crate) fn admin_actor(who: &crate::auth::SignedIn) -> rosterd_audit::Actor {
    rosterd_audit::Actor::admin(who.admin.email.clone())
}

/// A change to the signed-in admin's tenant, by `actor`, for the owning crate's use cases.
pub(crate) fn change<'a>(
    state: &'a crate::AdminState,
    who: &crate::auth::SignedIn,
    actor: &'a rosterd_audit::Actor,
) -> rosterd_tenancy::Change<'a, sea_orm::DatabaseConnection> {
    rosterd_tenancy::Change::new(&state.db, state.clock.as_ref(), who.tenant.id, actor)
}
