//! The SCIM HTTP surface: an axum router for one product app, mounted by the binary under
//! `/scim/{tenant}/{product}/v2` and `/scim/v2` behind the authentication layer, which puts a
//! [`ScimContext`] on every request.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};

use crate::ScimError;
use crate::context::ScimContext;
use crate::discovery::{self, ServiceLimits};
use crate::media::ScimJson;

/// Router state shared by every SCIM handler.
#[derive(Debug, Clone)]
pub struct ScimState {
    pub limits: ServiceLimits,
}

/// A product app's whole SCIM surface on `store`: discovery and resources, relative to its
/// base URL; `St` is the state type of the router it is mounted in.
pub fn app<St, S>(store: S, limits: ServiceLimits) -> Router<St>
where
    St: Clone + Send + Sync + 'static,
    S: crate::store::ScimStore,
{
    router(ScimState { limits }).merge(crate::http::resource_routes(store, limits))
}

/// The discovery routes of a product app, relative to its base URL; `S` is the state type of
/// the router it is mounted in.
pub fn router<S: Clone + Send + Sync + 'static>(state: ScimState) -> Router<S> {
    Router::new()
        .route("/ServiceProviderConfig", get(service_provider_config))
        .route("/ResourceTypes", get(resource_types))
        .route("/ResourceTypes/{name}", get(resource_type))
        .route("/Schemas", get(schemas))
        .route("/Schemas/{id}", get(schema))
        .fallback(not_found)
        .with_state(state)
}

async fn service_provider_config(
    State(state): State<ScimState>,
    Extension(ctx): Extension<ScimContext>,
) -> Response {
    ScimJson(discovery::service_provider_config(
        &ctx.base_url,
        &state.limits,
    ))
    .into_response()
}

async fn resource_types(Extension(ctx): Extension<ScimContext>) -> Response {
    ScimJson(discovery::resource_types(&ctx.base_url)).into_response()
}

/// The named path parameter. Handlers see every parameter of the mount point too (the router is
/// nested under `/scim/{tenant}/{product}/v2`), so a plain `Path<String>` would not do.
pub fn path_param(params: &[(String, String)], name: &str) -> String {
    params
        .iter()
        .rev()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.clone())
        .unwrap_or_default()
}

async fn resource_type(
    Extension(ctx): Extension<ScimContext>,
    Path(params): Path<Vec<(String, String)>>,
) -> Result<Response, ScimError> {
    let name = path_param(&params, "name");
    discovery::resource_type(&ctx.base_url, &name)
        .map(|doc| ScimJson(doc).into_response())
        .ok_or_else(|| ScimError::not_found(format!("no resource type `{name}`")))
}

async fn schemas(Extension(ctx): Extension<ScimContext>) -> Response {
    ScimJson(discovery::schemas(&ctx.base_url)).into_response()
}

async fn schema(
    Extension(ctx): Extension<ScimContext>,
    Path(params): Path<Vec<(String, String)>>,
) -> Result<Response, ScimError> {
    let id = path_param(&params, "id");
    discovery::schema(&ctx.base_url, &id)
        .map(|doc| ScimJson(doc).into_response())
        .ok_or_else(|| ScimError::not_found(format!("no schema `{id}`")))
}

async fn not_found(uri: http::Uri) -> ScimError {
    not_an_endpoint(uri.path())
}

/// The answer to `path` (below an app's base URL) that no route of the app matches: a SCIM 404
/// that says where to look.
pub fn not_an_endpoint(path: &str) -> ScimError {
    ScimError::not_found(format!(
        "`{path}` is not a SCIM endpoint of this app; see /ServiceProviderConfig and /ResourceTypes"
    ))
}
