//! The SCIM resource endpoints (RFC 7644 section 3): create, read, replace, patch and delete of
//! Users and Groups, list and `.search`, `/Bulk`, and `/Me` (not implemented), answered through a
//! [`ScimStore`]. One generic set of handlers serves both resource types; which one a route is
//! for is part of its state.
//!
//! Decisions worth knowing:
//! - `POST /.search` (the root) searches Users, then Groups, in index paging only: the totals add
//!   up, and a page that runs past the last User continues with the first Groups. `sortBy` and
//!   `cursor` are refused there with 400 `invalidValue` (neither can be honoured across two
//!   resource types without a merged order). The filter is read per type (`root_filter`): an
//!   attribute only the other type defines is unassigned there (RFC 7644 section 3.4.2.2), so
//!   `userName eq "x"` finds the User and no Group instead of failing on Groups.
//! - Bulk operations run one after another, each atomic on its own; the `bulk` module says how
//!   `bulkId` references, `failOnErrors` and the size limits behave.
//! - These routes carry no fallback of their own, so they merge into [`crate::router::router`]
//!   whose fallback answers unknown paths; a known path with a wrong method is a 405 SCIM error.

mod body;
mod bulk;
mod headers;
mod list;
mod list_params;
mod resources;
mod root_filter;
mod streamed;

#[cfg(test)]
mod tests;

use axum::Router;
use axum::routing::{any, get, post};
use http::{Method, Uri};

use crate::ScimError;
use crate::discovery::ServiceLimits;
use crate::resource::ResourceKind;
use crate::store::ScimStore;

/// What every resource handler shares: the store and the advertised limits.
#[derive(Debug, Clone)]
struct Shared<S> {
    store: S,
    limits: ServiceLimits,
}

/// The state of the routes of one resource type (`/Users...` or `/Groups...`).
#[derive(Debug, Clone)]
struct KindState<S> {
    shared: Shared<S>,
    kind: ResourceKind,
}

/// The resource routes of a product app, relative to its base URL, for a router whose state is
/// `St`. They expect a [`crate::ScimContext`] extension on every request and rely on the
/// enclosing app's `DefaultBodyLimit` for the largest body.
pub fn resource_routes<St, S>(store: S, limits: ServiceLimits) -> Router<St>
where
    St: Clone + Send + Sync + 'static,
    S: ScimStore,
{
    let shared = Shared { store, limits };
    Router::new()
        .route("/.search", post(list::search_root::<S>))
        .route("/Bulk", post(bulk::bulk::<S>))
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(shared.clone())
        .merge(kind_routes(KindState {
            shared: shared.clone(),
            kind: ResourceKind::User,
        }))
        .merge(kind_routes(KindState {
            shared,
            kind: ResourceKind::Group,
        }))
        .route("/Me", any(me))
        .route("/Me/{*rest}", any(me))
}

/// The routes of one resource type, under its endpoint (`/Users` or `/Groups`).
fn kind_routes<St, S>(state: KindState<S>) -> Router<St>
where
    St: Clone + Send + Sync + 'static,
    S: ScimStore,
{
    let endpoint = state.kind.endpoint();
    Router::new()
        .route(endpoint, post(resources::create::<S>).get(list::list::<S>))
        .route(&format!("{endpoint}/.search"), post(list::search::<S>))
        .route(
            &format!("{endpoint}/{{id}}"),
            get(resources::get::<S>)
                .put(resources::replace::<S>)
                .patch(resources::patch::<S>)
                .delete(resources::delete::<S>),
        )
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
}

/// `/Me` (RFC 7644 section 3.11): a bearer token here names an app, not a user.
async fn me() -> ScimError {
    ScimError::not_implemented(
        "/Me is not supported: a rosterd SCIM token authenticates a product app, not a user. \
         Address the user as /Users/{id}.",
    )
}

async fn method_not_allowed(method: Method, uri: Uri) -> ScimError {
    ScimError::method_not_allowed(format!(
        "{method} is not allowed on `{}`; see RFC 7644 section 3.2 for the methods of each endpoint",
        uri.path()
    ))
}
