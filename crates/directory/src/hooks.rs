//! Provisioning hooks: what the directory tells the rest of rosterd about each SCIM write, while
//! the write's transaction is still open, so a user change and its license effect commit
//! together or not at all. The directory knows nothing of licenses: the binary wires an
//! implementation (the license glue) in with [`crate::Directory::with_hooks`]; without one,
//! writes behave as plain storage.
//!
//! A hook that refuses the request ([`HookError::Refused`]) makes the directory roll the write
//! back and only then call [`ProvisioningHooks::record_refusal`] on its own connection: on
//! SQLite a second writer inside the still-open write transaction would wait for it forever.

use rosterd_database::WriteTransaction;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;

use rosterd_domain::PersonId;
use rosterd_scim::{ScimContext, ScimError};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, QueryFilter, QuerySelect};
use serde_json::Value;

use crate::entity::scim_user;
use crate::error::{Failure, Outcome};
use crate::members;
pub use crate::refusal::RefusalRecord;
use crate::scope::Scope;

/// The future a hook returns (boxed, so the trait can be used as `dyn`).
pub type HookFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A SCIM user as it is after the write, with what a license policy looks at.
#[derive(Debug, Clone, PartialEq)]
pub struct UserSnapshot {
    pub user_id: String,
    pub person_id: PersonId,
    pub user_name: String,
    pub active: bool,
    /// The stored SCIM document (attributes a rule may test).
    pub document: Value,
    /// `(id, displayName)` of the app's SCIM groups the user belongs to.
    pub groups: Vec<(String, String)>,
}

/// One user written: created, replaced, patched or deleted.
#[derive(Debug, Clone, PartialEq)]
pub struct UserChange {
    pub user_id: String,
    pub person_id: PersonId,
    pub user_name: String,
    /// `active` before the write; `None`: the user was just created.
    pub active_before: Option<bool>,
    /// The user was just created and so was their person (no existing person matched their
    /// email): they hold no license and wait on no list, so hooks can skip looking.
    pub person_new: bool,
    /// The user after the write; `None`: the user was deleted.
    pub after: Option<UserSnapshot>,
}

/// A group's membership or name changed: each affected user, as they are after the write.
#[derive(Debug, Clone, PartialEq)]
pub struct MembershipChange {
    pub group_id: String,
    pub display_name: String,
    pub added: Vec<String>,
    pub removed: Vec<String>,
    pub renamed: bool,
    pub deleted: bool,
    /// Every user whose groups changed (added, removed, or all members on a rename or
    /// delete), loaded after the write.
    pub affected: Vec<UserSnapshot>,
}

/// Why a hook did not let the write go on.
#[derive(Debug)]
pub enum HookError {
    /// The request is refused as a whole: roll back, record, answer with `error`.
    Refused {
        error: ScimError,
        record: Option<RefusalRecord>,
    },
    /// A concurrent writer got in the way: run the whole transaction again.
    Retry,
    /// Roll back and answer with this error (already logged by the hook if internal).
    Failed(ScimError),
}

/// Read-only extension documents per user, in the order asked.
pub type Extensions = Vec<Vec<(&'static str, Value)>>;

/// What the directory calls around its writes and reads. Implemented once, in the binary.
pub trait ProvisioningHooks: Send + Sync + 'static {
    /// A user was written; runs inside the write transaction.
    fn user_changed<'a>(
        &'a self,
        txn: &'a WriteTransaction,
        ctx: &'a ScimContext,
        change: &'a UserChange,
    ) -> HookFuture<'a, Result<(), HookError>>;

    /// A group's members, name or existence changed; runs inside the write transaction.
    fn memberships_changed<'a>(
        &'a self,
        txn: &'a WriteTransaction,
        ctx: &'a ScimContext,
        change: &'a MembershipChange,
    ) -> HookFuture<'a, Result<(), HookError>>;

    /// Records a refusal after its transaction rolled back. Failures are the hook's to log.
    fn record_refusal<'a>(
        &'a self,
        db: &'a DatabaseConnection,
        ctx: &'a ScimContext,
        record: &'a RefusalRecord,
    ) -> HookFuture<'a, ()>;

    /// The read-only extensions each `(user id, person id)` carries, in one batch.
    fn user_extensions<'a>(
        &'a self,
        db: &'a DatabaseConnection,
        ctx: &'a ScimContext,
        users: &'a [(String, PersonId)],
    ) -> HookFuture<'a, Result<Extensions, ScimError>>;
}

impl From<HookError> for Failure {
    fn from(err: HookError) -> Self {
        match err {
            HookError::Refused { error, record } => Failure::Refused(Box::new((error, record))),
            HookError::Retry => Failure::Retry,
            HookError::Failed(error) => Failure::Scim(error),
        }
    }
}

/// Ends a write whose step failed: a refusal is rolled back first and then recorded (see the
/// module documentation); anything else just drops (rolls back) the transaction.
pub(crate) async fn abort<T>(
    db: &DatabaseConnection,
    hooks: Option<&dyn ProvisioningHooks>,
    scope: &Scope,
    txn: WriteTransaction,
    failure: Failure,
) -> Outcome<T> {
    match failure {
        Failure::Refused(refusal) => {
            let (error, record) = *refusal;
            txn.rollback().await?;
            if let (Some(hooks), Some(record)) = (hooks, record) {
                hooks.record_refusal(db, &scope.ctx, &record).await;
            }
            Err(Failure::Scim(error))
        }
        other => Err(other),
    }
}

/// Loads the given users of the scope's app as snapshots (ids that are gone are skipped).
pub(crate) async fn snapshots(
    db: &impl ConnectionTrait,
    scope: &Scope,
    user_ids: &[String],
) -> Outcome<Vec<UserSnapshot>> {
    let mut out = Vec::with_capacity(user_ids.len());
    for chunk in user_ids.chunks(500) {
        let rows = scope
            .users()
            .filter(scim_user::Column::Id.is_in(chunk.iter().cloned()))
            .all(db)
            .await?;
        let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        let mut groups = members::groups_of(db, scope, &ids).await?;
        for row in rows {
            let refs = groups.remove(&row.id).unwrap_or_default();
            out.push(snapshot(&row, refs)?);
        }
    }
    Ok(out)
}

/// One row as a snapshot, with its groups.
pub(crate) fn snapshot(
    row: &scim_user::Model,
    groups: Vec<rosterd_scim::store::Reference>,
) -> Outcome<UserSnapshot> {
    Ok(UserSnapshot {
        user_id: row.id.clone(),
        person_id: person_id(&row.person_id)?,
        user_name: row.user_name.clone(),
        active: row.active,
        document: crate::document::parse_document(
            &row.document,
            rosterd_scim::resource::ResourceKind::User,
            &row.id,
        )?,
        groups: groups
            .into_iter()
            .map(|r| (r.value, r.display.unwrap_or_default()))
            .collect(),
    })
}

/// A stored person id; a corrupt one is an internal error.
pub(crate) fn person_id(text: &str) -> Outcome<PersonId> {
    text.parse().map_err(|_| {
        tracing::error!(
            person = text,
            "a SCIM user links to a person id that is not a UUID"
        );
        Failure::Scim(ScimError::internal())
    })
}

/// The person of each given user of the scope's app, for [`ProvisioningHooks::user_extensions`].
pub(crate) async fn people_of(
    db: &impl ConnectionTrait,
    scope: &Scope,
    user_ids: &[String],
) -> Outcome<HashMap<String, PersonId>> {
    let mut out = HashMap::new();
    for chunk in user_ids.chunks(500) {
        let rows: Vec<(String, String)> = scope
            .users()
            .select_only()
            .column(scim_user::Column::Id)
            .column(scim_user::Column::PersonId)
            .filter(scim_user::Column::Id.is_in(chunk.iter().cloned()))
            .into_tuple()
            .all(db)
            .await?;
        for (user, person) in rows {
            out.insert(user, person_id(&person)?);
        }
    }
    Ok(out)
}

/// Adds the hooks' read-only extensions to the Users among `resources` (one batch).
pub(crate) async fn decorate(
    db: &DatabaseConnection,
    hooks: Option<&dyn ProvisioningHooks>,
    scope: &Scope,
    resources: &mut [rosterd_scim::store::StoredResource],
) -> Outcome<()> {
    let Some(hooks) = hooks else {
        return Ok(());
    };
    let ids: Vec<String> = resources
        .iter()
        .filter(|r| r.kind == rosterd_scim::resource::ResourceKind::User)
        .map(|r| r.id.clone())
        .collect();
    if ids.is_empty() {
        return Ok(());
    }
    let people = people_of(db, scope, &ids).await?;
    let users: Vec<(String, PersonId)> = ids
        .into_iter()
        .filter_map(|id| people.get(&id).map(|p| (id, *p)))
        .collect();
    let extensions = hooks.user_extensions(db, &scope.ctx, &users).await?;
    let by_user: HashMap<&str, &Vec<(&'static str, Value)>> = users
        .iter()
        .map(|(id, _)| id.as_str())
        .zip(extensions.iter())
        .collect();
    for resource in resources.iter_mut() {
        if let Some(found) = by_user.get(resource.id.as_str()) {
            resource.extensions.clone_from(found);
        }
    }
    Ok(())
}
