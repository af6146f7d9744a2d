//! OAuth clients of product apps and their secrets, as stored: created with a first secret,
//! given more (rotation), listed with the state of each secret, revoked. The secret itself
//! exists only in what creating it returns; the database holds its SHA-256.

use chrono::{DateTime, Duration, Utc};
use rosterd_domain::{Clock, Product, Secret, TenantId};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::Serialize;

use super::credential::{hash_secret, new_client_id, new_client_secret};
use crate::entity::{oauth_client, oauth_client_secret};
use crate::error::{Error, Result};
use crate::tenant::update_scim_enabled;
use crate::token::TOKEN_LIFETIME_DAYS;

/// Client secrets expire two years after they are made, as SCIM tokens do.
pub const SECRET_LIFETIME_DAYS: i64 = TOKEN_LIFETIME_DAYS;
/// A live secret this close to its expiry is shown as expiring soon.
pub const SECRET_EXPIRY_WARNING_DAYS: i64 = 30;

/// Where a secret stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretState {
    Live,
    /// Live, and expiring within [`SECRET_EXPIRY_WARNING_DAYS`]: make another and rotate.
    ExpiringSoon,
    Expired,
    Revoked,
}

impl SecretState {
    /// How the state reads in lists.
    pub fn label(self) -> &'static str {
        match self {
            SecretState::Live => "Live",
            SecretState::ExpiringSoon => "Expires soon",
            SecretState::Expired => "Expired",
            SecretState::Revoked => "Revoked",
        }
    }

    /// Whether a secret in this state can be exchanged for access tokens.
    pub fn is_live(self) -> bool {
        matches!(self, SecretState::Live | SecretState::ExpiringSoon)
    }
}

/// What is known of a client secret after it is made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClientSecretInfo {
    pub id: String,
    /// `rosterd_cs_` and the first eight random characters.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// When it was last exchanged for an access token.
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ClientSecretInfo {
    pub fn state(&self, now: DateTime<Utc>) -> SecretState {
        if self.revoked_at.is_some() {
            SecretState::Revoked
        } else if self.expires_at <= now {
            SecretState::Expired
        } else if self.expires_at - now <= Duration::days(SECRET_EXPIRY_WARNING_DAYS) {
            SecretState::ExpiringSoon
        } else {
            SecretState::Live
        }
    }
}

/// An OAuth client of a product app, with its secrets (newest first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClientInfo {
    pub client_id: String,
    pub product: Product,
    pub created_at: DateTime<Utc>,
    /// When it last got an access token or used one.
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub secrets: Vec<ClientSecretInfo>,
}

impl ClientInfo {
    /// Not revoked, and with at least one live secret.
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.secrets.iter().any(|s| s.state(now).is_live())
    }
}

/// A freshly made secret: the secret exists only here, never in the database.
#[derive(Debug)]
pub struct IssuedClientSecret {
    pub client_id: String,
    pub product: Product,
    pub secret: Secret,
    pub info: ClientSecretInfo,
}

/// A freshly made client and its first secret.
#[derive(Debug)]
pub struct CreatedClient {
    pub client: ClientInfo,
    pub secret: IssuedClientSecret,
}

fn corrupt(what: &str) -> Error {
    Error::Database(rosterd_database::DatabaseError::internal(format!(
        "unreadable OAuth client row: {what}"
    )))
}

pub(super) fn secret_info(m: oauth_client_secret::Model) -> ClientSecretInfo {
    ClientSecretInfo {
        id: m.id,
        prefix: m.prefix,
        created_at: m.created_at,
        expires_at: m.expires_at,
        last_used_at: m.last_used_at,
        revoked_at: m.revoked_at,
    }
}

fn client_info(
    m: oauth_client::Model,
    secrets: Vec<oauth_client_secret::Model>,
) -> Result<ClientInfo> {
    Ok(ClientInfo {
        product: m.product.parse().map_err(|_| corrupt("product"))?,
        client_id: m.id,
        created_at: m.created_at,
        last_used_at: m.last_used_at,
        revoked_at: m.revoked_at,
        secrets: secrets.into_iter().map(secret_info).collect(),
    })
}

/// Makes a client for `product`'s app with a first secret, and turns the app's SCIM on (as
/// issuing a SCIM token does: connecting an identity provider is how an admin turns it on).
pub(super) async fn insert_client(
    db: &impl ConnectionTrait,
    clock: &dyn Clock,
    tenant: TenantId,
    product: Product,
) -> Result<CreatedClient> {
    let model = oauth_client::ActiveModel {
        tenant_id: Set(tenant.to_string()),
        id: Set(new_client_id()),
        product: Set(product.slug().to_owned()),
        created_at: Set(clock.now()),
        last_used_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(db)
    .await?;
    let secret = insert_secret(db, clock, tenant, &model).await?;
    update_scim_enabled(db, tenant, product, true).await?;
    let mut client = client_info(model, Vec::new())?;
    client.secrets.push(secret.info.clone());
    Ok(CreatedClient { client, secret })
}

/// Adds a secret to the client named by `client_id` (which must be live); earlier secrets stay
/// live until revoked or expired.
pub(super) async fn add_secret(
    db: &impl ConnectionTrait,
    clock: &dyn Clock,
    tenant: TenantId,
    client_id: &str,
) -> Result<IssuedClientSecret> {
    let client = client_row(db, tenant, client_id).await?;
    if client.revoked_at.is_some() {
        return Err(Error::ClientRevoked(client.id));
    }
    insert_secret(db, clock, tenant, &client).await
}

async fn insert_secret(
    db: &impl ConnectionTrait,
    clock: &dyn Clock,
    tenant: TenantId,
    client: &oauth_client::Model,
) -> Result<IssuedClientSecret> {
    let (secret, prefix) = new_client_secret();
    let now = clock.now();
    let model = oauth_client_secret::ActiveModel {
        tenant_id: Set(tenant.to_string()),
        id: Set(uuid::Uuid::now_v7().to_string()),
        client_id: Set(client.id.clone()),
        prefix: Set(prefix),
        secret_hash: Set(hash_secret(&secret)),
        created_at: Set(now),
        expires_at: Set(now + Duration::days(SECRET_LIFETIME_DAYS)),
        last_used_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(db)
    .await?;
    Ok(IssuedClientSecret {
        client_id: client.id.clone(),
        product: client.product.parse().map_err(|_| corrupt("product"))?,
        secret: Secret::new(secret),
        info: secret_info(model),
    })
}

async fn client_row(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    client_id: &str,
) -> Result<oauth_client::Model> {
    oauth_client::Entity::find_by_id((tenant.to_string(), client_id.to_owned()))
        .one(db)
        .await?
        .ok_or_else(|| Error::ClientNotFound(client_id.to_owned()))
}

async fn secrets_of(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    client_ids: &[String],
) -> Result<Vec<oauth_client_secret::Model>> {
    Ok(oauth_client_secret::Entity::find()
        .filter(oauth_client_secret::Column::TenantId.eq(tenant.to_string()))
        .filter(oauth_client_secret::Column::ClientId.is_in(client_ids.iter().cloned()))
        .order_by_desc(oauth_client_secret::Column::CreatedAt)
        .order_by_desc(oauth_client_secret::Column::Id)
        .all(db)
        .await?)
}

/// The tenant's OAuth clients (optionally of one product), newest first, each with its
/// secrets, newest first.
pub async fn list_clients(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    product: Option<Product>,
) -> Result<Vec<ClientInfo>> {
    let mut query =
        oauth_client::Entity::find().filter(oauth_client::Column::TenantId.eq(tenant.to_string()));
    if let Some(product) = product {
        query = query.filter(oauth_client::Column::Product.eq(product.slug()));
    }
    let clients = query
        .order_by_desc(oauth_client::Column::CreatedAt)
        .order_by_desc(oauth_client::Column::Id)
        .all(db)
        .await?;
    let ids: Vec<String> = clients.iter().map(|c| c.id.clone()).collect();
    let mut secrets = secrets_of(db, tenant, &ids).await?;
    clients
        .into_iter()
        .map(|client| {
            let (own, rest): (Vec<_>, Vec<_>) =
                secrets.drain(..).partition(|s| s.client_id == client.id);
            secrets = rest;
            client_info(client, own)
        })
        .collect()
}

/// One client of the tenant, with its secrets.
pub async fn find_client(
    db: &impl ConnectionTrait,
    tenant: TenantId,
    client_id: &str,
) -> Result<ClientInfo> {
    let client = client_row(db, tenant, client_id).await?;
    let secrets = secrets_of(db, tenant, std::slice::from_ref(&client.id)).await?;
    client_info(client, secrets)
}

/// Revokes a client: neither its secrets nor the access tokens it holds work any more.
/// Revoking twice is harmless.
pub(super) async fn mark_client_revoked(
    db: &impl ConnectionTrait,
    clock: &dyn Clock,
    tenant: TenantId,
    client_id: &str,
) -> Result<ClientInfo> {
    let found = client_row(db, tenant, client_id).await?;
    let model = if found.revoked_at.is_some() {
        found
    } else {
        let mut active: oauth_client::ActiveModel = found.into();
        active.revoked_at = Set(Some(clock.now()));
        active.update(db).await?
    };
    let secrets = secrets_of(db, tenant, std::slice::from_ref(&model.id)).await?;
    client_info(model, secrets)
}

/// Revokes one secret of a client, named by its id or display prefix: it can no longer get
/// access tokens, and the access tokens it got stop working. Revoking twice is harmless.
pub(super) async fn mark_secret_revoked(
    db: &impl ConnectionTrait,
    clock: &dyn Clock,
    tenant: TenantId,
    client_id: &str,
    id_or_prefix: &str,
) -> Result<RevokedClientSecret> {
    let client = client_row(db, tenant, client_id).await?;
    let found = oauth_client_secret::Entity::find()
        .filter(oauth_client_secret::Column::TenantId.eq(tenant.to_string()))
        .filter(oauth_client_secret::Column::ClientId.eq(client.id.as_str()))
        .filter(
            oauth_client_secret::Column::Id
                .eq(id_or_prefix)
                .or(oauth_client_secret::Column::Prefix.eq(id_or_prefix)),
        )
        .one(db)
        .await?
        .ok_or_else(|| Error::ClientSecretNotFound(id_or_prefix.to_owned()))?;
    let model = if found.revoked_at.is_some() {
        found
    } else {
        let mut active: oauth_client_secret::ActiveModel = found.into();
        active.revoked_at = Set(Some(clock.now()));
        active.update(db).await?
    };
    Ok(RevokedClientSecret {
        product: client.product.parse().map_err(|_| corrupt("product"))?,
        client_id: client.id,
        info: secret_info(model),
    })
}

/// A revoked secret and the client it was of.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RevokedClientSecret {
    pub client_id: String,
    pub product: Product,
    #[serde(flatten)]
    pub info: ClientSecretInfo,
}
