//! A small SCIM client for the end-to-end tests: one product app's base URL and token.

use reqwest::{Method, StatusCode};
use rosterd_domain::Product;
use rosterd_test_support::{TenantApps, TestApp};
use serde_json::Value;

/// Talks to one product app.
pub struct Scim<'a> {
    pub app: &'a TestApp,
    pub base: String,
    pub token: String,
}

/// A response: status, headers, and the JSON body (`Null` when empty).
pub struct Reply {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
}

/// One SCIM request with `token` to the absolute `url`, from anywhere (a spawned task too: it
/// borrows no [`Scim`]). A non-empty body must be `application/scim+json`.
pub async fn request(
    http: &reqwest::Client,
    method: Method,
    url: String,
    token: &str,
    body: Option<Value>,
) -> Reply {
    let mut req = http.request(method, url).bearer_auth(token);
    if let Some(body) = body {
        req = req
            .header("content-type", "application/scim+json")
            .body(body.to_string());
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = res.bytes().await.unwrap();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap()
    };
    if !bytes.is_empty() {
        assert_eq!(
            headers["content-type"], "application/scim+json",
            "{status} {body}"
        );
    }
    Reply {
        status,
        headers,
        body,
    }
}

impl<'a> Scim<'a> {
    pub fn new(app: &'a TestApp, tenant: &TenantApps, product: Product) -> Self {
        Self {
            app,
            base: tenant.base(product).to_owned(),
            token: tenant.token(product).to_owned(),
        }
    }

    /// Sends `method` to `path` (relative to the base; may carry a raw query string).
    pub async fn send(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        request(
            &self.app.http,
            method,
            format!("{}{path}", self.base),
            &self.token,
            body,
        )
        .await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.send(Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> Reply {
        self.send(Method::PUT, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Reply {
        self.send(Method::PATCH, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.send(Method::DELETE, path, None).await
    }
}

/// Asserts a status, printing the body on failure.
#[track_caller]
pub fn expect(reply: &Reply, status: u16) {
    assert_eq!(reply.status.as_u16(), status, "{}", reply.body);
}

/// A PatchOp message.
pub fn patch_op(operations: Value) -> Value {
    serde_json::json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": operations,
    })
}
