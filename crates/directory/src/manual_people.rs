//! Changing and removing people by hand (the admin center). Only manual people can be changed
//! here: a person an IdP provisions is kept in step with the IdP's documents (one-way flow), so
//! a change by hand would be overwritten and is refused with [`Error::ManagedByIdp`].
//!
//! Removing a person keeps their row (licenses and ledger entries go on naming them) but marks
//! it `removed_at`, clears its email key so the address can be used again, and drops their
//! direct group memberships. The caller revokes their licenses in the same transaction first.

use rosterd_audit::Change;
use rosterd_domain::{Clock, PersonId, Product, TenantId};
use sea_orm::sea_query::{Alias, Expr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    Set,
};

use crate::entity::{group_member, person, scim_user};
use crate::error::{Error, Result, is_unique_violation};
use crate::people::{NewPerson, Person, insert_manual};
use crate::scope::begin_write;

/// A manual person's attributes as an admin edits them; empty optional fields are cleared.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonEdit {
    pub email: String,
    pub given_name: String,
    pub family_name: String,
    pub employee_number: Option<String>,
    pub department: Option<String>,
    pub title: Option<String>,
}

/// Whether `email` is shaped like an address (the same rule as creating a person).
pub fn is_email(email: &str) -> bool {
    !email.is_empty() && email.contains('@') && !email.chars().any(char::is_whitespace)
}

/// The apps whose SCIM users are linked to the person, in product order.
pub async fn idp_apps(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    id: PersonId,
) -> Result<Vec<Product>> {
    let rows = scim_user::Entity::find()
        .filter(scim_user::Column::TenantId.eq(tenant.to_string()))
        .filter(scim_user::Column::PersonId.eq(id.to_string()))
        .all(db)
        .await?;
    Ok(Product::ALL
        .into_iter()
        .filter(|p| rows.iter().any(|r| r.product == p.slug()))
        .collect())
}

/// The person's row, if they exist and were not removed, and no IdP manages them.
async fn manual_row(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    id: PersonId,
) -> Result<person::Model> {
    let row = person::Entity::find()
        .filter(person::Column::TenantId.eq(tenant.to_string()))
        .filter(person::Column::Id.eq(id.to_string()))
        .filter(Expr::col(Alias::new("removed_at")).is_null())
        .one(db)
        .await?
        .ok_or(Error::PersonNotFound)?;
    let apps = idp_apps(db, tenant, id).await?;
    if !apps.is_empty() {
        return Err(Error::ManagedByIdp(apps));
    }
    Ok(row)
}

fn optional(value: Option<&String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// Adds a person by hand (an admin or the operator) with the attributes of `edit`. An email
/// another person has is `Err(EmailTaken)`.
pub async fn add(change: Change<'_, DatabaseConnection>, edit: &PersonEdit) -> Result<Person> {
    let txn = begin_write(change.db).await?;
    let new = NewPerson {
        email: &edit.email,
        given: &edit.given_name,
        family: &edit.family_name,
        employee_number: edit.employee_number.as_deref(),
    };
    let created = insert_manual(&txn, change.clock, change.tenant, &new).await?;
    // Department and title are not part of creating; set them in the same transaction.
    let person = update_manual(&txn, change.clock, change.tenant, created.id, edit).await?;
    let detail = format!("added {} ({})", person.name(), edit.email.trim());
    let id = person.id.to_string();
    change
        .record(&txn, "person.create", ("person", &id), &detail)
        .await?;
    txn.commit().await?;
    Ok(person)
}

/// Changes a manual person's attributes to `edit`; the audit event names the attributes that
/// changed, not their values. An email another person has is `Err(EmailTaken)`.
pub async fn edit(
    change: Change<'_, DatabaseConnection>,
    id: PersonId,
    edit: &PersonEdit,
) -> Result<Person> {
    let txn = begin_write(change.db).await?;
    let before = Person::try_from(manual_row(&txn, change.tenant, id).await?)?;
    let person = update_manual(&txn, change.clock, change.tenant, id, edit).await?;
    let changes = changed_fields(&before, &person);
    let name = person.name();
    let detail = if changes.is_empty() {
        format!("saved {name} without changes")
    } else {
        format!("changed {} of {name}", changes.join(", "))
    };
    change
        .record(&txn, "person.update", ("person", &id.to_string()), &detail)
        .await?;
    txn.commit().await?;
    Ok(person)
}

/// The attributes that differ, by name (values stay out of the audit log's detail).
fn changed_fields(a: &Person, b: &Person) -> Vec<&'static str> {
    [
        ("email", a.email != b.email),
        ("given name", a.given_name != b.given_name),
        ("family name", a.family_name != b.family_name),
        ("employee number", a.employee_number != b.employee_number),
        ("department", a.department != b.department),
        ("title", a.title != b.title),
    ]
    .into_iter()
    .filter_map(|(name, changed)| changed.then_some(name))
    .collect()
}

/// Changes a manual person's attributes. An email another person has is `Err(EmailTaken)`.
async fn update_manual(
    db: &impl ConnectionTrait,
    clock: &dyn Clock,
    tenant: TenantId,
    id: PersonId,
    edit: &PersonEdit,
) -> Result<Person> {
    let email = edit.email.trim();
    if !is_email(email) {
        return Err(Error::InvalidEmail(email.to_owned()));
    }
    let row = manual_row(db, tenant, id).await?;
    let given = edit.given_name.trim();
    let family = edit.family_name.trim();
    let mut active: person::ActiveModel = row.into();
    active.email = Set(Some(email.to_owned()));
    active.email_lower = Set(Some(email.to_lowercase()));
    active.given_name = Set(Some(given.to_owned()));
    active.family_name = Set(Some(family.to_owned()));
    active.display_name = Set(Some(format!("{given} {family}").trim().to_owned()));
    active.employee_number = Set(optional(edit.employee_number.as_ref()));
    active.department = Set(optional(edit.department.as_ref()));
    active.title = Set(optional(edit.title.as_ref()));
    active.updated_at = Set(clock.now());
    match active.update(db).await {
        Ok(model) => Person::try_from(model),
        Err(err) if is_unique_violation(&err) => Err(Error::EmailTaken(email.to_owned())),
        Err(err) => Err(err.into()),
    }
}

/// Removes a manual person: marks them removed, frees their email, drops their direct group
/// memberships. Returns them as they were.
pub async fn remove_manual(
    db: &impl ConnectionTrait,
    clock: &dyn Clock,
    tenant: TenantId,
    id: PersonId,
) -> Result<Person> {
    let row = manual_row(db, tenant, id).await?;
    let before = Person::try_from(row)?;
    person::Entity::update_many()
        .col_expr(Alias::new("removed_at"), Expr::value(clock.now()))
        .col_expr(
            person::Column::EmailLower,
            Expr::value(Option::<String>::None),
        )
        .col_expr(person::Column::UpdatedAt, Expr::value(clock.now()))
        .filter(person::Column::TenantId.eq(tenant.to_string()))
        .filter(person::Column::Id.eq(id.to_string()))
        .exec(db)
        .await?;
    group_member::Entity::delete_many()
        .filter(group_member::Column::TenantId.eq(tenant.to_string()))
        .filter(group_member::Column::MemberId.eq(id.to_string()))
        .exec(db)
        .await?;
    Ok(before)
}
