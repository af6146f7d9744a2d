//! Tenant and product scoping by construction: every query on a tenant-owned table starts from a
//! [`Scope`], built only from an authenticated [`ScimContext`], so a forgotten
//! `WHERE tenant_id = ? AND product = ?` cannot be written. Membership rows carry no product;
//! they are reached only through a group the scope has already found ([`ScopedGroup`]).

use rosterd_database::WriteTransaction;
use rosterd_domain::TenantId;
use rosterd_scim::ScimContext;
use sea_orm::sea_query::{Expr, IntoCondition, SimpleExpr};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DeleteMany, EntityTrait, QueryFilter, QuerySelect, Select,
    UpdateMany,
};

use crate::entity::{group_member, person, scim_user, scim_user_email, user_group};
use crate::error::Outcome;

/// `user_groups.source` of a group the IdP pushed.
pub(crate) const SOURCE_IDP: &str = "idp";
/// `user_groups.source` of a group an admin made in rosterd.
pub(crate) const SOURCE_MANUAL: &str = "manual";

/// One tenant, for the admin half (the admin center and the CLI, which see every app's people
/// and groups): the only way into the tenant-owned tables there, as [`Scope`] is for SCIM.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TenantScope {
    tenant: TenantId,
}

impl TenantScope {
    pub fn of(tenant: TenantId) -> Self {
        Self { tenant }
    }

    fn id(&self) -> String {
        self.tenant.to_string()
    }

    /// The tenant's people, removed ones included.
    pub fn people(&self) -> Select<person::Entity> {
        person::Entity::find().filter(person::Column::TenantId.eq(self.id()))
    }

    /// A change to some of the tenant's people.
    pub fn update_people(&self) -> UpdateMany<person::Entity> {
        person::Entity::update_many().filter(person::Column::TenantId.eq(self.id()))
    }

    /// The tenant's groups, of every app and source.
    pub fn groups(&self) -> Select<user_group::Entity> {
        user_group::Entity::find().filter(user_group::Column::TenantId.eq(self.id()))
    }

    /// Deleting some of the tenant's groups.
    pub fn delete_groups(&self) -> DeleteMany<user_group::Entity> {
        user_group::Entity::delete_many().filter(user_group::Column::TenantId.eq(self.id()))
    }

    /// Deleting some of the tenant's memberships.
    pub fn delete_members(&self) -> DeleteMany<group_member::Entity> {
        group_member::Entity::delete_many().filter(group_member::Column::TenantId.eq(self.id()))
    }

    /// The SCIM users of every app of the tenant.
    pub fn scim_users(&self) -> Select<scim_user::Entity> {
        scim_user::Entity::find().filter(scim_user::Column::TenantId.eq(self.id()))
    }
}

/// One tenant's product app: the only way into the directory tables.
#[derive(Debug, Clone)]
pub(crate) struct Scope {
    pub tenant: String,
    pub product: &'static str,
    /// The request's context, for the provisioning hooks.
    pub ctx: ScimContext,
}

impl Scope {
    pub fn of(ctx: &ScimContext) -> Self {
        Self {
            tenant: ctx.tenant.to_string(),
            product: ctx.product.slug(),
            ctx: ctx.clone(),
        }
    }

    /// The app's SCIM users.
    pub fn users(&self) -> Select<scim_user::Entity> {
        scim_user::Entity::find().filter(self.user_condition())
    }

    /// One SCIM user of the app, by id.
    pub fn user(&self, id: &str) -> Select<scim_user::Entity> {
        self.users().filter(scim_user::Column::Id.eq(id))
    }

    /// Updates of the app's SCIM users (add the id and version conditions).
    pub fn update_users(&self) -> UpdateMany<scim_user::Entity> {
        scim_user::Entity::update_many().filter(self.user_condition())
    }

    /// Deletes of the app's SCIM users.
    pub fn delete_users(&self) -> DeleteMany<scim_user::Entity> {
        scim_user::Entity::delete_many().filter(self.user_condition())
    }

    /// The condition every query of the app's users carries (columns named by table).
    pub fn user_condition(&self) -> SimpleExpr {
        scim_user::Column::TenantId
            .eq(&self.tenant)
            .and(scim_user::Column::Product.eq(self.product))
    }

    /// The email rows of the app's users.
    pub fn user_emails(&self) -> SimpleExpr {
        scim_user_email::Column::TenantId
            .eq(&self.tenant)
            .and(scim_user_email::Column::Product.eq(self.product))
    }

    /// The app's SCIM groups. Manual groups are invisible to SCIM.
    pub fn groups(&self) -> Select<user_group::Entity> {
        user_group::Entity::find().filter(self.group_condition())
    }

    /// One SCIM group of the app, by id.
    pub fn group(&self, id: &str) -> Select<user_group::Entity> {
        self.groups().filter(user_group::Column::Id.eq(id))
    }

    /// Every group of the product, SCIM and manual: only for the name-collision check.
    pub fn groups_of_any_source(&self) -> Select<user_group::Entity> {
        user_group::Entity::find().filter(
            user_group::Column::TenantId
                .eq(&self.tenant)
                .and(user_group::Column::Product.eq(self.product)),
        )
    }

    /// Updates of the app's SCIM groups.
    pub fn update_groups(&self) -> UpdateMany<user_group::Entity> {
        user_group::Entity::update_many().filter(self.group_condition())
    }

    /// Deletes of the app's SCIM groups.
    pub fn delete_groups(&self) -> DeleteMany<user_group::Entity> {
        user_group::Entity::delete_many().filter(self.group_condition())
    }

    pub fn group_condition(&self) -> SimpleExpr {
        user_group::Column::TenantId
            .eq(&self.tenant)
            .and(user_group::Column::Product.eq(self.product))
            .and(user_group::Column::Source.eq(SOURCE_IDP))
    }

    /// Membership rows of any group of the tenant (for a user's `groups`, joined to
    /// [`Scope::group_condition`] by the caller, and for removing a deleted user everywhere).
    pub fn memberships_of_member(&self, member_id: &str) -> SimpleExpr {
        Expr::col((group_member::Entity, group_member::Column::TenantId))
            .eq(&self.tenant)
            .and(Expr::col((group_member::Entity, group_member::Column::MemberId)).eq(member_id))
    }

    /// Locks and loads one SCIM user for a write (`FOR UPDATE` on PostgreSQL; SQLite already
    /// holds the write lock, see [`begin_write`]).
    pub async fn lock_user(
        &self,
        txn: &WriteTransaction,
        id: &str,
    ) -> Outcome<Option<scim_user::Model>> {
        Ok(self.user(id).lock_exclusive().one(txn).await?)
    }

    /// Locks and loads one SCIM group for a write.
    pub async fn lock_group(
        &self,
        txn: &WriteTransaction,
        id: &str,
    ) -> Outcome<Option<(ScopedGroup, user_group::Model)>> {
        let row = self.group(id).lock_exclusive().one(txn).await?;
        Ok(row.map(|row| (self.scoped_group(&row.id), row)))
    }

    /// A group this scope has found (or just created).
    pub fn scoped_group(&self, id: &str) -> ScopedGroup {
        ScopedGroup {
            tenant: self.tenant.clone(),
            id: id.to_owned(),
        }
    }
}

/// A SCIM group of the scope, found or created by it: the key to its membership rows.
#[derive(Debug, Clone)]
pub(crate) struct ScopedGroup {
    pub tenant: String,
    pub id: String,
}

impl ScopedGroup {
    /// The group's membership rows.
    pub fn members(&self) -> impl IntoCondition + Clone {
        group_member::Column::TenantId
            .eq(&self.tenant)
            .and(group_member::Column::GroupId.eq(&self.id))
    }

    /// Deletes of the group's membership rows.
    pub fn delete_members(&self) -> DeleteMany<group_member::Entity> {
        group_member::Entity::delete_many().filter(self.members())
    }
}

/// Begins a write transaction that holds the SQLite write lock from the start
/// ([`rosterd_database::begin_write`]).
pub(crate) async fn begin_write(db: &DatabaseConnection) -> Outcome<WriteTransaction> {
    Ok(rosterd_database::begin_write(db).await?)
}

/// Begins one of the directory's write transactions: on its inline writer if it has one,
/// otherwise on its writer connection. On PostgreSQL the planner statistics are kept first
/// (`user_pages::statistics`): a write's foreign-key checks are planned on them too.
pub(crate) async fn begin_scim_write(dir: &crate::Directory) -> Outcome<WriteTransaction> {
    match &dir.inline_writer {
        Some(writer) => Ok(writer.begin().await?),
        None => {
            dir.user_pages.keep_statistics(&dir.db).await;
            begin_write(&dir.writer).await
        }
    }
}
