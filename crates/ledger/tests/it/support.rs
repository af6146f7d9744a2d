//! A tenant with seat pools in a fresh database, people to license, and a clock that stands
//! still. The `people` table belongs to the directory crate; tests insert rows directly.

use chrono::{DateTime, Utc};
use rosterd_domain::{LicenseKind, ManualClock, PersonId, TenantId, TenantSlug};
use rosterd_ledger::{Actor, ActorKind, Entry, EntryKind};
use rosterd_test_support::TestDb;
use sea_orm::sea_query::{Alias, Query};
use sea_orm::{ConnectionTrait, DatabaseConnection};

pub struct Fixture {
    pub db: TestDb,
    pub clock: ManualClock,
    pub tenant: TenantId,
}

pub fn start() -> DateTime<Utc> {
    DateTime::from_timestamp(1_790_000_000, 0).unwrap()
}

/// The actor SCIM requests write as.
pub fn scim() -> Actor {
    Actor::new(ActorKind::ScimApp, "sales-navigator rosterd_scim_Ab12Cd34")
}

pub fn admin() -> Actor {
    Actor::admin("ann@acme.example")
}

impl Fixture {
    /// A tenant `acme` whose pools have these capacities (others zero).
    pub async fn new(capacities: &[(LicenseKind, i64)]) -> Self {
        let db = TestDb::fresh().await;
        let clock = ManualClock::new(start());
        let slug: TenantSlug = "acme".parse().unwrap();
        let tenant = rosterd_tenancy::create_tenant(&db.conn, &clock, &slug, "Acme")
            .await
            .unwrap()
            .id;
        rosterd_ledger::create_pools(&db.conn, &clock, tenant, capacities, &Actor::operator())
            .await
            .unwrap();
        Self { db, clock, tenant }
    }

    pub fn conn(&self) -> &DatabaseConnection {
        &self.db.conn
    }

    /// A person with no sort keys.
    pub async fn person(&self) -> PersonId {
        self.person_named(None, None, None).await
    }

    /// A person with an employee number and names (the waiting list's sort keys).
    pub async fn person_named(
        &self,
        employee_number: Option<&str>,
        family: Option<&str>,
        given: Option<&str>,
    ) -> PersonId {
        let id = PersonId::new();
        let now = start();
        let insert = Query::insert()
            .into_table(Alias::new("people"))
            .columns(
                [
                    "tenant_id",
                    "id",
                    "given_name",
                    "family_name",
                    "employee_number",
                    "source",
                    "created_at",
                    "updated_at",
                ]
                .map(Alias::new),
            )
            .values_panic([
                self.tenant.to_string().into(),
                id.to_string().into(),
                given.map(str::to_owned).into(),
                family.map(str::to_owned).into(),
                employee_number.map(str::to_owned).into(),
                "manual".into(),
                now.into(),
                now.into(),
            ])
            .to_owned();
        let backend = self.conn().get_database_backend();
        self.conn().execute(backend.build(&insert)).await.unwrap();
        id
    }

    /// The pool's `(capacity, in_use)`.
    pub async fn pool(&self, kind: LicenseKind) -> (i64, i64) {
        let pools = rosterd_ledger::pools(self.conn(), self.tenant)
            .await
            .unwrap();
        let pool = pools.into_iter().find(|p| p.license_kind == kind).unwrap();
        (pool.capacity, pool.in_use)
    }

    /// The tenant's ledger, oldest first.
    pub async fn entries(&self) -> Vec<Entry> {
        let mut entries = rosterd_ledger::entries(self.conn(), self.tenant, None)
            .await
            .unwrap();
        entries.reverse();
        entries
    }

    /// Kinds of the tenant's entries, oldest first, without capacity changes.
    pub async fn entry_kinds(&self) -> Vec<EntryKind> {
        self.entries()
            .await
            .into_iter()
            .map(|e| e.kind)
            .filter(|k| *k != EntryKind::CapacityChange)
            .collect()
    }

    /// Fails the test with the differences unless the ledger replays to the tables.
    pub async fn assert_verified(&self) {
        let report = rosterd_ledger::verify(self.conn(), self.tenant)
            .await
            .unwrap();
        assert!(report.clean, "verify: {:#?}", report.differences);
    }
}
