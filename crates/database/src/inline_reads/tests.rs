//! The inline reader reads what the pool wrote exactly as the pool reads it, binds values as the
//! pool binds them, and keeps the pool's limits.

use std::time::{Duration, Instant};

use chrono::{TimeZone as _, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::{
    ActiveValue::Set, DatabaseBackend, FromQueryResult, QueryOrder as _, QuerySelect, QueryTrait,
};

use super::{Columns, InlineReader};
use crate::connect::connect_url_with;

pub(crate) mod account {
    use sea_orm::entity::prelude::*;

    /// One column of each type the stored entities use.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "accounts")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub external_id: Option<String>,
        pub active: bool,
        pub version: i64,
        pub rank: i32,
        pub created_at: DateTimeUtc,
        pub closed_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A model and a computed column, as the directory reads a user with its groups.
#[derive(Debug, PartialEq)]
struct WithLabel {
    model: account::Model,
    label: Option<String>,
}

impl FromQueryResult for WithLabel {
    fn from_query_result(res: &QueryResult, pre: &str) -> Result<Self, DbErr> {
        Ok(Self {
            model: account::Model::from_query_result(res, pre)?,
            label: res.try_get(pre, "label")?,
        })
    }
}

pub(crate) struct Fixture {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) url: String,
    pub(crate) db: DatabaseConnection,
}

pub(crate) async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/inline.db?mode=rwc", dir.path().display());
    let db = connect_url_with(&url, Duration::from_secs(30))
        .await
        .unwrap();
    db.execute_unprepared(
        "CREATE TABLE accounts (id TEXT PRIMARY KEY NOT NULL, external_id TEXT, \
         active BOOLEAN NOT NULL, version BIGINT NOT NULL, rank INTEGER NOT NULL, \
         created_at TEXT NOT NULL, closed_at TEXT)",
    )
    .await
    .unwrap();
    Fixture { dir, url, db }
}

pub(crate) fn rows() -> Vec<account::Model> {
    let at = Utc.with_ymd_and_hms(2026, 12, 3, 17, 21, 13).unwrap();
    vec![
        account::Model {
            id: "a".into(),
            external_id: Some("ext-\u{e9}\"quoted\"".into()),
            active: true,
            version: i64::MAX,
            rank: -7,
            created_at: at + chrono::TimeDelta::milliseconds(123),
            closed_at: None,
        },
        account::Model {
            id: "b".into(),
            external_id: None,
            active: false,
            version: 1,
            rank: 0,
            created_at: at,
            closed_at: Some(at + chrono::TimeDelta::microseconds(456_789)),
        },
    ]
}

pub(crate) async fn insert(db: &impl ConnectionTrait, rows: &[account::Model]) {
    for row in rows {
        account::ActiveModel {
            id: Set(row.id.clone()),
            external_id: Set(row.external_id.clone()),
            active: Set(row.active),
            version: Set(row.version),
            rank: Set(row.rank),
            created_at: Set(row.created_at),
            closed_at: Set(row.closed_at),
        }
        .insert(db)
        .await
        .unwrap();
    }
}

#[tokio::test]
async fn rows_the_pool_wrote_read_back_exactly_as_the_pool_reads_them() {
    let f = fixture().await;
    let written = rows();
    insert(&f.db, &written).await;
    let reader = InlineReader::open(&f.url, Duration::from_secs(30))
        .unwrap()
        .expect("a SQLite file has a reader");
    let columns = Columns::of::<account::Entity>();
    let select = account::Entity::find()
        .column_as(Expr::cust("upper(id) || '!'"), "label")
        .order_by_asc(account::Column::Id);
    let through_pool: Vec<WithLabel> = select.clone().into_model().all(&f.db).await.unwrap();
    let inline: Vec<WithLabel> = reader
        .query(&select.build(DatabaseBackend::Sqlite), &columns)
        .unwrap();
    assert_eq!(inline, through_pool);
    assert_eq!(
        inline.iter().map(|r| r.model.clone()).collect::<Vec<_>>(),
        written
    );
    assert_eq!(inline[0].label.as_deref(), Some("A!"));
}

#[tokio::test]
async fn values_are_bound_as_the_pool_binds_them() {
    let f = fixture().await;
    let written = rows();
    insert(&f.db, &written).await;
    let reader = InlineReader::open(&f.url, Duration::from_secs(30))
        .unwrap()
        .unwrap();
    let columns = Columns::of::<account::Entity>();
    let filters = [
        account::Column::Active.eq(false),
        account::Column::Version.eq(i64::MAX),
        account::Column::Rank.lt(0),
        account::Column::ExternalId.eq("ext-\u{e9}\"quoted\""),
        account::Column::ExternalId.is_null(),
        // A timestamp compares as the text sqlx wrote, to the microsecond.
        account::Column::ClosedAt.eq(written[1].closed_at.unwrap()),
        account::Column::CreatedAt.gt(written[1].created_at),
    ];
    for filter in filters {
        let select = account::Entity::find().filter(filter.clone());
        let expected: Vec<account::Model> = select.clone().all(&f.db).await.unwrap();
        assert_eq!(expected.len(), 1, "{filter:?}");
        let got: Option<account::Model> = reader
            .query_one(&select.build(DatabaseBackend::Sqlite), &columns)
            .unwrap();
        assert_eq!(got.as_ref(), expected.first(), "{filter:?}");
    }
}

#[tokio::test]
async fn the_reader_sees_each_commit_and_refuses_to_write() {
    let f = fixture().await;
    let reader = InlineReader::open(&f.url, Duration::from_secs(30))
        .unwrap()
        .unwrap();
    let columns = Columns::of::<account::Entity>();
    let select = account::Entity::find().filter(account::Column::Id.eq("b"));
    let statement = select.build(DatabaseBackend::Sqlite);
    assert_eq!(
        reader
            .query_one::<account::Model>(&statement, &columns)
            .unwrap(),
        None
    );
    insert(&f.db, &rows()).await;
    assert_eq!(
        reader
            .query_one::<account::Model>(&statement, &columns)
            .unwrap(),
        Some(rows()[1].clone())
    );
    let delete = account::Entity::delete_many().build(DatabaseBackend::Sqlite);
    let err = reader
        .query::<account::Model>(&delete, &columns)
        .unwrap_err();
    assert!(err.to_string().contains("readonly"), "{err}");
    assert_eq!(account::Entity::find().count(&f.db).await.unwrap(), 2);
}

#[tokio::test]
async fn a_statement_busy_past_the_limit_is_interrupted_as_a_timeout() {
    let f = fixture().await;
    let reader = InlineReader::open(&f.url, Duration::from_millis(200))
        .unwrap()
        .unwrap();
    let endless = sea_orm::Statement::from_string(
        DatabaseBackend::Sqlite,
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) AS n FROM c",
    );
    let started = Instant::now();
    let err = reader
        .query::<account::Model>(&endless, &Columns::default())
        .unwrap_err();
    assert_eq!(crate::classify(&err), crate::DbFailure::Timeout, "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    // The connection goes back to the reader and serves the next statement.
    let select = account::Entity::find().build(DatabaseBackend::Sqlite);
    assert_eq!(
        reader
            .query::<account::Model>(&select, &Columns::of::<account::Entity>())
            .unwrap(),
        vec![]
    );
    drop(f.dir);
}

#[test]
fn only_a_sqlite_file_has_an_inline_reader() {
    let timeout = Duration::from_secs(1);
    assert!(
        InlineReader::open("postgres://postgres@127.0.0.1/x", timeout)
            .unwrap()
            .is_none()
    );
    assert!(
        InlineReader::open("sqlite::memory:", timeout)
            .unwrap()
            .is_none()
    );
    let dir = tempfile::tempdir().unwrap();
    let missing = format!("sqlite://{}/no/such/dir/x.db", dir.path().display());
    assert!(InlineReader::open(&missing, timeout).is_err());
}
