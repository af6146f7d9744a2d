//! SCIM Users: create, read, replace, patch and delete one app's users, keeping the
//! `scim_user_emails` index rows and the linked person in step with every write.

use rosterd_database::{StatementText, WriteTransaction, insert_one};
use std::sync::LazyLock;

use rosterd_database::inline_reads::Columns;
use rosterd_domain::ScimUserId;
use rosterd_scim::ScimError;
use rosterd_scim::patch::{PatchOperation, apply_user_patch};
use rosterd_scim::resource::{self, Normalized, ResourceKind};
use rosterd_scim::store::{Precondition, Reference, StoredResource, Wants};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, FromQueryResult as _, QueryFilter,
    QueryTrait as _, Select, Set,
};
use serde_json::Value;

use crate::document::parse_document;
use crate::entity::{scim_user, scim_user_email};
use crate::error::{Failure, Outcome, is_unique_violation};
use crate::hooks::{UserChange, abort, person_id, snapshot};
use crate::scope::{Scope, begin_scim_write};
use crate::user_rows::{PointKey, PointRead, UserRow};
use crate::{Directory, members, people};

/// 404 for an id that is not a User of this app.
pub(crate) fn not_found(id: &str) -> Failure {
    ScimError::not_found(format!("no User with id `{id}` in this app")).into()
}

fn taken(user_name: &str) -> Failure {
    ScimError::uniqueness(format!(
        "userName `{user_name}` is already taken by another User of this app"
    ))
    .into()
}

/// The stored resource of a row.
pub(crate) fn stored(
    row: &scim_user::Model,
    references: Option<Vec<Reference>>,
) -> Outcome<StoredResource> {
    Ok(StoredResource {
        kind: ResourceKind::User,
        id: row.id.clone(),
        document: parse_document(&row.document, ResourceKind::User, &row.id)?,
        version: row.version,
        created: row.created_at,
        last_modified: row.updated_at,
        references,
        extensions: Vec::new(),
    })
}

/// A row with its groups, when wanted.
async fn with_groups(
    db: &impl ConnectionTrait,
    scope: &Scope,
    row: &scim_user::Model,
    wants_groups: bool,
) -> Outcome<StoredResource> {
    let groups = if wants_groups {
        let mut by_user = members::groups_of(db, scope, std::slice::from_ref(&row.id)).await?;
        Some(by_user.remove(&row.id).unwrap_or_default())
    } else {
        None
    };
    stored(row, groups)
}

/// One User, with its groups when wanted, in one statement ([`user_rows`]).
pub(crate) async fn get(
    dir: &Directory,
    scope: &Scope,
    id: &str,
    wants: Wants,
) -> Outcome<StoredResource> {
    let row = point_rows(dir, scope, PointKey::Id, id, wants.groups)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| not_found(id))?;
    stored(&row.model, row.groups()?)
}

/// The rows of `select`, a lookup by a unique key (the IdP's `filter=userName eq "..."`), read
/// on the request's thread when the directory has an inline reader; `None` when it has not.
pub(crate) fn lookup_inline(
    dir: &Directory,
    select: Select<scim_user::Entity>,
) -> Option<Outcome<Vec<UserRow>>> {
    let reader = dir.inline.as_ref()?;
    Some(
        reader
            .query::<UserRow>(&select.build(DatabaseBackend::Sqlite), &USER_COLUMNS)
            .map_err(Failure::from),
    )
}

/// The rows where `key` is `value` (at most one), with their groups when wanted: on the
/// request's thread when the directory has an inline reader, else through the pool.
pub(crate) async fn point_rows(
    dir: &Directory,
    scope: &Scope,
    key: PointKey,
    value: &str,
    groups: bool,
) -> Outcome<Vec<UserRow>> {
    let statement = PointRead {
        backend: dir.db.get_database_backend(),
        key,
        value,
        groups,
    }
    .statement(scope);
    Ok(match dir.inline.as_ref() {
        Some(reader) => reader.query::<UserRow>(&statement, &USER_COLUMNS)?,
        None => UserRow::find_by_statement(statement).all(&dir.db).await?,
    })
}

/// How the inline reader reads a user row: the entity's columns as declared, the computed
/// `groups` column as text.
static USER_COLUMNS: LazyLock<Columns> = LazyLock::new(Columns::of::<scim_user::Entity>);

pub(crate) async fn create(
    dir: &Directory,
    scope: &Scope,
    input: &Normalized,
) -> Outcome<StoredResource> {
    let now = dir.now();
    let doc = &input.document;
    resource::check_value_counts(doc, dir.max_values_per_attribute)?;
    let user_name = resource::user_name(doc).unwrap_or_default().to_owned();
    let txn = begin_scim_write(dir).await?;
    // No look-up for a taken userName first: the unique index on (tenant, app, userName) refuses
    // the insert below, answered with the same 409, and the transaction rolls back whole.
    let person = people::link(&txn, &scope.tenant, now, doc, None).await?;
    let id = ScimUserId::new().to_string();
    let row = scim_user::Model {
        tenant_id: scope.tenant.clone(),
        id: id.clone(),
        product: scope.product.to_owned(),
        person_id: person.id,
        user_name_lower: user_name.to_lowercase(),
        user_name: user_name.clone(),
        external_id: resource::external_id(doc).map(str::to_owned),
        active: resource::active(doc),
        document: doc.to_string(),
        version: 1,
        created_at: now,
        updated_at: now,
    };
    // Without RETURNING: the row is exactly what is written.
    let insert = insert_one(
        &USER_INSERT,
        txn.get_database_backend(),
        scim_user::ActiveModel::from(row.clone()),
    );
    txn.execute(insert).await.map_err(|err| {
        if is_unique_violation(&err) {
            taken(&user_name)
        } else {
            Failure::from(err)
        }
    })?;
    write_emails(&txn, scope, &id, doc, true).await?;
    let created = Created {
        person_new: person.new,
    };
    if let Err(failure) = notify(dir, &txn, scope, Err(created), Some(&row)).await {
        return abort(&dir.db, dir.hooks(), scope, txn, failure).await;
    }
    txn.commit().await?;
    stored(&row, None)
}

pub(crate) async fn replace(
    dir: &Directory,
    scope: &Scope,
    id: &str,
    input: &Normalized,
    precondition: &Precondition,
    wants: Wants,
) -> Outcome<StoredResource> {
    resource::check_value_counts(&input.document, dir.max_values_per_attribute)?;
    let txn = begin_scim_write(dir).await?;
    let row = scope
        .lock_user(&txn, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    precondition.check(row.version)?;
    let active_before = row.active;
    let row = write(dir, &txn, scope, row, input.document.clone()).await?;
    if let Err(failure) = notify(dir, &txn, scope, Ok(active_before), Some(&row)).await {
        return abort(&dir.db, dir.hooks(), scope, txn, failure).await;
    }
    let stored = with_groups(&txn, scope, &row, wants.groups).await?;
    txn.commit().await?;
    Ok(stored)
}

pub(crate) async fn patch(
    dir: &Directory,
    scope: &Scope,
    id: &str,
    operations: &[PatchOperation],
    precondition: &Precondition,
    wants: Wants,
) -> Outcome<StoredResource> {
    // A heavy PATCH is applied before the writer is taken, to the user as read now, so the
    // writer (the one SQLite writer, or the row lock) is held only for the statements; it is
    // applied again inside only if the user changed in between.
    let ahead = if is_heavy(operations) {
        let row = scope
            .user(id)
            .one(&dir.db)
            .await?
            .ok_or_else(|| not_found(id))?;
        precondition.check(row.version)?;
        Some((row.version, patched(dir, &row, id, operations)?))
    } else {
        None
    };
    let txn = begin_scim_write(dir).await?;
    let row = scope
        .lock_user(&txn, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    precondition.check(row.version)?;
    let (doc, changed) = match ahead {
        Some((version, applied)) if version == row.version => applied,
        _ => patched(dir, &row, id, operations)?,
    };
    let row = if !changed {
        row
    } else {
        let active_before = row.active;
        let row = write(dir, &txn, scope, row, doc).await?;
        if let Err(failure) = notify(dir, &txn, scope, Ok(active_before), Some(&row)).await {
            return abort(&dir.db, dir.hooks(), scope, txn, failure).await;
        }
        row
    };
    let stored = with_groups(&txn, scope, &row, wants.groups).await?;
    txn.commit().await?;
    Ok(stored)
}

/// Operations carrying more values than this in all are applied before the writer is taken.
const HEAVY_VALUES: usize = 64;

/// Whether `operations` carry enough values that applying them is worth doing before the
/// writer is taken (a PATCH of a few values is applied inside: no extra read).
fn is_heavy(operations: &[PatchOperation]) -> bool {
    let values: usize = operations
        .iter()
        .map(|op| match &op.value {
            Some(Value::Array(items)) => items.len(),
            Some(Value::Object(members)) => members
                .values()
                .map(|v| v.as_array().map_or(1, Vec::len))
                .sum(),
            _ => 1,
        })
        .sum();
    values > HEAVY_VALUES
}

/// The user's document with `operations` applied and within the value caps, and whether it
/// differs from the stored one.
fn patched(
    dir: &Directory,
    row: &scim_user::Model,
    id: &str,
    operations: &[PatchOperation],
) -> Outcome<(Value, bool)> {
    let before = parse_document(&row.document, ResourceKind::User, id)?;
    let mut doc = before.clone();
    apply_user_patch(&mut doc, operations)?;
    resource::check_value_counts(&doc, dir.max_values_per_attribute)?;
    let changed = doc != before;
    Ok((doc, changed))
}

pub(crate) async fn delete(
    dir: &Directory,
    scope: &Scope,
    id: &str,
    precondition: &Precondition,
) -> Outcome<()> {
    let txn = begin_scim_write(dir).await?;
    let row = scope
        .lock_user(&txn, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    precondition.check(row.version)?;
    members::remove_member_everywhere(&txn, scope, id).await?;
    delete_emails(&txn, scope, id).await?;
    scope
        .delete_users()
        .filter(scim_user::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    if let Some(hooks) = dir.hooks() {
        let change = UserChange {
            user_id: row.id.clone(),
            person_id: person_id(&row.person_id)?,
            user_name: row.user_name.clone(),
            active_before: Some(row.active),
            person_new: false,
            after: None,
        };
        if let Err(err) = hooks.user_changed(&txn, &scope.ctx, &change).await {
            return abort(&dir.db, Some(hooks), scope, txn, err.into()).await;
        }
    }
    txn.commit().await?;
    Ok(())
}

/// The text of a new user's insert, built once ([`StatementText`]).
static USER_INSERT: StatementText = StatementText::new();

/// The text of a user's one e-mail row's insert, built once.
static EMAIL_INSERT: StatementText = StatementText::new();

/// A user just created: what the hooks may skip looking up.
struct Created {
    person_new: bool,
}

/// Tells the hooks (if any) that a user was created (`Err(Created)`) or rewritten (`Ok` with
/// `active` before the write).
async fn notify(
    dir: &Directory,
    txn: &WriteTransaction,
    scope: &Scope,
    before: Result<bool, Created>,
    row: Option<&scim_user::Model>,
) -> Outcome<()> {
    let (Some(hooks), Some(row)) = (dir.hooks(), row) else {
        return Ok(());
    };
    // A user created in this transaction is in no group yet: no need to ask.
    let groups = if before.is_ok() {
        let mut by_user = members::groups_of(txn, scope, std::slice::from_ref(&row.id)).await?;
        by_user.remove(&row.id).unwrap_or_default()
    } else {
        Vec::new()
    };
    let after = snapshot(row, groups)?;
    let change = UserChange {
        user_id: row.id.clone(),
        person_id: after.person_id,
        user_name: row.user_name.clone(),
        active_before: before.as_ref().ok().copied(),
        person_new: before.as_ref().is_err_and(|created| created.person_new),
        after: Some(after),
    };
    hooks
        .user_changed(txn, &scope.ctx, &change)
        .await
        .map_err(Failure::from)
}

/// Writes a new document over a locked row: `UPDATE ... WHERE version = <read>`; zero rows
/// means a concurrent writer won, and the whole transaction is retried.
async fn write(
    dir: &Directory,
    txn: &WriteTransaction,
    scope: &Scope,
    row: scim_user::Model,
    doc: Value,
) -> Outcome<scim_user::Model> {
    let now = dir.now();
    let user_name = resource::user_name(&doc).unwrap_or_default().to_owned();
    let user_name_lower = user_name.to_lowercase();
    if user_name_lower != row.user_name_lower {
        ensure_user_name_free(txn, scope, &user_name, Some(&row.id)).await?;
    }
    let person_id = people::link(txn, &scope.tenant, now, &doc, Some(&row.person_id))
        .await?
        .id;
    let external_id = resource::external_id(&doc).map(str::to_owned);
    let active = resource::active(&doc);
    let document = doc.to_string();
    let updated = scope
        .update_users()
        .col_expr(scim_user::Column::PersonId, Expr::value(person_id.clone()))
        .col_expr(scim_user::Column::UserName, Expr::value(user_name.clone()))
        .col_expr(
            scim_user::Column::UserNameLower,
            Expr::value(user_name_lower.clone()),
        )
        .col_expr(
            scim_user::Column::ExternalId,
            Expr::value(external_id.clone()),
        )
        .col_expr(scim_user::Column::Active, Expr::value(active))
        .col_expr(scim_user::Column::Document, Expr::value(document.clone()))
        .col_expr(scim_user::Column::Version, Expr::value(row.version + 1))
        .col_expr(scim_user::Column::UpdatedAt, Expr::value(now))
        .filter(scim_user::Column::Id.eq(&row.id))
        .filter(scim_user::Column::Version.eq(row.version))
        .exec(txn)
        .await
        .map_err(|err| {
            if is_unique_violation(&err) {
                taken(&user_name)
            } else {
                err.into()
            }
        })?;
    if updated.rows_affected == 0 {
        return Err(Failure::Retry);
    }
    write_emails(txn, scope, &row.id, &doc, false).await?;
    Ok(scim_user::Model {
        person_id,
        user_name,
        user_name_lower,
        external_id,
        active,
        document,
        version: row.version + 1,
        updated_at: now,
        ..row
    })
}

/// 409 when another User of the app has this userName (case-insensitively).
async fn ensure_user_name_free(
    txn: &impl ConnectionTrait,
    scope: &Scope,
    user_name: &str,
    except: Option<&str>,
) -> Outcome<()> {
    let mut query = scope
        .users()
        .filter(scim_user::Column::UserNameLower.eq(user_name.to_lowercase()));
    if let Some(except) = except {
        query = query.filter(scim_user::Column::Id.ne(except));
    }
    match query.one(txn).await? {
        Some(_) => Err(taken(user_name)),
        None => Ok(()),
    }
}

/// Deletes the user's email rows, by the primary key's prefix (tenant, user): the user id is the
/// app's own. Naming the product too would let SQLite pick the (tenant, product, email) index
/// and walk every email of the app on each write.
async fn delete_emails(txn: &impl ConnectionTrait, scope: &Scope, user_id: &str) -> Outcome<()> {
    scim_user_email::Entity::delete_many()
        .filter(scim_user_email::Column::TenantId.eq(&scope.tenant))
        .filter(scim_user_email::Column::UserId.eq(user_id))
        .exec(txn)
        .await?;
    Ok(())
}

/// E-mail rows per `INSERT` (four parameters each): far below SQLite's and PostgreSQL's
/// bind-parameter limits.
const EMAIL_ROWS_PER_INSERT: usize = 500;

/// Writes the user's lowercased email rows from the document, replacing the old ones unless the
/// user is `new` (and so has none).
async fn write_emails(
    txn: &impl ConnectionTrait,
    scope: &Scope,
    user_id: &str,
    doc: &Value,
    new: bool,
) -> Outcome<()> {
    if !new {
        delete_emails(txn, scope, user_id).await?;
    }
    let mut values: Vec<String> = resource::emails(doc)
        .into_iter()
        .map(|email| email.trim().to_lowercase())
        .filter(|email| !email.is_empty())
        .collect();
    values.sort();
    values.dedup();
    if values.is_empty() {
        return Ok(());
    }
    // In chunks, like member rows: one statement for 10,000 e-mails would bind 40,000
    // parameters, over SQLite's limit (32,766).
    let backend = txn.get_database_backend();
    for chunk in values.chunks(EMAIL_ROWS_PER_INSERT) {
        let row = |value_lower: &String| scim_user_email::ActiveModel {
            tenant_id: Set(scope.tenant.clone()),
            user_id: Set(user_id.to_owned()),
            product: Set(scope.product.to_owned()),
            value_lower: Set(value_lower.clone()),
        };
        if let [one] = chunk {
            // The common case, one address: a text built once.
            txn.execute(insert_one(&EMAIL_INSERT, backend, row(one)))
                .await?;
            continue;
        }
        let rows = chunk.iter().map(row);
        scim_user_email::Entity::insert_many(rows)
            .exec_without_returning(txn)
            .await?;
    }
    Ok(())
}
