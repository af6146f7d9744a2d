//! The shapes of OAuth credentials, recognisable by secret scanners and checked before any
//! lookup:
//!
//! - a client id: `rosterd_client_` and 20 characters of `a-z2-7` (100 random bits); not a
//!   secret, shown in lists;
//! - a client secret: `rosterd_cs_` and 43 base64url characters (256 random bits); the first
//!   eight random characters are its display prefix;
//! - an access token: `rosterd_oat_`, the tenant's id as 32 hex digits (its routing part: a token
//!   presented alone finds its tenant without a lookup by hash alone), `_`, and 43 base64url
//!   characters (256 random bits).
//!
//! Secrets and tokens are stored as their SHA-256, as SCIM tokens are.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore as _;
use rosterd_domain::TenantId;

pub(crate) use crate::token::hash_secret;

/// What every client id starts with.
pub const CLIENT_ID_PREFIX: &str = "rosterd_client_";
/// What every client secret starts with.
pub const CLIENT_SECRET_PREFIX: &str = "rosterd_cs_";
/// What every access token starts with.
pub const ACCESS_TOKEN_PREFIX: &str = "rosterd_oat_";

const CLIENT_ID_CHARS: usize = 20;
const RANDOM_CHARS: usize = 43;
const TENANT_HEX: usize = 32;
/// How many random characters of a secret are kept in clear to tell secrets apart.
const DISPLAY_CHARS: usize = 8;
const BASE32: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

fn random_base64() -> String {
    let mut random = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut random);
    URL_SAFE_NO_PAD.encode(random)
}

fn is_base64url(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A fresh client id.
pub fn new_client_id() -> String {
    let mut random = [0u8; CLIENT_ID_CHARS];
    rand::rngs::OsRng.fill_bytes(&mut random);
    let chars: String = random
        .iter()
        .map(|b| char::from(BASE32[usize::from(b & 31)]))
        .collect();
    format!("{CLIENT_ID_PREFIX}{chars}")
}

/// True when `candidate` has the shape of a client id.
pub fn looks_like_client_id(candidate: &str) -> bool {
    candidate
        .strip_prefix(CLIENT_ID_PREFIX)
        .is_some_and(|rest| {
            rest.len() == CLIENT_ID_CHARS && rest.bytes().all(|b| BASE32.contains(&b))
        })
}

/// A fresh client secret and its display prefix.
pub fn new_client_secret() -> (String, String) {
    let secret = format!("{CLIENT_SECRET_PREFIX}{}", random_base64());
    let prefix = secret[..CLIENT_SECRET_PREFIX.len() + DISPLAY_CHARS].to_owned();
    (secret, prefix)
}

/// True when `candidate` has the shape of a client secret.
pub fn looks_like_client_secret(candidate: &str) -> bool {
    candidate
        .strip_prefix(CLIENT_SECRET_PREFIX)
        .is_some_and(|rest| is_base64url(rest, RANDOM_CHARS))
}

/// A fresh access token of `tenant`.
pub fn new_access_token(tenant: TenantId) -> String {
    format!(
        "{ACCESS_TOKEN_PREFIX}{}_{}",
        tenant.0.simple(),
        random_base64()
    )
}

/// True when `candidate` starts like an access token (its shape is checked by
/// [`access_token_tenant`]).
pub fn is_access_token(candidate: &str) -> bool {
    candidate.starts_with(ACCESS_TOKEN_PREFIX)
}

/// The tenant an access token routes to, when it has the shape of one.
pub fn access_token_tenant(candidate: &str) -> Option<TenantId> {
    let rest = candidate.strip_prefix(ACCESS_TOKEN_PREFIX)?;
    let (tenant, random) = (rest.get(..TENANT_HEX)?, rest.get(TENANT_HEX..)?);
    let random = random.strip_prefix('_')?;
    if !is_base64url(random, RANDOM_CHARS)
        || !tenant
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return None;
    }
    uuid::Uuid::try_parse(tenant).ok().map(TenantId)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_credentials_have_their_shapes() {
        let id = new_client_id();
        assert!(looks_like_client_id(&id), "{id}");
        let (secret, prefix) = new_client_secret();
        assert!(looks_like_client_secret(&secret), "{secret}");
        assert!(
            secret.starts_with(&prefix) && prefix.len() == 19,
            "{prefix}"
        );
        let tenant = TenantId::new();
        let token = new_access_token(tenant);
        assert!(is_access_token(&token));
        assert_eq!(access_token_tenant(&token), Some(tenant));
    }

    #[test]
    fn look_alikes_are_refused() {
        let random = "a".repeat(43);
        let tenant = "0".repeat(32);
        for bad in [
            format!("{ACCESS_TOKEN_PREFIX}{tenant}{random}"),
            format!("{ACCESS_TOKEN_PREFIX}{tenant}_{random}!"),
            format!("{ACCESS_TOKEN_PREFIX}{}_{random}", "g".repeat(32)),
            format!("{ACCESS_TOKEN_PREFIX}{}_{random}", "0".repeat(31)),
            format!("{ACCESS_TOKEN_PREFIX}{}_{random}", "A".repeat(32)),
        ] {
            assert_eq!(access_token_tenant(&bad), None, "{bad}");
        }
        assert!(!looks_like_client_id("rosterd_client_short"));
        assert!(!looks_like_client_id(&format!(
            "{CLIENT_ID_PREFIX}{}",
            "1".repeat(20)
        )));
        assert!(!looks_like_client_secret(&format!("rosterd_scim_{random}")));
        assert!(!looks_like_client_secret(&format!(
            "{CLIENT_SECRET_PREFIX}{random}="
        )));
    }
}
