//! Password hashing shared by admin and operator accounts: argon2id with the argon2 crate's
//! defaults (v19, 19 MiB memory, 2 passes, 1 lane; the OWASP recommendation), a minimum length,
//! and verification that costs the same whether or not the account exists.
//!
//! Hashing takes tens of milliseconds of CPU and 19 MiB by design, so it runs on tokio's
//! blocking pool (`spawn_blocking`), never on the async workers serving SCIM, and only as much
//! of it at once as a [`PasswordWork`] allows: a few hashes run (one per CPU by default), a few
//! more wait, and anything beyond is refused at once with [`Error::Busy`] instead of queueing
//! without end. The permit moves into the blocking task, so a client that hangs up cannot free
//! it while its hash still runs.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use rosterd_domain::Secret;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::{Error, Result};

/// The longest a hash waits for a running slot before it is refused as busy.
const MAX_WAIT: Duration = Duration::from_secs(10);

/// How much password hashing may happen at once: `running` hashes at a time, and up to
/// `waiting` more queued for a slot. Cheap to clone (the limits are shared).
#[derive(Debug, Clone)]
pub struct PasswordWork {
    running: Arc<Semaphore>,
    admitted: Arc<Semaphore>,
    limits: (usize, usize),
}

impl PasswordWork {
    /// At most `running` hashes at once (at least 1), and `waiting` more waiting.
    pub fn new(running: usize, waiting: usize) -> Self {
        let running = running.max(1);
        Self {
            running: Arc::new(Semaphore::new(running)),
            admitted: Arc::new(Semaphore::new(running + waiting)),
            limits: (running, waiting),
        }
    }

    /// `(running, waiting)`.
    pub fn limits(&self) -> (usize, usize) {
        self.limits
    }

    /// The limits used by work nobody configured (the CLI, admins created on a page).
    pub(crate) fn shared() -> &'static PasswordWork {
        static SHARED: LazyLock<PasswordWork> = LazyLock::new(PasswordWork::default);
        &SHARED
    }

    /// A running slot, or [`Error::Busy`] when all are taken and the waiting room is full (or
    /// the wait exceeds [`MAX_WAIT`]).
    async fn slot(&self) -> Result<(OwnedSemaphorePermit, OwnedSemaphorePermit)> {
        let admitted = self
            .admitted
            .clone()
            .try_acquire_owned()
            .map_err(|_| Error::Busy)?;
        let running = tokio::time::timeout(MAX_WAIT, self.running.clone().acquire_owned())
            .await
            .map_err(|_| Error::Busy)?
            .map_err(|_| Error::Busy)?;
        Ok((admitted, running))
    }
}

impl Default for PasswordWork {
    /// One running hash per CPU, and four times that waiting.
    fn default() -> Self {
        let cpus = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        Self::new(cpus, 4 * cpus)
    }
}

/// The shortest password accepted.
pub const MIN_PASSWORD_LEN: usize = 12;

/// A fixed hash of a random password; verified against when an account does not exist, so the
/// time taken does not tell which emails have accounts.
const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Qm9lyb1/VB4C35M8Rvi8LK8mcb9n7zVjZ0Pn8WBp6Rs";

/// Refuses passwords shorter than [`MIN_PASSWORD_LEN`] characters.
pub(crate) fn check_strength(password: &Secret) -> Result<()> {
    if password.expose().chars().count() < MIN_PASSWORD_LEN {
        return Err(Error::WeakPassword {
            min: MIN_PASSWORD_LEN,
        });
    }
    Ok(())
}

/// The PHC string of a new argon2id hash of `password`, after the strength check.
pub(crate) async fn hash_password(password: &Secret) -> Result<String> {
    hash_password_with(PasswordWork::shared(), password).await
}

/// [`hash_password`] within `work`'s limits.
pub(crate) async fn hash_password_with(work: &PasswordWork, password: &Secret) -> Result<String> {
    check_strength(password)?;
    let slot = work.slot().await?;
    let password = password.clone();
    tokio::task::spawn_blocking(move || {
        let _slot = slot;
        hash_now(&password)
    })
    .await
    .map_err(|_| Error::PasswordHash)?
}

fn hash_now(password: &Secret) -> Result<String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Ok(Argon2::default()
        .hash_password(password.expose().as_bytes(), &salt)
        .map_err(|_| Error::PasswordHash)?
        .to_string())
}

/// True when `password` matches `stored`; a missing account (`None`) costs the same work.
pub(crate) async fn verify_password(stored: Option<&str>, password: &Secret) -> Result<bool> {
    verify_password_with(PasswordWork::shared(), stored, password).await
}

/// [`verify_password`] within `work`'s limits: [`Error::Busy`] when they are reached.
pub(crate) async fn verify_password_with(
    work: &PasswordWork,
    stored: Option<&str>,
    password: &Secret,
) -> Result<bool> {
    let slot = work.slot().await?;
    let stored = stored.map(str::to_owned);
    let password = password.clone();
    Ok(tokio::task::spawn_blocking(move || {
        let _slot = slot;
        verify_now(stored.as_deref(), &password)
    })
    .await
    .unwrap_or(false))
}

fn verify_now(stored: Option<&str>, password: &Secret) -> bool {
    let ok = PasswordHash::new(stored.unwrap_or(DUMMY)).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.expose().as_bytes(), &parsed)
            .is_ok()
    });
    ok && stored.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_its_own_password_only() {
        let hash = hash_password(&Secret::new("correct horse battery"))
            .await
            .unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(
            verify_password(Some(&hash), &Secret::new("correct horse battery"))
                .await
                .unwrap()
        );
        assert!(
            !verify_password(Some(&hash), &Secret::new("correct horse battery!"))
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn a_missing_account_never_verifies() {
        assert!(
            !verify_password(None, &Secret::new("anything at all"))
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn work_beyond_the_running_and_waiting_limits_is_refused_as_busy() {
        let work = PasswordWork::new(1, 1);
        assert_eq!(work.limits(), (1, 1));
        let running = work.slot().await.unwrap();
        let waiting = tokio::spawn({
            let work = work.clone();
            async move { verify_password_with(&work, None, &Secret::new("x")).await }
        });
        // Let the second one take the waiting place.
        while work.admitted.available_permits() > 0 {
            tokio::task::yield_now().await;
        }
        assert!(matches!(
            verify_password_with(&work, None, &Secret::new("x")).await,
            Err(Error::Busy)
        ));
        drop(running);
        assert!(!waiting.await.unwrap().unwrap(), "the waiting one ran");
        assert!(
            !verify_password_with(&work, None, &Secret::new("x"))
                .await
                .unwrap(),
            "free again"
        );
    }

    #[tokio::test]
    async fn short_passwords_are_refused() {
        assert!(matches!(
            hash_password(&Secret::new("short")).await,
            Err(Error::WeakPassword {
                min: MIN_PASSWORD_LEN
            })
        ));
        assert!(check_strength(&Secret::new("twelve chars")).is_ok());
    }
}
