//! The token cache answers from memory, and only as long as the auth generation stands.
//!
//! One test in this binary on purpose: the cache also follows this process's own changes, and a
//! second test revoking a token at the same moment would empty the cache under this one.

#![expect(clippy::unwrap_used, reason = "tests")]

use std::time::Duration;

use rosterd_domain::{ManualClock, Product, TenantSlug};
use rosterd_tenancy::{AuthError, Change, Scope, TokenCache, authenticate};
use rosterd_test_support::TestDb;
use sea_orm::{ConnectionTrait as _, Statement};

async fn sql(db: &TestDb, text: &str) {
    db.conn
        .execute(Statement::from_string(db.conn.get_database_backend(), text))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_known_token_is_answered_from_memory_until_the_generation_moves() {
    let db = TestDb::fresh().await;
    #[expect(
        clippy::disallowed_methods,
        reason = "the test clock starts at real time"
    )]
    let clock = ManualClock::new(chrono::Utc::now());
    let slug: TenantSlug = "acme".parse().unwrap();
    let tenant = rosterd_tenancy::create_tenant(&db.conn, &clock, &slug, "Acme")
        .await
        .unwrap();
    let actor = rosterd_audit::Actor::operator();
    let issued = rosterd_tenancy::issue_token(
        Change::new(&db.conn, &clock, tenant.id, &actor),
        Product::Learning,
    )
    .await
    .unwrap();
    let header = format!("Bearer {}", issued.secret.expose());
    let scope = || Scope::App {
        tenant: "acme",
        product: Product::Learning,
    };
    let cache = TokenCache::new();
    let app = cache
        .authenticate(&db.conn, &clock, Some(&header), scope())
        .await
        .unwrap();
    assert_eq!(app.tenant_id, tenant.id);

    // Revoked behind rosterd's back (no generation change): the database says so, the cache,
    // which no longer asks, does not.
    sql(&db, "UPDATE scim_tokens SET revoked_at = expires_at").await;
    assert_eq!(
        authenticate(&db.conn, &clock, Some(&header), scope()).await,
        Err(AuthError::Revoked)
    );
    assert_eq!(
        cache
            .authenticate(&db.conn, &clock, Some(&header), scope())
            .await,
        Ok(app.clone())
    );
    // The cache still checks what it can without asking: the app addressed, and expiry.
    let other = Scope::App {
        tenant: "acme",
        product: Product::SalesNavigator,
    };
    assert_eq!(
        cache
            .authenticate(&db.conn, &clock, Some(&header), other)
            .await,
        Err(AuthError::WrongApp)
    );

    // Another server's change moves the generation: within the refresh interval the cache
    // asks again and refuses.
    sql(
        &db,
        "UPDATE auth_generation SET generation = generation + 1 WHERE id = 1",
    )
    .await;
    tokio::time::sleep(rosterd_tenancy::TOKEN_CACHE_REFRESH + Duration::from_millis(50)).await;
    assert_eq!(
        cache
            .authenticate(&db.conn, &clock, Some(&header), scope())
            .await,
        Err(AuthError::Revoked)
    );

    // A live token past its expiry is refused from the cache too.
    sql(&db, "UPDATE scim_tokens SET revoked_at = NULL").await;
    sql(
        &db,
        "UPDATE auth_generation SET generation = generation + 1 WHERE id = 1",
    )
    .await;
    tokio::time::sleep(rosterd_tenancy::TOKEN_CACHE_REFRESH + Duration::from_millis(50)).await;
    assert!(
        cache
            .authenticate(&db.conn, &clock, Some(&header), scope())
            .await
            .is_ok()
    );
    clock.advance(chrono::Duration::days(731));
    assert!(matches!(
        cache
            .authenticate(&db.conn, &clock, Some(&header), scope())
            .await,
        Err(AuthError::Expired(_))
    ));
}
