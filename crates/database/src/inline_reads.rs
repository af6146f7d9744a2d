//! Point reads on a SQLite file run on the calling thread.
//!
//! sqlx gives each SQLite connection a thread of its own: every statement is a message to that
//! thread and every row a message back, two thread wake-ups at least, and for a lookup by key
//! those hand-offs cost several times what SQLite spends on the statement (issue 12's profile of
//! `GET /Users/{id}`: a quarter of the server's time in the kernel switching threads). An
//! [`InlineReader`] keeps a few connections of its own (rusqlite, on the same file, the same
//! SQLite library) and runs a statement where it is asked for, on the caller's thread.
//!
//! Only for statements that read at most one row by a unique key: the caller's thread is a
//! tokio worker, and it is blocked for as long as the statement runs (tens of microseconds for
//! such a lookup). Anything that scans, sorts or pages stays on the pool. The connections are
//! `query_only` and autocommit, so every statement reads the last committed state (WAL readers
//! never wait for the writer); each has the same progress limit as the pool's
//! ([`ProgressLimit`]), so a statement busy past the limit is interrupted and classified as a
//! timeout.
//!
//! Rows come back as sea-orm's [`QueryResult`], so the callers' `FromQueryResult` types (entity
//! models, computed columns) read them exactly as they read the pool's rows: each column is
//! decoded by the type the entity declares for it ([`Columns`]).

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::types::{ToSqlOutput, Value as SqlValue, ValueRef};
use rusqlite::{OpenFlags, ToSql};
use sea_orm::{
    ColumnTrait as _, ColumnType, DbErr, EntityTrait, FromQueryResult, IdenStatic as _,
    Iterable as _, ProxyRow, QueryResult, Statement, Value,
};

use crate::connect::{PROGRESS_OPS, ProgressLimit, sqlite_path};

/// Idle connections kept; a burst beyond it opens more and closes them after.
const KEEP_IDLE: usize = 8;

/// How long a statement waits on a locked file (only ever briefly: WAL readers do not wait for
/// writers), as the pool's connections do.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Connections of its own to one SQLite file, for point reads on the caller's thread (see the
/// module documentation). Cheap to clone; clones share the connections.
#[derive(Clone)]
pub struct InlineReader {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    statement_timeout: Duration,
    idle: Mutex<Vec<rusqlite::Connection>>,
}

impl std::fmt::Debug for InlineReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InlineReader")
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

impl InlineReader {
    /// A reader for the SQLite file of `url`, its statements interrupted after
    /// `statement_timeout`; `None` for PostgreSQL or an in-memory database (which another
    /// connection would not see). The file must exist (the server migrates it first); one
    /// connection is opened here, so a file that cannot be read fails now, not at the first
    /// request.
    pub fn open(url: &str, statement_timeout: Duration) -> Result<Option<Self>, DbErr> {
        if !url.starts_with("sqlite:") {
            return Ok(None);
        }
        let Some(path) = sqlite_path(url) else {
            return Ok(None);
        };
        let inner = Inner {
            path: PathBuf::from(path),
            statement_timeout,
            idle: Mutex::new(Vec::new()),
        };
        let first = inner.connect()?;
        inner.put_back(first);
        Ok(Some(Self {
            inner: Arc::new(inner),
        }))
    }

    /// Runs `statement` (built for SQLite, `?` placeholders) and reads each row as `M`, its
    /// columns decoded as `columns` declares. Blocks the calling thread while the statement runs.
    pub fn query<M: FromQueryResult>(
        &self,
        statement: &Statement,
        columns: &Columns,
    ) -> Result<Vec<M>, DbErr> {
        let conn = self.inner.take()?;
        let result = run(&conn, statement, columns);
        self.inner.put_back(conn);
        result
    }

    /// [`Self::query`], the first row only.
    pub fn query_one<M: FromQueryResult>(
        &self,
        statement: &Statement,
        columns: &Columns,
    ) -> Result<Option<M>, DbErr> {
        Ok(self.query(statement, columns)?.into_iter().next())
    }
}

impl Inner {
    fn connect(&self) -> Result<rusqlite::Connection, DbErr> {
        // Read-write (not create), so WAL's shared-memory index can be used; `query_only`
        // refuses every write.
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_URI;
        let conn = rusqlite::Connection::open_with_flags(&self.path, flags).map_err(failed)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(failed)?;
        conn.pragma_update(None, "query_only", true)
            .map_err(failed)?;
        let mut limit = ProgressLimit::new(self.statement_timeout);
        conn.progress_handler(PROGRESS_OPS, Some(move || !limit.proceed(Instant::now())));
        Ok(conn)
    }

    fn take(&self) -> Result<rusqlite::Connection, DbErr> {
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        match idle {
            Some(conn) => Ok(conn),
            None => self.connect(),
        }
    }

    fn put_back(&self, conn: rusqlite::Connection) {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < KEEP_IDLE {
            idle.push(conn);
        }
    }
}

/// The statement run on `conn`, its rows read as `M`.
fn run<M: FromQueryResult>(
    conn: &rusqlite::Connection,
    statement: &Statement,
    columns: &Columns,
) -> Result<Vec<M>, DbErr> {
    rows(conn, statement, columns, usize::MAX)?
        .iter()
        .map(|row| M::from_query_result(row, ""))
        .collect()
}

/// At most `limit` rows of the statement run on `conn`, each column decoded as `columns`
/// declares it. A row is keyed by column name, so it is meant to be read by name (entity
/// models, `FromQueryResult` types); sea-orm reads a tuple of several columns by position, in
/// the order of the names.
pub(crate) fn rows(
    conn: &rusqlite::Connection,
    statement: &Statement,
    columns: &Columns,
    limit: usize,
) -> Result<Vec<QueryResult>, DbErr> {
    let mut prepared = conn.prepare_cached(&statement.sql).map_err(failed)?;
    let names: Vec<String> = prepared
        .column_names()
        .into_iter()
        .map(str::to_owned)
        .collect();
    let decoders: Vec<&[Decode]> = names.iter().map(|name| columns.decoders(name)).collect();
    let mut rows = prepared.query(params(statement)).map_err(failed)?;
    let mut out = Vec::new();
    while out.len() < limit {
        let Some(row) = rows.next().map_err(failed)? else {
            break;
        };
        let mut values = BTreeMap::new();
        for (index, (name, decoders)) in names.iter().zip(&decoders).enumerate() {
            let raw = row.get_ref(index).map_err(failed)?;
            values.insert(name.clone(), Decode::choose(decoders, raw, name)?);
        }
        out.push(QueryResult::from(ProxyRow::new(values)));
    }
    Ok(out)
}

/// A statement's values as rusqlite parameters.
pub(crate) fn params(statement: &Statement) -> impl rusqlite::Params + '_ {
    rusqlite::params_from_iter(
        statement
            .values
            .iter()
            .flat_map(|values| values.0.iter())
            .map(Param),
    )
}

/// A rusqlite error as sea-orm's, carrying SQLite's extended result code as sqlx's messages do
/// (`(code: N)`), so [`crate::classify`] reads an interrupted statement as a timeout and a busy
/// file as contention, whichever connection ran it.
pub(crate) fn failed(err: rusqlite::Error) -> DbErr {
    match err.sqlite_error() {
        Some(code) => DbErr::Custom(format!(
            "error returned from database: (code: {}) {err}",
            code.extended_code
        )),
        None => DbErr::Custom(format!("inline SQLite read: {err}")),
    }
}

/// How to read the columns of a statement's rows: by the type an entity declares for each of
/// its columns, the others (computed columns) by what SQLite holds.
#[derive(Debug, Clone, Default)]
pub struct Columns {
    /// By column name, every type an entity declares for a column of that name (most names
    /// have one; `status` is a number in one table and text in another).
    declared: HashMap<String, Vec<Decode>>,
}

impl Columns {
    /// The columns of entity `E`, each read as its declared type.
    pub fn of<E: EntityTrait>() -> Self {
        Self::default().and::<E>()
    }

    /// These columns and those of entity `E`.
    pub fn and<E: EntityTrait>(mut self) -> Self {
        for column in E::Column::iter() {
            let decode = Decode::of(column.def().get_column_type());
            let known = self.declared.entry(column.as_str().to_owned()).or_default();
            if !known.contains(&decode) {
                known.push(decode);
            }
        }
        self
    }

    fn decoders(&self, name: &str) -> &[Decode] {
        // sea-orm selects a related entity's columns as `A_<column>`, `B_<column>`.
        let unprefixed = || name.strip_prefix("A_").or_else(|| name.strip_prefix("B_"));
        self.declared
            .get(name)
            .or_else(|| unprefixed().and_then(|name| self.declared.get(name)))
            .map_or(&[], Vec::as_slice)
    }
}

/// How one column is read into a sea-orm value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decode {
    Bool,
    Int,
    BigInt,
    Double,
    Text,
    Timestamp,
    Json,
    /// As SQLite stores it: INTEGER as `i64`, REAL as `f64`, TEXT as a string, BLOB as bytes.
    Stored,
}

impl Decode {
    /// The value of a column declared as one of `candidates` (none: a computed column): the
    /// first candidate that can hold what SQLite stored.
    fn choose(candidates: &[Decode], raw: ValueRef<'_>, column: &str) -> Result<Value, DbErr> {
        let fits = |decode: &&Decode| match raw {
            ValueRef::Null => true,
            ValueRef::Integer(_) => matches!(decode, Self::Bool | Self::Int | Self::BigInt),
            ValueRef::Real(_) => matches!(decode, Self::Double),
            ValueRef::Text(_) => matches!(decode, Self::Text | Self::Timestamp | Self::Json),
            ValueRef::Blob(_) => false,
        };
        let decode = match candidates {
            [] => Self::Stored,
            [only] => *only,
            many => many.iter().find(fits).copied().unwrap_or(many[0]),
        };
        decode.value(raw, column)
    }

    fn of(declared: &ColumnType) -> Self {
        match declared {
            ColumnType::Boolean => Self::Bool,
            ColumnType::TinyInteger | ColumnType::SmallInteger | ColumnType::Integer => Self::Int,
            ColumnType::BigInteger => Self::BigInt,
            ColumnType::Float | ColumnType::Double => Self::Double,
            ColumnType::Char(_) | ColumnType::String(_) | ColumnType::Text => Self::Text,
            ColumnType::Timestamp | ColumnType::TimestampWithTimeZone | ColumnType::DateTime => {
                Self::Timestamp
            }
            ColumnType::Json | ColumnType::JsonBinary => Self::Json,
            _ => Self::Stored,
        }
    }

    fn value(self, raw: ValueRef<'_>, column: &str) -> Result<Value, DbErr> {
        let mismatch = || {
            DbErr::Type(format!(
                "column `{column}` holds {:?}, not {self:?}",
                raw.data_type()
            ))
        };
        let text = |raw: ValueRef<'_>| raw.as_str().map(str::to_owned).map_err(|_| mismatch());
        Ok(match (self, raw) {
            (Self::Bool, ValueRef::Null) => Value::Bool(None),
            (Self::Bool, ValueRef::Integer(i)) => Value::Bool(Some(i != 0)),
            (Self::Int, ValueRef::Null) => Value::Int(None),
            (Self::Int, ValueRef::Integer(i)) => {
                Value::Int(Some(i32::try_from(i).map_err(|_| mismatch())?))
            }
            (Self::BigInt, ValueRef::Null) => Value::BigInt(None),
            (Self::BigInt, ValueRef::Integer(i)) => Value::BigInt(Some(i)),
            (Self::Double, ValueRef::Null) => Value::Double(None),
            (Self::Double, ValueRef::Real(f)) => Value::Double(Some(f)),
            (Self::Text, ValueRef::Null) => Value::String(None),
            (Self::Text, ValueRef::Text(_)) => Value::String(Some(Box::new(text(raw)?))),
            (Self::Timestamp, ValueRef::Null) => Value::ChronoDateTimeUtc(None),
            (Self::Timestamp, ValueRef::Text(_)) => Value::ChronoDateTimeUtc(Some(Box::new(
                timestamp(&text(raw)?).ok_or_else(mismatch)?,
            ))),
            (Self::Json, ValueRef::Null) => Value::Json(None),
            (Self::Json, ValueRef::Text(bytes)) => Value::Json(Some(Box::new(
                serde_json::from_slice(bytes).map_err(|_| mismatch())?,
            ))),
            (Self::Stored, ValueRef::Null) => Value::String(None),
            (Self::Stored, ValueRef::Integer(i)) => Value::BigInt(Some(i)),
            (Self::Stored, ValueRef::Real(f)) => Value::Double(Some(f)),
            (Self::Stored, ValueRef::Text(_)) => Value::String(Some(Box::new(text(raw)?))),
            (Self::Stored, ValueRef::Blob(bytes)) => Value::Bytes(Some(Box::new(bytes.to_vec()))),
            _ => return Err(mismatch()),
        })
    }
}

/// A timestamp as sqlx writes one to SQLite (RFC 3339), or SQLite's own `YYYY-MM-DD HH:MM:SS`
/// form (UTC), which `DEFAULT CURRENT_TIMESTAMP` writes.
fn timestamp(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Some(at.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%d %H:%M:%S%.f%:z", "%Y-%m-%d %H:%M:%S%.f%#z"] {
        if let Ok(at) = DateTime::parse_from_str(text, format) {
            return Some(at.with_timezone(&Utc));
        }
    }
    chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f")
        .ok()
        .map(|naive| naive.and_utc())
}

/// A statement's value bound as sqlx binds it for SQLite.
pub(crate) struct Param<'a>(pub(crate) &'a Value);

impl ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        let unsupported = || {
            rusqlite::Error::ToSqlConversionFailure(
                format!("no inline SQLite binding for {:?}", self.0).into(),
            )
        };
        let integer = |i: i64| Ok(ToSqlOutput::Owned(SqlValue::Integer(i)));
        match self.0 {
            Value::Bool(Some(b)) => integer(i64::from(*b)),
            Value::TinyInt(Some(i)) => integer(i64::from(*i)),
            Value::SmallInt(Some(i)) => integer(i64::from(*i)),
            Value::Int(Some(i)) => integer(i64::from(*i)),
            Value::BigInt(Some(i)) => integer(*i),
            Value::TinyUnsigned(Some(i)) => integer(i64::from(*i)),
            Value::SmallUnsigned(Some(i)) => integer(i64::from(*i)),
            Value::Unsigned(Some(i)) => integer(i64::from(*i)),
            Value::BigUnsigned(Some(i)) => integer(i64::try_from(*i).map_err(|_| unsupported())?),
            Value::Float(Some(f)) => Ok(ToSqlOutput::Owned(SqlValue::Real(f64::from(*f)))),
            Value::Double(Some(f)) => Ok(ToSqlOutput::Owned(SqlValue::Real(*f))),
            Value::String(Some(s)) => Ok(ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes()))),
            Value::Bytes(Some(b)) => Ok(ToSqlOutput::Borrowed(ValueRef::Blob(b))),
            Value::ChronoDateTimeUtc(Some(at)) => Ok(ToSqlOutput::Owned(SqlValue::Text(
                at.to_rfc3339_opts(SecondsFormat::AutoSi, false),
            ))),
            Value::Json(Some(json)) => Ok(ToSqlOutput::Owned(SqlValue::Text(json.to_string()))),
            Value::Bool(None)
            | Value::TinyInt(None)
            | Value::SmallInt(None)
            | Value::Int(None)
            | Value::BigInt(None)
            | Value::TinyUnsigned(None)
            | Value::SmallUnsigned(None)
            | Value::Unsigned(None)
            | Value::BigUnsigned(None)
            | Value::Float(None)
            | Value::Double(None)
            | Value::String(None)
            | Value::Bytes(None)
            | Value::ChronoDateTimeUtc(None)
            | Value::Json(None) => Ok(ToSqlOutput::Owned(SqlValue::Null)),
            _ => Err(unsupported()),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests;
