//! `/admin/{tenant}/provisioning`: the provisioning log, every SCIM request of the tenant's
//! apps, newest first, with filters (app, outcome, user, time range) and keyset paging. Each
//! failure carries a plain-language hint of how to fix it in the identity provider ([`hint`]).
//! Any signed-in admin may read it.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use rosterd_domain::Product;
use rosterd_tenancy::provisioning_log::{self as log, LogEntry, Outcome};
use serde::Deserialize;

use crate::AdminState;
use crate::auth::{Section, SignedIn};
use crate::error::AdminError;
use crate::render::{Chrome, Page, when};

/// Entries per page.
const PAGE_SIZE: u64 = 50;

#[derive(Template)]
#[template(path = "provisioning/index.html")]
struct ProvisioningPage {
    chrome: Chrome,
    action: String,
    apps: Vec<Choice>,
    outcomes: Vec<Choice>,
    user: String,
    from: String,
    to: String,
    error: Option<String>,
    entries: Vec<Row>,
    older: Option<String>,
    filtered: bool,
}

/// An option of a filter's select.
pub(crate) struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

struct Row {
    at: String,
    app: &'static str,
    method: String,
    path: String,
    status: u16,
    outcome: &'static str,
    outcome_class: &'static str,
    scim_type: Option<String>,
    detail: Option<String>,
    hint: Option<String>,
    resources: Vec<String>,
    summary: Option<String>,
    latency_ms: i64,
    /// Requests the entry stands for (more than 1: a collapsed run of refusals).
    repeats: u32,
    request_id: String,
}

/// The filters, as the form and the paging links send them.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Filters {
    app: String,
    outcome: String,
    user: String,
    from: String,
    to: String,
    after: String,
}

/// The label admins read for an outcome.
pub fn outcome_label(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Success => "Success",
        Outcome::ClientError => "Refused: fix in the IdP",
        Outcome::ServerError => "rosterd error",
        Outcome::RefusedSeats => "Refused: no seat",
    }
}

/// A time range: at or after the first, strictly before the second.
pub(crate) type Range = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// A day typed as `YYYY-MM-DD` as the time range `[from, to]` (whole days, UTC): `since` is the
/// start of `from`, `until` the start of the day after `to`.
pub(crate) fn day_range(from: &str, to: &str) -> Result<Range, String> {
    let day = |s: &str, label: &str| -> Result<Option<NaiveDate>, String> {
        let s = s.trim();
        if s.is_empty() {
            return Ok(None);
        }
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| format!("Enter the {label} date as YYYY-MM-DD, like 2026-11-23."))
    };
    let start = |d: NaiveDate| d.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
    let since = day(from, "from")?.and_then(start);
    let until = day(to, "to")?.and_then(|d| d.succ_opt()).and_then(start);
    if let (Some(s), Some(u)) = (since, until)
        && s >= u
    {
        return Err("The from date must be on or before the to date.".into());
    }
    Ok((since, until))
}

/// A keyset cursor as it travels in a link: `<unix millis>.<id>`.
pub(crate) fn encode_cursor(at: DateTime<Utc>, id: &str) -> String {
    format!("{}.{id}", at.timestamp_millis())
}

/// The cursor of a link; anything unreadable starts from the newest.
pub(crate) fn decode_cursor(s: &str) -> Option<(DateTime<Utc>, String)> {
    let (millis, id) = s.split_once('.')?;
    let at = DateTime::from_timestamp_millis(millis.parse().ok()?)?;
    (!id.is_empty()).then(|| (at, id.to_owned()))
}

/// A link's query string from `(name, value)` pairs, empty values left out.
pub(crate) fn query_string(pairs: &[(&str, &str)]) -> String {
    let encoded: Vec<String> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", urlencode(v)))
        .collect();
    encoded.join("&")
}

fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b));
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// How to fix a failed SCIM request in the identity provider, in plain language; `None` for a
/// success. Decided by the status, the `scimType`, the detail's wording and the resource path.
pub fn hint(
    status: u16,
    scim_type: Option<&str>,
    detail: Option<&str>,
    method: &str,
    path: &str,
) -> Option<String> {
    let detail = detail.unwrap_or("");
    let resource = if path.contains("/Groups") {
        "group"
    } else {
        "user"
    };
    let text = match (status, scim_type) {
        (..400, _) => return None,
        (401, _) => "The token was revoked or has expired (or is not this app's token). Generate a new one in Settings > Automate user management, paste it into your identity provider's SCIM connection, and test the connection.".to_owned(),
        (403, _) if detail.contains("more licenses are needed") => "The product's seat pool is full, so rosterd refused the user rather than leave them without a license. Buy more seats, or free some by revoking licenses nobody uses: the Licenses page shows who holds them. Then retry the push in your identity provider.".to_owned(),
        (403, _) if detail.contains("disabled") => "SCIM is turned off for this app. Turn it on in Settings > Automate user management, then retry the push in your identity provider.".to_owned(),
        (403, _) if detail.contains("suspended") => "Your organisation's rosterd account is suspended. Contact rosterd support; nothing in your identity provider needs to change.".to_owned(),
        (409, _) if resource == "group" => "A group with this name already exists in rosterd (for example a manual group). Rename the manual group on the Groups page, or rename the group in your identity provider, then push it again.".to_owned(),
        (409, _) => "A user with this userName already exists in rosterd. In Okta, import users and match them by userName or email (\"Create or link\"); in Entra ID, match on userPrincipalName or mail; in OneLogin, re-sync the app. Or remove the duplicate person in rosterd, then push the user again.".to_owned(),
        (412, _) => "The identity provider changed an outdated version of this resource. It normally retries with the current version; if this keeps happening, push the user again.".to_owned(),
        (404, _) if method != "GET" || path.contains("/Users/") || path.contains("/Groups/") => format!("The {resource} no longer exists in rosterd (it was deleted here or never created). In your identity provider, push the {resource} again, or unassign and reassign it, so it is created anew."),
        (404, _) => "rosterd has no such SCIM endpoint. Check the SCIM base URL in your identity provider against the one shown in Settings > Automate user management.".to_owned(),
        (413, _) => "The request was too large. Lower the batch size (or the number of group members sent at once) in your identity provider.".to_owned(),
        (429, _) => "Your identity provider sent requests faster than rosterd accepts. It retries automatically; lower its rate limit if this is frequent.".to_owned(),
        (400, Some("invalidFilter")) => "Your identity provider sent a filter rosterd does not support. Check the app's matching attribute: rosterd filters users on userName, externalId, emails and id, and groups on displayName and externalId.".to_owned(),
        (400, Some("mutability")) => "Your identity provider tried to change a read-only attribute (such as id, or the members of a group rosterd manages). Remove that attribute from the app's attribute mappings.".to_owned(),
        (400, Some("invalidPath" | "noTarget")) => "A change addressed an attribute or value rosterd does not have. Check the app's attribute mappings in your identity provider for a misspelt or unsupported attribute.".to_owned(),
        (400, Some("tooMany")) => "The request matched too many results. Narrow the filter or lower the page size in your identity provider.".to_owned(),
        (400, Some("uniqueness")) => "A value that must be unique (userName or email) is already used by someone else. Fix the duplicate in your identity provider or remove it in rosterd.".to_owned(),
        (400, _) => "rosterd could not accept a value your identity provider sent (see the detail). Check the app's attribute mappings: userName is required, emails must be well formed, and custom attributes must use the schemas rosterd advertises.".to_owned(),
        (500.., _) => "rosterd failed to process the request; nothing needs fixing in your identity provider, which retries. If it keeps happening, contact support with the request id.".to_owned(),
        _ => "rosterd refused the request (see the detail). Check the app's settings in your identity provider.".to_owned(),
    };
    Some(text)
}

fn row(e: LogEntry) -> Row {
    let failed = e.outcome != Outcome::Success;
    Row {
        hint: hint(
            e.status,
            e.scim_type.as_deref(),
            e.detail.as_deref(),
            &e.method,
            &e.path,
        ),
        at: when(e.at),
        app: e.product.display_name(),
        status: e.status,
        outcome: outcome_label(e.outcome),
        outcome_class: if failed { "badge-error" } else { "badge-on" },
        resources: e
            .resources
            .iter()
            .map(|r| match &r.name {
                Some(name) => format!("{} {name} ({})", r.kind, r.id),
                None => format!("{} {}", r.kind, r.id),
            })
            .collect(),
        scim_type: e.scim_type,
        detail: e.detail,
        summary: e.summary,
        latency_ms: e.latency_ms,
        repeats: e.repeats,
        request_id: e.id,
        method: e.method,
        path: e.path,
    }
}

/// `GET /admin/{tenant}/provisioning`.
pub async fn show(
    State(state): State<AdminState>,
    who: SignedIn,
    Query(filters): Query<Filters>,
) -> Result<Response, AdminError> {
    let product: Option<Product> = filters.app.parse().ok();
    let outcome = Outcome::parse(&filters.outcome);
    let failures_only = filters.outcome == "failures";
    let (range, error) = match day_range(&filters.from, &filters.to) {
        Ok(range) => (range, None),
        Err(message) => ((None, None), Some(message)),
    };
    let query = log::Query {
        product,
        outcome,
        failures_only,
        subject: Some(filters.user.clone()).filter(|s| !s.trim().is_empty()),
        since: range.0,
        until: range.1,
        after: decode_cursor(&filters.after).map(|(at, id)| log::Cursor { at, id }),
        limit: Some(PAGE_SIZE + 1),
    };
    let mut entries = log::list(&state.db, who.tenant.id, &query).await?;
    let more = entries.len() > usize::try_from(PAGE_SIZE).unwrap_or(usize::MAX);
    entries.truncate(usize::try_from(PAGE_SIZE).unwrap_or(usize::MAX));
    let action = format!("{}/provisioning", who.base());
    let older = more.then(|| entries.last()).flatten().map(|last| {
        let cursor = encode_cursor(last.at, &last.id);
        format!(
            "{action}?{}",
            query_string(&[
                ("app", &filters.app),
                ("outcome", &filters.outcome),
                ("user", &filters.user),
                ("from", &filters.from),
                ("to", &filters.to),
                ("after", &cursor),
            ])
        )
    });
    let apps = Product::ALL
        .into_iter()
        .map(|p| Choice {
            value: p.slug(),
            label: p.display_name(),
            selected: product == Some(p),
        })
        .collect();
    let mut outcomes = vec![Choice {
        value: "failures",
        label: "Every failure",
        selected: failures_only,
    }];
    outcomes.extend(Outcome::ALL.into_iter().map(|o| Choice {
        value: o.as_str(),
        label: outcome_label(o),
        selected: outcome == Some(o),
    }));
    let filtered = product.is_some()
        || outcome.is_some()
        || failures_only
        || !filters.user.trim().is_empty()
        || range != (None, None);
    Ok(Page(ProvisioningPage {
        chrome: who.chrome("Provisioning log", Section::Provisioning),
        action,
        apps,
        outcomes,
        user: filters.user.clone(),
        from: filters.from.clone(),
        to: filters.to.clone(),
        error,
        entries: entries.into_iter().map(row).collect(),
        older,
        filtered,
    })
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_say_what_to_fix_in_the_idp() {
        let seats = "Learning cannot license `ada`: the Learning pool (`learning`) is full, 5 of 5 seats assigned; more licenses are needed.";
        // (what, status, scimType, detail, method, path, the hint contains)
        type Case<'a> = (
            &'a str,
            u16,
            Option<&'a str>,
            Option<&'a str>,
            &'a str,
            &'a str,
            &'a str,
        );
        let cases: [Case<'_>; 14] = [
            (
                "revoked token",
                401,
                None,
                Some("The bearer token has been revoked."),
                "GET",
                "/scim/a/learning/v2/Users",
                "Generate a new one in Settings",
            ),
            (
                "pool full",
                403,
                None,
                Some(seats),
                "POST",
                "/scim/a/learning/v2/Users",
                "Licenses page shows who holds them",
            ),
            (
                "app off",
                403,
                None,
                Some("SCIM provisioning is disabled for Learning."),
                "POST",
                "/scim/a/learning/v2/Users",
                "Turn it on in Settings",
            ),
            (
                "suspended",
                403,
                None,
                Some("This organisation's account is suspended"),
                "GET",
                "/scim/a/learning/v2/Users",
                "Contact rosterd support",
            ),
            (
                "duplicate user",
                409,
                Some("uniqueness"),
                Some("userName `ada` is taken"),
                "POST",
                "/scim/a/learning/v2/Users",
                "In Okta, import users and match them by userName or email",
            ),
            (
                "duplicate group",
                409,
                Some("uniqueness"),
                Some("a manual group"),
                "POST",
                "/scim/a/learning/v2/Groups",
                "Rename the manual group on the Groups page",
            ),
            (
                "bad filter",
                400,
                Some("invalidFilter"),
                Some("x"),
                "GET",
                "/scim/a/learning/v2/Users?filter=foo",
                "filter rosterd does not support",
            ),
            (
                "read-only",
                400,
                Some("mutability"),
                Some("id is readOnly"),
                "PUT",
                "/scim/a/learning/v2/Users/1",
                "read-only attribute",
            ),
            (
                "bad path",
                400,
                Some("invalidPath"),
                None,
                "PATCH",
                "/scim/a/learning/v2/Users/1",
                "misspelt or unsupported attribute",
            ),
            (
                "bad value",
                400,
                Some("invalidValue"),
                Some("emails"),
                "POST",
                "/scim/a/learning/v2/Users",
                "userName is required",
            ),
            (
                "gone user",
                404,
                None,
                None,
                "PATCH",
                "/scim/a/learning/v2/Users/1",
                "push the user again",
            ),
            (
                "gone group",
                404,
                None,
                None,
                "DELETE",
                "/scim/a/learning/v2/Groups/1",
                "push the group again",
            ),
            (
                "stale version",
                412,
                None,
                None,
                "PUT",
                "/scim/a/learning/v2/Users/1",
                "outdated version",
            ),
            (
                "our bug",
                500,
                None,
                None,
                "POST",
                "/scim/a/learning/v2/Users",
                "contact support with the request id",
            ),
        ];
        for (what, status, scim_type, detail, method, path, want) in cases {
            let got = hint(status, scim_type, detail, method, path).unwrap_or_default();
            assert!(got.contains(want), "{what}: {got}");
        }
        assert_eq!(
            hint(201, None, None, "POST", "/scim/a/learning/v2/Users"),
            None
        );
        assert_eq!(
            hint(204, None, None, "DELETE", "/scim/a/learning/v2/Users/1"),
            None
        );
    }

    #[test]
    fn day_ranges_cover_whole_days_and_refuse_nonsense() {
        let (since, until) = day_range("2026-11-01", "2026-11-02").unwrap();
        assert_eq!(since.unwrap().to_rfc3339(), "2026-11-01T00:00:00+00:00");
        assert_eq!(until.unwrap().to_rfc3339(), "2026-11-03T00:00:00+00:00");
        assert_eq!(day_range("", "").unwrap(), (None, None));
        assert!(
            day_range("11/01/2026", "")
                .unwrap_err()
                .contains("YYYY-MM-DD")
        );
        assert!(day_range("2026-11-03", "2026-11-01").is_err());
    }

    #[test]
    fn cursors_survive_a_link_and_garbage_starts_over() {
        let at = DateTime::from_timestamp_millis(1_795_000_000_123).unwrap();
        let encoded = encode_cursor(at, "0193-abc");
        assert_eq!(decode_cursor(&encoded), Some((at, "0193-abc".to_owned())));
        for bad in ["", "x.y", "123.", "nonsense"] {
            assert_eq!(decode_cursor(bad), None, "{bad}");
        }
        assert_eq!(
            query_string(&[("user", "ada lovelace&co"), ("app", "")]),
            "user=ada%20lovelace%26co"
        );
    }
}
