//! Who made a change: the actor every audit event and ledger entry names.

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

    /// The audit log's channel for this kind of actor.
    pub fn channel(self) -> crate::Channel {
        match self {
            ActorKind::ScimApp => crate::Channel::Scim,
            ActorKind::Admin => crate::Channel::Admin,
            ActorKind::Operator => crate::Channel::Operator,
            ActorKind::System => crate::Channel::System,
            ActorKind::Person => crate::Channel::Person,
        }
    }
}

/// The actor of a change: its channel and who, e.g. `scim-app` / `learning rosterd_scim_Ab12Cd34`,
/// and optionally what caused it (e.g. `SCIM request 0193...`), which the audit event of every
/// ledger entry names. The cause is not stored in the ledger entry itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Actor {
    pub kind: ActorKind,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cause: Option<String>,
}

impl Actor {
    /// An actor of `kind` named `name`, with no cause.
    pub fn new(kind: ActorKind, name: impl Into<String>) -> Self {
        Self {
            kind,
            name: name.into(),
            cause: None,
        }
    }

    /// An admin in the admin center, by email.
    pub fn admin(email: impl Into<String>) -> Self {
        Self::new(ActorKind::Admin, email)
    }

    /// A product app's SCIM request: the app and token prefix as the name, the request id as
    /// the cause.
    pub fn scim(app: impl Into<String>, request_id: &str) -> Self {
        Self::new(ActorKind::ScimApp, app).with_cause(format!("SCIM request {request_id}"))
    }

    /// The operator at the CLI.
    pub fn operator() -> Self {
        Self::new(ActorKind::Operator, "cli")
    }

    /// rosterd itself, e.g. serving a waiting list when a seat frees up.
    pub fn system() -> Self {
        Self::new(ActorKind::System, "rosterd")
    }

    /// The same actor, caused by `cause`.
    #[must_use]
    pub fn with_cause(mut self, cause: impl Into<String>) -> Self {
        self.cause = Some(cause.into());
        self
    }

    /// The audit event of this actor doing `action` to `target` (`(type, id)`), described by
    /// `detail`. The actor's cause, when it has one, is not part of it: callers that want it in
    /// the log put it in `detail`.
    pub fn event<'a>(
        &'a self,
        action: &'a str,
        (target_type, target_id): (&'a str, &'a str),
        detail: &'a str,
    ) -> crate::NewEvent<'a> {
        crate::NewEvent {
            channel: self.kind.channel(),
            actor: &self.name,
            action,
            target_type,
            target_id,
            detail,
        }
    }

    /// rosterd acting on its own because of what this actor did (a freed seat serving the
    /// waiting list): the system actor, carrying this actor's cause, or naming this actor.
    pub fn system_after(&self) -> Self {
        let cause = self
            .cause
            .clone()
            .unwrap_or_else(|| format!("{} {}", self.kind.as_str(), self.name));
        Self::system().with_cause(cause)
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
