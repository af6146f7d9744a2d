//! Membership deltas: idempotent adds and removes, unknown members, concurrent PATCHes on one
//! group, and a deleted user leaving its groups.

use rosterd_scim::ScimType;
use rosterd_scim::resource::ResourceKind::{Group, User};
use rosterd_scim::store::{Precondition, Wants};
use serde_json::json;

use crate::support::*;

fn add(ids: &[&str]) -> Vec<rosterd_scim::patch::PatchOperation> {
    let values: Vec<_> = ids.iter().map(|id| json!({"value": id})).collect();
    ops(json!([{"op": "add", "path": "members", "value": values}]))
}

fn remove(ids: &[&str]) -> Vec<rosterd_scim::patch::PatchOperation> {
    let values: Vec<_> = ids.iter().map(|id| json!({"value": id})).collect();
    ops(json!([{"op": "remove", "path": "members", "value": values}]))
}

#[tokio::test]
async fn adds_and_removes_are_idempotent_deltas() {
    let env = env().await;
    let ann = create_user(&env, &env.learning, "ann@acme.com").await;
    let bob = create_user(&env, &env.learning, "bob@acme.com").await;
    let g = create_group(&env, &env.learning, "Sales", &[&ann.id]).await;
    let none = Precondition::default();

    let after = env
        .dir
        .patch(
            &env.learning,
            Group,
            &g.id,
            &add(&[&bob.id]),
            &none,
            Wants::default(),
        )
        .await
        .unwrap();
    assert_eq!(after.references.as_ref().unwrap().len(), 2);
    assert_eq!(after.version, 2);
    let again = env
        .dir
        .patch(
            &env.learning,
            Group,
            &g.id,
            &add(&[&bob.id]),
            &none,
            Wants::default(),
        )
        .await
        .unwrap();
    assert_eq!(again.references.as_ref().unwrap().len(), 2);
    assert_eq!(again.version, 2, "adding a present member changes nothing");

    let after = env
        .dir
        .patch(
            &env.learning,
            Group,
            &g.id,
            &remove(&[&ann.id]),
            &none,
            Wants::default(),
        )
        .await
        .unwrap();
    assert_eq!(ref_ids(&after), vec![bob.id.clone()]);
    assert_eq!(after.version, 3);
    let again = env
        .dir
        .patch(
            &env.learning,
            Group,
            &g.id,
            &remove(&[&ann.id]),
            &none,
            Wants::default(),
        )
        .await
        .unwrap();
    assert_eq!(
        again.version, 3,
        "removing an absent member changes nothing"
    );

    // Okta's and Entra's filtered remove, and remove-all.
    let filtered =
        ops(json!([{"op": "remove", "path": format!("members[value eq \"{}\"]", bob.id)}]));
    let after = env
        .dir
        .patch(
            &env.learning,
            Group,
            &g.id,
            &filtered,
            &none,
            Wants::default(),
        )
        .await
        .unwrap();
    assert_eq!(after.references, Some(vec![]));
    env.dir
        .patch(
            &env.learning,
            Group,
            &g.id,
            &add(&[&ann.id, &bob.id]),
            &none,
            no_refs(),
        )
        .await
        .unwrap();
    let all = ops(json!([{"op": "remove", "path": "members"}]));
    let after = env
        .dir
        .patch(&env.learning, Group, &g.id, &all, &none, no_refs())
        .await
        .unwrap();
    assert_eq!(after.references, None, "members not loaded when not wanted");
    let got = env
        .dir
        .get(&env.learning, Group, &g.id, Wants::default())
        .await
        .unwrap();
    assert_eq!(got.references, Some(vec![]));

    // replace members = exactly these.
    let replace = ops(json!([{"op": "replace", "path": "members", "value": [{"value": bob.id}]}]));
    let after = env
        .dir
        .patch(
            &env.learning,
            Group,
            &g.id,
            &replace,
            &none,
            Wants::default(),
        )
        .await
        .unwrap();
    assert_eq!(ref_ids(&after), vec![bob.id.clone()]);
}

#[tokio::test]
async fn unknown_members_are_400_listing_at_most_five() {
    let env = env().await;
    let ann = create_user(&env, &env.learning, "ann@acme.com").await;
    let g = create_group(&env, &env.learning, "Sales", &[]).await;
    let unknown: Vec<String> = (0..8).map(|i| format!("ghost-{i}")).collect();
    let mut ids: Vec<&str> = unknown.iter().map(String::as_str).collect();
    ids.push(&ann.id);
    let err = env
        .dir
        .patch(
            &env.learning,
            Group,
            &g.id,
            &add(&ids),
            &Precondition::default(),
            Wants::default(),
        )
        .await
        .unwrap_err();
    assert_scim(&err, 400, Some(ScimType::InvalidValue));
    assert!(err.detail.contains("`ghost-0`"), "{}", err.detail);
    assert!(!err.detail.contains("ghost-5"), "{}", err.detail);
    assert!(err.detail.contains("and 3 more"), "{}", err.detail);
    let got = env
        .dir
        .get(&env.learning, Group, &g.id, Wants::default())
        .await
        .unwrap();
    assert_eq!(got.references, Some(vec![]), "the PATCH was all or nothing");
    assert_eq!(got.version, 1);
}

#[tokio::test]
async fn concurrent_patches_on_one_group_lose_no_member() {
    let env = env().await;
    let g = create_group(&env, &env.learning, "Everyone", &[]).await;
    let mut users = Vec::new();
    for i in 0..20 {
        users.push(
            create_user(&env, &env.learning, &format!("user{i}@acme.com"))
                .await
                .id,
        );
    }
    let mut tasks = Vec::new();
    for (i, id) in users.iter().enumerate() {
        let dir = env.dir.clone();
        let ctx = env.learning.clone();
        let group = g.id.clone();
        let mut patch = add(&[id]);
        if i % 4 == 0 {
            // Some also change the document, so the version race is real.
            patch.extend(ops(
                json!([{"op": "replace", "path": "externalId", "value": format!("ext-{i}")}]),
            ));
        }
        tasks.push(tokio::spawn(async move {
            dir.patch(
                &ctx,
                Group,
                &group,
                &patch,
                &Precondition::default(),
                no_refs(),
            )
            .await
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let got = env
        .dir
        .get(&env.learning, Group, &g.id, Wants::default())
        .await
        .unwrap();
    let mut expected = users.clone();
    expected.sort();
    assert_eq!(ref_ids(&got), expected);
    assert_eq!(got.version, 21, "every PATCH bumped the version once");
}

#[tokio::test]
async fn a_large_group_takes_one_more_member_as_a_delta() {
    let env = env().await;
    let mut ids = Vec::new();
    for i in 0..600 {
        ids.push(
            create_user(&env, &env.learning, &format!("u{i}@acme.com"))
                .await
                .id,
        );
    }
    let refs: Vec<&str> = ids[..599].iter().map(String::as_str).collect();
    let g = create_group(&env, &env.learning, "Big", &refs).await;
    assert_eq!(g.references.as_ref().unwrap().len(), 599, "chunked inserts");
    let after = env
        .dir
        .patch(
            &env.learning,
            Group,
            &g.id,
            &add(&[&ids[599]]),
            &Precondition::default(),
            no_refs(),
        )
        .await
        .unwrap();
    assert_eq!(after.references, None);
    let got = env
        .dir
        .get(&env.learning, Group, &g.id, Wants::default())
        .await
        .unwrap();
    assert_eq!(got.references.unwrap().len(), 600);
}

#[tokio::test]
async fn a_deleted_user_leaves_its_groups() {
    let env = env().await;
    let ann = create_user(&env, &env.learning, "ann@acme.com").await;
    let bob = create_user(&env, &env.learning, "bob@acme.com").await;
    let g = create_group(&env, &env.learning, "Sales", &[&ann.id, &bob.id]).await;
    env.dir
        .delete(&env.learning, User, &ann.id, &Precondition::default())
        .await
        .unwrap();
    let got = env
        .dir
        .get(&env.learning, Group, &g.id, Wants::default())
        .await
        .unwrap();
    assert_eq!(ref_ids(&got), vec![bob.id.clone()]);
}
