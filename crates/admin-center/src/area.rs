//! The admin center's two browser areas, the admins' and the operator's, each with its own
//! cookies and paths.

/// The two browser areas, each with its own cookie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    Admin,
    Operator,
}

impl Area {
    pub(crate) fn cookie(self) -> &'static str {
        match self {
            Area::Admin => "rosterd_admin",
            Area::Operator => "rosterd_operator",
        }
    }

    /// The sign-in form's double-submit CSRF cookie (see [`crate::csrf::LoginToken`]).
    pub(crate) fn login_cookie(self) -> &'static str {
        match self {
            Area::Admin => "rosterd_admin_login",
            Area::Operator => "rosterd_operator_login",
        }
    }

    pub(crate) fn path(self) -> &'static str {
        match self {
            Area::Admin => "/admin",
            Area::Operator => "/operator",
        }
    }

    /// The Redis key prefix of the area's sessions.
    pub(crate) fn redis_prefix(self) -> &'static str {
        match self {
            Area::Admin => "rosterd:session:admin:",
            Area::Operator => "rosterd:session:operator:",
        }
    }
}
