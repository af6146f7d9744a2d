//! Tenants and what authenticates as them: each tenant's product apps, the SCIM bearer tokens
//! of those apps (issued, hashed, rotated, expired, revoked), admin-center accounts, the
//! platform operator's console accounts, the provisioning log of the apps' SCIM requests, and the resolution of a SCIM request's bearer token to the one tenant and product it may act for.

mod admin;
mod auth;
mod auth_generation;
mod changes;
pub mod entity;
mod error;
pub mod fair_share;
pub mod oauth;
mod operator;
mod password;
pub mod provisioning_log;
mod tenant;
mod tenant_limits;
mod token;
mod token_cache;

pub use admin::{
    AdminAccount, AdminRole, change_admin_password, find_admin, generate_password, list_admins,
    record_admin_login, verify_admin_password,
};
pub use admin::{AdminSignIn, check_admin_sign_in};
pub use auth::{AppContext, AuthError, Scope, authenticate, token_owner};
pub use changes::{create_admin, issue_token, revoke_token, set_scim_enabled, set_tenant_status};
pub use error::{Error, Result};
pub use operator::{
    OperatorAccount, create_operator, find_operator, list_operators, record_operator_login,
    verify_operator_password,
};
pub use password::{MIN_PASSWORD_LEN, PasswordWork};
pub use rosterd_audit::Change;
pub use tenant::{
    ProductApp, Tenant, TenantStatus, create_tenant, find_tenant, find_tenant_by_id, list_tenants,
    product_apps,
};
pub use tenant_limits::{MAX_TENANT_LIMIT, TenantLimits, set_tenant_limits, tenant_limits};
pub use token::{IssuedToken, TOKEN_LIFETIME_DAYS, TokenInfo, list_tokens};
pub use token_cache::{REFRESH as TOKEN_CACHE_REFRESH, TokenCache};
