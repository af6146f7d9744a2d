//! Response bodies that send a Group's members as the store reads them, a page at a time, so a
//! read of a 100,000-member group (or a list of groups holding 200,000 members) takes memory
//! for one page, not for the group. Everything but the members is rendered and projected as
//! usual; the members are spliced in as the last attribute, each page rendered and projected
//! exactly as [`crate::store::render`] and [`Projection::apply`] would (a page of a mini
//! document through the same projection), so the streamed JSON parses to what the whole-body
//! path gives. An empty (or fully projected-away) member list leaves `members` out, as the
//! projection does for an empty array.
//!
//! A store error after the first bytes went out cannot become a SCIM error any more: it is
//! logged and the body ends early, so the client sees a truncated (invalid) JSON document and
//! not a silently shorter member list.

use axum::body::{Body, Bytes};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, BoxStream, StreamExt as _};
use http::{HeaderValue, StatusCode, header};
use serde_json::{Value, json};

use crate::ScimError;
use crate::media::SCIM_JSON;
use crate::projection::Projection;
use crate::resource::ResourceKind;
use crate::schema::GROUP_SCHEMA;
use crate::store::{MemberPages, StoredResource, render, render_reference};

/// One Group whose members follow as pages.
pub(super) struct StreamedGroup {
    /// The group as rendered and projected, without `members`.
    pub head: Value,
    pub members: MemberPages,
}

impl StreamedGroup {
    /// The group `resource` (read without members) with `members` to follow.
    pub(super) fn new(
        resource: &StoredResource,
        members: MemberPages,
        base_url: &str,
        projection: &Projection,
    ) -> Self {
        let mut head = render(resource, base_url);
        projection.apply(ResourceKind::Group, &mut head);
        Self { head, members }
    }
}

/// A 200 whose body is one streamed Group, with its `ETag`.
pub(super) fn group_response(
    group: StreamedGroup,
    etag: &str,
    base_url: String,
    projection: Projection,
) -> Response {
    let body = group_bytes(group, base_url, projection);
    let mut response = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON))],
        Body::from_stream(body.map(Ok::<_, std::io::Error>)),
    )
        .into_response();
    if let Ok(value) = HeaderValue::from_str(etag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    response
}

/// A ListResponse whose `head` (everything but `Resources`) is rendered, and whose resources
/// are `groups`, each streamed.
pub(super) fn list_response(
    head: Value,
    groups: Vec<StreamedGroup>,
    base_url: String,
    projection: Projection,
) -> Response {
    let opening = opening(&head, "Resources");
    let mut first = true;
    let parts = groups.into_iter().map(move |group| {
        let separator = if std::mem::take(&mut first) {
            stream::empty().boxed()
        } else {
            stream::once(async { Bytes::from_static(b",") }).boxed()
        };
        separator.chain(group_bytes(group, base_url.clone(), projection.clone()))
    });
    let body = stream::once(async move { opening })
        .chain(stream::iter(parts).flatten())
        .chain(stream::once(async { Bytes::from_static(b"]}") }));
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON))],
        Body::from_stream(body.map(Ok::<_, std::io::Error>)),
    )
        .into_response()
}

/// `{"a":..,"b":..,"<key>":[`: an object's members, opened for one more array attribute.
fn opening(head: &Value, key: &str) -> Bytes {
    let mut out = serde_json::to_vec(head).unwrap_or_else(|_| b"{}".to_vec());
    out.pop(); // the closing brace
    if out.len() > 1 {
        out.push(b',');
    }
    out.extend_from_slice(json!(key).to_string().as_bytes());
    out.extend_from_slice(b":[");
    Bytes::from(out)
}

/// Where one streamed group is.
enum State {
    /// Members still to read; whether `"members":[` was sent yet.
    Reading {
        group: StreamedGroup,
        opened: bool,
        base_url: String,
        projection: Projection,
    },
    Done,
}

/// The bytes of one group: the head without its closing brace, the members page by page,
/// then the close.
fn group_bytes(
    group: StreamedGroup,
    base_url: String,
    projection: Projection,
) -> BoxStream<'static, Bytes> {
    let mut head = serde_json::to_vec(&group.head).unwrap_or_else(|_| b"{}".to_vec());
    head.pop();
    let has_fields = head.len() > 1;
    let start = State::Reading {
        group,
        opened: false,
        base_url,
        projection,
    };
    stream::once(async move { Bytes::from(head) })
        .chain(stream::unfold(start, move |state| async move {
            let State::Reading {
                mut group,
                opened,
                base_url,
                projection,
            } = state
            else {
                return None;
            };
            match group.members.next().await {
                Some(Ok(page)) => {
                    let items = projected_members(&page, &base_url, &projection);
                    let mut out = Vec::new();
                    let mut now_open = opened;
                    for item in items {
                        if now_open {
                            out.push(b',');
                        } else {
                            if has_fields {
                                out.push(b',');
                            }
                            out.extend_from_slice(b"\"members\":[");
                            now_open = true;
                        }
                        if serde_json::to_writer(&mut out, &item).is_err() {
                            return None;
                        }
                    }
                    let next = State::Reading {
                        group,
                        opened: now_open,
                        base_url,
                        projection,
                    };
                    Some((Bytes::from(out), next))
                }
                Some(Err(err)) => {
                    log_failure(&err);
                    None
                }
                None => {
                    let close: &'static [u8] = if opened { b"]}" } else { b"}" };
                    Some((Bytes::from_static(close), State::Done))
                }
            }
        }))
        .boxed()
}

/// One page of members rendered and projected as the whole-body path does.
fn projected_members(
    page: &[crate::store::Reference],
    base_url: &str,
    projection: &Projection,
) -> Vec<Value> {
    let members: Vec<Value> = page
        .iter()
        .map(|r| render_reference(r, ResourceKind::Group, base_url))
        .collect();
    let mut mini = json!({"schemas": [GROUP_SCHEMA], "members": members});
    projection.apply(ResourceKind::Group, &mut mini);
    match mini.get_mut("members").map(Value::take) {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    }
}

fn log_failure(err: &ScimError) {
    tracing::error!(
        status = err.status.as_u16(),
        detail = %err.detail,
        "reading a Group's members failed while streaming them; the response is cut short"
    );
}
