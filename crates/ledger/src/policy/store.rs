//! Storing policies: one JSON document per tenant and product app in `license_policies`.
//! Only configurable apps (Sales Navigator) store one; the product crates decide which.

use chrono::{DateTime, Utc};
use rosterd_domain::{Clock, LicenseKind, Product, TenantId};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};

use super::{LicensePolicy, Matcher, Rule};
use crate::entity::license_policy;
use crate::error::{Error, Result};

/// A product app's policy as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredPolicy {
    pub product: Product,
    pub policy: LicensePolicy,
    /// When an admin last set it; `None`: never configured, the built-in policy applies.
    pub updated_at: Option<DateTime<Utc>>,
}

/// The stored JSON shape; kept apart from the domain types so they can change freely.
#[derive(Serialize, Deserialize)]
struct Document {
    default: Option<LicenseKind>,
    rules: Vec<RuleDocument>,
}

#[derive(Serialize, Deserialize)]
struct RuleDocument {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    attribute: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    value: Option<String>,
    kind: LicenseKind,
}

fn to_document(policy: &LicensePolicy) -> Document {
    let rules = policy
        .rules
        .iter()
        .map(|rule| match &rule.matcher {
            Matcher::Group(name) => RuleDocument {
                group: Some(name.clone()),
                attribute: None,
                value: None,
                kind: rule.kind,
            },
            Matcher::Attribute { name, value } => RuleDocument {
                group: None,
                attribute: Some(name.clone()),
                value: Some(value.clone()),
                kind: rule.kind,
            },
        })
        .collect();
    Document {
        default: policy.default,
        rules,
    }
}

fn from_document(text: &str) -> Result<LicensePolicy> {
    let corrupt = || Error::corrupt("license policy", text);
    let doc: Document = serde_json::from_str(text).map_err(|_| corrupt())?;
    let rules = doc
        .rules
        .into_iter()
        .map(|r| {
            let matcher = match (r.group, r.attribute, r.value) {
                (Some(group), None, None) => Matcher::Group(group),
                (None, Some(name), Some(value)) => Matcher::Attribute { name, value },
                _ => return Err(corrupt()),
            };
            Ok(Rule {
                matcher,
                kind: r.kind,
            })
        })
        .collect::<Result<_>>()?;
    Ok(LicensePolicy {
        default: doc.default,
        rules,
    })
}

/// The product app's stored policy; `None` when no admin ever set one (the product app then
/// applies its built-in policy).
pub async fn stored_policy(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    product: Product,
) -> Result<Option<StoredPolicy>> {
    let row = license_policy::Entity::find()
        .filter(license_policy::Column::TenantId.eq(tenant.to_string()))
        .filter(license_policy::Column::Product.eq(product.slug()))
        .one(db)
        .await?;
    row.map(|row| {
        Ok(StoredPolicy {
            product,
            policy: from_document(&row.document)?,
            updated_at: Some(row.updated_at),
        })
    })
    .transpose()
}

/// Stores a product app's policy (replacing any earlier one). Every kind it names must be one of
/// the product's kinds; whether the app may be configured at all is the product app's to say.
/// Re-evaluating the app's users is the caller's next step.
pub async fn set_policy(
    db: &impl ConnectionTrait,
    clock: &dyn Clock,
    tenant: TenantId,
    product: Product,
    policy: &LicensePolicy,
) -> Result<StoredPolicy> {
    let kinds = policy
        .default
        .into_iter()
        .chain(policy.rules.iter().map(|r| r.kind));
    if let Some(kind) = kinds.into_iter().find(|k| k.product() != product) {
        return Err(Error::WrongProduct { kind, product });
    }
    let document = serde_json::to_string(&to_document(policy))
        .map_err(|e| Error::InvalidPolicy(format!("cannot store the policy: {e}")))?;
    let now = clock.now();
    let row = license_policy::ActiveModel {
        tenant_id: Set(tenant.to_string()),
        product: Set(product.slug().to_owned()),
        document: Set(document),
        updated_at: Set(now),
    };
    license_policy::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([
                license_policy::Column::TenantId,
                license_policy::Column::Product,
            ])
            .update_columns([
                license_policy::Column::Document,
                license_policy::Column::UpdatedAt,
            ])
            .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(StoredPolicy {
        product,
        policy: policy.clone(),
        updated_at: Some(now),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents_round_trip() {
        let policy = LicensePolicy::parse(
            "none",
            &["group:Sales EMEA=advanced", "costCenter:CC-1=advanced-plus"],
        )
        .unwrap();
        let text = serde_json::to_string(&to_document(&policy)).unwrap();
        assert_eq!(
            text,
            r#"{"default":null,"rules":[{"group":"Sales EMEA","kind":"sales-navigator-advanced"},{"attribute":"costCenter","value":"CC-1","kind":"sales-navigator-advanced-plus"}]}"#
        );
        assert_eq!(from_document(&text).unwrap(), policy);
    }

    #[test]
    fn a_rule_that_is_neither_group_nor_attribute_is_corrupt() {
        let text = r#"{"default":null,"rules":[{"kind":"sales-navigator-core"}]}"#;
        assert!(matches!(from_document(text), Err(Error::Corrupt { .. })));
    }
}
