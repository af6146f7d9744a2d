//! Tenants and their product apps.

use chrono::{DateTime, Utc};
use rosterd_domain::{Clock, Product, TenantId, TenantSlug};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::Serialize;

use crate::entity::{product_app, tenant};
use rosterd_database::DatabaseError;

use crate::error::{Error, Result, is_unique_violation};

/// Whether a tenant may use rosterd.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TenantStatus {
    Active,
    Suspended,
}

impl TenantStatus {
    fn as_str(self) -> &'static str {
        match self {
            TenantStatus::Active => "active",
            TenantStatus::Suspended => "suspended",
        }
    }

    pub(crate) fn parse(s: &str) -> Self {
        if s == "suspended" {
            TenantStatus::Suspended
        } else {
            TenantStatus::Active
        }
    }
}

/// A customer org.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tenant {
    pub id: TenantId,
    pub slug: TenantSlug,
    pub name: String,
    pub status: TenantStatus,
    pub created_at: DateTime<Utc>,
}

impl TryFrom<tenant::Model> for Tenant {
    type Error = Error;

    fn try_from(m: tenant::Model) -> Result<Self> {
        let corrupt = |what: String| Error::Database(DatabaseError::internal(what));
        Ok(Tenant {
            id: m.id.parse().map_err(|e| corrupt(format!("{e}")))?,
            slug: m.slug.parse().map_err(|e| corrupt(format!("{e}")))?,
            name: m.name,
            status: TenantStatus::parse(&m.status),
            created_at: m.created_at,
        })
    }
}

/// A tenant's SCIM app for one product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProductApp {
    pub product: Product,
    pub scim_enabled: bool,
    pub last_activity_at: Option<DateTime<Utc>>,
}

/// Creates a tenant and its three product apps (SCIM not yet enabled; issuing the first token
/// enables it). Run it in a transaction together with the seat pools.
pub async fn create_tenant(
    db: &impl ConnectionTrait,
    clock: &dyn Clock,
    slug: &TenantSlug,
    name: &str,
) -> Result<Tenant> {
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::EmptyName);
    }
    let now = clock.now();
    let id = TenantId::new();
    let inserted = tenant::ActiveModel {
        id: Set(id.to_string()),
        slug: Set(slug.to_string()),
        name: Set(name.to_owned()),
        status: Set(TenantStatus::Active.as_str().to_owned()),
        created_at: Set(now),
    }
    .insert(db)
    .await;
    let model = match inserted {
        Ok(model) => model,
        Err(err) if is_unique_violation(&err) => return Err(Error::TenantExists(slug.to_string())),
        Err(err) => return Err(err.into()),
    };
    for product in Product::ALL {
        product_app::ActiveModel {
            tenant_id: Set(id.to_string()),
            product: Set(product.slug().to_owned()),
            scim_enabled: Set(false),
            created_at: Set(now),
            last_activity_at: Set(None),
        }
        .insert(db)
        .await?;
    }
    model.try_into()
}

/// The tenant with this slug.
pub async fn find_tenant(db: &impl ConnectionTrait, slug: &str) -> Result<Tenant> {
    tenant::Entity::find()
        .filter(tenant::Column::Slug.eq(slug))
        .one(db)
        .await?
        .ok_or_else(|| Error::TenantNotFound(slug.to_owned()))?
        .try_into()
}

/// The tenant with this id.
pub async fn find_tenant_by_id(db: &impl ConnectionTrait, id: TenantId) -> Result<Tenant> {
    tenant::Entity::find_by_id(id.to_string())
        .one(db)
        .await?
        .ok_or_else(|| Error::TenantNotFound(id.to_string()))?
        .try_into()
}

/// Every tenant, by slug.
pub async fn list_tenants(db: &impl ConnectionTrait) -> Result<Vec<Tenant>> {
    tenant::Entity::find()
        .order_by_asc(tenant::Column::Slug)
        .all(db)
        .await?
        .into_iter()
        .map(Tenant::try_from)
        .collect()
}

/// The tenant's product apps, in product order.
pub async fn product_apps(db: &impl ConnectionTrait, tenant: TenantId) -> Result<Vec<ProductApp>> {
    let rows = product_app::Entity::find()
        .filter(product_app::Column::TenantId.eq(tenant.to_string()))
        .all(db)
        .await?;
    let mut apps: Vec<ProductApp> = rows
        .into_iter()
        .filter_map(|m| {
            Some(ProductApp {
                product: m.product.parse().ok()?,
                scim_enabled: m.scim_enabled,
                last_activity_at: m.last_activity_at,
            })
        })
        .collect();
    apps.sort_by_key(|a| a.product);
    Ok(apps)
}

/// Turns SCIM on or off for one product app. Off answers every SCIM request with 403.
pub(crate) async fn update_scim_enabled(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    product: Product,
    enabled: bool,
) -> Result<()> {
    product_app::Entity::update_many()
        .col_expr(product_app::Column::ScimEnabled, enabled.into())
        .filter(product_app::Column::TenantId.eq(tenant.to_string()))
        .filter(product_app::Column::Product.eq(product.slug()))
        .exec(db)
        .await?;
    // Turning an app off must reach every server's token cache.
    crate::auth_generation::bump(db).await?;
    Ok(())
}

/// Suspends or reactivates a tenant. A suspended tenant's SCIM requests are refused with 403 and
/// its admins cannot sign in; nothing is deleted, so reactivating restores everything.
pub(crate) async fn update_tenant_status(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    status: TenantStatus,
) -> Result<Tenant> {
    let updated = tenant::Entity::update_many()
        .col_expr(tenant::Column::Status, status.as_str().into())
        .filter(tenant::Column::Id.eq(tenant.to_string()))
        .exec(db)
        .await?;
    if updated.rows_affected == 0 {
        return Err(Error::TenantNotFound(tenant.to_string()));
    }
    // A suspension must reach every server's token cache.
    crate::auth_generation::bump(db).await?;
    find_tenant_by_id(db, tenant).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_through_their_stored_names() {
        for status in [TenantStatus::Active, TenantStatus::Suspended] {
            assert_eq!(TenantStatus::parse(status.as_str()), status);
        }
    }
}
