//! A Group's members read a page at a time, for a response that streams them
//! ([`rosterd_scim::store::MemberPages`]): keyset pages in member-id order on the membership
//! table's primary key (`tenant_id, group_id, member_id`), all inside one read transaction, so
//! the pages are one snapshot (and, for `GET /Groups/{id}`, the same snapshot as the group row
//! whose version is the `ETag`). The transaction holds one pooled connection while the body is
//! being sent.

use futures_util::stream::{self, StreamExt as _};
use rosterd_scim::store::{MemberPages, Reference, StoredResource};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseBackend, DatabaseConnection, DatabaseTransaction,
    IsolationLevel, TransactionTrait,
};

use crate::entity::{group_member, scim_user};
use crate::error::{Failure, Outcome};
use crate::groups;
use crate::scope::Scope;

/// Members per page (per query, and per chunk of the response body).
const PAGE: u64 = 1_000;

/// One Group without its members, and its members as pages, from one snapshot.
pub(crate) async fn group_streamed(
    db: &DatabaseConnection,
    scope: Scope,
    id: &str,
) -> Outcome<(StoredResource, MemberPages)> {
    let txn = snapshot(db).await?;
    let row = scope
        .group(id)
        .one(&txn)
        .await?
        .ok_or_else(|| groups::not_found(id))?;
    let group = groups::stored(&row, None)?;
    let pages = pages(Reader::Open(txn), db.clone(), scope, row.id);
    Ok((group, pages))
}

/// The members of one group as pages, the snapshot taken when the first page is read.
pub(crate) fn member_pages(db: DatabaseConnection, scope: Scope, group_id: String) -> MemberPages {
    pages(Reader::NotYet, db, scope, group_id)
}

/// A read-only transaction that sees one snapshot (PostgreSQL: REPEATABLE READ; SQLite: a
/// deferred transaction in WAL mode reads one snapshot from its first read on).
async fn snapshot(db: &DatabaseConnection) -> Outcome<DatabaseTransaction> {
    let txn = if db.get_database_backend() == DatabaseBackend::Postgres {
        db.begin_with_config(
            Some(IsolationLevel::RepeatableRead),
            Some(AccessMode::ReadOnly),
        )
        .await?
    } else {
        db.begin().await?
    };
    Ok(txn)
}

/// The transaction the pages are read in.
enum Reader {
    NotYet,
    Open(DatabaseTransaction),
}

/// Where the stream is.
struct Cursor {
    reader: Reader,
    db: DatabaseConnection,
    scope: Scope,
    group_id: String,
    /// The last member id sent; `None` before the first page.
    after: Option<String>,
}

fn pages(reader: Reader, db: DatabaseConnection, scope: Scope, group_id: String) -> MemberPages {
    let start = Some(Cursor {
        reader,
        db,
        scope,
        group_id,
        after: None,
    });
    stream::unfold(start, |cursor| async move {
        let mut cursor = cursor?;
        let txn = match cursor.reader {
            Reader::Open(txn) => txn,
            Reader::NotYet => match snapshot(&cursor.db).await {
                Ok(txn) => txn,
                Err(failure) => return Some((Err(failure.into_scim()), None)),
            },
        };
        let page = match page(
            &txn,
            &cursor.scope,
            &cursor.group_id,
            cursor.after.as_deref(),
        )
        .await
        {
            Ok(page) => page,
            Err(failure) => return Some((Err(failure.into_scim()), None)),
        };
        if page.is_empty() {
            // Read-only: ending it either way releases the connection.
            let _ = txn.commit().await;
            return None;
        }
        let last = u64::try_from(page.len()).unwrap_or(u64::MAX) < PAGE;
        cursor.after = page.last().map(|r| r.value.clone());
        if last {
            let _ = txn.commit().await;
            return Some((Ok(page), None));
        }
        cursor.reader = Reader::Open(txn);
        Some((Ok(page), Some(cursor)))
    })
    .boxed()
}

/// The next page of the group's members after `after`, in member-id order; members are SCIM
/// users of the scope's app (joined, as [`crate::members::members_of`] does).
async fn page(
    txn: &DatabaseTransaction,
    scope: &Scope,
    group_id: &str,
    after: Option<&str>,
) -> Outcome<Vec<Reference>> {
    let mut stmt = Query::select();
    stmt.column((group_member::Entity, group_member::Column::MemberId))
        .from(group_member::Entity)
        .inner_join(scim_user::Entity, crate::members::member_is_user())
        .and_where(
            Expr::col((group_member::Entity, group_member::Column::TenantId)).eq(&scope.tenant),
        )
        .and_where(Expr::col((group_member::Entity, group_member::Column::GroupId)).eq(group_id))
        .and_where(Expr::col((scim_user::Entity, scim_user::Column::Product)).eq(scope.product))
        .order_by(
            (group_member::Entity, group_member::Column::MemberId),
            sea_orm::Order::Asc,
        )
        .limit(PAGE);
    if let Some(after) = after {
        stmt.and_where(Expr::col((group_member::Entity, group_member::Column::MemberId)).gt(after));
    }
    let rows = txn
        .query_all(txn.get_database_backend().build(&stmt))
        .await?;
    rows.into_iter()
        .map(|row| {
            Ok(Reference {
                value: row.try_get("", "member_id")?,
                display: None,
                kind: "User",
            })
        })
        .collect::<Result<_, sea_orm::DbErr>>()
        .map_err(Failure::from)
}
