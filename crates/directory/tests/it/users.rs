//! SCIM Users: create, read, replace, patch, delete; uniqueness; tenant and app isolation.

use chrono::Duration;
use rosterd_scim::ScimType;
use rosterd_scim::resource::ResourceKind::User;
use rosterd_scim::store::{Precondition, Wants};
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn create_then_get_returns_the_document_at_version_1() {
    let env = env().await;
    let created = create_user(&env, &env.learning, "ann@acme.com").await;
    assert_eq!(created.version, 1);
    assert_eq!(created.created, env.clock_now());
    assert_eq!(created.document["userName"], "ann@acme.com");
    let got = env
        .dir
        .get(&env.learning, User, &created.id, Wants::default())
        .await
        .unwrap();
    assert_eq!(got.document, created.document);
    assert_eq!(
        got.references,
        Some(vec![]),
        "groups are loaded when wanted"
    );
    let got = env
        .dir
        .get(&env.learning, User, &created.id, no_refs())
        .await
        .unwrap();
    assert_eq!(got.references, None);
}

#[tokio::test]
async fn patch_increments_the_version_and_a_no_op_patch_does_not() {
    let env = env().await;
    let ann = create_user(&env, &env.learning, "ann@acme.com").await;
    env.clock.advance(Duration::minutes(5));
    let patch = ops(json!([{"op": "replace", "path": "title", "value": "Engineer"}]));
    let patched = env
        .dir
        .patch(
            &env.learning,
            User,
            &ann.id,
            &patch,
            &Precondition::default(),
            Wants::default(),
        )
        .await
        .unwrap();
    assert_eq!(patched.version, 2);
    assert_eq!(patched.document["title"], "Engineer");
    assert_eq!(patched.created, ann.created);
    assert_eq!(patched.last_modified, ann.created + Duration::minutes(5));
    let again = env
        .dir
        .patch(
            &env.learning,
            User,
            &ann.id,
            &patch,
            &Precondition::default(),
            Wants::default(),
        )
        .await
        .unwrap();
    assert_eq!(again.version, 2, "nothing changed, so the version stays");
}

#[tokio::test]
async fn replace_keeps_id_and_created_and_clears_omitted_attributes() {
    let env = env().await;
    let ann = env
        .dir
        .create(
            &env.learning,
            User,
            user_body(json!({"userName": "ann@acme.com", "title": "Eng"})),
            Wants::default(),
        )
        .await
        .unwrap();
    env.clock.advance(Duration::hours(1));
    let replaced = env
        .dir
        .replace(
            &env.learning,
            User,
            &ann.id,
            user_body(json!({"userName": "Ann@Acme.com"})),
            &Precondition::default(),
            Wants::default(),
        )
        .await
        .unwrap();
    assert_eq!(replaced.id, ann.id);
    assert_eq!(replaced.created, ann.created);
    assert_eq!(replaced.version, 2);
    assert!(replaced.document.get("title").is_none());
    assert_eq!(
        replaced.document["userName"], "Ann@Acme.com",
        "a case-only rename is not a collision"
    );
}

#[tokio::test]
async fn stale_if_match_is_412() {
    let env = env().await;
    let ann = create_user(&env, &env.learning, "ann@acme.com").await;
    let stale = Precondition(Some("W/\"7\"".into()));
    let err = env
        .dir
        .replace(
            &env.learning,
            User,
            &ann.id,
            user("ann@acme.com"),
            &stale,
            Wants::default(),
        )
        .await
        .unwrap_err();
    assert_scim(&err, 412, Some(ScimType::InvalidVers));
    let err = env
        .dir
        .delete(&env.learning, User, &ann.id, &stale)
        .await
        .unwrap_err();
    assert_scim(&err, 412, Some(ScimType::InvalidVers));
    let current = Precondition(Some("W/\"1\"".into()));
    env.dir
        .delete(&env.learning, User, &ann.id, &current)
        .await
        .unwrap();
}

#[tokio::test]
async fn user_name_is_unique_per_app_case_insensitively() {
    let env = env().await;
    let ann = create_user(&env, &env.learning, "ann@acme.com").await;
    let err = env
        .dir
        .create(&env.learning, User, user("ANN@acme.com"), Wants::default())
        .await
        .unwrap_err();
    assert_scim(&err, 409, Some(ScimType::Uniqueness));
    assert!(err.detail.contains("ANN@acme.com"), "{}", err.detail);

    let bob = create_user(&env, &env.learning, "bob@acme.com").await;
    let rename = ops(json!([{"op": "replace", "path": "userName", "value": "Ann@Acme.com"}]));
    let err = env
        .dir
        .patch(
            &env.learning,
            User,
            &bob.id,
            &rename,
            &Precondition::default(),
            Wants::default(),
        )
        .await
        .unwrap_err();
    assert_scim(&err, 409, Some(ScimType::Uniqueness));

    // Each app has its own namespace, and so has each tenant.
    create_user(&env, &env.sales, "ann@acme.com").await;
    create_user(&env, &env.other, "ann@acme.com").await;
    assert_ne!(ann.id, bob.id);
}

#[tokio::test]
async fn another_tenant_or_app_sees_404() {
    let env = env().await;
    let ann = create_user(&env, &env.learning, "ann@acme.com").await;
    for ctx in [&env.sales, &env.other] {
        let err = env
            .dir
            .get(ctx, User, &ann.id, Wants::default())
            .await
            .unwrap_err();
        assert_scim(&err, 404, None);
        assert_eq!(
            err.detail,
            format!("no User with id `{}` in this app", ann.id)
        );
        let patch = ops(json!([{"op": "replace", "path": "title", "value": "x"}]));
        let err = env
            .dir
            .patch(
                ctx,
                User,
                &ann.id,
                &patch,
                &Precondition::default(),
                Wants::default(),
            )
            .await
            .unwrap_err();
        assert_scim(&err, 404, None);
        let err = env
            .dir
            .replace(
                ctx,
                User,
                &ann.id,
                user("x@acme.com"),
                &Precondition::default(),
                Wants::default(),
            )
            .await
            .unwrap_err();
        assert_scim(&err, 404, None);
        let err = env
            .dir
            .delete(ctx, User, &ann.id, &Precondition::default())
            .await
            .unwrap_err();
        assert_scim(&err, 404, None);
    }
    let err = env
        .dir
        .get(&env.learning, User, "not-a-uuid", Wants::default())
        .await
        .unwrap_err();
    assert_scim(&err, 404, None);
    env.dir
        .get(&env.learning, User, &ann.id, Wants::default())
        .await
        .unwrap();
}

#[tokio::test]
async fn delete_removes_the_user_but_keeps_the_person() {
    let env = env().await;
    let ann = create_user(&env, &env.learning, "ann@acme.com").await;
    env.dir
        .delete(&env.learning, User, &ann.id, &Precondition::default())
        .await
        .unwrap();
    let err = env
        .dir
        .get(&env.learning, User, &ann.id, Wants::default())
        .await
        .unwrap_err();
    assert_scim(&err, 404, None);
    let err = env
        .dir
        .delete(&env.learning, User, &ann.id, &Precondition::default())
        .await
        .unwrap_err();
    assert_scim(&err, 404, None);
    let person =
        rosterd_directory::people::find_by_email(&env.db.conn, env.learning.tenant, "ann@acme.com")
            .await
            .unwrap();
    assert!(person.is_some());
    // The userName is free again.
    create_user(&env, &env.learning, "ann@acme.com").await;
}
