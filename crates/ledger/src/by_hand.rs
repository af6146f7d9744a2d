//! What an admin or the operator does to licenses and seats by hand, each one transaction that
//! writes its ledger entries and audit events with the change: the admin center and the CLI
//! call these and only render what they return.

use rosterd_domain::{LicenseKind, PersonId};
use sea_orm::{DatabaseConnection, TransactionTrait as _};

use crate::activation::resend_activation;
use crate::capacity::set_capacity;
use crate::error::{Error, Result};
use crate::handle::TenantLedger;
use crate::license::{License, licenses_of};
use crate::manual::{grant_manual, revoke_manual};
use crate::provision::Revoked;

/// What giving a license by hand did.
#[derive(Debug, Clone)]
pub enum Given {
    /// A new license: a seat was taken and the person will be sent an activation notice.
    New(License),
    /// The person already held a live license of this kind; nothing changed.
    AlreadyHeld(License),
}

/// Gives the person a license of `kind` by hand. A person holds one license per product: one
/// holding another tier of the product is `Err(AlreadyLicensed)` naming that tier (revoke it
/// first); no free seat is `Err(PoolFull)`, no pool `Err(PoolNotFound)`, and nothing changes.
pub async fn give_license(
    ledger: TenantLedger<'_, DatabaseConnection>,
    person: PersonId,
    kind: LicenseKind,
    reason: &str,
) -> Result<Given> {
    let txn = ledger.db.begin().await?;
    let _announced = rosterd_database::PoolWrite::on(&txn);
    let held = licenses_of(&txn, ledger.tenant, person)
        .await?
        .into_iter()
        .find(|l| l.state.is_live() && l.kind.product() == kind.product());
    match held {
        Some(held) if held.kind == kind => return Ok(Given::AlreadyHeld(held)),
        Some(held) => return Err(Error::AlreadyLicensed { kind: held.kind }),
        None => {}
    }
    let on_txn = TenantLedger::new(&txn, ledger.clock, ledger.tenant, ledger.actor);
    let license = grant_manual(&on_txn, person, kind, reason).await?;
    txn.commit().await?;
    Ok(Given::New(license))
}

/// Takes the person's manual license of `kind` away by hand; the freed seat serves the waiting
/// list. One an IdP owns is `Err(OwnedByScim)`, none `Err(NoLiveLicense)`.
pub async fn revoke_license_by_hand(
    ledger: TenantLedger<'_, DatabaseConnection>,
    person: PersonId,
    kind: LicenseKind,
    reason: &str,
) -> Result<Revoked> {
    let txn = ledger.db.begin().await?;
    let _announced = rosterd_database::PoolWrite::on(&txn);
    let on_txn = TenantLedger::new(&txn, ledger.clock, ledger.tenant, ledger.actor);
    let revoked = revoke_manual(&on_txn, person, kind, reason).await?;
    txn.commit().await?;
    Ok(revoked)
}

/// Sends the person's activation notice for `kind` again (earlier links stop working).
pub async fn resend_notice(
    ledger: TenantLedger<'_, DatabaseConnection>,
    person: PersonId,
    kind: LicenseKind,
) -> Result<License> {
    let txn = ledger.db.begin().await?;
    let _announced = rosterd_database::PoolWrite::on(&txn);
    let license = resend_activation(&txn, ledger.tenant, person, kind).await?;
    let detail = format!(
        "activation notice for the {} license of person {person} sent again; earlier links no longer work",
        kind.display_name()
    );
    let id = license.id.to_string();
    ledger
        .record(&txn, "license.resend", ("license", &id), &detail)
        .await?;
    txn.commit().await?;
    Ok(license)
}

/// Sets the capacity of every pool in `seats` at once, or of none: a capacity below the seats
/// in use is `Err(CapacityBelowUse)` and nothing changes.
pub async fn set_seats(
    ledger: TenantLedger<'_, DatabaseConnection>,
    seats: &[(LicenseKind, i64)],
) -> Result<()> {
    let txn = ledger.db.begin().await?;
    let _announced = rosterd_database::PoolWrite::on(&txn);
    for &(kind, capacity) in seats {
        set_capacity(
            &txn,
            ledger.clock,
            ledger.tenant,
            kind,
            capacity,
            ledger.actor,
        )
        .await?;
    }
    let detail = format!("Seat capacities set: {}", describe_seats(seats));
    let id = ledger.tenant.to_string();
    ledger
        .record(&txn, "tenant.seats", ("tenant", &id), &detail)
        .await?;
    txn.commit().await?;
    Ok(())
}

/// `Learning 500, Sales Navigator Core 0, ...`.
pub fn describe_seats(seats: &[(LicenseKind, i64)]) -> String {
    seats
        .iter()
        .map(|(kind, n)| format!("{} {n}", kind.display_name()))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seats_are_described_in_the_order_given() {
        let seats = [
            (LicenseKind::Learning, 500),
            (LicenseKind::SalesNavigatorCore, 0),
        ];
        assert_eq!(
            describe_seats(&seats),
            "Learning 500, Sales Navigator Core 0"
        );
    }
}
