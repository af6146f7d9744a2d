//! The Learning SCIM app, at `/scim/{tenant}/learning/v2`: every active user it provisions gets
//! a Learning license (not configurable), from the tenant's Learning pool.

use axum::Router;
use rosterd_domain::{LicenseKind, Product};
use rosterd_licensing::{PolicySource, ProductApp, Shared};

/// The Learning app: one kind for every active user.
pub const APP: ProductApp = ProductApp {
    product: Product::Learning,
    policy: PolicySource::EveryUser(LicenseKind::Learning),
};

/// The app's SCIM routes, relative to its base URL.
pub fn router<S: Clone + Send + Sync + 'static>(shared: &Shared) -> Router<S> {
    rosterd_scim::router::app(shared.directory_for(APP), shared.limits)
}

#[cfg(test)]
mod tests {
    use rosterd_ledger::LicensePolicy;

    use super::*;

    #[test]
    fn every_active_user_gets_learning_and_no_admin_can_change_that() {
        assert_eq!(
            APP.built_in_policy(),
            LicensePolicy::every_user(LicenseKind::Learning)
        );
        assert!(!APP.is_configurable());
    }
}
