//! SCIM Groups: create, read, replace, patch and delete one app's IdP groups. Names are unique
//! per product across IdP and manual groups; a SCIM write never takes over a manual group's
//! name (the product documents promise an error in the IdP instead). Membership changes go to
//! [`crate::members`] as deltas.

use rosterd_database::WriteTransaction;
use rosterd_domain::GroupId;
use rosterd_scim::ScimError;
use rosterd_scim::patch::{PatchOperation, apply_group_patch};
use rosterd_scim::resource::{self, MemberRef, Normalized, ResourceKind};
use rosterd_scim::store::{Precondition, Reference, StoredResource, Wants};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, QueryFilter, Set};
use serde_json::Value;

use crate::document::parse_document;
use crate::entity::user_group;
use crate::error::{Failure, Outcome, is_unique_violation};
use crate::hooks::{self, MembershipChange, abort};
use crate::scope::{SOURCE_IDP, SOURCE_MANUAL, Scope, ScopedGroup, begin_scim_write};
use crate::{Directory, members};
use std::collections::HashSet;

/// 404 for an id that is not a SCIM Group of this app (manual groups included).
pub(crate) fn not_found(id: &str) -> Failure {
    ScimError::not_found(format!("no Group with id `{id}` in this app")).into()
}

fn name_taken(name: &str) -> Failure {
    ScimError::uniqueness(format!(
        "displayName `{name}` is already used by another Group of this app"
    ))
    .into()
}

/// The stored resource of a row.
pub(crate) fn stored(
    row: &user_group::Model,
    references: Option<Vec<Reference>>,
) -> Outcome<StoredResource> {
    Ok(StoredResource {
        kind: ResourceKind::Group,
        id: row.id.clone(),
        document: parse_document(&row.document, ResourceKind::Group, &row.id)?,
        version: row.version,
        created: row.created_at,
        last_modified: row.updated_at,
        references,
        extensions: Vec::new(),
    })
}

async fn with_members(
    db: &impl ConnectionTrait,
    scope: &Scope,
    row: &user_group::Model,
    wants_members: bool,
) -> Outcome<StoredResource> {
    let members = if wants_members {
        let mut by_group = members::members_of(db, scope, std::slice::from_ref(&row.id)).await?;
        Some(by_group.remove(&row.id).unwrap_or_default())
    } else {
        None
    };
    stored(row, members)
}

pub(crate) async fn get(
    dir: &Directory,
    scope: &Scope,
    id: &str,
    wants: Wants,
) -> Outcome<StoredResource> {
    let row = scope
        .group(id)
        .one(&dir.db)
        .await?
        .ok_or_else(|| not_found(id))?;
    with_members(&dir.db, scope, &row, wants.members).await
}

/// The ids of a body's members; whether any said it is a Group.
fn member_ids(members: &[MemberRef]) -> (Vec<String>, bool) {
    let group = members.iter().any(|m| m.kind.as_deref() == Some("Group"));
    (members.iter().map(|m| m.value.clone()).collect(), group)
}

pub(crate) async fn create(
    dir: &Directory,
    scope: &Scope,
    input: &Normalized,
    wants: Wants,
) -> Outcome<StoredResource> {
    let now = dir.now();
    let doc = &input.document;
    let name = resource::display_name(doc).unwrap_or_default().to_owned();
    let txn = begin_scim_write(dir).await?;
    ensure_name_free(&txn, scope, &name, None).await?;
    let id = GroupId::new().to_string();
    let row = user_group::ActiveModel {
        tenant_id: Set(scope.tenant.clone()),
        id: Set(id.clone()),
        product: Set(scope.product.to_owned()),
        source: Set(SOURCE_IDP.to_owned()),
        display_name_lower: Set(name.to_lowercase()),
        display_name: Set(name.clone()),
        external_id: Set(resource::external_id(doc).map(str::to_owned)),
        document: Set(doc.to_string()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await
    .map_err(|err| {
        if is_unique_violation(&err) {
            name_taken(&name)
        } else {
            err.into()
        }
    })?;
    let group = scope.scoped_group(&id);
    let mut touched = Vec::new();
    if let Some(refs) = &input.members {
        let (ids, hinted) = member_ids(refs);
        members::validate(&txn, scope, &ids, hinted).await?;
        members::add(&txn, &group, &ids, now).await?;
        touched = ids;
    }
    let at = Target {
        dir,
        scope,
        group: &group,
    };
    let touched = Touched {
        ids: touched,
        renamed: false,
    };
    finish(at, txn, &row, touched, wants.members).await
}

pub(crate) async fn replace(
    dir: &Directory,
    scope: &Scope,
    id: &str,
    input: &Normalized,
    precondition: &Precondition,
    wants: Wants,
) -> Outcome<StoredResource> {
    let now = dir.now();
    let txn = begin_scim_write(dir).await?;
    let (group, row) = scope
        .lock_group(&txn, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    precondition.check(row.version)?;
    let before = parse_document(&row.document, ResourceKind::Group, id)?;
    let name_before = row.display_name.clone();
    let mut touched = Vec::new();
    let changed = match &input.members {
        Some(refs) => {
            let (ids, hinted) = member_ids(refs);
            members::validate(&txn, scope, &ids, hinted).await?;
            members::replace_all(&txn, scope, &group, &ids, now, &mut touched).await?
        }
        None => 0,
    };
    let at = Target {
        dir,
        scope,
        group: &group,
    };
    let row = write(at, &txn, row, &before, input.document.clone(), changed).await?;
    let renamed = row.display_name != name_before;
    let touched = Touched {
        ids: touched,
        renamed,
    };
    finish(at, txn, &row, touched, wants.members).await
}

pub(crate) async fn patch(
    dir: &Directory,
    scope: &Scope,
    id: &str,
    operations: &[PatchOperation],
    precondition: &Precondition,
    wants: Wants,
) -> Outcome<StoredResource> {
    let now = dir.now();
    let txn = begin_scim_write(dir).await?;
    let (group, row) = scope
        .lock_group(&txn, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    precondition.check(row.version)?;
    let before = parse_document(&row.document, ResourceKind::Group, id)?;
    let mut doc = before.clone();
    let changes = apply_group_patch(&mut doc, operations)?;
    let name_before = row.display_name.clone();
    let mut touched = Vec::new();
    let changed = members::apply(&txn, scope, &group, changes, now, &mut touched).await?;
    let at = Target {
        dir,
        scope,
        group: &group,
    };
    let row = write(at, &txn, row, &before, doc, changed).await?;
    let renamed = row.display_name != name_before;
    let touched = Touched {
        ids: touched,
        renamed,
    };
    finish(at, txn, &row, touched, wants.members).await
}

/// The group a write is about, and the directory and scope the write runs in.
#[derive(Clone, Copy)]
struct Target<'a> {
    dir: &'a Directory,
    scope: &'a Scope,
    group: &'a ScopedGroup,
}

/// Whom a write may have moved in or out of the group, and whether it renamed the group.
struct Touched {
    ids: Vec<String>,
    renamed: bool,
}

/// The end of every group write: tell the hooks (rolling back on a refusal), read the result
/// back, commit.
async fn finish(
    at: Target<'_>,
    txn: WriteTransaction,
    row: &user_group::Model,
    touched: Touched,
    wants_members: bool,
) -> Outcome<StoredResource> {
    let Target { dir, scope, .. } = at;
    if let Err(failure) = notify(at, &txn, &row.display_name, touched).await {
        return abort(&dir.db, dir.hooks(), scope, txn, failure).await;
    }
    let stored = with_members(&txn, scope, row, wants_members).await?;
    txn.commit().await?;
    Ok(stored)
}

pub(crate) async fn delete(
    dir: &Directory,
    scope: &Scope,
    id: &str,
    precondition: &Precondition,
) -> Outcome<()> {
    let txn = begin_scim_write(dir).await?;
    let (group, row) = scope
        .lock_group(&txn, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    precondition.check(row.version)?;
    let members = match dir.hooks() {
        Some(_) => members::member_ids(&txn, &group).await?,
        None => Vec::new(),
    };
    group.delete_members().exec(&txn).await?;
    scope
        .delete_groups()
        .filter(user_group::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    if let Some(hooks) = dir.hooks() {
        let change = MembershipChange {
            group_id: group.id.clone(),
            display_name: row.display_name.clone(),
            added: Vec::new(),
            affected: hooks::snapshots(&txn, scope, &members).await?,
            removed: members,
            renamed: false,
            deleted: true,
        };
        if let Err(err) = hooks.memberships_changed(&txn, &scope.ctx, &change).await {
            return abort(&dir.db, Some(hooks), scope, txn, err.into()).await;
        }
    }
    txn.commit().await?;
    Ok(())
}

/// Tells the hooks (if any) which users may have joined or left the group; on a rename,
/// every member is affected (a rule may name the group).
async fn notify(
    at: Target<'_>,
    txn: &WriteTransaction,
    display_name: &str,
    touched: Touched,
) -> Outcome<()> {
    let Target { dir, scope, group } = at;
    let Touched {
        ids: touched,
        renamed,
    } = touched;
    let Some(hooks) = dir.hooks() else {
        return Ok(());
    };
    if touched.is_empty() && !renamed {
        return Ok(());
    }
    let mut seen = HashSet::new();
    let mut affected_ids: Vec<String> = touched
        .into_iter()
        .filter(|id| seen.insert(id.clone()))
        .collect();
    // Only the touched ids are looked up; every member is read only when a rename changes
    // everyone's eligibility.
    let current: HashSet<String> = members::members_among(txn, group, &affected_ids)
        .await?
        .into_iter()
        .collect();
    let (added, removed) = affected_ids
        .iter()
        .cloned()
        .partition(|id| current.contains(id));
    if renamed {
        let everyone = members::member_ids(txn, group).await?;
        affected_ids.extend(everyone.into_iter().filter(|id| seen.insert(id.clone())));
    }
    let change = MembershipChange {
        group_id: group.id.clone(),
        display_name: display_name.to_owned(),
        added,
        removed,
        renamed,
        deleted: false,
        affected: hooks::snapshots(txn, scope, &affected_ids).await?,
    };
    hooks
        .memberships_changed(txn, &scope.ctx, &change)
        .await
        .map_err(Failure::from)
}

/// Writes the new document over a locked row when it or the membership changed (an idempotent
/// PATCH keeps the version): `UPDATE ... WHERE version = <read>`, retried on a lost race.
async fn write(
    at: Target<'_>,
    txn: &impl ConnectionTrait,
    row: user_group::Model,
    before: &Value,
    doc: Value,
    members_changed: u64,
) -> Outcome<user_group::Model> {
    let Target { dir, scope, group } = at;
    if doc == *before && members_changed == 0 {
        return Ok(row);
    }
    let now = dir.now();
    let name = resource::display_name(&doc).unwrap_or_default().to_owned();
    let name_lower = name.to_lowercase();
    if name_lower != row.display_name_lower {
        ensure_name_free(txn, scope, &name, Some(&group.id)).await?;
    }
    let external_id = resource::external_id(&doc).map(str::to_owned);
    let document = doc.to_string();
    let updated = scope
        .update_groups()
        .col_expr(user_group::Column::DisplayName, Expr::value(name.clone()))
        .col_expr(
            user_group::Column::DisplayNameLower,
            Expr::value(name_lower.clone()),
        )
        .col_expr(
            user_group::Column::ExternalId,
            Expr::value(external_id.clone()),
        )
        .col_expr(user_group::Column::Document, Expr::value(document.clone()))
        .col_expr(user_group::Column::Version, Expr::value(row.version + 1))
        .col_expr(user_group::Column::UpdatedAt, Expr::value(now))
        .filter(user_group::Column::Id.eq(&group.id))
        .filter(user_group::Column::Version.eq(row.version))
        .exec(txn)
        .await
        .map_err(|err| {
            if is_unique_violation(&err) {
                name_taken(&name)
            } else {
                err.into()
            }
        })?;
    if updated.rows_affected == 0 {
        return Err(Failure::Retry);
    }
    Ok(user_group::Model {
        display_name: name,
        display_name_lower: name_lower,
        external_id,
        document,
        version: row.version + 1,
        updated_at: now,
        ..row
    })
}

/// 409 when a group of this product (IdP or manual) already has the name; a manual group's
/// error says where to rename it.
async fn ensure_name_free(
    txn: &impl ConnectionTrait,
    scope: &Scope,
    name: &str,
    except: Option<&str>,
) -> Outcome<()> {
    let mut query = scope
        .groups_of_any_source()
        .filter(user_group::Column::DisplayNameLower.eq(name.to_lowercase()));
    if let Some(except) = except {
        query = query.filter(user_group::Column::Id.ne(except));
    }
    match query.one(txn).await? {
        Some(other) if other.source == SOURCE_MANUAL => Err(ScimError::uniqueness(format!(
            "A group named `{name}` already exists in rosterd for this product (created by an \
             admin, not by the IdP). rosterd will not overwrite it: rename the group in rosterd \
             or in the IdP."
        ))
        .into()),
        Some(_) => Err(name_taken(name)),
        None => Ok(()),
    }
}
