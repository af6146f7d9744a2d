//! What a database error means to the code that got it: a unique violation (a conflict the
//! caller can name), contention (run the transaction again), a row that is gone, or anything
//! else (an internal failure: log it, answer generically).

use sea_orm::{DbErr, SqlErr};

/// The meaning of a driver error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbFailure {
    /// A unique constraint or index refused the write.
    UniqueViolation,
    /// Another writer got in the way: SQLite busy or locked, PostgreSQL serialization failure
    /// (40001) or deadlock (40P01). Running the whole transaction again resolves it.
    Contention,
    /// The row the statement needed is gone.
    NotFound,
    /// The database did not do the work in time: a PostgreSQL statement ran past
    /// `statement_timeout` (57014), a SQLite statement was interrupted by its connection's
    /// progress limit, or no pooled connection came free within the acquire timeout. Retrying later can succeed: answer 503 with `Retry-After`.
    Timeout,
    /// Anything else: an internal failure.
    Other,
}

/// Classifies a driver error, on SQLite and PostgreSQL alike. sea-orm classifies unique
/// violations; contention it does not, so the driver's message is read (the one place that
/// does).
pub fn classify(err: &DbErr) -> DbFailure {
    if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) {
        return DbFailure::UniqueViolation;
    }
    let text = err.to_string();
    // SQLITE_CONSTRAINT_UNIQUE and _PRIMARYKEY, as an inline connection reports them
    // (sea-orm classifies only sqlx's errors).
    if text.contains("(code: 2067)") || text.contains("(code: 1555)") {
        return DbFailure::UniqueViolation;
    }
    if matches!(err, DbErr::RecordNotFound(_)) {
        return DbFailure::NotFound;
    }
    if matches!(
        err,
        DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout)
    ) {
        return DbFailure::Timeout;
    }
    if text.contains("canceling statement due to statement timeout") || text.contains("57014") {
        return DbFailure::Timeout;
    }
    // SQLITE_INTERRUPT: the connection's progress limit stopped the statement.
    if text.contains("(code: 9)") {
        return DbFailure::Timeout;
    }
    let contention = [
        crate::inline_writes::ROLLED_BACK,
        "database is locked",
        "database table is locked",
        // SQLITE_BUSY and SQLITE_BUSY_SNAPSHOT, whatever the message says.
        "(code: 5)",
        "(code: 517)",
        "could not serialize access",
        "deadlock detected",
    ]
    .iter()
    .any(|needle| text.contains(needle));
    if contention {
        DbFailure::Contention
    } else {
        DbFailure::Other
    }
}

/// Whether a unique constraint or index refused the write.
pub fn is_unique_violation(err: &DbErr) -> bool {
    classify(err) == DbFailure::UniqueViolation
}

/// A database failure as it crosses a crate boundary: its meaning and, for the log, the
/// driver's message. It never reaches a client: whoever reports it logs it and answers
/// generically.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("database error: {message}")]
pub struct DatabaseError {
    failure: DbFailure,
    message: String,
}

impl DatabaseError {
    /// A failure the storage code itself detected (an unreadable row, an impossible count).
    pub fn internal(message: impl Into<String>) -> Self {
        Self {
            failure: DbFailure::Other,
            message: message.into(),
        }
    }

    /// What the failure means.
    pub fn failure(&self) -> DbFailure {
        self.failure
    }

    /// Whether running the transaction again may succeed.
    pub fn is_contention(&self) -> bool {
        self.failure == DbFailure::Contention
    }

    /// Whether a unique constraint refused the write.
    pub fn is_unique_violation(&self) -> bool {
        self.failure == DbFailure::UniqueViolation
    }
}

impl From<DbErr> for DatabaseError {
    fn from(err: DbErr) -> Self {
        Self {
            failure: classify(&err),
            message: err.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn driver_messages_of_contention_on_both_databases_mean_retry() {
        for message in [
            "error returned from database: (code: 5) database is locked",
            "error returned from database: (code: 6) database table is locked",
            "error returned from database: could not serialize access due to concurrent update",
            "error returned from database: deadlock detected",
        ] {
            let err = DbErr::Custom(message.to_owned());
            assert_eq!(classify(&err), DbFailure::Contention, "{message}");
        }
    }

    #[test]
    fn a_statement_timeout_or_an_empty_pool_is_a_timeout() {
        let err = DbErr::Custom(
            "error returned from database: canceling statement due to statement timeout".into(),
        );
        assert_eq!(classify(&err), DbFailure::Timeout);
        let err = DbErr::ConnectionAcquire(sea_orm::ConnAcquireErr::Timeout);
        assert_eq!(classify(&err), DbFailure::Timeout);
    }

    #[test]
    fn a_missing_row_is_not_found_and_other_errors_are_internal() {
        assert_eq!(
            classify(&DbErr::RecordNotFound("gone".into())),
            DbFailure::NotFound
        );
        assert_eq!(
            classify(&DbErr::Custom("syntax error".into())),
            DbFailure::Other
        );
    }

    #[test]
    fn the_error_keeps_its_meaning_and_says_it_is_a_database_error() {
        let err = DatabaseError::from(DbErr::Custom("database is locked".into()));
        assert!(err.is_contention());
        assert!(!err.is_unique_violation());
        assert_eq!(
            err.to_string(),
            "database error: Custom Error: database is locked"
        );
    }
}
