//! The TeamLink Extend SCIM app, at `/scim/{tenant}/teamlink-extend/v2`, with its own token and
//! its own pool, managed apart from Sales Navigator: every active user it provisions gets a
//! TeamLink Extend license (not configurable).

use axum::Router;
use rosterd_domain::{LicenseKind, Product};
use rosterd_licensing::{PolicySource, ProductApp, Shared};

/// The TeamLink Extend app: one kind for every active user.
pub const APP: ProductApp = ProductApp {
    product: Product::TeamlinkExtend,
    policy: PolicySource::EveryUser(LicenseKind::TeamlinkExtend),
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
    fn every_active_user_gets_teamlink_extend_and_no_admin_can_change_that() {
        assert_eq!(
            APP.built_in_policy(),
            LicensePolicy::every_user(LicenseKind::TeamlinkExtend)
        );
        assert!(!APP.is_configurable());
    }
}
