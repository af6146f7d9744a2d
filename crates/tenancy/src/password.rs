//! Password hashing shared by admin and operator accounts: argon2id with the argon2 crate's
//! defaults (v19, 19 MiB memory, 2 passes, 1 lane; the OWASP recommendation), a minimum length,
//! and verification that costs the same whether or not the account exists.
//!
//! Hashing takes tens of milliseconds of CPU by design, so it runs on tokio's blocking pool
//! (`spawn_blocking`): a burst of sign-ins never stalls the async workers serving SCIM.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use rosterd_domain::Secret;

use crate::error::{Error, Result};

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
    check_strength(password)?;
    let password = password.clone();
    tokio::task::spawn_blocking(move || hash_now(&password))
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
pub(crate) async fn verify_password(stored: Option<&str>, password: &Secret) -> bool {
    let stored = stored.map(str::to_owned);
    let password = password.clone();
    tokio::task::spawn_blocking(move || verify_now(stored.as_deref(), &password))
        .await
        .unwrap_or(false)
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
        assert!(verify_password(Some(&hash), &Secret::new("correct horse battery")).await);
        assert!(!verify_password(Some(&hash), &Secret::new("correct horse battery!")).await);
    }

    #[tokio::test]
    async fn a_missing_account_never_verifies() {
        assert!(!verify_password(None, &Secret::new("anything at all")).await);
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
