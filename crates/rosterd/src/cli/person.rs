//! `rosterd person ...`: people created by hand, e.g. to grant a license before (or without)
//! any IdP provisioning them. A SCIM user with the same email later links to the same person.

use std::process::ExitCode;

use clap::Subcommand;
use rosterd_directory::Person;
use rosterd_domain::PersonId;
use serde::Serialize;

use super::{Context, operator_change};

#[derive(Debug, Subcommand)]
pub enum PersonCommand {
    /// Create a person by hand (source `manual`).
    Add {
        tenant: String,
        /// Their email; unique in the tenant, case-insensitively.
        email: String,
        #[arg(long)]
        given: String,
        #[arg(long)]
        family: String,
        /// Orders waiting lists (lowest first).
        #[arg(long)]
        employee_number: Option<String>,
    },
}

/// A person as the CLI prints it.
#[derive(Serialize)]
pub(crate) struct PersonView {
    id: PersonId,
    email: Option<String>,
    given_name: Option<String>,
    family_name: Option<String>,
    employee_number: Option<String>,
    source: String,
}

impl From<Person> for PersonView {
    fn from(p: Person) -> Self {
        Self {
            id: p.id,
            email: p.email,
            given_name: p.given_name,
            family_name: p.family_name,
            employee_number: p.employee_number,
            source: p.source,
        }
    }
}

/// Runs one `person` command.
pub async fn run(ctx: &mut Context<'_>, command: PersonCommand) -> anyhow::Result<ExitCode> {
    match command {
        PersonCommand::Add {
            tenant,
            email,
            given,
            family,
            employee_number,
        } => {
            let tenant = rosterd_tenancy::find_tenant(&ctx.db, &tenant).await?;
            let edit = rosterd_directory::manual_people::PersonEdit {
                email,
                given_name: given,
                family_name: family,
                employee_number,
                department: None,
                title: None,
            };
            let change = operator_change(ctx, &tenant);
            let person = rosterd_directory::manual_people::add(change, &edit).await?;
            let view = PersonView::from(person);
            ctx.emit(&view, || {
                format!(
                    "created person {} ({} {}), id {}\n",
                    view.email.as_deref().unwrap_or_default(),
                    view.given_name.as_deref().unwrap_or_default(),
                    view.family_name.as_deref().unwrap_or_default(),
                    view.id
                )
            })?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
