//! `/admin/{tenant}/audit` and `/admin/{tenant}/audit.csv`: who changed what, through which
//! channel (SCIM app, admin, operator, rosterd itself), newest first, filtered by channel,
//! action, actor and time, with keyset paging; the CSV carries every matching event, each cell
//! quoted and defused like the exports' ([`super::exports::cell`]). Any signed-in admin may read it.
//!
//! Also the one place the admin center writes its own audit events ([`record`]).

use askama::Template;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use rosterd_audit::{Channel, Event, NewEvent};
use rosterd_domain::{Clock, TenantId};
use sea_orm::ConnectionTrait;
use serde::Deserialize;

use super::exports::push_row;
use super::provisioning::{Choice, day_range, decode_cursor, encode_cursor, query_string};
use crate::AdminState;
use crate::auth::{Section, SignedIn};
use crate::error::AdminError;
use crate::render::{Chrome, Page, when};

/// Events per page.
const PAGE_SIZE: u64 = 50;
/// The most events one CSV export carries.
const CSV_MAX: u64 = 100_000;

/// Records an audit event for `tenant` on `conn` (the caller's transaction when there is one).
pub(crate) async fn record(
    conn: &impl ConnectionTrait,
    clock: &dyn Clock,
    tenant: TenantId,
    event: NewEvent<'_>,
) -> Result<(), AdminError> {
    rosterd_audit::record(conn, clock, tenant, event)
        .await
        .map_err(|e| AdminError::internal(format!("audit: {e}")))
}

#[derive(Template)]
#[template(path = "audit/index.html")]
struct AuditPage {
    chrome: Chrome,
    action_url: String,
    csv: String,
    channels: Vec<Choice>,
    action: String,
    actor: String,
    from: String,
    to: String,
    error: Option<String>,
    events: Vec<Row>,
    older: Option<String>,
    filtered: bool,
}

struct Row {
    at: String,
    channel: &'static str,
    actor: String,
    action: String,
    target: String,
    detail: String,
}

/// The filters, as the form, the paging links and the CSV link send them.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Filters {
    channel: String,
    action: String,
    actor: String,
    from: String,
    to: String,
    after: String,
}

impl Filters {
    fn pairs<'a>(&'a self, after: &'a str) -> [(&'a str, &'a str); 6] {
        [
            ("channel", &self.channel),
            ("action", &self.action),
            ("actor", &self.actor),
            ("from", &self.from),
            ("to", &self.to),
            ("after", after),
        ]
    }

    /// The audit query, or the message explaining a bad date.
    fn query(&self) -> (rosterd_audit::Query, Option<String>) {
        let (range, error) = match day_range(&self.from, &self.to) {
            Ok(range) => (range, None),
            Err(message) => ((None, None), Some(message)),
        };
        let text = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let query = rosterd_audit::Query {
            channel: Channel::parse(&self.channel),
            action_prefix: text(&self.action),
            actor_contains: text(&self.actor),
            since: range.0,
            until: range.1,
            after: decode_cursor(&self.after)
                .map(|(created_at, id)| rosterd_audit::Cursor { created_at, id }),
            ..rosterd_audit::Query::default()
        };
        (query, error)
    }
}

/// The label admins read for a channel.
pub fn channel_label(channel: Channel) -> &'static str {
    match channel {
        Channel::Scim => "SCIM app",
        Channel::Admin => "Admin center",
        Channel::Operator => "rosterd operator",
        Channel::System => "rosterd (automatic)",
        Channel::Person => "The person",
    }
}

fn row(e: Event) -> Row {
    Row {
        at: when(e.created_at),
        channel: channel_label(e.channel),
        target: if e.target_id.is_empty() {
            e.target_type
        } else {
            format!("{} {}", e.target_type, e.target_id)
        },
        actor: e.actor,
        action: e.action,
        detail: e.detail,
    }
}

/// `GET /admin/{tenant}/audit`.
pub async fn show(
    State(state): State<AdminState>,
    who: SignedIn,
    Query(filters): Query<Filters>,
) -> Result<Response, AdminError> {
    let (mut query, error) = filters.query();
    query.limit = Some(PAGE_SIZE + 1);
    let mut events = rosterd_audit::list(&state.db, who.tenant.id, &query).await?;
    let page = usize::try_from(PAGE_SIZE).unwrap_or(usize::MAX);
    let more = events.len() > page;
    events.truncate(page);
    let action_url = format!("{}/audit", who.base());
    let older = more.then(|| events.last()).flatten().map(|last| {
        let cursor = encode_cursor(last.created_at, &last.id);
        format!("{action_url}?{}", query_string(&filters.pairs(&cursor)))
    });
    let csv_query = query_string(&filters.pairs(""));
    let csv = if csv_query.is_empty() {
        format!("{}/audit.csv", who.base())
    } else {
        format!("{}/audit.csv?{csv_query}", who.base())
    };
    let channels = Channel::ALL
        .into_iter()
        .map(|c| Choice {
            value: c.as_str(),
            label: channel_label(c),
            selected: query.channel == Some(c),
        })
        .collect();
    let filtered = query.channel.is_some()
        || query.action_prefix.is_some()
        || query.actor_contains.is_some()
        || query.since.is_some()
        || query.until.is_some();
    Ok(Page(AuditPage {
        chrome: who.chrome("Audit log", Section::Audit),
        action_url,
        csv,
        channels,
        action: filters.action.clone(),
        actor: filters.actor.clone(),
        from: filters.from.clone(),
        to: filters.to.clone(),
        error,
        events: events.into_iter().map(row).collect(),
        older,
        filtered,
    })
    .into_response())
}

/// `GET /admin/{tenant}/audit.csv`: every event matching the filters (up to [`CSV_MAX`]).
pub async fn csv(
    State(state): State<AdminState>,
    who: SignedIn,
    Query(filters): Query<Filters>,
) -> Result<Response, AdminError> {
    let (mut query, _) = filters.query();
    query.after = None;
    query.limit = Some(CSV_MAX);
    let events = rosterd_audit::list(&state.db, who.tenant.id, &query).await?;
    let mut out = String::new();
    push_row(
        &mut out,
        &[
            "time",
            "channel",
            "actor",
            "action",
            "target_type",
            "target_id",
            "detail",
        ],
    );
    for e in &events {
        push_row(
            &mut out,
            &[
                e.created_at.to_rfc3339().as_str(),
                e.channel.as_str(),
                &e.actor,
                &e.action,
                &e.target_type,
                &e.target_id,
                &e.detail,
            ],
        );
    }
    let filename = format!("attachment; filename=\"{}-audit.csv\"", who.tenant.slug);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, filename),
        ],
        out,
    )
        .into_response())
}
