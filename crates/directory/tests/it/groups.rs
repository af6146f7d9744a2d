//! SCIM Groups: create, read, replace, patch, delete; names unique per product across IdP and
//! manual groups; manual groups invisible; tenant and app isolation.

use rosterd_scim::ScimType;
use rosterd_scim::resource::ResourceKind::Group;
use rosterd_scim::store::{Precondition, Wants};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;

use crate::support::*;

/// Inserts a manual group (made by an admin in rosterd) for the app's product.
async fn manual_group(env: &Env, ctx: &rosterd_scim::ScimContext, name: &str) -> String {
    let id = rosterd_domain::GroupId::new().to_string();
    let backend = env.db.conn.get_database_backend();
    env.db
        .conn
        .execute(Statement::from_sql_and_values(
            backend,
            match backend {
                sea_orm::DatabaseBackend::Postgres => {
                    "INSERT INTO user_groups (tenant_id, id, product, source, display_name, \
                     display_name_lower, document, version, created_at, updated_at) \
                     VALUES ($1, $2, $3, 'manual', $4, $5, '{}', 1, $6, $6)"
                }
                _ => {
                    "INSERT INTO user_groups (tenant_id, id, product, source, display_name, \
                     display_name_lower, document, version, created_at, updated_at) \
                     VALUES (?, ?, ?, 'manual', ?, ?, '{}', 1, ?6, ?6)"
                }
            },
            [
                ctx.tenant.to_string().into(),
                id.clone().into(),
                ctx.product.slug().into(),
                name.into(),
                name.to_lowercase().into(),
                env.clock_now().into(),
            ],
        ))
        .await
        .unwrap();
    id
}

#[tokio::test]
async fn create_get_and_members() {
    let env = env().await;
    let ann = create_user(&env, &env.learning, "ann@acme.com").await;
    let bob = create_user(&env, &env.learning, "bob@acme.com").await;
    let sales = create_group(&env, &env.learning, "Sales", &[&ann.id, &bob.id]).await;
    assert_eq!(sales.version, 1);
    assert_eq!(sales.document["displayName"], "Sales");
    assert!(
        sales.document.get("members").is_none(),
        "members are rows, not document"
    );
    let mut expected = vec![ann.id.clone(), bob.id.clone()];
    expected.sort();
    assert_eq!(ref_ids(&sales), expected);
    let got = env
        .dir
        .get(&env.learning, Group, &sales.id, Wants::default())
        .await
        .unwrap();
    assert_eq!(ref_ids(&got), expected);
    let display: Vec<_> = got
        .references
        .unwrap()
        .iter()
        .map(|r| (r.kind, r.display.clone()))
        .collect();
    assert!(display.contains(&("User", Some("ann@acme.com".into()))));
    let got = env
        .dir
        .get(&env.learning, Group, &sales.id, no_refs())
        .await
        .unwrap();
    assert_eq!(got.references, None, "members not loaded when not wanted");
    let ann = env
        .dir
        .get(
            &env.learning,
            rosterd_scim::resource::ResourceKind::User,
            &ann.id,
            Wants::default(),
        )
        .await
        .unwrap();
    let groups = ann.references.unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(
        (groups[0].value.as_str(), groups[0].kind),
        (sales.id.as_str(), "Group")
    );
    assert_eq!(groups[0].display.as_deref(), Some("Sales"));
}

#[tokio::test]
async fn a_name_taken_by_a_manual_group_is_409_naming_rosterd() {
    let env = env().await;
    let manual = manual_group(&env, &env.learning, "EMEA Sales").await;
    let err = env
        .dir
        .create(
            &env.learning,
            Group,
            group("emea sales", &[]),
            Wants::default(),
        )
        .await
        .unwrap_err();
    assert_scim(&err, 409, Some(ScimType::Uniqueness));
    assert!(
        err.detail.contains("already exists in rosterd"),
        "{}",
        err.detail
    );
    assert!(err.detail.contains("rename"), "{}", err.detail);

    // A rename onto the manual group's name is refused the same way.
    let idp = create_group(&env, &env.learning, "Americas", &[]).await;
    let rename = ops(json!([{"op": "replace", "path": "displayName", "value": "EMEA SALES"}]));
    let err = env
        .dir
        .patch(
            &env.learning,
            Group,
            &idp.id,
            &rename,
            &Precondition::default(),
            Wants::default(),
        )
        .await
        .unwrap_err();
    assert_scim(&err, 409, Some(ScimType::Uniqueness));
    assert!(
        err.detail.contains("already exists in rosterd"),
        "{}",
        err.detail
    );

    // SCIM never sees the manual group.
    let err = env
        .dir
        .get(&env.learning, Group, &manual, Wants::default())
        .await
        .unwrap_err();
    assert_scim(&err, 404, None);
    let err = env
        .dir
        .delete(&env.learning, Group, &manual, &Precondition::default())
        .await
        .unwrap_err();
    assert_scim(&err, 404, None);
    let page = env
        .dir
        .list(&env.learning, Group, &query(None))
        .await
        .unwrap();
    assert_eq!(page.total_results, 1);
    // Another product may use the name.
    create_group(&env, &env.sales, "EMEA Sales", &[]).await;
}

#[tokio::test]
async fn a_name_taken_by_another_scim_group_is_409() {
    let env = env().await;
    create_group(&env, &env.learning, "Sales", &[]).await;
    let err = env
        .dir
        .create(&env.learning, Group, group("SALES", &[]), Wants::default())
        .await
        .unwrap_err();
    assert_scim(&err, 409, Some(ScimType::Uniqueness));
    assert!(!err.detail.contains("rosterd"), "{}", err.detail);
}

#[tokio::test]
async fn another_tenant_or_app_sees_404() {
    let env = env().await;
    let sales = create_group(&env, &env.learning, "Sales", &[]).await;
    for ctx in [&env.sales, &env.other] {
        let err = env
            .dir
            .get(ctx, Group, &sales.id, Wants::default())
            .await
            .unwrap_err();
        assert_scim(&err, 404, None);
        assert_eq!(
            err.detail,
            format!("no Group with id `{}` in this app", sales.id)
        );
        let patch = ops(json!([{"op": "replace", "path": "displayName", "value": "x"}]));
        let err = env
            .dir
            .patch(
                ctx,
                Group,
                &sales.id,
                &patch,
                &Precondition::default(),
                Wants::default(),
            )
            .await
            .unwrap_err();
        assert_scim(&err, 404, None);
    }
}

#[tokio::test]
async fn members_must_be_users_of_the_same_app() {
    let env = env().await;
    let other_app = create_user(&env, &env.sales, "ann@acme.com").await;
    let err = env
        .dir
        .create(
            &env.learning,
            Group,
            group("Sales", &[&other_app.id]),
            Wants::default(),
        )
        .await
        .unwrap_err();
    assert_scim(&err, 400, Some(ScimType::InvalidValue));
    assert!(err.detail.contains(&other_app.id), "{}", err.detail);
    // Nothing was half-created.
    assert_eq!(
        env.dir
            .list(&env.learning, Group, &query(None))
            .await
            .unwrap()
            .total_results,
        0
    );

    let inner = create_group(&env, &env.learning, "Inner", &[]).await;
    let err = env
        .dir
        .create(
            &env.learning,
            Group,
            group("Outer", &[&inner.id]),
            Wants::default(),
        )
        .await
        .unwrap_err();
    assert_scim(&err, 400, Some(ScimType::InvalidValue));
    assert!(
        err.detail.contains("nested groups are not supported"),
        "{}",
        err.detail
    );
}

#[tokio::test]
async fn replace_with_members_replaces_them_and_without_leaves_them() {
    let env = env().await;
    let ann = create_user(&env, &env.learning, "ann@acme.com").await;
    let bob = create_user(&env, &env.learning, "bob@acme.com").await;
    let sales = create_group(&env, &env.learning, "Sales", &[&ann.id]).await;
    let replaced = env
        .dir
        .replace(
            &env.learning,
            Group,
            &sales.id,
            group("Sales EMEA", &[&bob.id]),
            &Precondition::default(),
            Wants::default(),
        )
        .await
        .unwrap();
    assert_eq!(ref_ids(&replaced), vec![bob.id.clone()]);
    assert_eq!(replaced.version, 2);
    assert_eq!(replaced.created, sales.created);
    let body = rosterd_scim::resource::normalize(
        Group,
        json!({"displayName": "Sales"}),
        rosterd_scim::resource::WriteMode::Replace,
    )
    .unwrap();
    assert_eq!(body.members, None);
    let replaced = env
        .dir
        .replace(
            &env.learning,
            Group,
            &sales.id,
            body,
            &Precondition::default(),
            Wants::default(),
        )
        .await
        .unwrap();
    assert_eq!(
        ref_ids(&replaced),
        vec![bob.id.clone()],
        "no members in the body leaves them"
    );
    assert_eq!(replaced.document["displayName"], "Sales");
}

#[tokio::test]
async fn deleting_a_group_removes_its_memberships() {
    let env = env().await;
    let ann = create_user(&env, &env.learning, "ann@acme.com").await;
    let sales = create_group(&env, &env.learning, "Sales", &[&ann.id]).await;
    env.dir
        .delete(&env.learning, Group, &sales.id, &Precondition::default())
        .await
        .unwrap();
    let ann = env
        .dir
        .get(
            &env.learning,
            rosterd_scim::resource::ResourceKind::User,
            &ann.id,
            Wants::default(),
        )
        .await
        .unwrap();
    assert_eq!(ann.references, Some(vec![]));
    // The name is free again.
    create_group(&env, &env.learning, "Sales", &[]).await;
}
