//! `ScimStore` for [`Directory`]: dispatch by resource kind, and the retry loop around every
//! write transaction.

use std::future::Future;

use rosterd_scim::patch::PatchOperation;
use rosterd_scim::resource::{Normalized, ResourceKind};
use rosterd_scim::store::{
    ListQuery, MemberPages, Page, Precondition, ScimStore, StoredResource, Wants,
};
use rosterd_scim::{ScimContext, ScimError};

use crate::error::{Failure, MAX_ATTEMPTS, Outcome};
use crate::scope::Scope;
use crate::{Directory, groups, hooks, listing, member_pages, users};

/// Runs a write transaction again while it fails with [`Failure::Retry`] (a concurrent writer
/// won), at most [`MAX_ATTEMPTS`] times.
async fn retrying<T, F, Fut>(mut attempt: F) -> Result<T, ScimError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Outcome<T>>,
{
    for _ in 1..MAX_ATTEMPTS {
        match attempt().await {
            Err(Failure::Retry) => continue,
            other => return other.map_err(Failure::into_scim),
        }
    }
    attempt().await.map_err(Failure::into_scim)
}

impl ScimStore for Directory {
    async fn create(
        &self,
        ctx: &ScimContext,
        kind: ResourceKind,
        input: Normalized,
        wants: Wants,
    ) -> Result<StoredResource, ScimError> {
        let scope = Scope::of(ctx);
        let created = retrying(|| async {
            match kind {
                ResourceKind::User => users::create(self, &scope, &input).await,
                ResourceKind::Group => groups::create(self, &scope, &input, wants).await,
            }
        })
        .await?;
        self.decorated(&scope, created, wants).await
    }

    async fn get(
        &self,
        ctx: &ScimContext,
        kind: ResourceKind,
        id: &str,
        wants: Wants,
    ) -> Result<StoredResource, ScimError> {
        let scope = Scope::of(ctx);
        let found = match kind {
            ResourceKind::User => users::get(self, &scope, id, wants).await,
            ResourceKind::Group => groups::get(self, &scope, id, wants).await,
        };
        self.decorated(&scope, found.map_err(Failure::into_scim)?, wants)
            .await
    }

    async fn replace(
        &self,
        ctx: &ScimContext,
        kind: ResourceKind,
        id: &str,
        input: Normalized,
        precondition: &Precondition,
        wants: Wants,
    ) -> Result<StoredResource, ScimError> {
        let scope = Scope::of(ctx);
        let replaced = retrying(|| async {
            match kind {
                ResourceKind::User => {
                    users::replace(self, &scope, id, &input, precondition, wants).await
                }
                ResourceKind::Group => {
                    groups::replace(self, &scope, id, &input, precondition, wants).await
                }
            }
        })
        .await?;
        self.decorated(&scope, replaced, wants).await
    }

    async fn patch(
        &self,
        ctx: &ScimContext,
        kind: ResourceKind,
        id: &str,
        operations: &[PatchOperation],
        precondition: &Precondition,
        wants: Wants,
    ) -> Result<StoredResource, ScimError> {
        let scope = Scope::of(ctx);
        let patched = retrying(|| async {
            match kind {
                ResourceKind::User => {
                    users::patch(self, &scope, id, operations, precondition, wants).await
                }
                ResourceKind::Group => {
                    groups::patch(self, &scope, id, operations, precondition, wants).await
                }
            }
        })
        .await?;
        self.decorated(&scope, patched, wants).await
    }

    async fn delete(
        &self,
        ctx: &ScimContext,
        kind: ResourceKind,
        id: &str,
        precondition: &Precondition,
    ) -> Result<(), ScimError> {
        let scope = Scope::of(ctx);
        retrying(|| async {
            match kind {
                ResourceKind::User => users::delete(self, &scope, id, precondition).await,
                ResourceKind::Group => groups::delete(self, &scope, id, precondition).await,
            }
        })
        .await
    }

    async fn list(
        &self,
        ctx: &ScimContext,
        kind: ResourceKind,
        query: &ListQuery,
    ) -> Result<Page, ScimError> {
        let scope = Scope::of(ctx);
        let mut page = listing::list(self, &scope, kind, query)
            .await
            .map_err(Failure::into_scim)?;
        if query.wants.extensions {
            hooks::decorate(&self.db, self.hooks(), &scope, &mut page.resources)
                .await
                .map_err(Failure::into_scim)?;
        }
        Ok(page)
    }

    async fn get_group_streamed(
        &self,
        ctx: &ScimContext,
        id: &str,
    ) -> Result<(StoredResource, MemberPages), ScimError> {
        member_pages::group_streamed(&self.db, Scope::of(ctx), id)
            .await
            .map_err(Failure::into_scim)
    }

    fn member_pages(&self, ctx: &ScimContext, group_id: &str) -> MemberPages {
        member_pages::member_pages(self.db.clone(), Scope::of(ctx), group_id.to_owned())
    }
}

impl Directory {
    /// One resource with the hooks' read-only extensions when they are wanted (read after the
    /// write committed).
    async fn decorated(
        &self,
        scope: &Scope,
        resource: StoredResource,
        wants: Wants,
    ) -> Result<StoredResource, ScimError> {
        if !wants.extensions {
            return Ok(resource);
        }
        let mut one = [resource];
        hooks::decorate(&self.db, self.hooks(), scope, &mut one)
            .await
            .map_err(Failure::into_scim)?;
        let [resource] = one;
        Ok(resource)
    }
}
