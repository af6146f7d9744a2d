//! Writes sent together. A licensed provisioning write takes a seat and appends a license, its
//! ledger entry and the entry's audit event, in the request's transaction. On SQLite each
//! statement is a round trip to the connection's worker thread, and those hops, not the writes,
//! were most of what the ledger cost; so there the statements go as one `execute` (SQLite runs a
//! text of several statements in order, binding each one's `?`s from the next values).
//! PostgreSQL's extended protocol takes one statement per query, so there they run one after the
//! other.
//!
//! On PostgreSQL the seat and its rows go as one statement instead ([`after_seat_postgres`]): a
//! read of the pool row that finds a free seat, as a CTE, and the inserts selecting from it, one
//! of them the seat's claim, which a deferred trigger settles at commit (migration `000021`). So
//! the pool row is not locked by this statement at all, only inside the COMMIT. With every
//! create of a tenant queueing for that row, what it is held for is what bounds the tenant's
//! creates per second.
//!
//! The caller's transaction makes a batch all or nothing; a failing statement stops the batch
//! and its error is returned like any other (a unique violation stays recognisable).

use sea_orm::{ConnectionTrait, DbBackend, DbErr, Statement, Values};

/// Runs `statements` in order, in one round trip where the backend allows it; returns the rows
/// they changed, together.
pub(crate) async fn execute_together(
    db: &impl ConnectionTrait,
    statements: Vec<Statement>,
) -> Result<u64, DbErr> {
    if db.get_database_backend() != DbBackend::Sqlite || statements.len() < 2 {
        let mut changed = 0;
        for statement in statements {
            changed += db.execute(statement).await?.rows_affected();
        }
        return Ok(changed);
    }
    Ok(db.execute(joined(statements)).await?.rows_affected())
}

/// One SQLite text of `statements`, their values concatenated in order.
fn joined(statements: Vec<Statement>) -> Statement {
    let mut sql = String::new();
    let mut values = Vec::new();
    for statement in statements {
        if !sql.is_empty() {
            sql.push_str(";\n");
        }
        sql.push_str(&statement.sql);
        if let Some(Values(own)) = statement.values {
            values.extend(own);
        }
    }
    Statement::from_sql_and_values(DbBackend::Sqlite, sql, values)
}

/// A one-row SQLite `INSERT INTO t (..) VALUES (?, ..)` made to insert only when the statement
/// before it changed exactly one row: `INSERT INTO t (..) SELECT ?, .. WHERE changes() = 1`.
/// Chained after a conditional UPDATE, a batch then writes everything or nothing past it, in one
/// round trip. `None` for any other statement (the caller sends it on its own).
pub(crate) fn after_one_change(insert: &Statement) -> Option<Statement> {
    let (head, values) = insert.sql.split_once(" VALUES (")?;
    let values = values.strip_suffix(')')?;
    let only_placeholders = values.chars().all(|c| matches!(c, '?' | ',' | ' '));
    if insert.db_backend != DbBackend::Sqlite
        || !head.starts_with("INSERT INTO ")
        || values.is_empty()
        || !only_placeholders
    {
        return None;
    }
    let sql = format!("{head} SELECT {values} WHERE changes() = 1");
    Some(Statement {
        sql,
        values: insert.values.clone(),
        db_backend: DbBackend::Sqlite,
    })
}

/// One PostgreSQL statement that runs `seat` (a SELECT of at most one row: the pool, if it has a
/// free seat) and then each of `inserts` (one-row `INSERT .. VALUES ($1, ..)`) only if it found
/// its row, and returns one row with `taken`: 1 when it did (everything was written), 0 when not
/// (nothing was). `None` when a statement has another shape.
pub(crate) fn after_seat_postgres(seat: &Statement, inserts: &[Statement]) -> Option<Statement> {
    if seat.db_backend != DbBackend::Postgres || !seat.sql.starts_with("SELECT ") {
        return None;
    }
    let mut values = seat.values.clone().map_or_else(Vec::new, |Values(v)| v);
    let mut sql = format!("WITH seat AS ({})", seat.sql);
    for (n, insert) in inserts.iter().enumerate() {
        let (head, rest) = insert.sql.split_once(" VALUES (")?;
        let list = rest.strip_suffix(')')?;
        let only_placeholders = list
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '$' | ',' | ' '));
        if insert.db_backend != DbBackend::Postgres
            || !head.starts_with("INSERT INTO ")
            || list.is_empty()
            || !only_placeholders
        {
            return None;
        }
        let offset = values.len();
        let renumbered = list
            .split(',')
            .map(|p| {
                let index: usize = p.trim().strip_prefix('$')?.parse().ok()?;
                Some(format!("${}", index + offset))
            })
            .collect::<Option<Vec<_>>>()?;
        let own = insert.values.clone().map_or_else(Vec::new, |Values(v)| v);
        if own.len() != renumbered.len() {
            return None;
        }
        values.extend(own);
        sql.push_str(&format!(
            ", i{n} AS ({head} SELECT {} FROM seat)",
            renumbered.join(", ")
        ));
    }
    sql.push_str(" SELECT COUNT(*) AS taken FROM seat");
    Some(Statement::from_sql_and_values(
        DbBackend::Postgres,
        sql,
        values,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqlite(sql: &str, values: Vec<sea_orm::Value>) -> Statement {
        Statement::from_sql_and_values(DbBackend::Sqlite, sql, values)
    }

    #[test]
    fn joins_statements_and_keeps_their_values_in_order() {
        let batch = joined(vec![
            sqlite("INSERT INTO a VALUES (?, ?)", vec![1.into(), 2.into()]),
            Statement::from_string(DbBackend::Sqlite, "DELETE FROM b"),
            sqlite("UPDATE c SET x = ?", vec!["three".into()]),
        ]);
        assert_eq!(
            batch.sql,
            "INSERT INTO a VALUES (?, ?);\nDELETE FROM b;\nUPDATE c SET x = ?"
        );
        assert_eq!(
            batch.values,
            Some(Values(vec![1.into(), 2.into(), "three".into()]))
        );
    }

    #[test]
    fn guards_a_one_row_insert_on_the_change_before_it() {
        let insert = sqlite(
            r#"INSERT INTO "licenses" ("tenant_id", "id") VALUES (?, ?)"#,
            vec!["t".into(), "l".into()],
        );
        let guarded = after_one_change(&insert).unwrap();
        assert_eq!(
            guarded.sql,
            r#"INSERT INTO "licenses" ("tenant_id", "id") SELECT ?, ? WHERE changes() = 1"#
        );
        assert_eq!(guarded.values, insert.values);
    }

    #[test]
    fn chains_postgres_inserts_on_the_seat_with_their_placeholders_renumbered() {
        let pg = |sql: &str, values: Vec<sea_orm::Value>| {
            Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
        };
        let seat = pg(
            r#"SELECT $1 FROM "seat_pools" WHERE "in_use" < "capacity""#,
            vec![1.into()],
        );
        let inserts = [
            pg(
                r#"INSERT INTO "licenses" ("a", "b") VALUES ($1, $2)"#,
                vec!["a".into(), "b".into()],
            ),
            pg(
                r#"INSERT INTO "entries" ("c") VALUES ($1)"#,
                vec!["c".into()],
            ),
        ];
        let batch = after_seat_postgres(&seat, &inserts).unwrap();
        assert_eq!(
            batch.sql,
            r#"WITH seat AS (SELECT $1 FROM "seat_pools" WHERE "in_use" < "capacity"), i0 AS (INSERT INTO "licenses" ("a", "b") SELECT $2, $3 FROM seat), i1 AS (INSERT INTO "entries" ("c") SELECT $4 FROM seat) SELECT COUNT(*) AS taken FROM seat"#
        );
        assert_eq!(
            batch.values,
            Some(Values(vec![1.into(), "a".into(), "b".into(), "c".into()]))
        );
        let returning = pg(
            r#"INSERT INTO "a" ("x") VALUES ($1) RETURNING "x""#,
            vec![1.into()],
        );
        assert_eq!(after_seat_postgres(&seat, &[returning]), None);
        assert_eq!(
            after_seat_postgres(&sqlite("SELECT 1 FROM a", vec![]), &[]),
            None
        );
        let update = pg(r#"UPDATE "a" SET "x" = $1"#, vec![1.into()]);
        assert_eq!(after_seat_postgres(&update, &inserts), None);
    }

    #[test]
    fn leaves_other_shapes_alone() {
        for sql in [
            r#"INSERT INTO "a" ("x") VALUES (?), (?)"#,
            r#"INSERT INTO "a" ("x") VALUES ('literal')"#,
            r#"INSERT INTO "a" ("x") VALUES (?) RETURNING "x""#,
            r#"UPDATE "a" SET "x" = ?"#,
        ] {
            assert_eq!(after_one_change(&sqlite(sql, vec![])), None, "{sql}");
        }
        let postgres = Statement::from_sql_and_values(
            DbBackend::Postgres,
            r#"INSERT INTO "a" ("x") VALUES ($1)"#,
            vec![1.into()],
        );
        assert_eq!(after_one_change(&postgres), None);
    }
}
