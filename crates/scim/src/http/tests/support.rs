//! The test app and request helpers: a router with a [`ScimContext`] on every request, a body
//! limit like the binary's, and a response type with the body already parsed.

use axum::Router;
use axum::body::Body;
use axum::extract::DefaultBodyLimit;
use axum::{Extension, body};
use http::{HeaderMap, Method, Request, StatusCode, header};
use rosterd_domain::{Product, TenantId};
use serde_json::{Value, json};
use tower::ServiceExt;

use super::memory_store::MemoryStore;
use crate::context::ScimContext;
use crate::discovery::ServiceLimits;
use crate::http::resource_routes;
use crate::router::{ScimState, router};

pub(super) const BASE: &str = "https://r.example/scim/acme/learning/v2";
pub(super) const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub(super) const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub(super) const SEARCH: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
pub(super) const BULK: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
pub(super) const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// The limits of most tests.
pub(super) const LIMITS: ServiceLimits = ServiceLimits {
    max_results: 50,
    bulk_max_operations: 10,
    bulk_max_payload_bytes: 64 * 1024,
    max_patch_operations: 100,
    max_values_per_attribute: 1000,
};

/// Where the app is mounted in tests; request helpers take paths relative to it.
const MOUNT: &str = "/scim/acme/learning/v2";

/// The app under test: the discovery router with the resource routes merged in.
pub(super) struct TestApp {
    pub router: Router,
    pub store: MemoryStore,
}

/// A response with its body parsed (`Value::Null` when empty).
#[derive(Debug)]
pub(super) struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl TestResponse {
    pub(super) fn header(&self, name: header::HeaderName) -> &str {
        self.headers
            .get(&name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    /// Asserts a SCIM error with `status` and `scim_type`; returns its detail.
    pub(super) fn assert_error(&self, status: StatusCode, scim_type: Option<&str>) -> &str {
        assert_eq!(self.status, status, "{:#}", self.body);
        assert_eq!(self.header(header::CONTENT_TYPE), "application/scim+json");
        assert_eq!(
            self.body["schemas"][0],
            "urn:ietf:params:scim:api:messages:2.0:Error"
        );
        assert_eq!(self.body["status"], status.as_u16().to_string());
        assert_eq!(self.body["scimType"].as_str(), scim_type, "{:#}", self.body);
        self.body["detail"].as_str().unwrap_or_default()
    }
}

impl TestApp {
    pub(super) fn new() -> Self {
        Self::with(LIMITS, 1024 * 1024)
    }

    pub(super) fn with(limits: ServiceLimits, body_limit: usize) -> Self {
        let store = MemoryStore::default();
        let ctx = ScimContext {
            tenant: TenantId::new(),
            product: Product::Learning,
            base_url: BASE.to_owned(),
            actor: "learning test".to_owned(),
            request_id: "test-request".to_owned(),
        };
        // Mounted as the binary mounts it, so handlers see the mount point's parameters too.
        let app = router(ScimState { limits }).merge(resource_routes(store.clone(), limits));
        let router = Router::new()
            .nest("/scim/{tenant}/{product}/v2", app)
            .layer(Extension(ctx))
            .layer(DefaultBodyLimit::max(body_limit));
        Self { router, store }
    }

    pub(super) async fn send(&self, mut request: Request<Body>) -> TestResponse {
        let uri = format!("{MOUNT}{}", request.uri());
        *request.uri_mut() = uri.parse().expect("uri");
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .expect("infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("body");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).expect("JSON body")
        };
        TestResponse {
            status,
            headers,
            body,
        }
    }

    pub(super) async fn get(&self, uri: &str) -> TestResponse {
        self.send(request(Method::GET, uri, None)).await
    }

    pub(super) async fn call(&self, method: Method, uri: &str, body: Value) -> TestResponse {
        self.send(request(method, uri, Some(body))).await
    }

    /// Creates a User called `name`; returns its id.
    pub(super) async fn user(&self, name: &str) -> String {
        let response = self
            .call(
                Method::POST,
                "/Users",
                json!({"schemas": [USER_SCHEMA], "userName": name}),
            )
            .await;
        assert_eq!(response.status, StatusCode::CREATED, "{:#}", response.body);
        response.body["id"].as_str().expect("id").to_owned()
    }

    /// Creates a Group called `name` with `members`; returns its id.
    pub(super) async fn group(&self, name: &str, members: &[&str]) -> String {
        let members: Vec<Value> = members.iter().map(|id| json!({"value": id})).collect();
        let body = json!({"schemas": [GROUP_SCHEMA], "displayName": name, "members": members});
        let response = self.call(Method::POST, "/Groups", body).await;
        assert_eq!(response.status, StatusCode::CREATED, "{:#}", response.body);
        response.body["id"].as_str().expect("id").to_owned()
    }
}

/// A request with an `application/scim+json` body when `body` is given.
pub(super) fn request(method: Method, uri: &str, body: Option<Value>) -> Request<Body> {
    let builder = Request::builder().method(method).uri(uri);
    match body {
        Some(body) => builder
            .header(header::CONTENT_TYPE, "application/scim+json")
            .body(Body::from(body.to_string())),
        None => builder.body(Body::empty()),
    }
    .expect("request")
}

/// A request with raw bytes and the given content type.
pub(super) fn raw_request(
    method: Method,
    uri: &str,
    content_type: &str,
    body: impl Into<Body>,
) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(uri)
        .header(header::CONTENT_TYPE, content_type)
        .body(body.into())
        .expect("request")
}
