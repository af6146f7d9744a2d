//! List and search endpoints (RFC 7644 sections 3.4.2 and 3.4.3): `GET /Users`, `GET /Groups`,
//! their `POST .search`, and the root `POST /.search` across both types, answered with a
//! ListResponse. A filter that matches nothing is a 200 with an empty list, not a 404.

use axum::Extension;
use axum::extract::State;
use axum::response::{IntoResponse as _, Response};
use serde_json::{Value, json};

use super::body::{JsonBody, QueryParams};
use super::list_params::{ListParams, ListRequest};
use super::root_filter::{Narrowed, narrow};
use super::streamed::{self, StreamedGroup};
use super::{KindState, Shared};
use crate::ScimError;
use crate::context::ScimContext;
use crate::discovery::LIST_RESPONSE_SCHEMA;
use crate::media::ScimJson;
use crate::resource::ResourceKind;
use crate::store::{Page, Paging, ScimStore, StoredResource, render};

/// `GET /Users`, `GET /Groups`.
pub(super) async fn list<S: ScimStore>(
    State(state): State<KindState<S>>,
    Extension(ctx): Extension<ScimContext>,
    params: QueryParams,
) -> Result<Response, ScimError> {
    let params = ListParams::from_query(&params)?;
    list_kind(&state, &ctx, &params).await
}

/// `POST /Users/.search`, `POST /Groups/.search`.
pub(super) async fn search<S: ScimStore>(
    State(state): State<KindState<S>>,
    Extension(ctx): Extension<ScimContext>,
    JsonBody(body): JsonBody,
) -> Result<Response, ScimError> {
    let params = ListParams::from_search_body(&body)?;
    list_kind(&state, &ctx, &params).await
}

async fn list_kind<S: ScimStore>(
    state: &KindState<S>,
    ctx: &ScimContext,
    params: &ListParams,
) -> Result<Response, ScimError> {
    let mut request = params.request(state.kind, &state.shared.limits)?;
    if state.kind == ResourceKind::Group && request.query.wants.members {
        return list_groups_streamed(state, ctx, &mut request).await;
    }
    let page = state
        .shared
        .store
        .list(ctx, state.kind, &request.query)
        .await?;
    let resources = page
        .resources
        .iter()
        .map(|resource| projected(resource, ctx, &request))
        .collect();
    Ok(ScimJson(list_response(
        page.total_results,
        index_start(&request, &page),
        page.next_cursor,
        resources,
    ))
    .into_response())
}

/// A page of Groups whose members are wanted: the groups are listed without members, and each
/// one's members are streamed into the body after it ([`super::streamed`]), so a page of big
/// groups takes memory for one page of members at a time.
async fn list_groups_streamed<S: ScimStore>(
    state: &KindState<S>,
    ctx: &ScimContext,
    request: &mut ListRequest,
) -> Result<Response, ScimError> {
    request.query.wants.members = false;
    let store = &state.shared.store;
    let page = store.list(ctx, state.kind, &request.query).await?;
    let mut head = list_response(
        page.total_results,
        index_start(request, &page),
        page.next_cursor.clone(),
        Vec::new(),
    );
    head["itemsPerPage"] = page.resources.len().into();
    if let Value::Object(fields) = &mut head {
        fields.remove("Resources");
    }
    let groups = page
        .resources
        .iter()
        .map(|group| {
            let members = store.member_pages(ctx, &group.id);
            StreamedGroup::new(group, members, &ctx.base_url, &request.projection)
        })
        .collect();
    Ok(streamed::list_response(
        head,
        groups,
        ctx.base_url.clone(),
        request.projection.clone(),
    ))
}

/// `POST /.search`: Users, then Groups, in one index-paged list (see the module docs of
/// [`super`] for why `sortBy` and `cursor` are refused here).
pub(super) async fn search_root<S: ScimStore>(
    State(shared): State<Shared<S>>,
    Extension(ctx): Extension<ScimContext>,
    JsonBody(body): JsonBody,
) -> Result<ScimJson<Value>, ScimError> {
    let params = ListParams::from_search_body(&body)?;
    if params
        .sort_by
        .as_deref()
        .is_some_and(|s| !s.trim().is_empty())
    {
        return Err(ScimError::invalid_value(
            "`sortBy` is not supported on a root search, which spans Users and Groups; \
             search /Users/.search or /Groups/.search to sort.",
        ));
    }
    if params.cursor.is_some() {
        return Err(ScimError::invalid_value(
            "`cursor` paging is not supported on a root search, which spans Users and Groups; \
             use `startIndex` and `count`, or search /Users/.search or /Groups/.search.",
        ));
    }
    let mut users = params.request(ResourceKind::User, &shared.limits)?;
    let mut groups = params.request(ResourceKind::Group, &shared.limits)?;
    let Paging::Index { start_index, count } = users.query.paging else {
        // `cursor` was refused above, so the paging is by index.
        return Err(ScimError::internal());
    };
    let user_page = list_narrowed(&shared, &ctx, ResourceKind::User, &mut users).await?;
    let taken = u64::try_from(user_page.resources.len()).unwrap_or(u64::MAX);
    // Groups continue where Users end: from the first Group when this page began among the
    // Users, else from the Group at the page's offset past the last User.
    groups.query.paging = Paging::Index {
        start_index: start_index.saturating_sub(user_page.total_results).max(1),
        count: if start_index > user_page.total_results {
            count
        } else {
            count.saturating_sub(taken)
        },
    };
    let group_page = list_narrowed(&shared, &ctx, ResourceKind::Group, &mut groups).await?;
    let resources = user_page
        .resources
        .iter()
        .map(|r| projected(r, &ctx, &users))
        .chain(
            group_page
                .resources
                .iter()
                .map(|r| projected(r, &ctx, &groups)),
        )
        .collect();
    Ok(ScimJson(list_response(
        user_page.total_results + group_page.total_results,
        Some(start_index),
        None,
        resources,
    )))
}

/// One type's part of a root search: its filter narrowed to the attributes it has, and no
/// query at all when that leaves it matching nothing.
async fn list_narrowed<S: ScimStore>(
    shared: &Shared<S>,
    ctx: &ScimContext,
    kind: ResourceKind,
    request: &mut ListRequest,
) -> Result<Page, ScimError> {
    if let Some(filter) = request.query.filter.take() {
        match narrow(&filter, kind) {
            Narrowed::All => {}
            Narrowed::Filter(narrowed) => request.query.filter = Some(narrowed),
            Narrowed::Nothing => {
                return Ok(Page {
                    total_results: 0,
                    resources: Vec::new(),
                    start_index: None,
                    next_cursor: None,
                });
            }
        }
    }
    shared.store.list(ctx, kind, &request.query).await
}

/// The `startIndex` of an index-paged response: the store's, or else the one asked for.
fn index_start(request: &ListRequest, page: &Page) -> Option<u64> {
    match request.query.paging {
        Paging::Index { start_index, .. } => Some(page.start_index.unwrap_or(start_index)),
        Paging::Cursor { .. } => None,
    }
}

fn projected(resource: &StoredResource, ctx: &ScimContext, request: &ListRequest) -> Value {
    let mut doc = render(resource, &ctx.base_url);
    request.projection.apply(resource.kind, &mut doc);
    doc
}

/// A ListResponse message (RFC 7644 section 3.4.2, RFC 9865 `nextCursor`).
fn list_response(
    total_results: u64,
    start_index: Option<u64>,
    next_cursor: Option<String>,
    resources: Vec<Value>,
) -> Value {
    let mut body = json!({
        "schemas": [LIST_RESPONSE_SCHEMA],
        "totalResults": total_results,
        "itemsPerPage": resources.len(),
    });
    if let Some(start_index) = start_index {
        body["startIndex"] = start_index.into();
    }
    if let Some(cursor) = next_cursor {
        body["nextCursor"] = cursor.into();
    }
    body["Resources"] = Value::Array(resources);
    body
}
