//! `GET /admin/{tenant}/users`: search, filters, sorting and keyset paging (next/previous links
//! carry an opaque cursor, never an offset), one query for the page plus one each for the page's
//! apps, waiting lists and licenses.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use rosterd_directory::people_list::{
    self, Cursor, LicenseFilter, Matching, PageAt, PeopleQuery, SortKey, SourceFilter,
};
use rosterd_domain::{LicenseKind, PersonId, Product};
use rosterd_ledger::License;
use serde::Deserialize;

use super::{apps_label, can_change, display_name, encode};
use crate::AdminState;
use crate::auth::{Section, SignedIn};
use crate::error::AdminError;
use crate::render::{Chrome, page, when};

/// Rows per page unless the admin picks another size.
const DEFAULT_PAGE: u64 = 50;
/// What a page link this code cannot read shows.
const STALE_LINK: &str = "That page link is not valid any more, so the first page is shown.";
/// The page sizes offered.
const PAGE_SIZES: [u64; 4] = [25, 50, 100, 200];

/// The list's query string; unknown values fall back to "any".
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListParams {
    q: String,
    #[serde(rename = "match")]
    matching: String,
    source: String,
    product: String,
    license: String,
    sort: String,
    dir: String,
    after: String,
    before: String,
    size: String,
}

#[derive(Template)]
#[template(path = "users/list.html")]
struct UsersPage {
    chrome: Chrome,
    base: String,
    can_change: bool,
    q: String,
    contains: bool,
    sources: Vec<Choice>,
    products: Vec<Choice>,
    licenses: Vec<Choice>,
    sizes: Vec<Choice>,
    sort: &'static str,
    dir: &'static str,
    columns: Columns,
    org: String,
    rows: Vec<Row>,
    previous: Option<String>,
    next: Option<String>,
    filtered: bool,
    error: Option<String>,
}

/// An option of a filter's select.
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

/// The sortable columns' headers.
struct Columns {
    by_name: Column,
    by_email: Column,
    by_created: Column,
}

/// A sortable column header.
struct Column {
    label: &'static str,
    href: String,
    /// `ascending`, `descending` or `none` (for `aria-sort`).
    aria_sort: &'static str,
    arrow: &'static str,
}

struct Row {
    href: String,
    name: String,
    email: String,
    employee_number: String,
    /// The apps of an IdP-provisioned person, e.g. `Learning and Sales Navigator`.
    idp: Option<String>,
    licenses: Vec<LicenseChip>,
    created: String,
}

struct LicenseChip {
    kind: &'static str,
    state: &'static str,
    css: &'static str,
}

fn choices<T: Copy + PartialEq>(
    any: &str,
    options: &[(T, &str, &str)],
    current: Option<T>,
) -> Vec<Choice> {
    let mut out = vec![Choice {
        value: String::new(),
        label: any.to_owned(),
        selected: current.is_none(),
    }];
    out.extend(options.iter().map(|(v, value, label)| Choice {
        value: (*value).to_owned(),
        label: (*label).to_owned(),
        selected: current == Some(*v),
    }));
    out
}

const SOURCES: [(SourceFilter, &str, &str); 2] = [
    (SourceFilter::Idp, "idp", "Identity provider"),
    (SourceFilter::Manual, "manual", "Added by hand"),
];

const LICENSE_STATES: [(LicenseFilter, &str, &str); 4] = [
    (
        LicenseFilter::Assigned,
        "assigned",
        "Assigned, not yet activated",
    ),
    (LicenseFilter::Active, "active", "Active"),
    (LicenseFilter::None, "none", "No license"),
    (LicenseFilter::Waiting, "waiting", "Waiting for a seat"),
];

/// The query, read leniently: a value this page never offers means "any".
fn query_of(params: &ListParams) -> (PeopleQuery, Option<String>) {
    let pick = |v: &str, options: &[(SourceFilter, &str, &str)]| {
        options.iter().find(|(_, s, _)| *s == v).map(|(f, _, _)| *f)
    };
    let license = LICENSE_STATES
        .iter()
        .find(|(_, s, _)| *s == params.license)
        .map(|(f, _, _)| *f);
    let mut error = None;
    let mut at = PageAt::First;
    for (raw, before) in [(&params.after, false), (&params.before, true)] {
        if raw.is_empty() {
            continue;
        }
        match Cursor::decode(raw) {
            Some(c) if before => at = PageAt::Before(c),
            Some(c) => at = PageAt::After(c),
            None => {
                error = Some(STALE_LINK.to_owned());
            }
        }
    }
    let size = params
        .size
        .parse::<u64>()
        .ok()
        .filter(|s| PAGE_SIZES.contains(s))
        .unwrap_or(DEFAULT_PAGE);
    let query = PeopleQuery {
        search: Some(params.q.trim().to_owned()).filter(|q| !q.is_empty()),
        matching: if params.matching == "contains" {
            Matching::Contains
        } else {
            Matching::Prefix
        },
        source: pick(&params.source, &SOURCES),
        product: params.product.parse::<Product>().ok(),
        license,
        sort: SortKey::parse(&params.sort).unwrap_or_default(),
        descending: params.dir == "desc",
        at,
        limit: size,
    };
    (query, error)
}

/// The query string of `query` (without a cursor), for links that keep the filters.
fn filter_string(query: &PeopleQuery) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(q) = &query.search {
        parts.push(format!("q={}", encode(q)));
        if query.matching == Matching::Contains {
            parts.push("match=contains".into());
        }
    }
    if let Some(s) = query.source {
        let value = SOURCES.iter().find(|(f, _, _)| *f == s).map(|(_, v, _)| *v);
        parts.push(format!("source={}", value.unwrap_or_default()));
    }
    if let Some(p) = query.product {
        parts.push(format!("product={}", p.slug()));
    }
    if let Some(l) = query.license {
        let value = LICENSE_STATES
            .iter()
            .find(|(f, _, _)| *f == l)
            .map(|(_, v, _)| *v);
        parts.push(format!("license={}", value.unwrap_or_default()));
    }
    if query.limit != DEFAULT_PAGE {
        parts.push(format!("size={}", query.limit));
    }
    parts.join("&")
}

fn href(base: &str, filters: &str, extra: &str) -> String {
    let joined: Vec<&str> = [filters, extra]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect();
    if joined.is_empty() {
        format!("{base}/users")
    } else {
        format!("{base}/users?{}", joined.join("&"))
    }
}

fn columns(base: &str, query: &PeopleQuery, filters: &str) -> Columns {
    let column = |key: SortKey, label: &'static str| {
        let current = query.sort == key;
        // A click on the current column flips it; another column starts ascending.
        let dir = if current && !query.descending {
            "desc"
        } else {
            "asc"
        };
        Column {
            label,
            href: href(base, filters, &format!("sort={}&dir={dir}", key.as_str())),
            aria_sort: match (current, query.descending) {
                (false, _) => "none",
                (true, false) => "ascending",
                (true, true) => "descending",
            },
            arrow: match (current, query.descending) {
                (false, _) => "",
                (true, false) => "▲",
                (true, true) => "▼",
            },
        }
    };
    Columns {
        by_name: column(SortKey::Name, "Name"),
        by_email: column(SortKey::Email, "Email"),
        by_created: column(SortKey::Created, "Created"),
    }
}

fn chip(license: &License) -> LicenseChip {
    let state = license.state.as_str();
    LicenseChip {
        kind: license.kind.display_name(),
        state,
        css: if state == "active" {
            "badge-on"
        } else {
            "badge-off"
        },
    }
}

fn waiting_chip(kind: LicenseKind) -> LicenseChip {
    LicenseChip {
        kind: kind.display_name(),
        state: "waiting",
        css: "badge-wait",
    }
}

/// `GET /admin/{tenant}/users`.
pub async fn show(
    State(state): State<AdminState>,
    who: SignedIn,
    Query(params): Query<ListParams>,
) -> Result<Response, AdminError> {
    let (mut query, mut error) = query_of(&params);
    let listed = people_list::list_people(&state.db, who.tenant.id, &query).await;
    let page = match listed {
        Ok(page) => page,
        Err(rosterd_directory::Error::InvalidCursor) => {
            // A cursor of another sort order: start again from the first page.
            query.at = PageAt::First;
            error = Some(STALE_LINK.to_owned());
            people_list::list_people(&state.db, who.tenant.id, &query)
                .await
                .map_err(super::directory_failure)?
        }
        Err(other) => return Err(super::directory_failure(other)),
    };
    render(&state, &who, &query, page, error).await
}

async fn render(
    state: &AdminState,
    who: &SignedIn,
    query: &PeopleQuery,
    listed: people_list::PeopleListPage,
    error: Option<String>,
) -> Result<Response, AdminError> {
    let page_of_people = listed;
    let base = who.base();
    let ids: Vec<PersonId> = page_of_people.people.iter().map(|p| p.person.id).collect();
    let licenses = rosterd_ledger::live_licenses_of_people(&state.db, who.tenant.id, &ids).await?;
    let filters = filter_string(query);
    let sorting = format!(
        "sort={}&dir={}",
        query.sort.as_str(),
        if query.descending { "desc" } else { "asc" }
    );
    let with_sorting = [filters.as_str(), sorting.as_str()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("&");
    let rows = page_of_people
        .people
        .iter()
        .map(|listed| {
            let p = &listed.person;
            let mut chips: Vec<LicenseChip> = licenses
                .iter()
                .filter(|l| l.person_id == p.id)
                .map(chip)
                .collect();
            chips.extend(listed.waiting.iter().copied().map(waiting_chip));
            Row {
                href: format!("{base}/users/{}", p.id),
                name: display_name(p),
                email: p.email.clone().unwrap_or_default(),
                employee_number: p.employee_number.clone().unwrap_or_default(),
                idp: (!listed.apps.is_empty()).then(|| apps_label(&listed.apps)),
                licenses: chips,
                created: when(p.created_at),
            }
        })
        .collect();
    let products = Product::ALL.map(|p| (p, p.slug(), p.display_name()));
    let sizes = PAGE_SIZES
        .iter()
        .map(|s| Choice {
            value: s.to_string(),
            label: s.to_string(),
            selected: *s == query.limit,
        })
        .collect();
    Ok(page(
        StatusCode::OK,
        &UsersPage {
            chrome: who.chrome("Users", Section::Users),
            can_change: can_change(who),
            q: query.search.clone().unwrap_or_default(),
            contains: query.matching == Matching::Contains,
            sources: choices("Any source", &SOURCES, query.source),
            products: choices("Any product", &products, query.product),
            licenses: choices("Any license state", &LICENSE_STATES, query.license),
            sizes,
            sort: query.sort.as_str(),
            dir: if query.descending { "desc" } else { "asc" },
            columns: columns(&base, query, &filters),
            org: who.tenant.name.clone(),
            rows,
            previous: page_of_people
                .previous
                .map(|c| href(&base, &with_sorting, &format!("before={}", c.encode()))),
            next: page_of_people
                .next
                .map(|c| href(&base, &with_sorting, &format!("after={}", c.encode()))),
            filtered: !filters.is_empty(),
            error,
            base,
        },
    ))
}
