//! People: one human per tenant, shared by every app that provisions them. SCIM writes link a
//! SCIM user to its person (matched case-insensitively by email) and keep the person's
//! attributes in step with the IdP's document (one-way flow). The admin center reads people
//! through [`find_by_email`] and [`list`].

use chrono::{DateTime, Utc};
use rosterd_database::StatementText;
use rosterd_domain::{Clock, PersonId, TenantId};
use rosterd_scim::schema::ENTERPRISE_USER_SCHEMA;
use sea_orm::sea_query::{OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Select, Set,
};
use serde_json::Value;

use crate::entity::person;
use crate::error::{Failure, Outcome, Result};

/// `people.source` of a person an IdP provisioned.
const SOURCE_IDP: &str = "idp";
/// `people.source` of a person an admin or the operator created by hand.
const SOURCE_MANUAL: &str = "manual";

/// One human in a tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub id: PersonId,
    pub email: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub display_name: Option<String>,
    pub employee_number: Option<String>,
    pub department: Option<String>,
    pub title: Option<String>,
    /// `idp` or `manual`.
    pub source: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Person {
    /// The name to show: the display name, else given and family name, else the email.
    pub fn name(&self) -> String {
        let joined = [self.given_name.as_deref(), self.family_name.as_deref()]
            .into_iter()
            .flatten()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        self.display_name
            .clone()
            .filter(|s| !s.trim().is_empty())
            .or_else(|| (!joined.is_empty()).then_some(joined))
            .or_else(|| self.email.clone())
            .unwrap_or_else(|| "(no name)".to_owned())
    }
}

/// One page of [`list`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeoplePage {
    pub people: Vec<Person>,
    /// Pass as `after` for the next page; `None` on the last page.
    pub next_after: Option<PersonId>,
}

/// The person of `tenant` whose email is `email` (case-insensitive).
pub async fn find_by_email(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    email: &str,
) -> Result<Option<Person>> {
    let row = of_tenant(&tenant.to_string())
        .filter(person::Column::EmailLower.eq(email.trim().to_lowercase()))
        .one(db)
        .await?;
    row.map(Person::try_from).transpose()
}

/// A person an admin or the operator adds by hand.
#[derive(Debug, Clone, Copy)]
pub struct NewPerson<'a> {
    pub email: &'a str,
    pub given: &'a str,
    pub family: &'a str,
    pub employee_number: Option<&'a str>,
}

/// Creates a person by hand (source `manual`), e.g. to grant them a license before any IdP
/// provisions them; a SCIM user with the same email later links to this person. An email
/// another person of the tenant has (case-insensitively) is `Err(EmailTaken)`.
pub(crate) async fn insert_manual(
    db: &impl ConnectionTrait,
    clock: &dyn Clock,
    tenant: TenantId,
    new: &NewPerson<'_>,
) -> Result<Person> {
    let NewPerson {
        email,
        given,
        family,
        employee_number,
    } = *new;
    let email = email.trim();
    if email.is_empty() || !email.contains('@') || email.chars().any(char::is_whitespace) {
        return Err(crate::Error::InvalidEmail(email.to_owned()));
    }
    let now = clock.now();
    let row = person::ActiveModel {
        tenant_id: Set(tenant.to_string()),
        id: Set(PersonId::new().to_string()),
        email: Set(Some(email.to_owned())),
        email_lower: Set(Some(email.to_lowercase())),
        given_name: Set(Some(given.to_owned())),
        family_name: Set(Some(family.to_owned())),
        display_name: Set(Some(format!("{given} {family}").trim().to_owned())),
        employee_number: Set(employee_number.map(str::to_owned)),
        department: Set(None),
        title: Set(None),
        source: Set(SOURCE_MANUAL.to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
    };
    match row.insert(db).await {
        Ok(model) => Person::try_from(model),
        Err(err) if crate::error::is_unique_violation(&err) => {
            Err(crate::Error::EmailTaken(email.to_owned()))
        }
        Err(err) => Err(err.into()),
    }
}

/// The people of `tenant` in id (creation) order, `limit` at a time, after the id `after`
/// (keyset paging: pages never overlap or skip, however people are added meanwhile). People
/// an admin removed ([`crate::manual_people::remove_manual`]) are not listed.
pub async fn list(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    after: Option<PersonId>,
    limit: u64,
) -> Result<PeoplePage> {
    let mut query = of_tenant(&tenant.to_string())
        .filter(
            sea_orm::sea_query::Expr::col(sea_orm::sea_query::Alias::new("removed_at")).is_null(),
        )
        .order_by_asc(person::Column::Id);
    if let Some(after) = after {
        query = query.filter(person::Column::Id.gt(after.to_string()));
    }
    let mut rows = query.limit(limit.saturating_add(1)).all(db).await?;
    let more = rows.len() as u64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    let people = rows
        .into_iter()
        .map(Person::try_from)
        .collect::<Result<Vec<_>>>()?;
    let next_after = if more {
        people.last().map(|p| p.id)
    } else {
        None
    };
    Ok(PeoplePage { people, next_after })
}

impl TryFrom<person::Model> for Person {
    type Error = crate::Error;

    fn try_from(m: person::Model) -> Result<Self> {
        let id = m.id.parse().map_err(|_| {
            tracing::error!(person = %m.id, "a person row has an id that is not a UUID");
            crate::Error::Internal
        })?;
        Ok(Person {
            id,
            email: m.email,
            given_name: m.given_name,
            family_name: m.family_name,
            display_name: m.display_name,
            employee_number: m.employee_number,
            department: m.department,
            title: m.title,
            source: m.source,
            created_at: m.created_at,
            updated_at: m.updated_at,
        })
    }
}

/// The tenant's people: the only way into `people`.
fn of_tenant(tenant: &str) -> Select<person::Entity> {
    person::Entity::find().filter(person::Column::TenantId.eq(tenant))
}

/// The email a SCIM document identifies its person by: the primary email, else the first
/// work email, else the first email, else the userName when it looks like an address.
pub(crate) fn key_email(doc: &Value) -> Option<String> {
    let emails: Vec<&Value> = doc
        .get("emails")
        .and_then(Value::as_array)
        .map(|items| items.iter().collect())
        .unwrap_or_default();
    fn value<'v>(email: &&'v Value) -> Option<&'v str> {
        email
            .get("value")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|v| !v.is_empty())
    }
    let flag = |email: &&Value, key: &str, want: &Value| email.get(key) == Some(want);
    let primary = Value::Bool(true);
    let work = Value::from("work");
    emails
        .iter()
        .filter(|e| flag(e, "primary", &primary))
        .chain(emails.iter().filter(|e| flag(e, "type", &work)))
        .chain(emails.iter())
        .find_map(value)
        .or_else(|| {
            rosterd_scim::resource::user_name(doc)
                .map(str::trim)
                .filter(|name| name.contains('@'))
        })
        .map(str::to_owned)
}

/// What the IdP says about a person, read from a SCIM User document.
struct Attributes {
    given_name: Option<String>,
    family_name: Option<String>,
    display_name: Option<String>,
    employee_number: Option<String>,
    department: Option<String>,
    title: Option<String>,
}

impl Attributes {
    fn of(doc: &Value) -> Self {
        let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
        let enterprise = doc.get(ENTERPRISE_USER_SCHEMA);
        Self {
            given_name: text(doc.pointer("/name/givenName")),
            family_name: text(doc.pointer("/name/familyName")),
            display_name: text(doc.get("displayName")),
            employee_number: text(enterprise.and_then(|e| e.get("employeeNumber"))),
            department: text(enterprise.and_then(|e| e.get("department"))),
            title: text(doc.get("title")),
        }
    }

    fn write(self, row: &mut person::ActiveModel) {
        row.given_name = Set(self.given_name);
        row.family_name = Set(self.family_name);
        row.display_name = Set(self.display_name);
        row.employee_number = Set(self.employee_number);
        row.department = Set(self.department);
        row.title = Set(self.title);
    }
}

/// Links a SCIM user's document to its person and brings the person up to date; returns the
/// person's id. `current` is the person the user is linked to now (`None` on create). A user
/// whose key email now belongs to another person is relinked to that person.
pub(crate) async fn link(
    txn: &impl ConnectionTrait,
    tenant: &str,
    now: DateTime<Utc>,
    doc: &Value,
    current: Option<&str>,
) -> Outcome<Linked> {
    let email = key_email(doc);
    let email_lower = email.as_deref().map(str::to_lowercase);
    if current.is_none()
        && let Some(id) = insert_whole(txn, tenant, now, email.as_deref(), doc).await?
    {
        return Ok(Linked { id, new: true });
    }
    let by_email = match &email_lower {
        Some(lower) => {
            of_tenant(tenant)
                .filter(person::Column::EmailLower.eq(lower))
                .one(txn)
                .await?
        }
        None => None,
    };
    let (row, new) = match (by_email, current) {
        (Some(found), _) => (found, false),
        (None, Some(current)) => (
            of_tenant(tenant)
                .filter(person::Column::Id.eq(current))
                .one(txn)
                .await?
                .ok_or(Failure::Retry)?,
            false,
        ),
        (None, None) => insert(txn, tenant, now, email.as_deref()).await?,
    };
    let id = row.id.clone();
    let mut active: person::ActiveModel = row.into();
    if email.is_some() {
        active.email = Set(email);
        active.email_lower = Set(email_lower);
    }
    Attributes::of(doc).write(&mut active);
    active.updated_at = Set(now);
    active.update(txn).await?;
    Ok(Linked { id, new })
}

/// The person of a new SCIM user, inserted whole in one statement when nobody of the tenant has
/// the key email (the common case of a first sync: one round trip instead of a look-up, an
/// insert, a read-back and an update); `None` when somebody has it (the caller links to them).
async fn insert_whole(
    txn: &impl ConnectionTrait,
    tenant: &str,
    now: DateTime<Utc>,
    email: Option<&str>,
    doc: &Value,
) -> Outcome<Option<String>> {
    let id = PersonId::new().to_string();
    let attributes = Attributes::of(doc);
    let values: Vec<sea_orm::Value> = vec![
        tenant.into(),
        id.clone().into(),
        email.map(str::to_owned).into(),
        email.map(str::to_lowercase).into(),
        attributes.given_name.into(),
        attributes.family_name.into(),
        attributes.display_name.into(),
        attributes.employee_number.into(),
        attributes.department.into(),
        attributes.title.into(),
        SOURCE_IDP.into(),
        now.into(),
        now.into(),
    ];
    let backend = txn.get_database_backend();
    let insert = PERSON_INSERT.bind(backend, 0, values.clone(), || {
        backend.build(&whole_person_insert(values))
    });
    let inserted = txn.execute(insert).await?.rows_affected();
    Ok((inserted == 1).then_some(id))
}

/// The text of [`insert_whole`]'s statement, built once ([`StatementText`]).
static PERSON_INSERT: StatementText = StatementText::new();

/// A new person's `INSERT .. ON CONFLICT (tenant, email) DO NOTHING`, of `values` in the order
/// of [`insert_whole`]'s columns.
fn whole_person_insert(values: Vec<sea_orm::Value>) -> sea_orm::sea_query::InsertStatement {
    let mut stmt = Query::insert();
    stmt.into_table(person::Entity)
        .columns([
            person::Column::TenantId,
            person::Column::Id,
            person::Column::Email,
            person::Column::EmailLower,
            person::Column::GivenName,
            person::Column::FamilyName,
            person::Column::DisplayName,
            person::Column::EmployeeNumber,
            person::Column::Department,
            person::Column::Title,
            person::Column::Source,
            person::Column::CreatedAt,
            person::Column::UpdatedAt,
        ])
        .values_panic(values.into_iter().map(Into::into))
        .on_conflict(
            OnConflict::columns([person::Column::TenantId, person::Column::EmailLower])
                .do_nothing()
                .to_owned(),
        );
    stmt
}

/// The person a SCIM user is linked to.
pub(crate) struct Linked {
    pub id: String,
    /// The person was inserted by this transaction (so holds no license yet).
    pub new: bool,
}

/// Inserts a person (source `idp`); when a concurrent writer inserted one with the same email
/// first, returns that one. `true`: this call inserted it.
async fn insert(
    txn: &impl ConnectionTrait,
    tenant: &str,
    now: DateTime<Utc>,
    email: Option<&str>,
) -> Outcome<(person::Model, bool)> {
    let id = PersonId::new().to_string();
    let email_lower = email.map(str::to_lowercase);
    let mut stmt = Query::insert();
    stmt.into_table(person::Entity)
        .columns([
            person::Column::TenantId,
            person::Column::Id,
            person::Column::Email,
            person::Column::EmailLower,
            person::Column::Source,
            person::Column::CreatedAt,
            person::Column::UpdatedAt,
        ])
        .values_panic([
            tenant.into(),
            id.clone().into(),
            email.map(str::to_owned).into(),
            email_lower.clone().into(),
            SOURCE_IDP.into(),
            now.into(),
            now.into(),
        ])
        .on_conflict(
            OnConflict::columns([person::Column::TenantId, person::Column::EmailLower])
                .do_nothing()
                .to_owned(),
        );
    txn.execute(txn.get_database_backend().build(&stmt)).await?;
    let winner = match email_lower {
        Some(lower) => person::Column::EmailLower.eq(lower),
        None => person::Column::Id.eq(id.as_str()),
    };
    let row = of_tenant(tenant)
        .filter(winner)
        .one(txn)
        .await?
        .ok_or(Failure::Retry)?;
    let inserted = row.id == id;
    Ok((row, inserted))
}

#[cfg(test)]
mod statement_tests {
    use super::*;
    use rosterd_domain::SystemClock;
    use sea_orm::DbBackend;

    #[test]
    fn a_whole_person_binds_what_sea_query_builds_and_keeps_its_text() {
        let now = SystemClock.now();
        for backend in [DbBackend::Sqlite, DbBackend::Postgres] {
            for (email, given) in [(Some("A@x.test"), Some("Ann")), (None, None)] {
                let values: Vec<sea_orm::Value> = vec![
                    "t1".into(),
                    PersonId::new().to_string().into(),
                    email.map(str::to_owned).into(),
                    email.map(str::to_lowercase).into(),
                    given.map(str::to_owned).into(),
                    None::<String>.into(),
                    None::<String>.into(),
                    None::<String>.into(),
                    None::<String>.into(),
                    None::<String>.into(),
                    SOURCE_IDP.into(),
                    now.into(),
                    now.into(),
                ];
                let sea = backend.build(&whole_person_insert(values.clone()));
                let bound = PERSON_INSERT.bind(backend, 0, values.clone(), || {
                    backend.build(&whole_person_insert(values))
                });
                assert_eq!(bound, sea);
                assert!(sea.sql.contains("ON CONFLICT"));
            }
            assert!(PERSON_INSERT.is_kept(backend), "{backend:?}");
        }
    }
}
