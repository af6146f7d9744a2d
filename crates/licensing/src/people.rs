//! Removing a person an admin added by hand: their manual licenses are revoked (the seats free
//! up and serve the waiting lists), they leave every waiting list, and the directory marks them
//! removed, all in one transaction with its audit event. This touches the directory and the
//! ledger at once, which is why it lives here.

use rosterd_audit::Change;
use rosterd_domain::{LicenseKind, PersonId};
use rosterd_ledger::LicenseSource;
use sea_orm::{DatabaseConnection, TransactionTrait as _};

use crate::error::{Error, Result};

/// A removed person: who they were and the licenses revoked with them.
#[derive(Debug, Clone)]
pub struct Removed {
    pub person: rosterd_directory::Person,
    pub revoked: Vec<LicenseKind>,
}

/// Removes the manual person `id`. A person an IdP provisions is
/// `Err(Directory(ManagedByIdp))`; one holding a license an IdP manages is
/// `Err(HeldThroughIdp)`, and nothing changes.
pub async fn remove_manual_person(
    change: Change<'_, DatabaseConnection>,
    id: PersonId,
) -> Result<Removed> {
    let (tenant, clock) = (change.tenant, change.clock);
    let txn = change
        .db
        .begin()
        .await
        .map_err(rosterd_ledger::Error::from)?;
    let live: Vec<_> = rosterd_ledger::licenses_of(&txn, tenant, id)
        .await?
        .into_iter()
        .filter(|l| l.state.is_live())
        .collect();
    let person = rosterd_directory::manual_people::remove_manual(&txn, clock, tenant, id).await?;
    let name = person.name();
    if let Some(owned) = live.iter().find(|l| l.source != LicenseSource::Manual) {
        return Err(Error::HeldThroughIdp {
            name,
            kind: owned.kind,
        });
    }
    let reason = format!("{name} removed by {}", change.actor.name);
    let ledger = rosterd_ledger::TenantLedger::new(&txn, clock, tenant, change.actor);
    for license in &live {
        rosterd_ledger::revoke_manual(&ledger, id, license.kind, &reason).await?;
    }
    for kind in LicenseKind::ALL {
        rosterd_ledger::dequeue(&txn, tenant, id, kind).await?;
    }
    let revoked: Vec<LicenseKind> = live.iter().map(|l| l.kind).collect();
    let detail = if revoked.is_empty() {
        format!("removed {name}")
    } else {
        let names: Vec<&str> = revoked.iter().map(|k| k.display_name()).collect();
        format!("removed {name}, revoking {}", names.join(", "))
    };
    change
        .record(&txn, "person.remove", ("person", &id.to_string()), &detail)
        .await
        .map_err(rosterd_ledger::Error::from)?;
    txn.commit().await.map_err(rosterd_ledger::Error::from)?;
    Ok(Removed { person, revoked })
}
