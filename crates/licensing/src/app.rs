//! A product app as licensing sees it: the product, and where its license policy comes from.

use rosterd_domain::{LicenseKind, Product, TenantId};
use rosterd_ledger::{LicensePolicy, StoredPolicy};
use sea_orm::ConnectionTrait;

use crate::error::Result;

/// Where a product app's license policy comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicySource {
    /// Every active user gets this kind; an admin cannot change it.
    EveryUser(LicenseKind),
    /// The policy an admin stored for the tenant; until one is stored, every active user gets
    /// `built_in`.
    Stored { built_in: LicenseKind },
}

/// One product's SCIM app: its product and its license policy. Each product crate defines one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProductApp {
    pub product: Product,
    pub policy: PolicySource,
}

impl ProductApp {
    /// The policy of the app where nobody configured one.
    pub fn built_in_policy(&self) -> LicensePolicy {
        match self.policy {
            PolicySource::EveryUser(kind) | PolicySource::Stored { built_in: kind } => {
                LicensePolicy::every_user(kind)
            }
        }
    }

    /// Whether an admin may change the app's policy.
    pub fn is_configurable(&self) -> bool {
        matches!(self.policy, PolicySource::Stored { .. })
    }

    /// The tenant's policy for this app: the stored one where the app has one, else the
    /// built-in one (with no `updated_at`). One query for a configurable app, none otherwise.
    pub async fn policy(
        &self,
        db: &impl ConnectionTrait,
        tenant: TenantId,
    ) -> Result<StoredPolicy> {
        let stored = match self.policy {
            PolicySource::EveryUser(_) => None,
            PolicySource::Stored { .. } => {
                rosterd_ledger::stored_policy(db, tenant, self.product).await?
            }
        };
        Ok(stored.unwrap_or_else(|| StoredPolicy {
            product: self.product,
            policy: self.built_in_policy(),
            updated_at: None,
        }))
    }
}
