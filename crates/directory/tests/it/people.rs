//! People: one person per human, linked from every app's SCIM user, kept up to date from the
//! IdP; and the admin API on people.

use rosterd_directory::people;
use rosterd_scim::resource::ResourceKind::User;
use rosterd_scim::store::{Precondition, Wants};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;

use crate::support::*;

async fn person_ids(env: &Env) -> Vec<String> {
    let rows = env
        .db
        .conn
        .query_all(Statement::from_string(
            env.db.conn.get_database_backend(),
            "SELECT person_id FROM scim_users ORDER BY product",
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|r| r.try_get::<String>("", "person_id").unwrap())
        .collect()
}

#[tokio::test]
async fn one_person_provisioned_by_two_apps_is_one_people_row() {
    let env = env().await;
    let learning = env
        .dir
        .create(&env.learning, User, user_body(json!({
            "userName": "ann.smith",
            "emails": [{"value": "home@ann.example", "type": "home"}, {"value": "Ann@Acme.com", "type": "work"}],
        })), Wants::default())
        .await
        .unwrap();
    let sales = create_user(&env, &env.sales, "ann@acme.COM").await;
    assert_ne!(learning.id, sales.id, "each app has its own SCIM id");
    let ids = person_ids(&env).await;
    assert_eq!(ids.len(), 2);
    assert_eq!(
        ids[0], ids[1],
        "both link to one person (first work email, case-insensitive)"
    );
    let page = people::list(&env.db.conn, env.learning.tenant, None, 10)
        .await
        .unwrap();
    assert_eq!(page.people.len(), 1);
    assert_eq!(page.people[0].source, "idp");
}

#[tokio::test]
async fn the_person_follows_the_idp_document() {
    let env = env().await;
    let ann = env
        .dir
        .create(
            &env.learning,
            User,
            user_body(json!({
                "userName": "ann@acme.com",
                "name": {"givenName": "Ann", "familyName": "Smith"},
                "displayName": "Ann Smith",
                "title": "Engineer",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
                    "employeeNumber": "42", "department": "Sales"
                },
            })),
            Wants::default(),
        )
        .await
        .unwrap();
    let person = people::find_by_email(&env.db.conn, env.learning.tenant, "ANN@acme.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(person.given_name.as_deref(), Some("Ann"));
    assert_eq!(person.family_name.as_deref(), Some("Smith"));
    assert_eq!(person.display_name.as_deref(), Some("Ann Smith"));
    assert_eq!(person.employee_number.as_deref(), Some("42"));
    assert_eq!(person.department.as_deref(), Some("Sales"));
    assert_eq!(person.title.as_deref(), Some("Engineer"));
    assert_eq!(person.email.as_deref(), Some("ann@acme.com"));

    let patch = ops(json!([
        {"op": "replace", "path": "title", "value": "Manager"},
        {"op": "replace", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "R&D"},
    ]));
    env.dir
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
    let person = people::find_by_email(&env.db.conn, env.learning.tenant, "ann@acme.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(person.title.as_deref(), Some("Manager"));
    assert_eq!(person.department.as_deref(), Some("R&D"));
    assert!(
        people::find_by_email(&env.db.conn, env.other.tenant, "ann@acme.com")
            .await
            .unwrap()
            .is_none(),
        "people are per tenant"
    );
}

#[tokio::test]
async fn a_user_without_an_email_gets_a_person_of_its_own() {
    let env = env().await;
    create_user(&env, &env.learning, "carol").await;
    env.dir
        .create(
            &env.sales,
            User,
            user_body(json!({"userName": "carol"})),
            Wants::default(),
        )
        .await
        .unwrap();
    let ids = person_ids(&env).await;
    assert_ne!(ids[0], ids[1], "nothing to match them by");
}

#[tokio::test]
async fn people_list_pages_by_keyset_without_overlap() {
    let env = env().await;
    for i in 0..7 {
        create_user(&env, &env.learning, &format!("user{i}@acme.com")).await;
    }
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page = people::list(&env.db.conn, env.learning.tenant, after, 3)
            .await
            .unwrap();
        seen.extend(page.people.iter().map(|p| p.id));
        match page.next_after {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(seen.len(), 7);
    let mut unique = seen.clone();
    unique.dedup();
    assert_eq!(unique, seen);
}
