//! The Sales Navigator SCIM app, at `/scim/{tenant}/sales-navigator/v2`: three tiers (Core,
//! Advanced, Advanced Plus) given by the tenant's stored policy of group and attribute rules
//! (first match wins) and a default tier; until an admin sets one, every active user gets Core,
//! so that "when an employee joins, SCIM automatically assigns the right Sales Navigator
//! license" from the first provisioned user on. The policy editor (admin center) and `rosterd
//! policy` (CLI) preview and save a change through [`preview`] and [`save`].

use axum::Router;
use rosterd_domain::{Clock, LicenseKind, Product, TenantId};
use rosterd_ledger::{Actor, LicensePolicy, Plan, StoredPolicy};
use rosterd_licensing::{PolicySource, ProductApp, Result, Shared};
use sea_orm::{ConnectionTrait, DatabaseConnection};

/// The Sales Navigator app: a stored policy, Core for everyone until one is set.
pub const APP: ProductApp = ProductApp {
    product: Product::SalesNavigator,
    policy: PolicySource::Stored {
        built_in: LicenseKind::SalesNavigatorCore,
    },
};

/// The tiers a policy may give, lowest first.
pub const TIERS: [LicenseKind; 3] = [
    LicenseKind::SalesNavigatorCore,
    LicenseKind::SalesNavigatorAdvanced,
    LicenseKind::SalesNavigatorAdvancedPlus,
];

/// The app's SCIM routes, relative to its base URL.
pub fn router<S: Clone + Send + Sync + 'static>(shared: &Shared) -> Router<S> {
    rosterd_scim::router::app(shared.directory_for(APP), shared.limits)
}

/// The tenant's policy (the built-in one, with no `updated_at`, until an admin sets one).
pub async fn policy(db: &impl ConnectionTrait, tenant: TenantId) -> Result<StoredPolicy> {
    APP.policy(db, tenant).await
}

/// What saving `policy` would do to everyone the app provisions; saves nothing.
pub async fn preview(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    policy: &LicensePolicy,
) -> Result<Plan> {
    rosterd_licensing::preview_policy(db, &APP, tenant, policy).await
}

/// Saves `policy` and re-evaluates everyone the app provisions, in one transaction.
pub async fn save(
    db: &DatabaseConnection,
    clock: &dyn Clock,
    tenant: TenantId,
    policy: &LicensePolicy,
    actor: &Actor,
) -> Result<(StoredPolicy, Plan)> {
    rosterd_licensing::save_policy(db, clock, &APP, tenant, policy, actor).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unconfigured_app_gives_core_to_every_user_and_admins_may_change_it() {
        assert_eq!(
            APP.built_in_policy(),
            LicensePolicy::every_user(LicenseKind::SalesNavigatorCore)
        );
        assert!(APP.is_configurable());
    }

    #[test]
    fn the_tiers_are_the_products_kinds() {
        assert_eq!(&TIERS[..], Product::SalesNavigator.license_kinds());
    }
}
