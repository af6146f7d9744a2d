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
    /// The license holder (activating their own license through an activation link).
    Person,
}

impl ActorKind {
    const ALL: [ActorKind; 5] = [
        ActorKind::ScimApp,
        ActorKind::Admin,
        ActorKind::Operator,
        ActorKind::System,
        ActorKind::Person,
    ];

    /// The name stored in `ledger_entries.actor_kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            ActorKind::ScimApp => "scim-app",
            ActorKind::Admin => "admin",
            ActorKind::Operator => "operator",
            ActorKind::System => "system",
            ActorKind::Person => "person",
        }
    }

    /// The kind stored as `s`, if any.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// The actor of a change: its channel and who, e.g. `scim-app` / `learning rosterd_scim_Ab12Cd34`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    pub kind: ActorKind,
    pub name: String,
}

impl Actor {
    /// The operator at the CLI.
    pub fn operator() -> Self {
        Self {
            kind: ActorKind::Operator,
            name: "cli".into(),
        }
    }

    /// rosterd itself, e.g. serving a waiting list when a seat frees up.
    pub fn system() -> Self {
        Self {
            kind: ActorKind::System,
            name: "rosterd".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_its_stored_name() {
        for kind in ActorKind::ALL {
            assert_eq!(ActorKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(ActorKind::parse("robot"), None);
    }
}
