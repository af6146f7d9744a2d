//! Group membership as rows, changed by deltas: adds are `INSERT ... ON CONFLICT DO NOTHING`,
//! removes are `DELETE ... WHERE member_id IN (...)`, both in chunks, so adding one member to a
//! 100,000-member group touches one row. Nothing here reads a whole member list except a
//! replace-all (PUT, or PATCH `replace` of `members`), which must compute the difference.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use rosterd_scim::ScimError;
use rosterd_scim::patch::MemberChange;
use rosterd_scim::store::Reference;
use sea_orm::sea_query::{Expr, OnConflict, Query, SimpleExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, QueryTrait};

use crate::entity::{group_member, scim_user, user_group};
use crate::error::{Failure, Outcome};
use crate::scope::{Scope, ScopedGroup};

/// The join condition of a membership row and its member's SCIM user: the same tenant, the
/// user's id. Every read of members with their users joins on it.
pub(crate) fn member_is_user() -> SimpleExpr {
    Expr::col((scim_user::Entity, scim_user::Column::TenantId))
        .equals((group_member::Entity, group_member::Column::TenantId))
        .and(
            Expr::col((scim_user::Entity, scim_user::Column::Id))
                .equals((group_member::Entity, group_member::Column::MemberId)),
        )
}

/// Ids per statement: far below SQLite's and PostgreSQL's bind-parameter limits.
const CHUNK: usize = 500;
/// Unknown ids quoted in an error detail.
const SHOWN: usize = 5;

/// Checks that every id names a SCIM user of the scope's app; 400 `invalidValue` otherwise.
pub(crate) async fn validate(
    txn: &impl ConnectionTrait,
    scope: &Scope,
    ids: &[String],
    group_hinted: bool,
) -> Outcome<()> {
    if group_hinted {
        return Err(nested_groups());
    }
    let mut unknown = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        let found: HashSet<String> = scope
            .users()
            .select_only()
            .column(scim_user::Column::Id)
            .filter(scim_user::Column::Id.is_in(chunk.iter().cloned()))
            .into_tuple::<String>()
            .all(txn)
            .await?
            .into_iter()
            .collect();
        unknown.extend(chunk.iter().filter(|id| !found.contains(*id)).cloned());
    }
    if unknown.is_empty() {
        return Ok(());
    }
    let groups = scope
        .groups()
        .select_only()
        .column(user_group::Column::Id)
        .filter(user_group::Column::Id.is_in(unknown.iter().take(CHUNK).cloned()))
        .into_tuple::<String>()
        .all(txn)
        .await?;
    if !groups.is_empty() {
        return Err(nested_groups());
    }
    let shown: Vec<String> = unknown
        .iter()
        .take(SHOWN)
        .map(|id| format!("`{id}`"))
        .collect();
    let more = match unknown.len().saturating_sub(SHOWN) {
        0 => String::new(),
        n => format!(" and {n} more"),
    };
    Err(ScimError::invalid_value(format!(
        "members {}{more} are not Users of this app; a Group's members must be Users \
         provisioned through the same app",
        shown.join(", ")
    ))
    .into())
}

fn nested_groups() -> Failure {
    ScimError::invalid_value("nested groups are not supported: a Group's members must be Users")
        .into()
}

/// Applies PATCH membership changes in request order; returns how many rows changed. The ids
/// of users that may have joined or left are pushed onto `touched` (for the hooks).
pub(crate) async fn apply(
    txn: &impl ConnectionTrait,
    scope: &Scope,
    group: &ScopedGroup,
    changes: Vec<MemberChange>,
    now: DateTime<Utc>,
    touched: &mut Vec<String>,
) -> Outcome<u64> {
    let mut changed = 0;
    for change in changes {
        changed += match change {
            MemberChange::Add(ids) => {
                validate(txn, scope, &ids, false).await?;
                let added = add(txn, group, &ids, now).await?;
                touched.extend(ids);
                added
            }
            MemberChange::Remove(ids) => {
                let removed = remove(txn, group, &ids).await?;
                touched.extend(ids);
                removed
            }
            MemberChange::RemoveAll => {
                touched.extend(member_ids(txn, group).await?);
                group.delete_members().exec(txn).await?.rows_affected
            }
            MemberChange::ReplaceAll(ids) => {
                replace_all(txn, scope, group, &ids, now, touched).await?
            }
        };
    }
    Ok(changed)
}

/// The ids of the group's members (ids only).
pub(crate) async fn member_ids(
    txn: &impl ConnectionTrait,
    group: &ScopedGroup,
) -> Outcome<Vec<String>> {
    Ok(group_member::Entity::find()
        .select_only()
        .column(group_member::Column::MemberId)
        .filter(group.members())
        .into_tuple::<String>()
        .all(txn)
        .await?)
}

/// Which of `ids` are members of the group now: one indexed lookup per chunk, never the whole
/// member list (a membership change must cost the same in a group of 100 or 100,000).
pub(crate) async fn members_among(
    txn: &impl ConnectionTrait,
    group: &ScopedGroup,
    ids: &[String],
) -> Outcome<Vec<String>> {
    let mut found = Vec::new();
    for chunk in ids.chunks(CHUNK) {
        found.extend(
            group_member::Entity::find()
                .select_only()
                .column(group_member::Column::MemberId)
                .filter(group.members())
                .filter(group_member::Column::MemberId.is_in(chunk.iter().cloned()))
                .into_tuple::<String>()
                .all(txn)
                .await?,
        );
    }
    Ok(found)
}

/// Adds members already validated; present ones are left alone.
pub(crate) async fn add(
    txn: &impl ConnectionTrait,
    group: &ScopedGroup,
    ids: &[String],
    now: DateTime<Utc>,
) -> Outcome<u64> {
    let backend = txn.get_database_backend();
    let mut added = 0;
    for chunk in ids.chunks(CHUNK) {
        let mut stmt = Query::insert();
        stmt.into_table(group_member::Entity).columns([
            group_member::Column::TenantId,
            group_member::Column::GroupId,
            group_member::Column::MemberId,
            group_member::Column::CreatedAt,
        ]);
        for id in chunk {
            stmt.values_panic([
                group.tenant.clone().into(),
                group.id.clone().into(),
                id.clone().into(),
                now.into(),
            ]);
        }
        stmt.on_conflict(
            OnConflict::columns([
                group_member::Column::TenantId,
                group_member::Column::GroupId,
                group_member::Column::MemberId,
            ])
            .do_nothing()
            .to_owned(),
        );
        added += txn.execute(backend.build(&stmt)).await?.rows_affected();
    }
    Ok(added)
}

/// Removes members; absent ones are not an error.
pub(crate) async fn remove(
    txn: &impl ConnectionTrait,
    group: &ScopedGroup,
    ids: &[String],
) -> Outcome<u64> {
    let mut removed = 0;
    for chunk in ids.chunks(CHUNK) {
        removed += group
            .delete_members()
            .filter(group_member::Column::MemberId.is_in(chunk.iter().cloned()))
            .exec(txn)
            .await?
            .rows_affected;
    }
    Ok(removed)
}

/// Makes the membership exactly `ids`: reads the current member ids (ids only), then removes
/// and adds the difference (pushed onto `touched`).
pub(crate) async fn replace_all(
    txn: &impl ConnectionTrait,
    scope: &Scope,
    group: &ScopedGroup,
    ids: &[String],
    now: DateTime<Utc>,
    touched: &mut Vec<String>,
) -> Outcome<u64> {
    validate(txn, scope, ids, false).await?;
    let current: HashSet<String> = member_ids(txn, group).await?.into_iter().collect();
    let wanted: HashSet<&String> = ids.iter().collect();
    let gone: Vec<String> = current
        .iter()
        .filter(|id| !wanted.contains(id))
        .cloned()
        .collect();
    let new: Vec<String> = ids
        .iter()
        .filter(|id| !current.contains(*id))
        .cloned()
        .collect();
    let changed = remove(txn, group, &gone).await? + add(txn, group, &new, now).await?;
    touched.extend(gone);
    touched.extend(new);
    Ok(changed)
}

/// The members of the given groups (SCIM users of the scope's app), by member id, keyed by
/// group id. `display` is the member's userName.
pub(crate) async fn members_of(
    db: &impl ConnectionTrait,
    scope: &Scope,
    group_ids: &[String],
) -> Outcome<HashMap<String, Vec<Reference>>> {
    let mut out: HashMap<String, Vec<Reference>> = HashMap::new();
    for chunk in group_ids.chunks(CHUNK) {
        let mut stmt = Query::select();
        stmt.column((group_member::Entity, group_member::Column::GroupId))
            .column((group_member::Entity, group_member::Column::MemberId))
            .column((scim_user::Entity, scim_user::Column::UserName))
            .from(group_member::Entity)
            .inner_join(scim_user::Entity, member_is_user())
            .and_where(
                Expr::col((scim_user::Entity, scim_user::Column::TenantId)).eq(&scope.tenant),
            )
            .and_where(Expr::col((scim_user::Entity, scim_user::Column::Product)).eq(scope.product))
            .and_where(
                Expr::col((group_member::Entity, group_member::Column::GroupId))
                    .is_in(chunk.iter().cloned()),
            )
            .order_by(
                (group_member::Entity, group_member::Column::MemberId),
                sea_orm::Order::Asc,
            );
        let rows = db.query_all(db.get_database_backend().build(&stmt)).await?;
        for row in rows {
            let group: String = row.try_get("", "group_id")?;
            out.entry(group).or_default().push(Reference {
                value: row.try_get("", "member_id")?,
                display: Some(row.try_get("", "user_name")?),
                kind: "User",
            });
        }
    }
    Ok(out)
}

/// The SCIM groups of the scope's app the given users belong to, keyed by user id.
pub(crate) async fn groups_of(
    db: &impl ConnectionTrait,
    scope: &Scope,
    user_ids: &[String],
) -> Outcome<HashMap<String, Vec<Reference>>> {
    let mut out: HashMap<String, Vec<Reference>> = HashMap::new();
    for chunk in user_ids.chunks(CHUNK) {
        let mut stmt = Query::select();
        stmt.column((group_member::Entity, group_member::Column::MemberId))
            .column((user_group::Entity, user_group::Column::Id))
            .column((user_group::Entity, user_group::Column::DisplayName))
            .from(group_member::Entity)
            .inner_join(
                user_group::Entity,
                Expr::col((user_group::Entity, user_group::Column::TenantId))
                    .equals((group_member::Entity, group_member::Column::TenantId))
                    .and(
                        Expr::col((user_group::Entity, user_group::Column::Id))
                            .equals((group_member::Entity, group_member::Column::GroupId)),
                    ),
            )
            .and_where(scope.group_condition())
            .and_where(
                Expr::col((group_member::Entity, group_member::Column::TenantId)).eq(&scope.tenant),
            )
            .and_where(
                Expr::col((group_member::Entity, group_member::Column::MemberId))
                    .is_in(chunk.iter().cloned()),
            )
            .order_by(
                (user_group::Entity, user_group::Column::DisplayNameLower),
                sea_orm::Order::Asc,
            );
        let rows = db.query_all(db.get_database_backend().build(&stmt)).await?;
        for row in rows {
            let user: String = row.try_get("", "member_id")?;
            out.entry(user).or_default().push(Reference {
                value: row.try_get("", "id")?,
                display: Some(row.try_get("", "display_name")?),
                kind: "Group",
            });
        }
    }
    Ok(out)
}

/// Removes a deleted user from every group of the tenant (SCIM and manual).
pub(crate) async fn remove_member_everywhere(
    txn: &impl ConnectionTrait,
    scope: &Scope,
    user_id: &str,
) -> Outcome<()> {
    let stmt = group_member::Entity::delete_many()
        .filter(scope.memberships_of_member(user_id))
        .build(txn.get_database_backend());
    txn.execute(stmt).await?;
    Ok(())
}
