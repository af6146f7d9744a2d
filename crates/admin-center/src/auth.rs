//! Who is asking, as capability handles. [`SignedIn`] is an admin whose session is fresh and
//! bound to the tenant in the path; [`FullAdmin`] and [`LicenseAdmin`] can only be extracted for
//! the roles that hold them, so a handler that takes one cannot run for anyone else.
//!
//! The tenant comes from the session, never from the path alone: a path naming another tenant
//! than the session's is answered 404, exactly like a tenant that does not exist. A session
//! opened with a password the admin has since changed is ended.

use std::collections::HashMap;

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use rosterd_domain::{AdminUserId, TenantId, TenantSlug};
use rosterd_tenancy::{AdminAccount, AdminRole, Tenant, TenantStatus};
use tower_sessions::Session;

use crate::AdminState;
use crate::error::AdminError;
use crate::render::{Chrome, Nav, NavLink};
use crate::session::{self, Current};

/// A signed-in admin of the tenant in the path, with any role.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub tenant: Tenant,
    pub admin: AdminAccount,
    /// The session's CSRF token, for the page's forms.
    pub csrf: String,
    /// A notice left by the previous action, shown once.
    pub notice: Option<String>,
    pub session: Session,
}

/// A full admin: SCIM settings, tokens and admin accounts.
#[derive(Debug, Clone)]
pub struct FullAdmin(pub SignedIn);

/// A full or license admin: people, groups and licenses.
#[derive(Debug, Clone)]
pub struct LicenseAdmin(pub SignedIn);

/// The sections of the admin navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Overview,
    Users,
    Groups,
    Licenses,
    Reports,
    Provisioning,
    Audit,
    Settings,
    Admins,
    Account,
}

/// The areas every admin sees, in navigation order: (section, path under the tenant, label).
const AREAS: [(Section, &str, &str); 7] = [
    (Section::Overview, "/", "Overview"),
    (Section::Users, "/users", "Users"),
    (Section::Groups, "/groups", "Groups"),
    (Section::Licenses, "/licenses", "Licenses"),
    (Section::Reports, "/reports", "Reports"),
    (Section::Provisioning, "/provisioning", "Provisioning log"),
    (Section::Audit, "/audit", "Audit log"),
];

/// The label of a role, as the navigation and the admins page show it.
pub fn role_label(role: AdminRole) -> &'static str {
    match role {
        AdminRole::FullAdmin => "Full admin",
        AdminRole::LicenseAdmin => "License admin",
        AdminRole::Reporting => "Reporting (read-only)",
    }
}

impl SignedIn {
    /// `/admin/{tenant}`, the prefix of every page of this tenant.
    pub fn base(&self) -> String {
        format!("/admin/{}", self.tenant.slug)
    }

    /// The layout's chrome for a page in `section`.
    pub fn chrome(&self, title: impl Into<String>, section: Section) -> Chrome {
        let base = self.base();
        let full = self.admin.role == AdminRole::FullAdmin;
        let mut links: Vec<NavLink> = AREAS
            .into_iter()
            .map(|(area, path, label)| NavLink {
                href: format!("{base}{path}"),
                label,
                current: section == area,
            })
            .collect();
        if full {
            links.push(NavLink {
                href: format!("{base}/settings/scim/learning"),
                label: "Settings",
                current: section == Section::Settings,
            });
            links.push(NavLink {
                href: format!("{base}/admins"),
                label: "Admins",
                current: section == Section::Admins,
            });
        }
        Chrome {
            title: title.into(),
            notice: self.notice.clone(),
            nav: Some(Nav {
                home: format!("{base}/"),
                org: self.tenant.name.clone(),
                who: self.admin.email.clone(),
                role: role_label(self.admin.role),
                links,
                account: Some(format!("{base}/account/password")),
                logout_action: format!("{base}/logout"),
                csrf: self.csrf.clone(),
            }),
        }
    }
}

/// The tenant slug in the path; anything that is not a slug is a page that does not exist.
pub(crate) async fn path_tenant(
    parts: &mut Parts,
    state: &AdminState,
) -> Result<TenantSlug, AdminError> {
    let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
        .await
        .map_err(|_| AdminError::NotFound)?;
    params
        .get("tenant")
        .and_then(|s| s.parse().ok())
        .ok_or(AdminError::NotFound)
}

/// The request's session (the session layer always provides one).
pub(crate) async fn request_session(
    parts: &mut Parts,
    state: &AdminState,
) -> Result<Session, AdminError> {
    Session::from_request_parts(parts, state)
        .await
        .map_err(|(_, msg)| AdminError::internal(format!("session layer: {msg}")))
}

impl FromRequestParts<AdminState> for SignedIn {
    type Rejection = AdminError;

    async fn from_request_parts(parts: &mut Parts, state: &AdminState) -> Result<Self, AdminError> {
        let slug = path_tenant(parts, state).await?;
        let session = request_session(parts, state).await?;
        let login = format!("/admin/{slug}/login");
        let sign_in = match session::current(&session, state.clock.now()).await? {
            Current::SignedIn(sign_in) => sign_in,
            Current::SignedOut => return Err(AdminError::SignIn(login)),
            Current::Expired(why) => return Err(AdminError::SignIn(format!("{login}{why}"))),
        };
        let tenant_id: TenantId = sign_in
            .tenant_id
            .as_deref()
            .and_then(|t| t.parse().ok())
            .ok_or(AdminError::NotFound)?;
        let tenant = rosterd_tenancy::find_tenant_by_id(&state.db, tenant_id).await?;
        if tenant.slug != slug {
            return Err(AdminError::NotFound);
        }
        if tenant.status == TenantStatus::Suspended {
            session::end(&session).await?;
            return Err(AdminError::Forbidden(
                "This organisation's account is suspended, so the admin center is closed. Contact rosterd support."
                    .into(),
            ));
        }
        let admin_id: AdminUserId = sign_in
            .account_id
            .parse()
            .map_err(|_| AdminError::SignIn(login.clone()))?;
        let Some(admin) = rosterd_tenancy::find_admin(&state.db, tenant.id, admin_id).await? else {
            session::end(&session).await?;
            return Err(AdminError::SignIn(login));
        };
        // The password changed since this session was opened (elsewhere): it is over.
        if sign_in.credential.as_deref() != Some(admin.credential.as_str()) {
            session::end(&session).await?;
            return Err(AdminError::SignIn(login));
        }
        let csrf = crate::csrf::token(&session).await?;
        let notice = session::take_notice(&session).await?;
        Ok(SignedIn {
            tenant,
            admin,
            csrf,
            notice,
            session,
        })
    }
}

fn refuse(who: &SignedIn, what: &str) -> AdminError {
    AdminError::Forbidden(format!(
        "Only {what}. You are signed in as {} ({}); ask a full admin of {} if you need this.",
        who.admin.email,
        role_label(who.admin.role),
        who.tenant.name
    ))
}

impl FromRequestParts<AdminState> for FullAdmin {
    type Rejection = AdminError;

    async fn from_request_parts(parts: &mut Parts, state: &AdminState) -> Result<Self, AdminError> {
        let who = SignedIn::from_request_parts(parts, state).await?;
        match who.admin.role {
            AdminRole::FullAdmin => Ok(FullAdmin(who)),
            _ => Err(refuse(
                &who,
                "full admins can change SCIM settings, tokens and admin accounts",
            )),
        }
    }
}

impl FromRequestParts<AdminState> for LicenseAdmin {
    type Rejection = AdminError;

    async fn from_request_parts(parts: &mut Parts, state: &AdminState) -> Result<Self, AdminError> {
        let who = SignedIn::from_request_parts(parts, state).await?;
        match who.admin.role {
            AdminRole::FullAdmin | AdminRole::LicenseAdmin => Ok(LicenseAdmin(who)),
            AdminRole::Reporting => Err(refuse(
                &who,
                "full and license admins can change people, groups and licenses",
            )),
        }
    }
}
