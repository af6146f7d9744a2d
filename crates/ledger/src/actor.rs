//! Who caused a ledger entry.

use serde::Serialize;

/// The channel a change came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ActorKind {
    /// A product app's SCIM endpoint (the actor names the app and token prefix).
    ScimApp,
    /// An admin in the admin center.
    Admin,
    /// The platform operator (CLI or operator console).
    Operator,
    /// rosterd itself (e.g. serving the waiting list).
    System,
}

impl ActorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ActorKind::ScimApp => "scim-app",
            ActorKind::Admin => "admin",
            ActorKind::Operator => "operator",
            ActorKind::System => "system",
        }
    }
}

/// The actor of a change: its channel and who, e.g. `scim-app` / `learning rosterd_scim_Ab12Cd34`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    pub kind: ActorKind,
    pub name: String,
}

impl Actor {
    pub fn operator() -> Self {
        Self {
            kind: ActorKind::Operator,
            name: "cli".into(),
        }
    }
}
