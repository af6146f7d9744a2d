//! `/admin/{tenant}/settings/scim/{product}/cleanup` (full admins): the clean-up check to run
//! before an app's SCIM is first turned on. It lists what would go wrong when the identity
//! provider starts pushing users: people who look like duplicates (rosterd keeps emails unique,
//! so a duplicate is one human under two addresses: the same name or employee number), people
//! without an email (SCIM cannot match them, so it would create a second person), and manual
//! people that SCIM will adopt when the IdP provisions their address (with the manual licenses
//! of this product that move to the app). Each row links to the person's page to fix it; the
//! page ends with the enable form ("enable anyway" when something was found).

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use rosterd_directory::Person;
use rosterd_domain::{PersonId, Product};
use rosterd_ledger::{License, LicenseSource};

use crate::AdminState;
use crate::auth::{FullAdmin, Section, SignedIn};
use crate::error::AdminError;
use crate::render::{Chrome, Page};

/// People read per query while checking.
const BATCH: u64 = 1000;
/// Rows shown per check; the count says how many there are in all.
const SHOWN: usize = 200;

#[derive(Template)]
#[template(path = "cleanup/index.html")]
struct CleanupPage {
    chrome: Chrome,
    product: &'static str,
    people: usize,
    duplicates: Vec<DuplicateGroup>,
    duplicate_people: usize,
    without_email: Vec<PersonRow>,
    without_email_count: usize,
    adopted: Vec<AdoptRow>,
    adopted_count: usize,
    licenses_moving: usize,
    clean: bool,
    scim_enabled: bool,
    status_action: String,
    settings: String,
    csrf: String,
}

struct PersonRow {
    href: String,
    name: String,
    email: String,
    employee_number: String,
    source: &'static str,
}

struct DuplicateGroup {
    reason: String,
    people: Vec<PersonRow>,
}

struct AdoptRow {
    person: PersonRow,
    licenses: Vec<String>,
}

/// What the check found, before rendering.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Findings {
    /// Groups of people sharing a name or an employee number, with the shared value.
    pub duplicates: Vec<(String, Vec<PersonId>)>,
    pub without_email: Vec<PersonId>,
    /// Manual people with an email: SCIM adopts them when the IdP provisions that address.
    pub adopted: Vec<PersonId>,
}

fn name_of(p: &Person) -> Option<String> {
    let joined = format!(
        "{} {}",
        p.given_name.as_deref().unwrap_or(""),
        p.family_name.as_deref().unwrap_or("")
    );
    let name = p
        .display_name
        .as_deref()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or(joined.trim());
    let normal = name.split_whitespace().collect::<Vec<_>>().join(" ");
    (!normal.is_empty()).then(|| normal.to_lowercase())
}

/// The checks, on every person of the tenant (pure, so tests can name each case).
pub fn check(people: &[Person]) -> Findings {
    let mut by_name: BTreeMap<String, Vec<PersonId>> = BTreeMap::new();
    let mut by_number: BTreeMap<String, Vec<PersonId>> = BTreeMap::new();
    let mut findings = Findings::default();
    for p in people {
        if let Some(name) = name_of(p) {
            by_name.entry(name).or_default().push(p.id);
        }
        if let Some(n) = p
            .employee_number
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            by_number.entry(n.to_owned()).or_default().push(p.id);
        }
        match p.email.as_deref().map(str::trim) {
            None | Some("") => findings.without_email.push(p.id),
            Some(_) if p.source == "manual" => findings.adopted.push(p.id),
            Some(_) => {}
        }
    }
    for (name, ids) in by_name.into_iter().filter(|(_, ids)| ids.len() > 1) {
        findings.duplicates.push((format!("named “{name}”"), ids));
    }
    for (n, ids) in by_number.into_iter().filter(|(_, ids)| ids.len() > 1) {
        findings
            .duplicates
            .push((format!("with employee number {n}"), ids));
    }
    findings
}

fn person_row(who: &SignedIn, p: &Person) -> PersonRow {
    PersonRow {
        href: format!("{}/users/{}", who.base(), p.id),
        name: p
            .display_name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| "(no name)".to_owned()),
        email: p.email.clone().unwrap_or_else(|| "(no email)".to_owned()),
        employee_number: p.employee_number.clone().unwrap_or_default(),
        source: if p.source == "manual" {
            "Manual"
        } else {
            "IdP"
        },
    }
}

async fn everyone(state: &AdminState, who: &SignedIn) -> Result<Vec<Person>, AdminError> {
    let mut people = Vec::new();
    let mut after = None;
    loop {
        let page = rosterd_directory::people::list(&state.db, who.tenant.id, after, BATCH)
            .await
            .map_err(|e| AdminError::internal(format!("directory: {e}")))?;
        people.extend(page.people);
        match page.next_after {
            Some(next) => after = Some(next),
            None => return Ok(people),
        }
    }
}

/// `GET /admin/{tenant}/settings/scim/{product}/cleanup`.
pub async fn show(
    State(state): State<AdminState>,
    FullAdmin(who): FullAdmin,
    Path((_, product)): Path<(String, String)>,
) -> Result<Response, AdminError> {
    let product: Product = product.parse().map_err(|_| AdminError::NotFound)?;
    let app = rosterd_tenancy::product_apps(&state.db, who.tenant.id)
        .await?
        .into_iter()
        .find(|a| a.product == product)
        .ok_or(AdminError::NotFound)?;
    let people = everyone(&state, &who).await?;
    let findings = check(&people);
    let by_id: BTreeMap<PersonId, &Person> = people.iter().map(|p| (p.id, p)).collect();
    let row_of = |id: &PersonId| by_id.get(id).map(|p| person_row(&who, p));
    let licenses: Vec<License> =
        rosterd_ledger::live_licenses_of_people(&state.db, who.tenant.id, &findings.adopted)
            .await?
            .into_iter()
            .filter(|l| l.source == LicenseSource::Manual && l.kind.product() == product)
            .collect();
    let mut adopted: Vec<AdoptRow> = findings
        .adopted
        .iter()
        .filter_map(|id| {
            let person = row_of(id)?;
            let held: Vec<String> = licenses
                .iter()
                .filter(|l| l.person_id == *id)
                .map(|l| format!("{} ({})", l.kind.display_name(), l.state))
                .collect();
            Some(AdoptRow {
                person,
                licenses: held,
            })
        })
        .collect();
    // People whose licenses move first: they are what an admin most needs to see.
    adopted.sort_by_key(|a| a.licenses.is_empty());
    let adopted_count = adopted.len();
    adopted.truncate(SHOWN);
    let duplicate_people = findings.duplicates.iter().map(|(_, ids)| ids.len()).sum();
    let duplicates = findings
        .duplicates
        .iter()
        .take(SHOWN)
        .map(|(reason, ids)| DuplicateGroup {
            reason: reason.clone(),
            people: ids.iter().filter_map(row_of).collect(),
        })
        .collect();
    let without_email: Vec<PersonRow> = findings
        .without_email
        .iter()
        .take(SHOWN)
        .filter_map(row_of)
        .collect();
    let clean = findings.duplicates.is_empty() && findings.without_email.is_empty();
    let settings = format!("{}/settings/scim/{product}", who.base());
    Ok(Page(CleanupPage {
        chrome: who.chrome(
            format!("Clean-up check: {}", product.display_name()),
            Section::Settings,
        ),
        product: product.display_name(),
        people: people.len(),
        duplicates,
        duplicate_people,
        without_email_count: findings.without_email.len(),
        without_email,
        adopted,
        adopted_count,
        licenses_moving: licenses.len(),
        clean,
        scim_enabled: app.scim_enabled,
        status_action: format!("{settings}/status"),
        csrf: who.csrf.clone(),
        settings,
    })
    .into_response())
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;

    fn person(email: Option<&str>, name: &str, number: Option<&str>, source: &str) -> Person {
        let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        Person {
            id: PersonId::new(),
            email: email.map(str::to_owned),
            given_name: None,
            family_name: None,
            display_name: Some(name.to_owned()),
            employee_number: number.map(str::to_owned),
            department: None,
            title: None,
            source: source.to_owned(),
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn the_check_finds_duplicates_missing_emails_and_adoptions() {
        let ada = person(
            Some("ada@acme.example"),
            "Ada Lovelace",
            Some("7"),
            "manual",
        );
        let ada2 = person(
            Some("a.lovelace@acme.example"),
            "ada  lovelace",
            None,
            "idp",
        );
        let bob = person(None, "Bob", Some("7"), "idp");
        let cy = person(Some("cy@acme.example"), "Cy", None, "idp");
        let findings = check(&[ada.clone(), ada2.clone(), bob.clone(), cy]);
        assert_eq!(
            findings.duplicates,
            vec![
                ("named “ada lovelace”".to_owned(), vec![ada.id, ada2.id]),
                ("with employee number 7".to_owned(), vec![ada.id, bob.id]),
            ]
        );
        assert_eq!(findings.without_email, vec![bob.id]);
        assert_eq!(
            findings.adopted,
            vec![ada.id],
            "only manual people with an email"
        );
        assert_eq!(check(&[]), Findings::default());
    }
}
