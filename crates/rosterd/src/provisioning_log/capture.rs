//! The log layer: from a SCIM request and its response to a [`LogEntry`].
//!
//! Bodies are read only to extract a few fields and never stored: the request's userName,
//! displayName, externalId, `active` and PATCH operation paths (never a value that could be a
//! password), and the response's `scimType`/`detail`, or the id and name of what it changed.
//! Bodies are read only when their length is known and small ([`MAX_READ`]); larger ones pass
//! untouched and the entry simply has less detail. Headers are never looked at here.

use std::time::Instant;

use axum::body::{Body, Bytes, HttpBody as _};
use axum::extract::{OriginalUri, Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::Response;
use rosterd_tenancy::provisioning_log::{ChangedResource, LogEntry, Outcome};
use serde_json::Value;

use super::{Attribution, Recorder};

/// Bodies larger than this are not read.
const MAX_READ: u64 = 256 * 1024;
/// Bulk operations listed in a summary.
const BULK_LISTED: usize = 10;
/// PATCH operations listed in a summary; the rest are counted (`… 3,990 more`).
const PATCH_LISTED: usize = 10;

/// Request attributes whose values are shown in a summary; everything else only by name, and
/// `password` not at all.
const SHOWN: [&str; 5] = ["userName", "displayName", "externalId", "active", "id"];

/// The middleware: runs the request, then queues its entry if the response is attributed. A
/// fair-share refusal after the first of its window is only counted ([`Recorder::refused`]):
/// neither body is parsed for it.
pub async fn capture(State(recorder): State<Recorder>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let at = recorder.clock().now();
    let method = req.method().clone();
    let path = req
        .extensions()
        .get::<OriginalUri>()
        .map_or_else(|| req.uri().clone(), |o| o.0.clone());
    let path = path
        .path_and_query()
        .map_or_else(|| path.path().to_owned(), ToString::to_string);
    let (req, request_body) = read_request(req).await;
    let res = next.run(req).await;
    let latency_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    let Some(who) = res.extensions().get::<Attribution>().cloned() else {
        return res;
    };
    let status = res.status().as_u16();
    if status == 429 && !recorder.refused(&who, method.as_str(), &path) {
        return res;
    }
    let (res, response_body) = read_response(res, &method).await;
    let request_body = request_body.and_then(|bytes| serde_json::from_slice(&bytes).ok());
    let mut entry = LogEntry {
        tenant: who.tenant,
        id: who.request_id,
        product: who.product,
        at,
        method: method.to_string(),
        path,
        status,
        outcome: Outcome::Success,
        scim_type: None,
        detail: None,
        resources: Vec::new(),
        summary: request_body.as_ref().and_then(|b| summarize(&method, b)),
        latency_ms,
        repeats: 1,
    };
    describe_response(&mut entry, &method, response_body.as_ref());
    recorder.submit(entry);
    res
}

fn is_write(method: &Method) -> bool {
    [Method::POST, Method::PUT, Method::PATCH].contains(method)
}

fn small(body: &Body) -> bool {
    body.size_hint().exact().is_some_and(|n| n <= MAX_READ)
}

/// The request, and its body when it is a small write's (parsed only if the entry needs it).
async fn read_request(req: Request) -> (Request, Option<Bytes>) {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if !is_write(req.method()) || declared.is_none_or(|n| n > MAX_READ) {
        return (req, None);
    }
    let (parts, body) = req.into_parts();
    // The limit is the declared length, so a lying client cannot make us buffer more.
    let limit = usize::try_from(declared.unwrap_or(0)).unwrap_or(0);
    match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => (
            Request::from_parts(parts, Body::from(bytes.clone())),
            Some(bytes),
        ),
        // The body could not be read as declared; the handler sees an empty body and answers
        // with its own error.
        Err(_) => (Request::from_parts(parts, Body::empty()), None),
    }
}

async fn read_response(res: Response, method: &Method) -> (Response, Option<Value>) {
    let wanted =
        res.status().as_u16() >= 400 || (method != Method::GET && res.status().is_success());
    if !wanted || !small(res.body()) {
        return (res, None);
    }
    let (parts, body) = res.into_parts();
    match axum::body::to_bytes(body, usize::try_from(MAX_READ).unwrap_or(usize::MAX)).await {
        Ok(bytes) => {
            let json = serde_json::from_slice(&bytes).ok();
            (Response::from_parts(parts, Body::from(bytes)), json)
        }
        Err(_) => (Response::from_parts(parts, Body::from(Bytes::new())), None),
    }
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_owned)
}

/// `Users` or `Groups` and the id, from a SCIM path or location (`.../v2/Users/{id}`).
fn resource_of(path: &str) -> Option<(String, String)> {
    let path = path.split('?').next().unwrap_or(path);
    let mut segments = path.rsplit('/');
    let id = segments.next()?;
    let kind = match segments.next()? {
        "Users" => "User",
        "Groups" => "Group",
        _ => return None,
    };
    (!id.is_empty()).then(|| (kind.to_owned(), id.to_owned()))
}

fn describe_response(entry: &mut LogEntry, method: &Method, body: Option<&Value>) {
    if entry.status >= 400 {
        entry.scim_type = body.and_then(|b| text(b, "scimType"));
        entry.detail = body.and_then(|b| text(b, "detail"));
        entry.outcome = Outcome::classify(entry.status, entry.detail.as_deref());
        return;
    }
    if method == Method::GET {
        return;
    }
    if let Some(ops) = body
        .and_then(|b| b.get("Operations"))
        .and_then(Value::as_array)
    {
        describe_bulk(entry, ops);
        return;
    }
    let from_body = body.and_then(|b| {
        let id = text(b, "id")?;
        let kind = b
            .pointer("/meta/resourceType")
            .and_then(Value::as_str)
            .map_or_else(
                || {
                    if b.get("userName").is_some() {
                        "User"
                    } else {
                        "Group"
                    }
                    .to_owned()
                },
                str::to_owned,
            );
        let name = text(b, "userName").or_else(|| text(b, "displayName"));
        Some(ChangedResource { kind, id, name })
    });
    let changed = from_body.or_else(|| {
        resource_of(&entry.path).map(|(kind, id)| ChangedResource {
            kind,
            id,
            name: None,
        })
    });
    entry.resources.extend(changed);
}

/// A bulk response: each operation's location is a changed resource; the first failing
/// operation gives the entry its outcome, `scimType` and detail.
fn describe_bulk(entry: &mut LogEntry, ops: &[Value]) {
    for op in ops {
        let status = op
            .get("status")
            .and_then(|s| {
                s.as_str()
                    .map(str::to_owned)
                    .or_else(|| s.as_u64().map(|n| n.to_string()))
            })
            .and_then(|s| s.parse::<u16>().ok())
            .unwrap_or(200);
        if status >= 400 {
            if entry.outcome == Outcome::Success {
                let response = op.get("response");
                entry.scim_type = response.and_then(|r| text(r, "scimType"));
                entry.detail = response.and_then(|r| text(r, "detail"));
                entry.outcome = Outcome::classify(status, entry.detail.as_deref());
            }
            continue;
        }
        if let Some((kind, id)) = op
            .get("location")
            .and_then(Value::as_str)
            .and_then(resource_of)
        {
            entry.resources.push(ChangedResource {
                kind,
                id,
                name: None,
            });
        }
    }
}

/// A value in a summary: shown for the attributes in [`SHOWN`] when scalar, else only its shape.
fn shown(key: &str, value: &Value) -> String {
    match value {
        Value::Array(items) => format!("{key} ({})", items.len()),
        Value::Object(_) => key.to_owned(),
        Value::String(s) if SHOWN.contains(&key) => format!("{key}={s}"),
        Value::Bool(_) | Value::Number(_) if SHOWN.contains(&key) => format!("{key}={value}"),
        _ => key.to_owned(),
    }
}

fn is_secret(key: &str) -> bool {
    key.to_ascii_lowercase().contains("password")
}

/// The attributes of a resource body: shown ones with their values, others by name.
fn attributes(body: &serde_json::Map<String, Value>) -> Vec<String> {
    body.iter()
        .filter(|(k, _)| *k != "schemas" && !is_secret(k))
        .map(|(k, v)| shown(k, v))
        .collect()
}

/// What the request asked for, in one line, without passwords.
pub(crate) fn summarize(method: &Method, body: &Value) -> Option<String> {
    let object = body.as_object()?;
    if let Some(ops) = object.get("Operations").and_then(Value::as_array) {
        if method == Method::PATCH {
            let mut described: Vec<String> = ops.iter().take(PATCH_LISTED).map(patch_op).collect();
            if ops.len() > PATCH_LISTED {
                described.push(format!("… {} more", ops.len() - PATCH_LISTED));
            }
            return Some(described.join("; "));
        }
        let mut listed: Vec<String> = ops
            .iter()
            .take(BULK_LISTED)
            .map(|op| {
                format!(
                    "{} {}",
                    op.get("method").and_then(Value::as_str).unwrap_or("?"),
                    op.get("path").and_then(Value::as_str).unwrap_or("?")
                )
            })
            .collect();
        if ops.len() > BULK_LISTED {
            listed.push(format!("… {} more", ops.len() - BULK_LISTED));
        }
        return Some(format!("{} operations: {}", ops.len(), listed.join(", ")));
    }
    let parts = attributes(object);
    (!parts.is_empty()).then(|| parts.join(", "))
}

fn patch_op(op: &Value) -> String {
    let name = op
        .get("op")
        .and_then(Value::as_str)
        .unwrap_or("?")
        .to_ascii_lowercase();
    let path = op.get("path").and_then(Value::as_str);
    let value = op.get("value");
    match (path, value) {
        (Some(path), _) if is_secret(path) => format!("{name} {path}"),
        (Some(path), Some(value)) => format!("{name} {}", shown(path, value)),
        (Some(path), None) => format!("{name} {path}"),
        (None, Some(Value::Object(fields))) => format!("{name} {}", attributes(fields).join(", ")),
        (None, _) => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn summaries_never_carry_passwords() {
        let cases = [
            (
                "create with a password",
                Method::POST,
                json!({"schemas": ["x"], "userName": "ada@acme.example", "password": "hunter2!", "active": true, "emails": [{"value": "a@b"}]}),
                "active=true, emails (1), userName=ada@acme.example",
            ),
            (
                "patch a password by path",
                Method::PATCH,
                json!({"Operations": [{"op": "replace", "path": "password", "value": "hunter2!"}, {"op": "Replace", "path": "active", "value": false}]}),
                "replace password; replace active=false",
            ),
            (
                "patch without a path",
                Method::PATCH,
                json!({"Operations": [{"op": "replace", "value": {"password": "hunter2!", "displayName": "Ada L"}}]}),
                "replace displayName=Ada L",
            ),
        ];
        for (what, method, body, want) in cases {
            let summary = summarize(&method, &body).unwrap();
            assert!(!summary.contains("hunter2"), "{what}: {summary}");
            assert_eq!(summary, want, "{what}");
        }
    }

    #[test]
    fn bulk_summaries_list_operations_and_members_are_counted() {
        let body = json!({"Operations": [
            {"method": "POST", "path": "/Users", "data": {"password": "x"}},
            {"method": "PATCH", "path": "/Groups/g1"}
        ]});
        assert_eq!(
            summarize(&Method::POST, &body).unwrap(),
            "2 operations: POST /Users, PATCH /Groups/g1"
        );
        let group = json!({"displayName": "Sales", "members": [{"value": "1"}, {"value": "2"}]});
        assert_eq!(
            summarize(&Method::POST, &group).unwrap(),
            "displayName=Sales, members (2)"
        );
    }

    #[test]
    fn a_patch_summary_lists_a_few_operations_and_counts_the_rest() {
        let ops: Vec<Value> = (0..4_000)
            .map(|n| json!({"op": "add", "path": "emails", "value": [{"value": format!("u{n}@acme.example")}]}))
            .collect();
        let summary = summarize(&Method::PATCH, &json!({ "Operations": ops })).unwrap();
        assert!(summary.ends_with("; … 3990 more"), "{summary}");
        assert_eq!(summary.matches("add emails (1)").count(), PATCH_LISTED);
        assert!(summary.len() < 300, "{}", summary.len());
    }

    #[test]
    fn paths_and_locations_name_their_resource() {
        assert_eq!(
            resource_of("/scim/acme/learning/v2/Users/abc"),
            Some(("User".into(), "abc".into()))
        );
        assert_eq!(
            resource_of("https://x/scim/v2/Groups/g?attributes=id"),
            Some(("Group".into(), "g".into()))
        );
        assert_eq!(resource_of("/scim/acme/learning/v2/Users"), None);
        assert_eq!(resource_of("/scim/v2/Bulk"), None);
    }
}
