//! Tenants and what authenticates as them: each tenant's product apps, the SCIM bearer tokens
//! of those apps (issued, hashed, rotated, expired, revoked), admin-center accounts, and the
//! resolution of a SCIM request's bearer token to the one tenant and product it may act for.

mod admin;
mod auth;
pub mod entity;
mod error;
mod tenant;
mod token;

pub use admin::{
    AdminAccount, AdminRole, create_admin, generate_password, list_admins, verify_admin_password,
};
pub use auth::{AppContext, AuthError, Scope, authenticate};
pub use error::{Error, Result};
pub use tenant::{
    ProductApp, Tenant, TenantStatus, create_tenant, find_tenant, find_tenant_by_id, list_tenants,
    product_apps, set_scim_enabled,
};
pub use token::{
    IssuedToken, TOKEN_LIFETIME_DAYS, TokenInfo, issue_token, list_tokens, revoke_token,
};
