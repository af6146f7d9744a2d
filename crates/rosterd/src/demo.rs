//! `rosterd serve --demo`: a `demo` tenant to try rosterd with, created once. Secrets are
//! printed only when they are newly made; a restart reuses what exists.

use std::fmt::Write as _;

use rosterd_domain::{Clock as _, LicenseKind, Product, Secret, SystemClock, TenantSlug};
use rosterd_ledger::Actor;
use rosterd_tenancy::AdminRole;
use sea_orm::DatabaseConnection;

use crate::config::Config;

const SLUG: &str = "demo";
const ADMIN_EMAIL: &str = "admin@demo.example";
const SEATS: [(LicenseKind, i64); 5] = [
    (LicenseKind::Learning, 100),
    (LicenseKind::SalesNavigatorCore, 50),
    (LicenseKind::SalesNavigatorAdvanced, 50),
    (LicenseKind::SalesNavigatorAdvancedPlus, 20),
    (LicenseKind::TeamlinkExtend, 25),
];

/// What the demo set-up made or found.
pub struct Demo {
    public_url: String,
    created: bool,
    admin_password: Option<Secret>,
    apps: Vec<(Product, String, Option<Secret>, String)>,
}

/// Creates whatever of the demo tenant is missing.
pub async fn ensure(db: &DatabaseConnection, config: &Config) -> anyhow::Result<Demo> {
    let slug: TenantSlug = SLUG.parse()?;
    let (tenant, created) = match rosterd_tenancy::find_tenant(db, SLUG).await {
        Ok(tenant) => (tenant, false),
        Err(rosterd_tenancy::Error::TenantNotFound(_)) => {
            let new = rosterd_licensing::NewTenant {
                slug: &slug,
                name: "Demo Org",
                seats: &SEATS,
            };
            let tenant =
                rosterd_licensing::open_tenant(db, &SystemClock, &Actor::operator(), &new).await?;
            (tenant, true)
        }
        Err(err) => return Err(err.into()),
    };
    let actor = Actor::system();
    let change = rosterd_tenancy::Change::new(db, &SystemClock, tenant.id, &actor);
    let admins = rosterd_tenancy::list_admins(db, tenant.id).await?;
    let admin_password = if admins.iter().any(|a| a.email == ADMIN_EMAIL) {
        None
    } else {
        let password = rosterd_tenancy::generate_password();
        rosterd_tenancy::create_admin(change, ADMIN_EMAIL, AdminRole::FullAdmin, &password).await?;
        Some(password)
    };
    let now = SystemClock.now();
    let tokens = rosterd_tenancy::list_tokens(db, tenant.id, None).await?;
    let mut apps = Vec::new();
    for product in Product::ALL {
        let base = crate::apps::scim_base_url(&config.public_url, &tenant.slug, product);
        match tokens
            .iter()
            .find(|t| t.product == product && t.is_live(now))
        {
            Some(existing) => apps.push((product, base, None, existing.prefix.clone())),
            None => {
                let issued = rosterd_tenancy::issue_token(change, product).await?;
                apps.push((product, base, Some(issued.secret), issued.info.prefix));
            }
        }
    }
    Ok(Demo {
        public_url: config.public_url.clone(),
        created,
        admin_password,
        apps,
    })
}

impl Demo {
    /// The text printed at start.
    pub fn describe(&self) -> String {
        let mut text = String::new();
        let _ = writeln!(
            text,
            "\n== rosterd demo ({}) ==",
            if self.created {
                "created"
            } else {
                "already set up"
            }
        );
        let _ = writeln!(text, "admin center: {}/admin/{SLUG}/", self.public_url);
        match &self.admin_password {
            Some(p) => {
                let _ = writeln!(
                    text,
                    "admin login:  {ADMIN_EMAIL} / {} (shown only now)",
                    p.expose()
                );
            }
            None => {
                let _ = writeln!(
                    text,
                    "admin login:  {ADMIN_EMAIL} (password shown when it was created; make another admin with `cargo run -p rosterd -- admin create {SLUG} EMAIL`)"
                );
            }
        }
        for (product, base, secret, prefix) in &self.apps {
            let _ = writeln!(
                text,
                "\n{}:\n  SCIM base URL: {base}",
                product.display_name()
            );
            match secret {
                Some(secret) => {
                    let _ = writeln!(
                        text,
                        "  token:         {} (shown only now)",
                        secret.expose()
                    );
                }
                None => {
                    let _ = writeln!(
                        text,
                        "  token:         {prefix}... (issued earlier; `cargo run -p rosterd -- token issue {SLUG} {product}` makes a new one)"
                    );
                }
            }
        }
        if let Some((_, base, Some(secret), _)) = self.apps.first() {
            let _ = writeln!(
                text,
                "\ntry it:\n  curl -H 'Authorization: Bearer {}' {base}/ServiceProviderConfig",
                secret.expose()
            );
        }
        text.push('\n');
        text
    }
}
