//! Groups as the admin center sees them: every group of a tenant (IdP and manual) with its
//! members as people, and manual groups, which admins make for reporting.
//!
//! A manual group lives in `user_groups` beside the SCIM groups (`source = 'manual'`), one
//! product each, and shares their name space: `user_groups_display_name` is unique per tenant,
//! product and lower-cased name across both sources, so a SCIM write can never take a manual
//! group's name (the SCIM side answers 409 `uniqueness`) and an admin can never take an IdP
//! group's (answered here with [`GroupError::NameTaken`], naming who holds the name).
//!
//! Members differ by source: an IdP group's `member_id` is a SCIM user of its app (the IdP
//! says who), a manual group's `member_id` is a person id, so anyone in the tenant can be
//! added, whether an IdP provisioned them or an admin made them. Both are read back as people.
//! SCIM never sees manual groups (its scope filters `source = 'idp'`).

use rosterd_database::WriteTransaction;
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rosterd_audit::Change;
use rosterd_domain::{Clock, GroupId, PersonId, Product, TenantId};
use sea_orm::sea_query::{Alias, Expr, Func, LikeExpr, OnConflict, Order, Query, SelectStatement};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Select, Set,
};
use serde_json::json;

use crate::entity::{group_member, person, scim_user, user_group};
use crate::error::{Error, is_unique_violation};
use crate::scope::{SOURCE_IDP, SOURCE_MANUAL, TenantScope};

/// The longest group name an admin may give.
pub const MAX_NAME_CHARS: usize = 200;
/// People shown by [`search_people`].
const SEARCH_LIMIT: u64 = 20;
/// Ids per `IN (...)`.
const CHUNK: usize = 500;

/// Who made a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupSource {
    /// Pushed by the product app's identity provider over SCIM: read-only here.
    Idp,
    /// Made by an admin in rosterd, for reporting.
    Manual,
}

/// A group of any source, with how many people are in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupInfo {
    pub id: GroupId,
    pub product: Product,
    pub source: GroupSource,
    pub name: String,
    pub members: u64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A member of a group, as a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub person_id: PersonId,
    pub email: Option<String>,
    pub display_name: Option<String>,
    /// Whether an IdP provisioned the person (rather than an admin).
    pub from_idp: bool,
}

/// Why a manual group change was not made. Every variant but `Directory` is the admin's to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GroupError {
    #[error("a group needs a name")]
    EmptyName,
    #[error("a group name has at most {MAX_NAME_CHARS} characters")]
    NameTooLong,
    /// Another group of the product has this name (case-insensitively). `holder` is `None`
    /// when a concurrent change took it and its source is unknown.
    #[error("the name `{name}` is taken in this product")]
    NameTaken {
        name: String,
        holder: Option<GroupSource>,
    },
    /// No group with this id in the tenant.
    #[error("no such group")]
    NotFound,
    /// The group is an IdP group: change it in the identity provider.
    #[error("the group is managed by the identity provider")]
    NotManual,
    /// No person with this id in the tenant.
    #[error("no such person")]
    PersonNotFound,
    #[error(transparent)]
    Directory(#[from] Error),
}

impl From<rosterd_database::DatabaseError> for GroupError {
    fn from(err: rosterd_database::DatabaseError) -> Self {
        GroupError::Directory(err.into())
    }
}

impl From<sea_orm::DbErr> for GroupError {
    fn from(err: sea_orm::DbErr) -> Self {
        GroupError::Directory(err.into())
    }
}

type GroupResult<T> = std::result::Result<T, GroupError>;

/// Begins a transaction for a manual group change and its audit event. On SQLite it takes the
/// write lock at once, so reading first and writing later cannot fail as busy.
async fn begin(db: &DatabaseConnection) -> crate::Result<WriteTransaction> {
    Ok(crate::scope::begin_write(db).await?)
}

/// A manual group change that was made and recorded: the group (after the change) and the
/// sentence the audit log keeps, which is also what to tell the admin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changed {
    pub group: GroupInfo,
    pub summary: String,
}

/// A manual group change whose result is known before writing: made (and recorded) or not.
async fn recorded(
    change: Change<'_, DatabaseConnection>,
    txn: WriteTransaction,
    action: &str,
    group: GroupInfo,
    summary: String,
) -> GroupResult<Changed> {
    let id = group.id.to_string();
    change
        .record(&txn, action, ("group", &id), &summary)
        .await?;
    txn.commit().await?;
    Ok(Changed { group, summary })
}

/// Creates a manual group of `product` named `name` (trimmed).
pub async fn create_manual(
    change: Change<'_, DatabaseConnection>,
    product: Product,
    name: &str,
) -> GroupResult<Changed> {
    let txn = begin(change.db).await?;
    let group = insert_manual(&txn, change.clock, change.tenant, product, name).await?;
    let summary = format!(
        "Created manual group “{}” in {}.",
        group.name,
        product.display_name()
    );
    recorded(change, txn, "group.create", group, summary).await
}

/// Renames a manual group.
pub async fn rename_manual(
    change: Change<'_, DatabaseConnection>,
    id: GroupId,
    name: &str,
) -> GroupResult<Changed> {
    let txn = begin(change.db).await?;
    let (before, after) = rename_row(&txn, change.clock, change.tenant, id, name).await?;
    let summary = format!(
        "Renamed manual group “{}” to “{}” in {}.",
        before.name,
        after.name,
        after.product.display_name()
    );
    recorded(change, txn, "group.rename", after, summary).await
}

/// Deletes a manual group and its memberships (licenses stay as they are).
pub async fn delete_manual(
    change: Change<'_, DatabaseConnection>,
    id: GroupId,
) -> GroupResult<Changed> {
    let txn = begin(change.db).await?;
    let group = delete_row(&txn, change.tenant, id).await?;
    let summary = format!(
        "Deleted manual group “{}” of {} ({} members). Their licenses are unchanged.",
        group.name,
        group.product.display_name(),
        group.members
    );
    recorded(change, txn, "group.delete", group, summary).await
}

/// Adds a person of the tenant (IdP-provisioned or manual) to a manual group; one already in
/// it changes nothing and records nothing.
pub async fn add_member(
    change: Change<'_, DatabaseConnection>,
    id: GroupId,
    person: PersonId,
) -> GroupResult<Changed> {
    let txn = begin(change.db).await?;
    let (group, member, added) =
        insert_member(&txn, change.clock, change.tenant, id, person).await?;
    let email = member.email.unwrap_or_else(|| person.to_string());
    if !added {
        let summary = format!("{email} is already in “{}”.", group.name);
        txn.commit().await?;
        return Ok(Changed { group, summary });
    }
    let summary = format!("Added {email} to manual group “{}”.", group.name);
    recorded(change, txn, "group.member.add", group, summary).await
}

/// Removes a person from a manual group; one not in it changes nothing and records nothing.
pub async fn remove_member(
    change: Change<'_, DatabaseConnection>,
    id: GroupId,
    person: PersonId,
) -> GroupResult<Changed> {
    let txn = begin(change.db).await?;
    let (group, removed) = delete_member(&txn, change.tenant, id, person).await?;
    let label = people_by_ids(&txn, change.tenant, &[person])
        .await?
        .remove(&person)
        .and_then(|m| m.email)
        .unwrap_or_else(|| person.to_string());
    if !removed {
        let summary = format!("{label} was not in “{}”.", group.name);
        txn.commit().await?;
        return Ok(Changed { group, summary });
    }
    let summary = format!("Removed {label} from manual group “{}”.", group.name);
    recorded(change, txn, "group.member.remove", group, summary).await
}

fn groups_of(tenant: TenantId) -> Select<user_group::Entity> {
    TenantScope::of(tenant).groups()
}

fn info(row: user_group::Model, members: u64) -> crate::Result<GroupInfo> {
    let corrupt = |what: &str, value: &str| {
        tracing::error!(group = %row.id, value, "a group row has an invalid {what}");
        Error::Internal
    };
    let source = match row.source.as_str() {
        SOURCE_IDP => GroupSource::Idp,
        SOURCE_MANUAL => GroupSource::Manual,
        other => return Err(corrupt("source", other)),
    };
    Ok(GroupInfo {
        id: row.id.parse().map_err(|_| corrupt("id", &row.id))?,
        product: row
            .product
            .parse()
            .map_err(|_| corrupt("product", &row.product))?,
        source,
        name: row.display_name,
        members,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// Every group of the tenant (or of one product), IdP and manual, by product then name, with
/// member counts (two grouped counts, not a query per group).
pub async fn list_groups(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    product: Option<Product>,
) -> crate::Result<Vec<GroupInfo>> {
    let mut query = groups_of(tenant);
    if let Some(product) = product {
        query = query.filter(user_group::Column::Product.eq(product.slug()));
    }
    let rows = query
        .order_by_asc(user_group::Column::Product)
        .order_by_asc(user_group::Column::DisplayNameLower)
        .all(db)
        .await?;
    let counts = member_counts(db, tenant, None).await?;
    rows.into_iter()
        .map(|row| {
            let n = counts.get(&row.id).copied().unwrap_or(0);
            info(row, n)
        })
        .collect()
}

/// One group of the tenant, any source; `None` when the id names none.
pub async fn find_group(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    id: GroupId,
) -> crate::Result<Option<GroupInfo>> {
    let Some(row) = groups_of(tenant)
        .filter(user_group::Column::Id.eq(id.to_string()))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let counts = member_counts(db, tenant, Some(&row.id)).await?;
    let n = counts.get(&row.id).copied().unwrap_or(0);
    info(row, n).map(Some)
}

/// The membership rows of the tenant's groups resolved to people: IdP groups through their
/// SCIM users, manual groups directly. Rows whose member no longer exists are left out.
/// Two selects of `(group_id, person_id)`.
fn resolved_memberships(tenant: &str, group: Option<&str>) -> [SelectStatement; 2] {
    let gm = |c: group_member::Column| Expr::col((group_member::Entity, c));
    let mut via_scim = Query::select();
    via_scim
        .column((group_member::Entity, group_member::Column::GroupId))
        .expr_as(
            Expr::col((scim_user::Entity, scim_user::Column::PersonId)),
            Alias::new("person_id"),
        )
        .from(group_member::Entity)
        .inner_join(scim_user::Entity, crate::members::member_is_user())
        .and_where(gm(group_member::Column::TenantId).eq(tenant));
    let mut direct = Query::select();
    direct
        .column((group_member::Entity, group_member::Column::GroupId))
        .expr_as(
            Expr::col((person::Entity, person::Column::Id)),
            Alias::new("person_id"),
        )
        .from(group_member::Entity)
        .inner_join(
            person::Entity,
            Expr::col((person::Entity, person::Column::TenantId))
                .equals((group_member::Entity, group_member::Column::TenantId))
                .and(
                    Expr::col((person::Entity, person::Column::Id))
                        .equals((group_member::Entity, group_member::Column::MemberId)),
                ),
        )
        .and_where(gm(group_member::Column::TenantId).eq(tenant));
    if let Some(group) = group {
        via_scim.and_where(gm(group_member::Column::GroupId).eq(group));
        direct.and_where(gm(group_member::Column::GroupId).eq(group));
    }
    [via_scim, direct]
}

async fn member_counts(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    group: Option<&str>,
) -> crate::Result<HashMap<String, u64>> {
    let mut counts: HashMap<String, u64> = HashMap::new();
    for mut stmt in resolved_memberships(&tenant.to_string(), group) {
        // Keep the group id, count instead of listing people.
        stmt.clear_selects()
            .column((group_member::Entity, group_member::Column::GroupId))
            .expr_as(
                Func::count(Expr::col((
                    group_member::Entity,
                    group_member::Column::MemberId,
                ))),
                Alias::new("members"),
            )
            .group_by_col((group_member::Entity, group_member::Column::GroupId));
        let rows = db.query_all(db.get_database_backend().build(&stmt)).await?;
        for row in rows {
            let id: String = row.try_get("", "group_id")?;
            let n: i64 = row.try_get("", "members")?;
            *counts.entry(id).or_default() += u64::try_from(n).unwrap_or(0);
        }
    }
    Ok(counts)
}

/// Every (group, person) membership of the tenant, for reports: IdP groups through their SCIM
/// users, manual groups directly.
pub async fn memberships(
    db: &impl ConnectionTrait,
    tenant: TenantId,
) -> crate::Result<Vec<(GroupId, PersonId)>> {
    let mut out = Vec::new();
    for stmt in resolved_memberships(&tenant.to_string(), None) {
        let rows = db.query_all(db.get_database_backend().build(&stmt)).await?;
        for row in rows {
            let group: String = row.try_get("", "group_id")?;
            let person: String = row.try_get("", "person_id")?;
            match (group.parse(), person.parse()) {
                (Ok(g), Ok(p)) => out.push((g, p)),
                _ => {
                    tracing::error!(%group, %person, "a membership row has an invalid id");
                    return Err(Error::Internal);
                }
            }
        }
    }
    Ok(out)
}

/// The members of one group of the tenant as people, by email (people without one last), at
/// most `limit`: each of the two membership kinds is joined to `people`, sorted and limited in
/// the database, so a 100,000-member group reads `2 * limit` rows.
pub async fn members(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    group: GroupId,
    limit: u64,
) -> crate::Result<Vec<Member>> {
    let tenant_text = tenant.to_string();
    let p = |c: person::Column| Expr::col((person::Entity, c));
    let mut people = Vec::new();
    for (i, mut stmt) in resolved_memberships(&tenant_text, Some(&group.to_string()))
        .into_iter()
        .enumerate()
    {
        // The manual select already joins `people`; the IdP one goes through the SCIM user.
        if i == 0 {
            stmt.inner_join(
                person::Entity,
                p(person::Column::TenantId)
                    .equals((group_member::Entity, group_member::Column::TenantId))
                    .and(
                        p(person::Column::Id)
                            .equals((scim_user::Entity, scim_user::Column::PersonId)),
                    ),
            );
        }
        stmt.clear_selects()
            .columns([
                (person::Entity, person::Column::TenantId),
                (person::Entity, person::Column::Id),
                (person::Entity, person::Column::Email),
                (person::Entity, person::Column::EmailLower),
                (person::Entity, person::Column::GivenName),
                (person::Entity, person::Column::FamilyName),
                (person::Entity, person::Column::DisplayName),
                (person::Entity, person::Column::EmployeeNumber),
                (person::Entity, person::Column::Department),
                (person::Entity, person::Column::Title),
                (person::Entity, person::Column::Source),
                (person::Entity, person::Column::CreatedAt),
                (person::Entity, person::Column::UpdatedAt),
            ])
            .order_by_expr(p(person::Column::EmailLower).is_null(), Order::Asc)
            .order_by((person::Entity, person::Column::EmailLower), Order::Asc)
            .order_by((person::Entity, person::Column::Id), Order::Asc)
            .limit(limit);
        let backend = db.get_database_backend();
        let rows = person::Entity::find()
            .from_raw_sql(backend.build(&stmt))
            .all(db)
            .await?;
        people.extend(rows);
    }
    people.sort_by(|a, b| {
        (a.email_lower.is_none(), &a.email_lower, &a.id).cmp(&(
            b.email_lower.is_none(),
            &b.email_lower,
            &b.id,
        ))
    });
    people.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    people.into_iter().map(member).collect()
}

fn member(row: person::Model) -> crate::Result<Member> {
    Ok(Member {
        person_id: row.id.parse().map_err(|_| {
            tracing::error!(person = %row.id, "a person row has an invalid id");
            Error::Internal
        })?,
        from_idp: row.source == SOURCE_IDP,
        email: row.email,
        display_name: row.display_name,
    })
}

/// The tenant's people, without those an admin removed (`people.removed_at`).
fn people_of(tenant: TenantId) -> Select<person::Entity> {
    TenantScope::of(tenant).people().filter(
        sea_orm::sea_query::Expr::col(sea_orm::sea_query::Alias::new("removed_at")).is_null(),
    )
}

/// Escapes `%`, `_` and the escape character for a `LIKE` pattern.
fn like_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// People of the tenant whose email contains `query` (case-insensitively), by email, at most
/// twenty: the picker for adding members. An empty query finds nobody.
pub async fn search_people(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    query: &str,
) -> crate::Result<Vec<Member>> {
    let query = query.trim().to_lowercase();
    if query.is_empty() {
        return Ok(Vec::new());
    }
    let pattern = format!("%{}%", like_escaped(&query));
    people_of(tenant)
        .filter(Expr::col(person::Column::EmailLower).like(LikeExpr::new(pattern).escape('\\')))
        .order_by_asc(person::Column::EmailLower)
        .limit(SEARCH_LIMIT)
        .all(db)
        .await?
        .into_iter()
        .map(member)
        .collect()
}

/// The people of the tenant with the given ids (for labelling waiting lists and exports).
pub async fn people_by_ids(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    ids: &[PersonId],
) -> crate::Result<HashMap<PersonId, Member>> {
    let mut out = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        let rows = people_of(tenant)
            .filter(person::Column::Id.is_in(chunk.iter().map(ToString::to_string)))
            .all(db)
            .await?;
        for row in rows {
            let m = member(row)?;
            out.insert(m.person_id, m);
        }
    }
    Ok(out)
}

/// A name as stored: trimmed, not empty, not too long.
fn valid_name(name: &str) -> GroupResult<&str> {
    let name = name.trim();
    if name.is_empty() {
        return Err(GroupError::EmptyName);
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(GroupError::NameTooLong);
    }
    Ok(name)
}

/// Fails with [`GroupError::NameTaken`] when another group of the product (either source)
/// has `name`, case-insensitively.
async fn ensure_name_free(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    product: &str,
    name: &str,
    except: Option<&str>,
) -> GroupResult<()> {
    let mut query = groups_of(tenant)
        .filter(user_group::Column::Product.eq(product))
        .filter(user_group::Column::DisplayNameLower.eq(name.to_lowercase()));
    if let Some(except) = except {
        query = query.filter(user_group::Column::Id.ne(except));
    }
    match query.one(db).await? {
        None => Ok(()),
        Some(holder) => Err(GroupError::NameTaken {
            name: holder.display_name,
            holder: Some(if holder.source == SOURCE_IDP {
                GroupSource::Idp
            } else {
                GroupSource::Manual
            }),
        }),
    }
}

fn taken_or(err: sea_orm::DbErr, name: &str) -> GroupError {
    if is_unique_violation(&err) {
        GroupError::NameTaken {
            name: name.to_owned(),
            holder: None,
        }
    } else {
        err.into()
    }
}

/// Creates a manual group of `product` named `name` (trimmed).
pub(crate) async fn insert_manual(
    txn: &impl ConnectionTrait,
    clock: &dyn Clock,
    tenant: TenantId,
    product: Product,
    name: &str,
) -> GroupResult<GroupInfo> {
    let name = valid_name(name)?;
    ensure_name_free(txn, tenant, product.slug(), name, None).await?;
    let now = clock.now();
    let id = GroupId::new();
    let row = user_group::ActiveModel {
        tenant_id: Set(tenant.to_string()),
        id: Set(id.to_string()),
        product: Set(product.slug().to_owned()),
        source: Set(SOURCE_MANUAL.to_owned()),
        display_name: Set(name.to_owned()),
        display_name_lower: Set(name.to_lowercase()),
        external_id: Set(None),
        document: Set(json!({ "displayName": name }).to_string()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(txn)
    .await
    .map_err(|err| taken_or(err, name))?;
    Ok(info(row, 0)?)
}

/// Loads a manual group of the tenant for a change (locked on PostgreSQL).
async fn manual_row(
    txn: &impl ConnectionTrait,
    tenant: TenantId,
    id: GroupId,
) -> GroupResult<user_group::Model> {
    let row = groups_of(tenant)
        .filter(user_group::Column::Id.eq(id.to_string()))
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or(GroupError::NotFound)?;
    if row.source == SOURCE_MANUAL {
        Ok(row)
    } else {
        Err(GroupError::NotManual)
    }
}

/// Renames a manual group; returns it as it was before (for the audit trail) and after.
pub(crate) async fn rename_row(
    txn: &impl ConnectionTrait,
    clock: &dyn Clock,
    tenant: TenantId,
    id: GroupId,
    name: &str,
) -> GroupResult<(GroupInfo, GroupInfo)> {
    let name = valid_name(name)?;
    let row = manual_row(txn, tenant, id).await?;
    ensure_name_free(txn, tenant, &row.product, name, Some(&row.id)).await?;
    let before = info(row.clone(), 0)?;
    let version = row.version;
    let mut active = row.into_active_model();
    active.display_name = Set(name.to_owned());
    active.display_name_lower = Set(name.to_lowercase());
    active.document = Set(json!({ "displayName": name }).to_string());
    active.version = Set(version + 1);
    active.updated_at = Set(clock.now());
    let after = active.update(txn).await.map_err(|e| taken_or(e, name))?;
    Ok((before, info(after, 0)?))
}

/// Deletes a manual group and its memberships; returns what it was.
pub(crate) async fn delete_row(
    txn: &impl ConnectionTrait,
    tenant: TenantId,
    id: GroupId,
) -> GroupResult<GroupInfo> {
    let row = manual_row(txn, tenant, id).await?;
    let counts = member_counts(txn, tenant, Some(&row.id)).await?;
    let n = counts.get(&row.id).copied().unwrap_or(0);
    TenantScope::of(tenant)
        .delete_members()
        .filter(group_member::Column::GroupId.eq(&row.id))
        .exec(txn)
        .await?;
    TenantScope::of(tenant)
        .delete_groups()
        .filter(user_group::Column::Id.eq(&row.id))
        .exec(txn)
        .await?;
    Ok(info(row, n)?)
}

/// Adds a person of the tenant (IdP-provisioned or manual) to a manual group. Returns the
/// group, the person, and whether they were not already a member.
pub(crate) async fn insert_member(
    txn: &impl ConnectionTrait,
    clock: &dyn Clock,
    tenant: TenantId,
    id: GroupId,
    person: PersonId,
) -> GroupResult<(GroupInfo, Member, bool)> {
    let row = manual_row(txn, tenant, id).await?;
    let who = people_of(tenant)
        .filter(person::Column::Id.eq(person.to_string()))
        .one(txn)
        .await?
        .ok_or(GroupError::PersonNotFound)?;
    let membership = group_member::ActiveModel {
        tenant_id: Set(tenant.to_string()),
        group_id: Set(row.id.clone()),
        member_id: Set(person.to_string()),
        created_at: Set(clock.now()),
    };
    let added = group_member::Entity::insert(membership)
        .on_conflict(
            OnConflict::columns([
                group_member::Column::TenantId,
                group_member::Column::GroupId,
                group_member::Column::MemberId,
            ])
            .do_nothing()
            .to_owned(),
        )
        .exec_without_returning(txn)
        .await?;
    Ok((info(row, 0)?, member(who)?, added > 0))
}

/// Removes a person from a manual group. Returns the group and whether they were a member.
pub(crate) async fn delete_member(
    txn: &impl ConnectionTrait,
    tenant: TenantId,
    id: GroupId,
    person: PersonId,
) -> GroupResult<(GroupInfo, bool)> {
    let row = manual_row(txn, tenant, id).await?;
    let removed = TenantScope::of(tenant)
        .delete_members()
        .filter(group_member::Column::GroupId.eq(&row.id))
        .filter(group_member::Column::MemberId.eq(person.to_string()))
        .exec(txn)
        .await?;
    Ok((info(row, 0)?, removed.rows_affected > 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_match_wildcards_literally() {
        assert_eq!(like_escaped("a_b%c\\d"), "a\\_b\\%c\\\\d");
        assert_eq!(like_escaped("ada@acme"), "ada@acme");
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(valid_name("  Sales EMEA "), Ok("Sales EMEA"));
        assert_eq!(valid_name("   "), Err(GroupError::EmptyName));
        let long = "x".repeat(MAX_NAME_CHARS + 1);
        assert_eq!(valid_name(&long), Err(GroupError::NameTooLong));
        assert!(valid_name(&"é".repeat(MAX_NAME_CHARS)).is_ok());
    }
}
