//! The admin center's list of people: search, filters, sorting and keyset paging over one
//! tenant's people, fast on a tenant of 100,000 (every search and sort is an index range of
//! migration `m20261123_000008_people_list`; paging never uses OFFSET). Also what a person page
//! needs beside the person: which SCIM apps provision them and which groups they are in.
//!
//! A person is *IdP-managed* while at least one product app's SCIM user is linked to them;
//! otherwise they are *manual*. License filters read the ledger's tables (`licenses`,
//! `license_waitlist`) by name, as SQL, so the one query can filter and page; the ledger's own
//! API stays the way to read or change licenses.
//!
//! The sort and search keys are byte order of lowercased text on both backends (`COLLATE "C"`
//! on PostgreSQL), so a prefix is a range `[term, successor(term))` that an index answers.
//! SQLite's `lower()` folds ASCII only, so terms are folded the same way there.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use rosterd_domain::{LicenseKind, PersonId, Product, TenantId};
use sea_orm::sea_query::{Alias, Expr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseBackend, FromQueryResult, QueryFilter, QueryResult,
    Statement, Value,
};

use crate::entity::{person, scim_user};
use crate::error::Result;
use crate::people::Person;
use crate::scope::TenantScope;

/// The name a person is listed and sorted by: the display name, else given and family name,
/// else the email. Identical to the expression the migration indexes.
const NAME_KEY: &str = "lower(coalesce(display_name, given_name || ' ' || family_name, given_name, family_name, email, ''))";
/// The email a person is sorted by (people without one first).
const EMAIL_KEY: &str = "coalesce(email_lower, '')";
/// What a prefix search matches, each an index of the migration.
const PREFIX_FIELDS: [&str; 5] = [
    NAME_KEY,
    "lower(given_name)",
    "lower(family_name)",
    EMAIL_KEY,
    "lower(employee_number)",
];
/// The most people one page shows.
pub const MAX_PAGE: u64 = 200;

/// What the list is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    #[default]
    Name,
    Email,
    Created,
}

impl SortKey {
    /// The name in URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            SortKey::Name => "name",
            SortKey::Email => "email",
            SortKey::Created => "created",
        }
    }

    /// The key named `s` in a URL, if any.
    pub fn parse(s: &str) -> Option<Self> {
        [SortKey::Name, SortKey::Email, SortKey::Created]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// How a search term matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Matching {
    /// A name part (given, family or full name), the email or the employee number starts with
    /// the term: index ranges.
    #[default]
    Prefix,
    /// The full name, the email or the employee number contains the term anywhere: reads the
    /// tenant's people in sort order until a page is full.
    Contains,
}

/// People provisioned by an IdP, or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceFilter {
    /// Linked to at least one product app's SCIM user.
    Idp,
    /// Linked to none.
    Manual,
}

/// People by the state of their licenses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LicenseFilter {
    /// Holding a license not yet activated.
    Assigned,
    /// Holding an activated license.
    Active,
    /// Holding no live license.
    None,
    /// On a waiting list.
    Waiting,
}

/// Where a page starts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum PageAt {
    #[default]
    First,
    /// The page after this position (the last row of the previous page).
    After(Cursor),
    /// The page before this position (the first row of the next page).
    Before(Cursor),
}

/// A position in one sort order: the sort key and id of a row. Opaque in URLs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    key: String,
    id: String,
}

impl Cursor {
    /// The URL form.
    pub fn encode(&self) -> String {
        let json = serde_json::json!([self.key, self.id]).to_string();
        URL_SAFE_NO_PAD.encode(json)
    }

    /// The cursor of a URL, or `None` for anything this code did not make.
    pub fn decode(s: &str) -> Option<Self> {
        let bytes = URL_SAFE_NO_PAD.decode(s).ok()?;
        let (key, id): (String, String) = serde_json::from_slice(&bytes).ok()?;
        id.parse::<PersonId>().ok()?;
        Some(Cursor { key, id })
    }
}

/// One request for a page of people. Every filter narrows; `product` narrows the others to that
/// product (its app for `source`, its license kinds for `license`), and alone means "provisioned
/// by its app or holding one of its licenses".
#[derive(Debug, Clone, Default)]
pub struct PeopleQuery {
    pub search: Option<String>,
    pub matching: Matching,
    pub source: Option<SourceFilter>,
    pub product: Option<Product>,
    pub license: Option<LicenseFilter>,
    pub sort: SortKey,
    pub descending: bool,
    pub at: PageAt,
    /// Rows per page, 1 to [`MAX_PAGE`].
    pub limit: u64,
}

/// One person on a page, with what the list shows beside them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedPerson {
    pub person: Person,
    /// The product apps whose SCIM users are linked to them (empty: a manual person).
    pub apps: Vec<Product>,
    /// The license kinds they wait for.
    pub waiting: Vec<LicenseKind>,
}

/// A page of people and the cursors of its neighbours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeopleListPage {
    pub people: Vec<ListedPerson>,
    /// For [`PageAt::After`]: there is a next page.
    pub next: Option<Cursor>,
    /// For [`PageAt::Before`]: there is a previous page.
    pub previous: Option<Cursor>,
}

/// SQL text with its bound values, placeholders in the backend's style.
struct Sql {
    backend: DatabaseBackend,
    text: String,
    values: Vec<Value>,
}

impl Sql {
    fn new(backend: DatabaseBackend) -> Self {
        Self {
            backend,
            text: String::new(),
            values: Vec::new(),
        }
    }

    /// Binds `value`, returning its placeholder.
    fn bind(&mut self, value: impl Into<Value>) -> String {
        self.values.push(value.into());
        match self.backend {
            DatabaseBackend::Postgres => format!("${}", self.values.len()),
            _ => "?".to_owned(),
        }
    }

    fn push(&mut self, text: &str) {
        self.text.push_str(text);
    }

    fn statement(self) -> Statement {
        Statement::from_sql_and_values(self.backend, self.text, self.values)
    }

    /// `expr` compared in byte order (the order the indexes keep).
    fn keyed(&self, expr: &str) -> String {
        match self.backend {
            DatabaseBackend::Postgres => format!("({expr}) COLLATE \"C\""),
            _ => format!("({expr})"),
        }
    }

    /// A search term folded the way the backend's `lower()` folds.
    fn fold(&self, term: &str) -> String {
        match self.backend {
            DatabaseBackend::Postgres => term.to_lowercase(),
            _ => term.to_ascii_lowercase(),
        }
    }
}

/// The smallest string greater than every string that starts with `prefix`, or `None` when no
/// string is (a prefix of only `char::MAX`).
fn successor(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        let mut next = u32::from(last) + 1;
        // Skip the surrogate gap, which no `char` occupies.
        if (0xD800..=0xDFFF).contains(&next) {
            next = 0xE000;
        }
        if let Some(c) = char::from_u32(next) {
            chars.push(c);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// `LIKE` pattern text for "contains `term`", with `\` escaping.
fn contains_pattern(term: &str) -> String {
    let mut out = String::from("%");
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

fn kinds_in(sql: &mut Sql, column: &str, product: Option<Product>) -> String {
    let Some(product) = product else {
        return String::new();
    };
    let slots: Vec<String> = product
        .license_kinds()
        .iter()
        .map(|k| sql.bind(k.slug()))
        .collect();
    format!(" AND {column} IN ({})", slots.join(", "))
}

fn apps_clause(sql: &mut Sql, product: Option<Product>) -> String {
    let narrow = match product {
        Some(p) => format!(" AND su.product = {}", sql.bind(p.slug())),
        None => String::new(),
    };
    format!(
        "EXISTS (SELECT 1 FROM scim_users su WHERE su.tenant_id = people.tenant_id AND su.person_id = people.id{narrow})"
    )
}

fn live_license_clause(sql: &mut Sql, state: Option<&str>, product: Option<Product>) -> String {
    // `state <> 'revoked'` lets the partial index `licenses_live` answer.
    let state = match state {
        Some(s) => format!(" AND l.state = {}", sql.bind(s)),
        None => String::new(),
    };
    let kinds = kinds_in(sql, "l.license_kind", product);
    format!(
        "EXISTS (SELECT 1 FROM licenses l WHERE l.tenant_id = people.tenant_id AND l.person_id = people.id AND l.state <> 'revoked'{state}{kinds})"
    )
}

fn search_clause(sql: &mut Sql, term: &str, matching: Matching) -> String {
    let term = sql.fold(term);
    let fields = match matching {
        Matching::Prefix => PREFIX_FIELDS.to_vec(),
        Matching::Contains => vec![NAME_KEY, EMAIL_KEY, "lower(employee_number)"],
    };
    let mut alternatives = Vec::new();
    for field in fields {
        let key = sql.keyed(field);
        match matching {
            Matching::Prefix => {
                let from = sql.bind(term.clone());
                match successor(&term) {
                    Some(to) => {
                        let to = sql.bind(to);
                        alternatives.push(format!("({key} >= {from} AND {key} < {to})"));
                    }
                    None => alternatives.push(format!("{key} >= {from}")),
                }
            }
            Matching::Contains => {
                let pattern = sql.bind(contains_pattern(&term));
                alternatives.push(format!("{key} LIKE {pattern} ESCAPE '\\'"));
            }
        }
    }
    format!("({})", alternatives.join(" OR "))
}

/// Up to this many matches of a selective search or filter are read and sorted.
const FEW: usize = 2000;

/// The ids matching the query's indexable narrowing (a waiting list, else a prefix search), as
/// `SELECT ... AS cand_id` of index ranges; `None` when there is none.
fn candidates(sql: &mut Sql, tenant: TenantId, query: &PeopleQuery) -> Option<String> {
    if query.license == Some(LicenseFilter::Waiting) {
        let t = sql.bind(tenant.to_string());
        let kinds = kinds_in(sql, "license_kind", query.product);
        return Some(format!(
            "SELECT person_id AS cand_id FROM license_waitlist WHERE tenant_id = {t}{kinds}"
        ));
    }
    let term = query
        .search
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())?;
    if query.matching != Matching::Prefix {
        return None;
    }
    let term = sql.fold(term);
    let mut branches = Vec::new();
    for field in PREFIX_FIELDS {
        let key = sql.keyed(field);
        let t = sql.bind(tenant.to_string());
        let from = sql.bind(term.clone());
        let range = match successor(&term) {
            Some(to) => format!("{key} >= {from} AND {key} < {}", sql.bind(to)),
            None => format!("{key} >= {from}"),
        };
        branches.push(format!(
            "SELECT id AS cand_id FROM people WHERE tenant_id = {t} AND {range}"
        ));
    }
    Some(branches.join(" UNION ALL "))
}

/// The key expression of `sort`, as compared and ordered.
fn sort_expr(sql: &Sql, sort: SortKey) -> String {
    match sort {
        SortKey::Name => sql.keyed(NAME_KEY),
        SortKey::Email => sql.keyed(EMAIL_KEY),
        SortKey::Created => "created_at".to_owned(),
    }
}

/// The keyset condition "after `cursor`" in the scan's direction.
fn after_clause(
    sql: &mut Sql,
    key: &str,
    sort: SortKey,
    cursor: &Cursor,
    forward: bool,
) -> Result<String> {
    let (strict, loose) = if forward { (">", ">=") } else { ("<", "<=") };
    let value = |sql: &mut Sql| -> Result<String> {
        Ok(match sort {
            // PostgreSQL compares timestamps; SQLite compares the stored text, so the cursor
            // carries that text exactly.
            SortKey::Created if sql.backend == DatabaseBackend::Postgres => {
                let at: DateTime<Utc> = cursor
                    .key
                    .parse()
                    .map_err(|_| crate::Error::InvalidCursor)?;
                sql.bind(at)
            }
            _ => sql.bind(cursor.key.clone()),
        })
    };
    let a = value(sql)?;
    let b = value(sql)?;
    let id = sql.bind(cursor.id.clone());
    // `key >= a` bounds the index range; the OR settles ties on the id.
    Ok(format!(
        "{key} {loose} {a} AND ({key} {strict} {b} OR id {strict} {id})"
    ))
}

/// A page of `tenant`'s people (never removed ones) for `query`.
pub async fn list_people(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    query: &PeopleQuery,
) -> Result<PeopleListPage> {
    let backend = db.get_database_backend();
    // A selective search or filter drives the query from its few matches (then sorts them);
    // otherwise the sort order's index is walked until the page is full.
    let few = match candidates(&mut Sql::new(backend), tenant, query) {
        Some(_) => {
            let mut probe = Sql::new(backend);
            let ids = candidates(&mut probe, tenant, query).unwrap_or_default();
            probe.push(&format!(
                "SELECT count(*) AS n FROM (SELECT cand_id FROM ({ids}) u LIMIT {}) x",
                FEW + 1
            ));
            let n: i64 = match db.query_one(probe.statement()).await? {
                Some(row) => row.try_get("", "n")?,
                None => 0,
            };
            n <= i64::try_from(FEW).unwrap_or(i64::MAX)
        }
        None => false,
    };
    let mut sql = Sql::new(backend);
    let key = sort_expr(&sql, query.sort);
    let from = if few {
        let ids = candidates(&mut sql, tenant, query).unwrap_or_default();
        // CROSS JOIN keeps SQLite's join order: matches first, then each person by key.
        format!("(SELECT DISTINCT cand_id FROM ({ids}) u) c CROSS JOIN people")
    } else {
        "people".to_owned()
    };
    let tenant_slot = sql.bind(tenant.to_string());
    let mut conditions = vec![
        format!("tenant_id = {tenant_slot}"),
        "removed_at IS NULL".to_owned(),
    ];
    if few {
        conditions.push("people.id = c.cand_id".to_owned());
    }
    if let Some(term) = query
        .search
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        conditions.push(search_clause(&mut sql, term, query.matching));
    }
    match query.source {
        Some(SourceFilter::Idp) => conditions.push(apps_clause(&mut sql, query.product)),
        Some(SourceFilter::Manual) => {
            conditions.push(format!("NOT {}", apps_clause(&mut sql, None)));
        }
        None => {}
    }
    match query.license {
        Some(LicenseFilter::Assigned) => {
            conditions.push(live_license_clause(
                &mut sql,
                Some("assigned"),
                query.product,
            ));
        }
        Some(LicenseFilter::Active) => {
            conditions.push(live_license_clause(&mut sql, Some("active"), query.product));
        }
        Some(LicenseFilter::None) => {
            let live = live_license_clause(&mut sql, None, query.product);
            conditions.push(format!("NOT {live}"));
        }
        Some(LicenseFilter::Waiting) => {
            let kinds = kinds_in(&mut sql, "w.license_kind", query.product);
            conditions.push(format!(
                "EXISTS (SELECT 1 FROM license_waitlist w WHERE w.tenant_id = people.tenant_id AND w.person_id = people.id{kinds})"
            ));
        }
        None => {}
    }
    if let Some(product) = query.product
        && query.license.is_none()
        && query.source != Some(SourceFilter::Idp)
    {
        let app = apps_clause(&mut sql, Some(product));
        let held = live_license_clause(&mut sql, None, Some(product));
        conditions.push(format!("({app} OR {held})"));
    }
    // Scan forward for "first" and "after", backward (then reverse) for "before".
    let backward = matches!(query.at, PageAt::Before(_));
    let ascending = query.descending == backward;
    match &query.at {
        PageAt::First => {}
        PageAt::After(cursor) | PageAt::Before(cursor) => {
            let clause = after_clause(&mut sql, &key, query.sort, cursor, ascending)?;
            conditions.push(clause);
        }
    }
    let limit = query.limit.clamp(1, MAX_PAGE);
    let dir = if ascending { "ASC" } else { "DESC" };
    sql.push(&format!(
        "SELECT people.*, {key} AS sort_key FROM {from} WHERE {} ORDER BY {key} {dir}, id {dir} LIMIT {}",
        conditions.join(" AND "),
        limit + 1
    ));
    let rows = db.query_all(sql.statement()).await?;
    let more = rows.len() as u64 > limit;
    let mut page: Vec<(Person, String)> = Vec::with_capacity(rows.len());
    for row in rows
        .iter()
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
    {
        page.push(read_row(row, query.sort, backend)?);
    }
    if backward {
        page.reverse();
    }
    let cursor_of = |(p, key): &(Person, String)| Cursor {
        key: key.clone(),
        id: p.id.to_string(),
    };
    let (previous, next) = match (&query.at, more) {
        (PageAt::First, more) => (None, more.then(|| page.last().map(cursor_of)).flatten()),
        (PageAt::After(_), more) => (
            page.first().map(cursor_of),
            more.then(|| page.last().map(cursor_of)).flatten(),
        ),
        (PageAt::Before(_), more) => (
            more.then(|| page.first().map(cursor_of)).flatten(),
            page.last().map(cursor_of),
        ),
    };
    let people = page.into_iter().map(|(p, _)| p).collect::<Vec<_>>();
    let people = with_apps_and_waiting(db, tenant, people).await?;
    Ok(PeopleListPage {
        people,
        next,
        previous,
    })
}

fn read_row(
    row: &QueryResult,
    sort: SortKey,
    backend: DatabaseBackend,
) -> Result<(Person, String)> {
    let model = person::Model::from_query_result(row, "")?;
    let key = match sort {
        SortKey::Created if backend == DatabaseBackend::Postgres => model.created_at.to_rfc3339(),
        _ => row.try_get::<String>("", "sort_key")?,
    };
    Ok((Person::try_from(model)?, key))
}

/// Adds each person's apps and waiting lists (two queries for the page).
async fn with_apps_and_waiting(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    people: Vec<Person>,
) -> Result<Vec<ListedPerson>> {
    if people.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = people.iter().map(|p| p.id.to_string()).collect();
    let links = TenantScope::of(tenant)
        .scim_users()
        .filter(scim_user::Column::PersonId.is_in(ids.iter().cloned()))
        .all(db)
        .await?;
    let mut sql = Sql::new(db.get_database_backend());
    let tenant_slot = sql.bind(tenant.to_string());
    let slots: Vec<String> = ids.iter().map(|id| sql.bind(id.clone())).collect();
    sql.push(&format!(
        "SELECT person_id, license_kind FROM license_waitlist WHERE tenant_id = {tenant_slot} AND person_id IN ({}) ORDER BY license_kind",
        slots.join(", ")
    ));
    let waits = db.query_all(sql.statement()).await?;
    let mut waiting: Vec<(String, LicenseKind)> = Vec::new();
    for row in &waits {
        let person: String = row.try_get("", "person_id")?;
        let kind: String = row.try_get("", "license_kind")?;
        if let Ok(kind) = kind.parse() {
            waiting.push((person, kind));
        }
    }
    Ok(people
        .into_iter()
        .map(|person| {
            let id = person.id.to_string();
            let mut apps: Vec<Product> = links
                .iter()
                .filter(|l| l.person_id == id)
                .filter_map(|l| l.product.parse().ok())
                .collect();
            apps.sort_by_key(|p| Product::ALL.iter().position(|q| q == p));
            apps.dedup();
            let waiting = waiting
                .iter()
                .filter(|(p, _)| *p == id)
                .map(|(_, k)| *k)
                .collect();
            ListedPerson {
                person,
                apps,
                waiting,
            }
        })
        .collect())
}

/// One person of `tenant` (not removed), with their apps and waiting lists.
pub async fn find_person(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    id: PersonId,
) -> Result<Option<ListedPerson>> {
    let Some(row) = TenantScope::of(tenant)
        .people()
        .filter(person::Column::Id.eq(id.to_string()))
        .filter(Expr::col(Alias::new("removed_at")).is_null())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let person = Person::try_from(row)?;
    Ok(with_apps_and_waiting(db, tenant, vec![person]).await?.pop())
}

/// A group a person is in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupOfPerson {
    pub id: String,
    pub product: Option<Product>,
    pub name: String,
    /// `idp` or `manual`.
    pub source: String,
}

/// The groups `person` is a member of, through any of their SCIM users or as a person (manual
/// groups may list people directly), by product and name.
pub async fn groups_of_person(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    person: PersonId,
) -> Result<Vec<GroupOfPerson>> {
    let mut sql = Sql::new(db.get_database_backend());
    let t1 = sql.bind(tenant.to_string());
    let t2 = sql.bind(tenant.to_string());
    let p1 = sql.bind(person.to_string());
    let t3 = sql.bind(tenant.to_string());
    let p2 = sql.bind(person.to_string());
    sql.push(&format!(
        "SELECT g.id, g.product, g.display_name, g.source FROM user_groups g \
         WHERE g.tenant_id = {t1} AND g.id IN (\
           SELECT m.group_id FROM group_members m WHERE m.tenant_id = {t2} AND (m.member_id = {p1} \
             OR m.member_id IN (SELECT su.id FROM scim_users su WHERE su.tenant_id = {t3} AND su.person_id = {p2}))) \
         ORDER BY g.product, g.display_name_lower"
    ));
    let rows = db.query_all(sql.statement()).await?;
    rows.iter()
        .map(|row| {
            let product: String = row.try_get("", "product")?;
            Ok(GroupOfPerson {
                id: row.try_get("", "id")?,
                product: product.parse().ok(),
                name: row.try_get("", "display_name")?,
                source: row.try_get("", "source")?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_successor_bounds_exactly_the_strings_with_the_prefix() {
        for (prefix, next) in [
            ("abc", Some("abd")),
            ("a", Some("b")),
            ("az", Some("a{")),
            ("\u{D7FF}", Some("\u{E000}")),
            ("a\u{10FFFF}", Some("b")),
            ("\u{10FFFF}", None),
        ] {
            assert_eq!(successor(prefix).as_deref(), next, "{prefix:?}");
        }
    }

    #[test]
    fn contains_patterns_escape_like_wildcards() {
        assert_eq!(contains_pattern("ab"), "%ab%");
        assert_eq!(contains_pattern("50%_x\\"), "%50\\%\\_x\\\\%");
    }

    #[test]
    fn cursors_round_trip_and_refuse_anything_else() {
        let cursor = Cursor {
            key: "ada lovelace\u{1f}\"".into(),
            id: PersonId::new().to_string(),
        };
        assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
        assert_eq!(Cursor::decode("not a cursor"), None);
        let bad_id = URL_SAFE_NO_PAD.encode(r#"["a","not-an-id"]"#);
        assert_eq!(Cursor::decode(&bad_id), None);
    }

    #[test]
    fn sort_keys_round_trip_through_their_url_names() {
        for key in [SortKey::Name, SortKey::Email, SortKey::Created] {
            assert_eq!(SortKey::parse(key.as_str()), Some(key));
        }
        assert_eq!(SortKey::parse("salary"), None);
    }
}
