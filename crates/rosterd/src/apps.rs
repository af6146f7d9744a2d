//! The three product apps, each from its own crate: the one place the binary picks a crate by
//! product.

use axum::Router;
use rosterd_domain::{Product, TenantSlug};
use rosterd_licensing::{ProductApp, Shared};

/// The product crate's app.
pub fn app(product: Product) -> ProductApp {
    match product {
        Product::Learning => rosterd_scim_learning::APP,
        Product::SalesNavigator => rosterd_scim_sales_navigator::APP,
        Product::TeamlinkExtend => rosterd_scim_teamlink_extend::APP,
    }
}

/// The product crate's SCIM routes, relative to the app's base URL.
pub fn router<S: Clone + Send + Sync + 'static>(product: Product, shared: &Shared) -> Router<S> {
    match product {
        Product::Learning => rosterd_scim_learning::router(shared),
        Product::SalesNavigator => rosterd_scim_sales_navigator::router(shared),
        Product::TeamlinkExtend => rosterd_scim_teamlink_extend::router(shared),
    }
}

/// The SCIM base URL an IdP is given for one app.
pub fn scim_base_url(public_url: &str, tenant: &TenantSlug, product: Product) -> String {
    format!("{public_url}/scim/{tenant}/{product}/v2")
}
