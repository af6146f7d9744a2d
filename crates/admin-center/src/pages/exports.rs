//! `/admin/{tenant}/exports/{users,licenses,utilisation}.csv` (every admin role): downloads
//! built page by page (1,000 people or licenses per query, never the whole table in one read),
//! with every cell quoted (RFC 4180) and spreadsheet formula-injection protection ([`cell`]).

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use rosterd_directory::manual_groups;
use rosterd_domain::{LicenseKind, PersonId};
use rosterd_ledger::LicenseQuery;

use crate::AdminState;
use crate::auth::SignedIn;
use crate::error::AdminError;
use crate::pages::groups::dir_error;
use crate::pages::licenses::pool_numbers;
use crate::pages::reports::{by_product, group_usage};

/// Rows read per query.
const PAGE: u64 = 1000;

/// Characters that make a spreadsheet read a cell as a formula.
const FORMULA_START: [char; 4] = ['=', '+', '-', '@'];
/// Characters some spreadsheet or import dialog may split a cell at (`;` in many European
/// locales, tab and `|` in import dialogs, line breaks in parsers that ignore quotes).
const SEPARATORS: [char; 6] = [',', ';', '\t', '|', '\r', '\n'];

/// One CSV field, always quoted (quotes doubled), with formulas defused: a formula-starting
/// character (`=`, `+`, `-`, `@`) at the start of the value, or after a separator (`,` `;` tab
/// `|` or a line break, then any spaces or quotes), gets a `'` in front of it, so a spreadsheet
/// that splits the cell at that separator (`x;=HYPERLINK(..)` opened where `;` separates) still
/// shows text. A value starting with a tab or a carriage return gets a `'` in front too.
pub fn cell(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 4);
    out.push('"');
    let mut boundary = true;
    for (i, c) in value.chars().enumerate() {
        if boundary && FORMULA_START.contains(&c) {
            out.push('\'');
            boundary = false;
        } else if i == 0 && (c == '\t' || c == '\r') {
            out.push('\'');
        }
        if SEPARATORS.contains(&c) {
            boundary = true;
        } else if c != ' ' && c != '"' {
            boundary = false;
        }
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// Appends one CSV record (CRLF-terminated).
pub fn push_row<S: AsRef<str>>(out: &mut String, fields: &[S]) {
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&cell(field.as_ref()));
    }
    out.push_str("\r\n");
}

fn attachment(who: &SignedIn, name: &str, date: &str, body: String) -> Response {
    let filename = format!("{}-{name}-{date}.csv", who.tenant.slug);
    (
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response()
}

fn opt(value: Option<&String>) -> &str {
    value.map_or("", String::as_str)
}

/// `GET /admin/{tenant}/exports/{file}`.
pub async fn download(
    State(state): State<AdminState>,
    who: SignedIn,
    Path((_, file)): Path<(String, String)>,
) -> Result<Response, AdminError> {
    let date = state.clock.now().format("%Y-%m-%d").to_string();
    let (name, body) = match file.as_str() {
        "users.csv" => ("users", users(&state, &who).await?),
        "licenses.csv" => ("licenses", licenses(&state, &who).await?),
        "utilisation.csv" => ("utilisation", utilisation(&state, &who).await?),
        _ => return Err(AdminError::NotFound),
    };
    Ok(attachment(&who, name, &date, body))
}

/// Every person with their attributes and live licenses (`kind:state`, `;`-separated).
async fn users(state: &AdminState, who: &SignedIn) -> Result<String, AdminError> {
    let tenant = who.tenant.id;
    let mut out = String::new();
    push_row(
        &mut out,
        &[
            "person_id",
            "email",
            "given_name",
            "family_name",
            "display_name",
            "employee_number",
            "department",
            "title",
            "source",
            "licenses",
            "created_at",
        ],
    );
    // Every live license in one read (three columns), not a query per page: per-page
    // `person_id IN (...)` lookups cannot use an index that starts with the person.
    let mut held: HashMap<PersonId, Vec<String>> = HashMap::new();
    for (person, kind, state) in rosterd_ledger::live_holdings(&state.db, tenant).await? {
        held.entry(person)
            .or_default()
            .push(format!("{}:{state}", kind.slug()));
    }
    let mut after = None;
    loop {
        let page = rosterd_directory::people::list(&state.db, tenant, after, PAGE)
            .await
            .map_err(dir_error)?;
        for p in &page.people {
            let licenses = held.get_mut(&p.id).map(|kinds| {
                kinds.sort();
                kinds.join(";")
            });
            push_row(
                &mut out,
                &[
                    p.id.to_string().as_str(),
                    opt(p.email.as_ref()),
                    opt(p.given_name.as_ref()),
                    opt(p.family_name.as_ref()),
                    opt(p.display_name.as_ref()),
                    opt(p.employee_number.as_ref()),
                    opt(p.department.as_ref()),
                    opt(p.title.as_ref()),
                    &p.source,
                    licenses.as_deref().unwrap_or(""),
                    &p.created_at.to_rfc3339(),
                ],
            );
        }
        match page.next_after {
            Some(next) => after = Some(next),
            None => return Ok(out),
        }
    }
}

/// Every license, live and revoked, oldest first, with its holder's email.
async fn licenses(state: &AdminState, who: &SignedIn) -> Result<String, AdminError> {
    let tenant = who.tenant.id;
    let mut out = String::new();
    push_row(
        &mut out,
        &[
            "license_id",
            "person_id",
            "email",
            "license_kind",
            "product",
            "state",
            "source",
            "created_at",
            "updated_at",
        ],
    );
    let mut query = LicenseQuery {
        limit: Some(PAGE),
        ..LicenseQuery::default()
    };
    loop {
        let page = rosterd_ledger::list_licenses(&state.db, tenant, &query).await?;
        let ids: Vec<PersonId> = page.iter().map(|l| l.person_id).collect();
        let people = manual_groups::people_by_ids(&state.db, tenant, &ids)
            .await
            .map_err(dir_error)?;
        for l in &page {
            let email = people.get(&l.person_id).and_then(|m| m.email.as_ref());
            push_row(
                &mut out,
                &[
                    l.id.to_string().as_str(),
                    &l.person_id.to_string(),
                    opt(email),
                    l.kind.slug(),
                    l.kind.product().slug(),
                    l.state.as_str(),
                    &l.source.to_string(),
                    &l.created_at.to_rfc3339(),
                    &l.updated_at.to_rfc3339(),
                ],
            );
        }
        match page.last() {
            Some(last) if page.len() as u64 == PAGE => query.after = Some(last.id),
            _ => return Ok(out),
        }
    }
}

/// The reports page as one table: a row per product, per pool and per group.
async fn utilisation(state: &AdminState, who: &SignedIn) -> Result<String, AdminError> {
    let pools = pool_numbers(state, who).await?;
    let groups = group_usage(state, who).await?;
    let mut out = String::new();
    let mut header: Vec<String> = [
        "report",
        "name",
        "product",
        "source",
        "capacity",
        "assigned",
        "active",
        "awaiting_activation",
        "free",
        "utilisation_percent",
        "members",
        "licensed_members",
    ]
    .map(str::to_owned)
    .to_vec();
    header.extend(LicenseKind::ALL.map(|k| format!("members_with_{}", k.slug())));
    push_row(&mut out, &header);
    let blanks = LicenseKind::ALL.len() + 2;
    let numbers = |n: &crate::pages::licenses::PoolNumbers| {
        [
            n.capacity,
            n.assigned,
            n.active,
            n.awaiting_activation,
            n.free,
            n.percent,
        ]
        .map(|v| v.to_string())
    };
    for p in by_product(&pools) {
        let mut row = vec![
            "product".to_owned(),
            p.name.to_owned(),
            p.product.slug().to_owned(),
            String::new(),
        ];
        row.extend(numbers(&p.numbers));
        row.extend(std::iter::repeat_n(String::new(), blanks));
        push_row(&mut out, &row);
    }
    for (pool, n) in &pools {
        let kind = pool.license_kind;
        let mut row = vec![
            "pool".to_owned(),
            kind.display_name().to_owned(),
            kind.product().slug().to_owned(),
            String::new(),
        ];
        row.extend(numbers(n));
        row.extend(std::iter::repeat_n(String::new(), blanks));
        push_row(&mut out, &row);
    }
    for g in groups {
        let mut row = vec![
            "group".to_owned(),
            g.name,
            g.product.to_owned(),
            g.source.to_owned(),
        ];
        row.extend(std::iter::repeat_n(String::new(), 6));
        row.push(g.members.to_string());
        row.push(g.licensed.to_string());
        row.extend(g.by_kind.iter().map(u64::to_string));
        push_row(&mut out, &row);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        let cases = [
            ("plain", "\"plain\"", "every cell is quoted"),
            ("a,b", "\"a,b\"", "a comma stays inside the quotes"),
            ("say \"hi\"", "\"say \"\"hi\"\"\"", "quotes are doubled"),
            ("two\nlines", "\"two\nlines\"", "a line break stays inside"),
            ("=SUM(A1:A9)", "\"'=SUM(A1:A9)\"", "a formula is defused"),
            ("+1 555", "\"'+1 555\"", "plus"),
            ("-2", "\"'-2\"", "minus"),
            ("@cmd", "\"'@cmd\"", "at"),
            ("\tx", "\"'\tx\"", "a leading tab"),
            (
                "\r=1",
                "\"'\r'=1\"",
                "a leading carriage return, then a formula",
            ),
            (
                "=HYPERLINK(\"x\",\"y\")",
                "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\"",
                "both at once",
            ),
            (
                "x;=HYPERLINK(\"http://evil\")",
                "\"x;'=HYPERLINK(\"\"http://evil\"\")\"",
                "a formula after a semicolon",
            ),
            ("a, =1", "\"a, '=1\"", "after a comma and a space"),
            ("a;\"=1", "\"a;\"\"'=1\"", "after a separator and a quote"),
            ("a\t+1", "\"a\t'+1\"", "after a tab"),
            ("a|@x", "\"a|'@x\"", "after a pipe"),
            ("a\n-1", "\"a\n'-1\"", "after a line break"),
            ("", "\"\"", "empty"),
            (
                "ada@acme.example",
                "\"ada@acme.example\"",
                "an @ inside a word is fine",
            ),
            ("Jean-Luc", "\"Jean-Luc\"", "a hyphen inside a word is fine"),
            ("2026-12-03", "\"2026-12-03\"", "dates are untouched"),
        ];
        for (value, want, why) in cases {
            assert_eq!(cell(value), want, "{why}");
        }
    }

    #[test]
    fn rows_end_with_crlf() {
        let mut out = String::new();
        push_row(&mut out, &["a", "b,c", "=1"]);
        assert_eq!(out, "\"a\",\"b,c\",\"'=1\"\r\n");
    }
}
