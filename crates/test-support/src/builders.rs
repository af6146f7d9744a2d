//! Builders for what tests set up again and again: a SCIM User request body. (A tenant with its
//! pools and a token per app is [`crate::TestApp::tenant`] and
//! [`crate::TestApp::tenant_with_seats`].)

use serde_json::{Value, json};

const CORE_USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE_USER: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// A SCIM `POST /Users` body: the `userName` with the same value as its primary e-mail, and
/// what the test adds.
///
/// ```ignore
/// let body = ScimUser::new("ann@acme.example").name("Ann", "Lee").employee_number("7").json();
/// ```
#[derive(Debug, Clone)]
pub struct ScimUser {
    body: Value,
}

impl ScimUser {
    /// `userName` and one primary e-mail, both `user_name`.
    pub fn new(user_name: &str) -> Self {
        Self {
            body: json!({
                "schemas": [CORE_USER],
                "userName": user_name,
                "emails": [{"value": user_name, "primary": true}],
            }),
        }
    }

    /// The given and family names.
    pub fn name(mut self, given: &str, family: &str) -> Self {
        self.body["name"] = json!({"givenName": given, "familyName": family});
        self
    }

    /// Marks the primary e-mail `work`, as Okta and Entra ID send it.
    pub fn work_email(mut self) -> Self {
        self.body["emails"][0]["type"] = json!("work");
        self
    }

    /// `active`, which IdPs always send.
    pub fn active(mut self, active: bool) -> Self {
        self.body["active"] = json!(active);
        self
    }

    /// A password (IdPs send one on create; rosterd must never keep or show it).
    pub fn password(mut self, password: &str) -> Self {
        self.body["password"] = json!(password);
        self
    }

    /// The enterprise extension's `employeeNumber`.
    pub fn employee_number(self, number: &str) -> Self {
        self.enterprise("employeeNumber", number)
    }

    /// The enterprise extension's `department`.
    pub fn department(self, department: &str) -> Self {
        self.enterprise("department", department)
    }

    fn enterprise(mut self, attribute: &str, value: &str) -> Self {
        let schemas = self.body["schemas"].as_array_mut().expect("schemas");
        if !schemas.iter().any(|s| s == ENTERPRISE_USER) {
            schemas.push(json!(ENTERPRISE_USER));
        }
        if self.body.get(ENTERPRISE_USER).is_none() {
            self.body[ENTERPRISE_USER] = json!({});
        }
        self.body[ENTERPRISE_USER][attribute] = json!(value);
        self
    }

    /// The request body.
    pub fn json(self) -> Value {
        self.body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_holds_what_was_added_and_nothing_else() {
        assert_eq!(
            ScimUser::new("ann@acme.example").json(),
            json!({"schemas": [CORE_USER], "userName": "ann@acme.example",
                   "emails": [{"value": "ann@acme.example", "primary": true}]})
        );
        let full = ScimUser::new("bo@acme.example")
            .name("Bo", "Lee")
            .work_email()
            .active(false)
            .employee_number("7")
            .department("Sales")
            .json();
        assert_eq!(full["schemas"], json!([CORE_USER, ENTERPRISE_USER]));
        assert_eq!(full["name"]["familyName"], "Lee");
        assert_eq!(full["emails"][0]["type"], "work");
        assert_eq!(full["active"], false);
        assert_eq!(
            full[ENTERPRISE_USER],
            json!({"employeeNumber": "7", "department": "Sales"})
        );
    }
}
