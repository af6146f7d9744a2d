//! Tenants and what authenticates as them: each tenant's product apps, the SCIM bearer tokens
//! of those apps (issued, hashed, rotated, expired, revoked), admin-center accounts, the
//! platform operator's console accounts, the provisioning log of the apps' SCIM requests, and the resolution of a SCIM request's bearer token to the one tenant and product it may act for.

mod admin;
mod auth;
pub mod entity;
mod error;
pub mod fair_share;
mod operator;
mod password;
pub mod provisioning_log;
mod tenant;
mod token;

pub use admin::{
    AdminAccount, AdminRole, change_admin_password, create_admin, find_admin, generate_password,
    list_admins, record_admin_login, verify_admin_password,
};
pub use auth::{AppContext, AuthError, Scope, authenticate, token_owner};
pub use error::{Error, Result};
pub use operator::{
    OperatorAccount, create_operator, find_operator, list_operators, record_operator_login,
    verify_operator_password,
};
pub use password::MIN_PASSWORD_LEN;
pub use tenant::{
    ProductApp, Tenant, TenantStatus, create_tenant, find_tenant, find_tenant_by_id, list_tenants,
    product_apps, set_scim_enabled, set_tenant_status,
};
pub use token::{
    IssuedToken, TOKEN_LIFETIME_DAYS, TokenInfo, issue_token, list_tokens, revoke_token,
};
