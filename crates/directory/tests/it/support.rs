//! Shared set-up: a directory on a fresh database, two tenants, contexts for their apps, and
//! builders for SCIM inputs.

use std::sync::Arc;

use chrono::DateTime;
use rosterd_directory::Directory;
use rosterd_domain::{ManualClock, Product, TenantId};
use rosterd_scim::filter::{parse_attr_path, parse_filter};
use rosterd_scim::patch::{PatchOperation, parse_patch_request};
use rosterd_scim::resource::{Normalized, ResourceKind, WriteMode, normalize};
use rosterd_scim::store::{ListQuery, Paging, SortOrder, StoredResource, Wants};
use rosterd_scim::{ScimContext, ScimError, ScimType};
use rosterd_test_support::TestDb;
use serde_json::{Value, json};

pub use rosterd_scim::store::ScimStore as _;

pub struct Env {
    pub db: TestDb,
    pub dir: Directory,
    pub clock: ManualClock,
    /// Tenant A's Learning app.
    pub learning: ScimContext,
    /// Tenant A's Sales Navigator app.
    pub sales: ScimContext,
    /// Tenant B's Learning app.
    pub other: ScimContext,
}

impl Env {
    pub fn clock_now(&self) -> chrono::DateTime<chrono::Utc> {
        use rosterd_domain::Clock as _;
        self.clock.now()
    }
}

fn ctx(tenant: TenantId, product: Product) -> ScimContext {
    ScimContext {
        tenant,
        product,
        base_url: format!("https://r.example/scim/t/{}/v2", product.slug()),
        actor: format!("{} test", product.slug()),
        request_id: "test-request".to_owned(),
    }
}

pub async fn env() -> Env {
    let db = TestDb::fresh().await;
    let clock = ManualClock::new(DateTime::from_timestamp(1_800_000_000, 0).unwrap());
    let a = rosterd_tenancy::create_tenant(&db.conn, &clock, &"acme".parse().unwrap(), "Acme")
        .await
        .unwrap();
    let b = rosterd_tenancy::create_tenant(&db.conn, &clock, &"globex".parse().unwrap(), "Globex")
        .await
        .unwrap();
    let dir = Directory::new(db.conn.clone(), Arc::new(clock.clone()));
    Env {
        learning: ctx(a.id, Product::Learning),
        sales: ctx(a.id, Product::SalesNavigator),
        other: ctx(b.id, Product::Learning),
        db,
        dir,
        clock,
    }
}

/// A normalized User body.
pub fn user_body(body: Value) -> Normalized {
    normalize(ResourceKind::User, body, WriteMode::Create).unwrap()
}

/// A User with a userName and a work email equal to it.
pub fn user(user_name: &str) -> Normalized {
    user_body(json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "emails": [{"value": user_name, "type": "work", "primary": true}],
    }))
}

/// A Group with a displayName and members.
pub fn group(name: &str, members: &[&str]) -> Normalized {
    let members: Vec<Value> = members.iter().map(|id| json!({"value": id})).collect();
    normalize(
        ResourceKind::Group,
        json!({"displayName": name, "members": members}),
        WriteMode::Create,
    )
    .unwrap()
}

pub fn ops(operations: Value) -> Vec<PatchOperation> {
    parse_patch_request(&json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": operations,
    }))
    .unwrap()
}

/// A list query: the filter (if any), index paging from 1, 100 at a time.
pub fn query(filter: Option<&str>) -> ListQuery {
    ListQuery {
        filter: filter.map(|f| parse_filter(f).unwrap()),
        sort_by: None,
        sort_order: SortOrder::Ascending,
        paging: Paging::Index {
            start_index: 1,
            count: 100,
        },
        wants: Wants::default(),
    }
}

pub fn sorted(mut q: ListQuery, by: &str, order: SortOrder) -> ListQuery {
    q.sort_by = Some(parse_attr_path(by).unwrap());
    q.sort_order = order;
    q
}

pub fn no_refs() -> Wants {
    Wants::NONE
}

pub async fn create_user(env: &Env, ctx: &ScimContext, user_name: &str) -> StoredResource {
    env.dir
        .create(ctx, ResourceKind::User, user(user_name), Wants::default())
        .await
        .unwrap()
}

pub async fn create_group(
    env: &Env,
    ctx: &ScimContext,
    name: &str,
    members: &[&str],
) -> StoredResource {
    env.dir
        .create(
            ctx,
            ResourceKind::Group,
            group(name, members),
            Wants::default(),
        )
        .await
        .unwrap()
}

pub fn assert_scim(err: &ScimError, status: u16, scim_type: Option<ScimType>) {
    assert_eq!(err.status.as_u16(), status, "{err}");
    assert_eq!(err.scim_type, scim_type, "{err}");
}

/// The member ids of a stored Group (or group ids of a User), sorted.
pub fn ref_ids(resource: &StoredResource) -> Vec<String> {
    let mut ids: Vec<String> = resource
        .references
        .as_ref()
        .expect("references loaded")
        .iter()
        .map(|r| r.value.clone())
        .collect();
    ids.sort();
    ids
}
