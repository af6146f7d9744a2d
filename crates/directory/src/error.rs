//! Errors: where database errors become answers.
//!
//! Inside the crate every storage step returns [`Failure`]; `From<DbErr>` is the one place a
//! driver error is translated (classified by [`rosterd_database::classify`]) (unique violation -> 409 `uniqueness`, record not found -> 404,
//! lock contention -> retry, anything else -> logged and a generic 500). Nothing outside this
//! crate ever sees a `DbErr`. The SCIM store answers with `ScimError`; the small admin API
//! ([`crate::people`]) answers with [`Error`].

use rosterd_database::DbFailure;
use rosterd_scim::ScimError;
use sea_orm::DbErr;

/// The admin API's error. Internal failures are logged where they happened, so their message
/// says nothing of the cause; the others say what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// Creating a person with an email another person of the tenant already has.
    #[error("a person with email `{0}` already exists in this tenant")]
    EmailTaken(String),
    /// An email that is not an address.
    #[error("`{0}` is not an email address")]
    InvalidEmail(String),
    /// No such person in the tenant (or one who was removed).
    #[error("no such person")]
    PersonNotFound,
    /// A change by hand to a person an IdP manages; the products are the apps that provision
    /// them, where the change belongs.
    #[error("this person is managed by your identity provider; change them there")]
    ManagedByIdp(Vec<rosterd_domain::Product>),
    /// A paging cursor this code did not make.
    #[error("the page link is not valid")]
    InvalidCursor,
    #[error("the directory could not be read; the cause has been logged")]
    Internal,
}

/// The admin API's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<Failure> for Error {
    fn from(_: Failure) -> Self {
        Error::Internal
    }
}

impl From<DbErr> for Error {
    fn from(err: DbErr) -> Self {
        Failure::from(err).into()
    }
}

impl From<rosterd_database::DatabaseError> for Error {
    fn from(err: rosterd_database::DatabaseError) -> Self {
        tracing::error!(error = %err, "directory database error");
        Error::Internal
    }
}

/// Why a storage step did not finish.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The answer for the client.
    Scim(ScimError),
    /// Another writer got in the way (lost the version race, SQLite busy, PostgreSQL
    /// serialization failure or deadlock): run the whole transaction again.
    Retry,
    /// A provisioning hook refused the request: roll back, record the refusal, answer.
    Refused(Box<(ScimError, Option<crate::refusal::RefusalRecord>)>),
}

pub(crate) type Outcome<T> = std::result::Result<T, Failure>;

impl From<ScimError> for Failure {
    fn from(err: ScimError) -> Self {
        Failure::Scim(err)
    }
}

impl From<DbErr> for Failure {
    fn from(err: DbErr) -> Self {
        match rosterd_database::classify(&err) {
            // Callers that know which name collided map the violation themselves first.
            DbFailure::UniqueViolation => Failure::Scim(ScimError::uniqueness(
                "A resource with the same unique attribute already exists in this app.",
            )),
            DbFailure::NotFound => {
                Failure::Scim(ScimError::not_found("The resource no longer exists."))
            }
            DbFailure::Contention => {
                tracing::debug!(error = %err, "write contention; retrying the transaction");
                Failure::Retry
            }
            DbFailure::Timeout => {
                tracing::warn!(error = %err, "a directory statement timed out");
                Failure::Scim(busy())
            }
            DbFailure::Other => {
                tracing::error!(error = %err, "directory database error");
                Failure::Scim(ScimError::internal())
            }
        }
    }
}

impl Failure {
    /// The client's answer once retries are exhausted.
    pub(crate) fn into_scim(self) -> ScimError {
        match self {
            Failure::Scim(err) => err,
            Failure::Refused(refusal) => refusal.0,
            Failure::Retry => {
                tracing::warn!("a write kept losing to concurrent writers; giving up");
                busy()
            }
        }
    }
}

/// Seconds a client is asked to wait when the database could not do the work in time.
const BUSY_RETRY_AFTER_SECS: u64 = 5;

/// 503 with `Retry-After`: the database did not finish in time (a statement timeout, no free
/// connection, or a write that kept losing to others). Not a 500: nothing is broken, and
/// the same request later can succeed.
fn busy() -> ScimError {
    ScimError::unavailable(
        "The database could not finish this request in time; nothing was changed. Retry after \
         the Retry-After delay, or send less per request.",
        BUSY_RETRY_AFTER_SECS,
    )
}

pub(crate) use rosterd_database::is_unique_violation;

/// How many times a write transaction runs before giving up.
pub(crate) const MAX_ATTEMPTS: usize = 5;
