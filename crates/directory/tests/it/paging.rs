//! Sorting and paging in the database: index paging without overlap or skip, `count=0`,
//! cursor paging across pages, bad cursors, and members not loaded when not wanted.

use std::collections::HashSet;

use rosterd_scim::ScimType;
use rosterd_scim::resource::ResourceKind::{Group, User};
use rosterd_scim::store::{ListQuery, Page, Paging, SortOrder, Wants};
use serde_json::json;

use crate::support::*;

fn names(page: &Page) -> Vec<String> {
    page.resources
        .iter()
        .map(|r| r.document["userName"].as_str().unwrap().to_owned())
        .collect()
}

/// 25 users; all created at the same instant (so created-at ties must break by id), every
/// third without a title.
async fn many(env: &Env) {
    for i in 0..25 {
        let mut body = json!({"userName": format!("User{:02}@acme.com", (i * 7) % 25)});
        if i % 3 != 0 {
            body["title"] = json!(format!("T{}", i % 4));
        }
        env.dir
            .create(&env.learning, User, user_body(body), Wants::default())
            .await
            .unwrap();
    }
}

async fn pages_by_index(env: &Env, q: ListQuery, count: u64) -> Vec<String> {
    let mut all = Vec::new();
    let mut start = 1;
    loop {
        let mut q = q.clone();
        q.paging = Paging::Index {
            start_index: start,
            count,
        };
        let page = env.dir.list(&env.learning, User, &q).await.unwrap();
        assert_eq!(page.total_results, 25);
        assert_eq!(page.start_index, Some(start));
        if page.resources.is_empty() {
            return all;
        }
        all.extend(names(&page));
        start += count;
    }
}

async fn pages_by_cursor(env: &Env, q: ListQuery, count: u64) -> (Vec<String>, usize) {
    let mut all = Vec::new();
    let mut cursor = None;
    let mut pages = 0;
    loop {
        let mut q = q.clone();
        q.paging = Paging::Cursor {
            cursor: cursor.clone(),
            count,
        };
        let page = env.dir.list(&env.learning, User, &q).await.unwrap();
        assert_eq!(page.total_results, 25);
        pages += 1;
        all.extend(names(&page));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return (all, pages),
        }
    }
}

fn assert_permutation(found: &[String]) {
    let unique: HashSet<&String> = found.iter().collect();
    assert_eq!(found.len(), 25, "no skip");
    assert_eq!(unique.len(), 25, "no overlap");
}

#[tokio::test]
async fn index_paging_sorted_by_user_name_has_no_overlap_or_skip() {
    let env = env().await;
    many(&env).await;
    let found = pages_by_index(
        &env,
        sorted(query(None), "userName", SortOrder::Ascending),
        10,
    )
    .await;
    assert_permutation(&found);
    let mut expected = found.clone();
    expected.sort_by_key(|n| n.to_lowercase());
    assert_eq!(found, expected);
    let found = pages_by_index(
        &env,
        sorted(query(None), "userName", SortOrder::Descending),
        7,
    )
    .await;
    expected.reverse();
    assert_eq!(found, expected);
}

#[tokio::test]
async fn ties_break_by_id_so_pages_never_overlap() {
    let env = env().await;
    many(&env).await;
    for by in ["meta.created", "title", "externalId"] {
        for order in [SortOrder::Ascending, SortOrder::Descending] {
            let found = pages_by_index(&env, sorted(query(None), by, order), 4).await;
            assert_permutation(&found);
            let (found, _) = pages_by_cursor(&env, sorted(query(None), by, order), 4).await;
            assert_permutation(&found);
        }
    }
}

#[tokio::test]
async fn count_zero_answers_only_the_total() {
    let env = env().await;
    many(&env).await;
    let mut q = query(Some(r#"title pr"#));
    q.paging = Paging::Index {
        start_index: 1,
        count: 0,
    };
    let page = env.dir.list(&env.learning, User, &q).await.unwrap();
    assert_eq!(page.total_results, 16);
    assert!(page.resources.is_empty());
    q.paging = Paging::Index {
        start_index: 100,
        count: 10,
    };
    let page = env.dir.list(&env.learning, User, &q).await.unwrap();
    assert_eq!(page.total_results, 16);
    assert!(page.resources.is_empty());
}

#[tokio::test]
async fn cursor_paging_walks_every_page_once() {
    let env = env().await;
    many(&env).await;
    let (found, pages) = pages_by_cursor(&env, query(None), 7).await;
    assert_permutation(&found);
    assert_eq!(pages, 4);
    let (found, pages) = pages_by_cursor(
        &env,
        sorted(query(None), "userName", SortOrder::Descending),
        5,
    )
    .await;
    assert_permutation(&found);
    assert_eq!(pages, 5, "the last full page has no next cursor");
    let mut expected = found.clone();
    expected.sort_by_key(|n| std::cmp::Reverse(n.to_lowercase()));
    assert_eq!(found, expected);
}

#[tokio::test]
async fn a_bad_cursor_is_400() {
    let env = env().await;
    many(&env).await;
    let mut q = query(None);
    q.paging = Paging::Cursor {
        cursor: Some("not a cursor!".into()),
        count: 5,
    };
    let err = env.dir.list(&env.learning, User, &q).await.unwrap_err();
    assert_scim(&err, 400, Some(ScimType::InvalidValue));
    assert!(err.detail.contains("invalidCursor"), "{}", err.detail);

    // A cursor of one sort replayed on another.
    q.paging = Paging::Cursor {
        cursor: None,
        count: 5,
    };
    let next = env
        .dir
        .list(&env.learning, User, &q)
        .await
        .unwrap()
        .next_cursor
        .unwrap();
    let mut other = sorted(query(None), "userName", SortOrder::Ascending);
    other.paging = Paging::Cursor {
        cursor: Some(next),
        count: 5,
    };
    let err = env.dir.list(&env.learning, User, &other).await.unwrap_err();
    assert_scim(&err, 400, Some(ScimType::InvalidValue));
}

#[tokio::test]
async fn excluded_members_are_not_loaded_in_lists() {
    let env = env().await;
    let ann = create_user(&env, &env.learning, "ann@acme.com").await;
    create_group(&env, &env.learning, "Sales", &[&ann.id]).await;
    let mut q = query(None);
    q.wants = Wants {
        members: false,
        ..Wants::ALL
    };
    let page = env.dir.list(&env.learning, Group, &q).await.unwrap();
    assert_eq!(page.resources[0].references, None);
    q.wants = Wants::default();
    let page = env.dir.list(&env.learning, Group, &q).await.unwrap();
    assert_eq!(ref_ids(&page.resources[0]), vec![ann.id.clone()]);
    let users = env.dir.list(&env.learning, User, &q).await.unwrap();
    assert_eq!(users.resources[0].references.as_ref().unwrap().len(), 1);
    q.wants = no_refs();
    let users = env.dir.list(&env.learning, User, &q).await.unwrap();
    assert_eq!(users.resources[0].references, None);
}
