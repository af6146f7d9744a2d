//! The provisioning log: every SCIM request of a tenant's product apps, newest first. The
//! binary records rows (in batches, off the request path); the admin center lists them with
//! filters and keyset paging and summarises each app's recent activity; a periodic task purges
//! rows past the retention.
//!
//! A row holds no bodies and no headers: method, path, status, outcome, `scimType`, the error
//! detail, the resources the request changed, a summary of the request with passwords stripped
//! (built by the writer), and the latency. Every query takes the tenant.
//!
//! Entries are bounded ([`LogEntry::bounded`]): path, summary and detail at most [`MAX_TEXT`]
//! bytes each, at most [`MAX_RESOURCES`] changed resources with short ids and names, so one
//! huge request cannot store a huge row and an entry is about 5 KB at the very most.

use chrono::{DateTime, Utc};
use rosterd_database::DatabaseError;
use rosterd_domain::{Product, TenantId};
use sea_orm::sea_query::{Condition, Expr, LikeExpr};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use serde::{Deserialize, Serialize};

use crate::entity::provisioning_log::{self as row, Column, Entity};

/// How a request ended, as an admin filters by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// 2xx.
    Success,
    /// 4xx other than a seat refusal: something to fix in the IdP or in rosterd's settings.
    ClientError,
    /// 5xx: rosterd failed.
    ServerError,
    /// 403 because a product's seat pool is full.
    RefusedSeats,
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [
        Outcome::Success,
        Outcome::ClientError,
        Outcome::ServerError,
        Outcome::RefusedSeats,
    ];

    /// The name stored in `provisioning_log.outcome` (and used in filter URLs).
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::ClientError => "client-error",
            Outcome::ServerError => "server-error",
            Outcome::RefusedSeats => "refused-seats",
        }
    }

    /// The outcome stored as `s`.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.as_str() == s)
    }

    /// The outcome of a response with `status` and error `detail`. A seat refusal is the 403
    /// whose detail says more licenses are needed (the ledger's wording).
    pub fn classify(status: u16, detail: Option<&str>) -> Self {
        match status {
            500.. => Outcome::ServerError,
            403 if detail.is_some_and(|d| d.contains("more licenses are needed")) => {
                Outcome::RefusedSeats
            }
            400.. => Outcome::ClientError,
            _ => Outcome::Success,
        }
    }
}

/// A resource a request created, changed or deleted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangedResource {
    /// `User` or `Group`.
    #[serde(rename = "type")]
    pub kind: String,
    pub id: String,
    /// The userName or displayName, when the response or request carried it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// The longest path, summary or detail kept, in bytes; longer ones are cut (at a character
/// boundary) and end with `…`.
pub const MAX_TEXT: usize = 1024;
/// The most changed resources kept per entry (a Bulk of 1,000 operations keeps the first ones;
/// its summary still says how many operations it had).
pub const MAX_RESOURCES: usize = 10;
/// The longest resource id kept, in bytes (rosterd's ids are 36).
const MAX_ID: usize = 64;
/// The longest resource name or `scimType` kept, in bytes.
const MAX_NAME: usize = 128;

/// `text` cut to at most `max` bytes (the cut marked with `…`).
fn cut(text: &mut String, max: usize) {
    const MORE: &str = "…";
    if text.len() <= max {
        return;
    }
    let mut end = max.saturating_sub(MORE.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text.push_str(MORE);
}

/// One SCIM request, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogEntry {
    pub tenant: TenantId,
    /// The request id.
    pub id: String,
    pub product: Product,
    pub at: DateTime<Utc>,
    pub method: String,
    /// The path and query string (SCIM puts no secrets in either).
    pub path: String,
    pub status: u16,
    pub outcome: Outcome,
    pub scim_type: Option<String>,
    pub detail: Option<String>,
    pub resources: Vec<ChangedResource>,
    /// What the request asked for, without values that could be secret.
    pub summary: Option<String>,
    pub latency_ms: i64,
    /// How many requests this entry stands for: 1, or more for a run of fair-share refusals
    /// of one app collapsed into one entry (the last of them, counted).
    pub repeats: u32,
}

impl LogEntry {
    /// The entry with every text and the resource list within the bounds ([`MAX_TEXT`],
    /// [`MAX_RESOURCES`]).
    #[must_use]
    pub fn bounded(mut self) -> Self {
        cut(&mut self.path, MAX_TEXT);
        for text in [&mut self.summary, &mut self.detail].into_iter().flatten() {
            cut(text, MAX_TEXT);
        }
        if let Some(scim_type) = &mut self.scim_type {
            cut(scim_type, MAX_NAME);
        }
        self.resources.truncate(MAX_RESOURCES);
        for r in &mut self.resources {
            cut(&mut r.id, MAX_ID);
            cut(&mut r.kind, MAX_NAME);
            if let Some(name) = &mut r.name {
                cut(name, MAX_NAME);
            }
        }
        self
    }

    /// Where the next page (older entries) starts.
    pub fn cursor(&self) -> Cursor {
        Cursor {
            at: self.at,
            id: self.id.clone(),
        }
    }

    /// The lowercased text the "user" filter searches: resource names and ids, and the names in
    /// the summary.
    fn subject(&self) -> String {
        let mut parts: Vec<&str> = Vec::new();
        for r in &self.resources {
            parts.push(&r.id);
            if let Some(name) = &r.name {
                parts.push(name);
            }
        }
        if let Some(summary) = &self.summary {
            parts.push(summary);
        }
        parts.push(&self.path);
        parts.join(" ").to_lowercase()
    }
}

/// A position in the newest-first order: the last entry of the previous page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub at: DateTime<Utc>,
    pub id: String,
}

/// Which entries to list. Every field narrows.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub product: Option<Product>,
    pub outcome: Option<Outcome>,
    /// Not a success (client error, server error or seat refusal).
    pub failures_only: bool,
    /// A userName, displayName or resource id containing this (case-insensitive).
    pub subject: Option<String>,
    /// At or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Strictly before this time.
    pub until: Option<DateTime<Utc>>,
    pub after: Option<Cursor>,
    pub limit: Option<u64>,
}

/// Records `entries` in one insert (the writer batches them), each within the bounds.
pub async fn record(
    conn: &impl ConnectionTrait,
    entries: &[LogEntry],
) -> Result<(), DatabaseError> {
    if entries.is_empty() {
        return Ok(());
    }
    let rows = entries
        .iter()
        .map(|e| e.clone().bounded())
        .map(|e| row::ActiveModel {
            tenant_id: Set(e.tenant.to_string()),
            id: Set(e.id.clone()),
            product: Set(e.product.slug().to_owned()),
            created_at: Set(e.at),
            method: Set(e.method.clone()),
            path: Set(e.path.clone()),
            status: Set(i32::from(e.status)),
            outcome: Set(e.outcome.as_str().to_owned()),
            scim_type: Set(e.scim_type.clone()),
            detail: Set(e.detail.clone()),
            resources: Set(serde_json::to_string(&e.resources).unwrap_or_else(|_| "[]".to_owned())),
            subject: Set(e.subject()),
            summary: Set(e.summary.clone()),
            latency_ms: Set(e.latency_ms),
            repeats: Set(i64::from(e.repeats)),
        });
    Entity::insert_many(rows)
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

fn like_contains(needle: &str) -> LikeExpr {
    let escaped: String = needle
        .to_lowercase()
        .chars()
        .flat_map(|c| match c {
            '%' | '_' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    LikeExpr::new(format!("%{escaped}%")).escape('\\')
}

/// The tenant's entries matching `query`, newest first.
pub async fn list(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    query: &Query,
) -> Result<Vec<LogEntry>, DatabaseError> {
    let mut select = Entity::find().filter(Column::TenantId.eq(tenant.to_string()));
    if let Some(product) = query.product {
        select = select.filter(Column::Product.eq(product.slug()));
    }
    if let Some(outcome) = query.outcome {
        select = select.filter(Column::Outcome.eq(outcome.as_str()));
    }
    if query.failures_only {
        select = select.filter(Column::Outcome.ne(Outcome::Success.as_str()));
    }
    if let Some(subject) = query
        .subject
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        select = select.filter(Expr::col(Column::Subject).like(like_contains(subject)));
    }
    if let Some(since) = query.since {
        select = select.filter(Column::CreatedAt.gte(since));
    }
    if let Some(until) = query.until {
        select = select.filter(Column::CreatedAt.lt(until));
    }
    if let Some(after) = &query.after {
        select = select.filter(
            Condition::any().add(Column::CreatedAt.lt(after.at)).add(
                Condition::all()
                    .add(Expr::col(Column::CreatedAt).eq(after.at))
                    .add(Column::Id.lt(after.id.as_str())),
            ),
        );
    }
    if let Some(limit) = query.limit {
        select = select.limit(limit);
    }
    let rows = select
        .order_by_desc(Column::CreatedAt)
        .order_by_desc(Column::Id)
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| entry_of(tenant, r))
        .collect())
}

fn entry_of(tenant: TenantId, r: row::Model) -> Option<LogEntry> {
    Some(LogEntry {
        tenant,
        product: r.product.parse().ok()?,
        outcome: Outcome::parse(&r.outcome).unwrap_or(Outcome::ClientError),
        resources: serde_json::from_str(&r.resources).unwrap_or_default(),
        status: u16::try_from(r.status).unwrap_or(0),
        id: r.id,
        at: r.created_at,
        method: r.method,
        path: r.path,
        scim_type: r.scim_type,
        detail: r.detail,
        summary: r.summary,
        latency_ms: r.latency_ms,
        repeats: u32::try_from(r.repeats).unwrap_or(u32::MAX),
    })
}

/// One app's recent SCIM activity, for the overview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppActivity {
    pub product: Product,
    /// The newest logged request.
    pub last_request_at: Option<DateTime<Utc>>,
    /// Requests since the given time that did not succeed (refusals included).
    pub failures: u64,
    /// Of those, requests the fair share refused (429): the IdP sent more than its limit
    /// while other organisations were provisioning.
    pub rate_limited: u64,
}

/// Per product: the newest request, the failures since `since`, and of those the fair-share
/// refusals; collapsed entries count every request they stand for.
pub async fn activity(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    since: DateTime<Utc>,
) -> Result<Vec<AppActivity>, DatabaseError> {
    let mut out = Vec::with_capacity(Product::ALL.len());
    for product in Product::ALL {
        let scoped = || {
            Entity::find()
                .filter(Column::TenantId.eq(tenant.to_string()))
                .filter(Column::Product.eq(product.slug()))
        };
        let last_request_at = scoped()
            .order_by_desc(Column::CreatedAt)
            .order_by_desc(Column::Id)
            .one(conn)
            .await?
            .map(|r| r.created_at);
        let requests = |status: Option<i32>| {
            let mut select = scoped()
                .filter(Column::CreatedAt.gte(since))
                .filter(Column::Outcome.ne(Outcome::Success.as_str()));
            if let Some(status) = status {
                select = select.filter(Column::Status.eq(status));
            }
            select
                .select_only()
                // A BIGINT on both databases (PostgreSQL's SUM of BIGINT is NUMERIC).
                .column_as(Expr::cust("CAST(SUM(repeats) AS BIGINT)"), "requests")
                .into_tuple::<Option<i64>>()
                .one(conn)
        };
        let count =
            |sum: Option<Option<i64>>| u64::try_from(sum.flatten().unwrap_or(0)).unwrap_or(0);
        let failures = count(requests(None).await?);
        let rate_limited = count(requests(Some(429)).await?);
        out.push(AppActivity {
            product,
            last_request_at,
            failures,
            rate_limited,
        });
    }
    Ok(out)
}

/// Deletes the tenant's entries older than `before`; returns how many went.
pub async fn purge(
    conn: &impl ConnectionTrait,
    tenant: TenantId,
    before: DateTime<Utc>,
) -> Result<u64, DatabaseError> {
    let deleted = Entity::delete_many()
        .filter(Column::TenantId.eq(tenant.to_string()))
        .filter(Column::CreatedAt.lt(before))
        .exec(conn)
        .await?;
    Ok(deleted.rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_follow_status_and_the_seat_refusal_wording() {
        let full = "Learning cannot license `ada`: the Learning pool (`learning`) is full, 1 of 1 seats assigned; more licenses are needed.";
        let cases = [
            ("created", 201, None, Outcome::Success),
            ("deleted", 204, None, Outcome::Success),
            ("conflict", 409, Some("exists"), Outcome::ClientError),
            ("pool full", 403, Some(full), Outcome::RefusedSeats),
            (
                "app disabled",
                403,
                Some("SCIM provisioning is disabled"),
                Outcome::ClientError,
            ),
            ("bad token", 401, None, Outcome::ClientError),
            ("our failure", 500, None, Outcome::ServerError),
        ];
        for (what, status, detail, want) in cases {
            assert_eq!(Outcome::classify(status, detail), want, "{what}");
        }
        for o in Outcome::ALL {
            assert_eq!(Outcome::parse(o.as_str()), Some(o));
        }
    }

    fn entry(summary: String, resources: usize, name_len: usize) -> LogEntry {
        LogEntry {
            tenant: TenantId::new(),
            id: "r1".into(),
            product: Product::Learning,
            at: DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
            method: "PATCH".into(),
            path: format!("/scim/v2/Users?filter={}", "x".repeat(10_000)),
            status: 400,
            outcome: Outcome::ClientError,
            scim_type: Some("invalidValue".into()),
            detail: Some("é".repeat(5_000)),
            resources: (0..resources)
                .map(|n| ChangedResource {
                    kind: "User".into(),
                    id: n.to_string(),
                    name: Some("n".repeat(name_len)),
                })
                .collect(),
            summary: Some(summary),
            latency_ms: 1,
            repeats: 1,
        }
    }

    #[test]
    fn entries_are_bounded_whatever_the_request() {
        let big = entry("add emails (1); ".repeat(4_000), 1_000, 1_000).bounded();
        assert!(big.path.len() <= MAX_TEXT && big.path.ends_with('…'));
        let summary = big.summary.as_deref().unwrap();
        assert!(
            summary.len() <= MAX_TEXT && summary.ends_with('…'),
            "{}",
            summary.len()
        );
        let detail = big.detail.as_deref().unwrap();
        assert!(
            detail.len() <= MAX_TEXT && detail.starts_with("éé"),
            "cut at a character boundary"
        );
        assert_eq!(big.resources.len(), MAX_RESOURCES);
        assert!(
            big.resources
                .iter()
                .all(|r| r.name.as_ref().unwrap().len() <= MAX_NAME)
        );
        assert!(big.subject().len() < 2 * MAX_TEXT + MAX_RESOURCES * (MAX_ID + MAX_NAME + 2));
        let small = entry("replace active=false".into(), 1, 20);
        let kept = small.clone().bounded();
        assert_eq!(kept.summary, small.summary, "a short summary is untouched");
        assert_eq!(kept.resources, small.resources);
    }

    #[test]
    fn contains_patterns_escape_wildcards() {
        let like = like_contains("A_b%");
        let sql = sea_orm::sea_query::Query::select()
            .expr(Expr::val(1))
            .and_where(Expr::col(Column::Subject).like(like))
            .to_string(sea_orm::sea_query::SqliteQueryBuilder);
        assert!(sql.contains(r"'%a\_b\%%'"), "{sql}");
    }
}
