//! Everyone a product app provisions, as a license policy sees them: for re-evaluating the
//! whole app when its policy changes (the operator CLI, the admin center). The directory knows
//! nothing of licenses: callers say which attributes they test, and read the snapshots'
//! attribute, group and name accessors.

use std::collections::HashMap;

use rosterd_domain::{Product, TenantId};
use rosterd_scim::ScimContext;
use rosterd_scim::schema::ENTERPRISE_USER_SCHEMA;
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter, QueryOrder, QuerySelect};
use serde_json::Value;

use crate::entity::scim_user;
use crate::error::Result;
use crate::hooks::{UserSnapshot, snapshot};
use crate::members;
use crate::scope::Scope;

/// Users loaded per query (and group look-ups per batch).
const BATCH: u64 = 500;

/// Every SCIM user of the tenant's product app (active or not) with their groups, in id order.
/// Runs on the caller's connection or transaction, so a policy change reads and writes one
/// consistent picture.
pub async fn app_users(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    product: Product,
) -> Result<Vec<UserSnapshot>> {
    let scope = Scope::of(&ScimContext {
        tenant,
        product,
        base_url: String::new(),
        actor: String::new(),
        request_id: String::new(),
    });
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let mut query = scope.users();
        if let Some(after) = &after {
            query = query.filter(scim_user::Column::Id.gt(after.as_str()));
        }
        let rows = query
            .order_by_asc(scim_user::Column::Id)
            .limit(BATCH)
            .all(db)
            .await?;
        let Some(last) = rows.last() else { break };
        after = Some(last.id.clone());
        let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
        let mut groups = members::groups_of(db, &scope, &ids).await?;
        for row in &rows {
            out.push(snapshot(row, groups.remove(&row.id).unwrap_or_default())?);
        }
        if rows.len() < BATCH as usize {
            break;
        }
    }
    Ok(out)
}

impl UserSnapshot {
    /// The values of the named attributes the user has, keyed by lowercase name: the enterprise
    /// extension's value first, then the core attribute's (`title`, `userType`). Only strings.
    pub fn attribute_values(&self, names: &[&str]) -> HashMap<String, String> {
        let enterprise = self.document.get(ENTERPRISE_USER_SCHEMA);
        names
            .iter()
            .filter_map(|name| {
                let value = enterprise
                    .and_then(|e| e.get(*name))
                    .or_else(|| self.document.get(*name))
                    .and_then(Value::as_str)?;
                Some((name.to_lowercase(), value.to_owned()))
            })
            .collect()
    }

    /// The enterprise `employeeNumber`, if any.
    pub fn employee_number(&self) -> Option<String> {
        text(
            self.document
                .get(ENTERPRISE_USER_SCHEMA)
                .and_then(|e| e.get("employeeNumber")),
        )
    }

    /// `name.familyName`, if any.
    pub fn family_name(&self) -> Option<String> {
        text(self.document.pointer("/name/familyName"))
    }

    /// `name.givenName`, if any.
    pub fn given_name(&self) -> Option<String> {
        text(self.document.pointer("/name/givenName"))
    }
}

fn text(value: Option<&Value>) -> Option<String> {
    value.and_then(Value::as_str).map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn user(document: Value) -> UserSnapshot {
        UserSnapshot {
            user_id: "u1".into(),
            person_id: rosterd_domain::PersonId::new(),
            user_name: "ann@acme.example".into(),
            active: true,
            document,
            groups: Vec::new(),
        }
    }

    #[test]
    fn enterprise_values_win_over_core_and_names_are_lowercased() {
        let u = user(json!({
            "title": "Rep",
            "department": "core-dept",
            ENTERPRISE_USER_SCHEMA: {"department": "Sales", "costCenter": "CC-1", "employeeNumber": "42"},
        }));
        let values = u.attribute_values(&["department", "costCenter", "title", "division"]);
        assert_eq!(values.get("department").map(String::as_str), Some("Sales"));
        assert_eq!(values.get("costcenter").map(String::as_str), Some("CC-1"));
        assert_eq!(values.get("title").map(String::as_str), Some("Rep"));
        assert!(
            !values.contains_key("division"),
            "absent attributes are absent"
        );
        assert_eq!(u.employee_number().as_deref(), Some("42"));
    }

    #[test]
    fn non_string_values_and_missing_names_are_absent() {
        let u = user(json!({
            ENTERPRISE_USER_SCHEMA: {"department": 7},
            "name": {"givenName": "Ann"},
        }));
        assert!(u.attribute_values(&["department"]).is_empty());
        assert_eq!(u.given_name().as_deref(), Some("Ann"));
        assert_eq!(u.family_name(), None);
        assert_eq!(u.employee_number(), None);
    }
}
