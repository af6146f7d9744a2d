//! The policy form as submitted: rows read from the form's fields, row edits (add, remove, move)
//! and the policy it means, or what to fix, by row.

use rosterd_ledger::{LicensePolicy, Matcher, RULE_ATTRIBUTES, Rule, parse_tier, tier_name};

use crate::csrf::Fields;

/// One row as submitted: what it matches (`group` or an attribute), the name or value, the tier.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Row {
    pub matcher: String,
    pub value: String,
    pub tier: String,
}

/// The form as submitted.
#[derive(Debug, Clone, Default)]
pub(super) struct Draft {
    pub default: String,
    pub rows: Vec<Row>,
}

impl Draft {
    pub fn of(policy: &LicensePolicy) -> Self {
        Self {
            default: policy.default_name().to_owned(),
            rows: policy
                .rules
                .iter()
                .map(|rule| match &rule.matcher {
                    Matcher::Group(name) => Row {
                        matcher: "group".into(),
                        value: name.clone(),
                        tier: tier_name(rule.kind).into(),
                    },
                    Matcher::Attribute { name, value } => Row {
                        matcher: name.clone(),
                        value: value.clone(),
                        tier: tier_name(rule.kind).into(),
                    },
                })
                .collect(),
        }
    }

    /// Reads `default`, and `match-N`, `value-N`, `tier-N` for N = 0, 1, ... while present.
    pub fn read(form: &Fields) -> Self {
        let mut rows = Vec::new();
        for n in 0.. {
            let matcher = form.get(&format!("match-{n}"));
            if matcher.is_empty() {
                break;
            }
            rows.push(Row {
                matcher: matcher.to_owned(),
                value: form.get(&format!("value-{n}")).trim().to_owned(),
                tier: form.get(&format!("tier-{n}")).to_owned(),
            });
        }
        Self {
            default: form.get("default").to_owned(),
            rows,
        }
    }

    /// Applies a row edit (`add`, `remove-N`, `up-N`, `down-N`); anything else leaves it.
    pub fn edit(&mut self, op: &str) {
        let at = |prefix: &str| {
            op.strip_prefix(prefix)
                .and_then(|n| n.parse::<usize>().ok())
        };
        let len = self.rows.len();
        if op == "add" {
            self.rows.push(Row {
                matcher: "group".into(),
                value: String::new(),
                tier: "core".into(),
            });
        } else if let Some(n) = at("remove-").filter(|n| *n < len) {
            self.rows.remove(n);
        } else if let Some(n) = at("up-").filter(|n| *n > 0 && *n < len) {
            self.rows.swap(n - 1, n);
        } else if let Some(n) = at("down-").filter(|n| n + 1 < len) {
            self.rows.swap(n, n + 1);
        }
    }

    /// The policy, or the problems by row (`None`: the default).
    pub fn policy(&self) -> Result<LicensePolicy, Vec<(Option<usize>, String)>> {
        let mut errors = Vec::new();
        let default = match self.default.as_str() {
            "none" => None,
            tier => match parse_tier(tier) {
                Ok(kind) => Some(kind),
                Err(_) => {
                    errors.push((None, "Choose a default tier, or no license.".to_owned()));
                    None
                }
            },
        };
        // Rows that did not parse stay as `None`, so rule numbers stay the rows' numbers.
        let mut rules: Vec<Option<Rule>> = Vec::new();
        for (n, row) in self.rows.iter().enumerate() {
            match rule(row) {
                Ok(rule) => {
                    let earlier = rules
                        .iter()
                        .position(|r| r.as_ref().is_some_and(|r| same(&r.matcher, &rule.matcher)));
                    if let Some(earlier) = earlier {
                        errors.push((
                            Some(n),
                            format!(
                                "Rule {} already tests this; the first match wins, so this rule \
                                 would never apply. Remove one of them.",
                                earlier + 1
                            ),
                        ));
                    }
                    rules.push(Some(rule));
                }
                Err(message) => {
                    errors.push((Some(n), message));
                    rules.push(None);
                }
            }
        }
        if errors.is_empty() {
            let rules = rules.into_iter().flatten().collect();
            Ok(LicensePolicy { default, rules })
        } else {
            Err(errors)
        }
    }
}

/// One row as a rule, or what to fix.
fn rule(row: &Row) -> Result<Rule, String> {
    let kind = parse_tier(&row.tier).map_err(|_| "Choose a tier for this rule.".to_owned())?;
    let matcher = if row.matcher == "group" {
        if row.value.is_empty() {
            return Err("Enter the group's name (its displayName in your IdP) or id.".into());
        }
        Matcher::Group(row.value.clone())
    } else {
        let Some(name) = RULE_ATTRIBUTES.iter().find(|a| **a == row.matcher) else {
            return Err("Choose what this rule matches: a group or a user attribute.".into());
        };
        if row.value.is_empty() {
            return Err(format!("Enter the {name} value this rule matches."));
        }
        Matcher::Attribute {
            name: (*name).to_owned(),
            value: row.value.clone(),
        }
    };
    Ok(Rule { matcher, kind })
}

fn same(a: &Matcher, b: &Matcher) -> bool {
    let eq = |x: &str, y: &str| x.trim().to_lowercase() == y.trim().to_lowercase();
    match (a, b) {
        (Matcher::Group(x), Matcher::Group(y)) => eq(x, y),
        (
            Matcher::Attribute {
                name: n1,
                value: v1,
            },
            Matcher::Attribute {
                name: n2,
                value: v2,
            },
        ) => eq(n1, n2) && eq(v1, v2),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(matcher: &str, value: &str, tier: &str) -> Row {
        Row {
            matcher: matcher.into(),
            value: value.into(),
            tier: tier.into(),
        }
    }

    fn draft(rows: &[Row]) -> Draft {
        Draft {
            default: "none".into(),
            rows: rows.to_vec(),
        }
    }

    #[test]
    fn row_edits_add_remove_and_move_within_bounds() {
        let (a, b) = (
            row("group", "A", "core"),
            row("department", "B", "advanced"),
        );
        let mut d = draft(&[a.clone(), b.clone()]);
        d.edit("down-0");
        assert_eq!(d.rows, [b.clone(), a.clone()]);
        d.edit("up-1");
        assert_eq!(d.rows, [a.clone(), b.clone()]);
        d.edit("up-0");
        d.edit("down-1");
        d.edit("remove-9");
        d.edit("nonsense");
        assert_eq!(d.rows, [a, b.clone()], "out of range edits do nothing");
        d.edit("remove-0");
        assert_eq!(d.rows, [b]);
        d.edit("add");
        assert_eq!(d.rows.len(), 2);
        assert_eq!(d.rows[1].value, "");
    }

    #[test]
    fn a_valid_draft_is_the_policy_it_shows() {
        let d = Draft {
            default: "advanced".into(),
            rows: vec![
                row("group", "Sales EMEA", "advanced-plus"),
                row("department", "Sales", "core"),
            ],
        };
        let policy = d.policy().unwrap();
        assert_eq!(
            policy,
            LicensePolicy::parse(
                "advanced",
                &["group:Sales EMEA=advanced-plus", "department:Sales=core"]
            )
            .unwrap()
        );
        let again = Draft::of(&policy);
        assert_eq!(again.rows, d.rows);
        assert_eq!(again.default, "advanced");
    }

    #[test]
    fn problems_are_reported_against_their_row() {
        let cases = [
            (row("group", "", "core"), "Enter the group's name"),
            (row("department", "", "core"), "Enter the department value"),
            (
                row("shoe-size", "42", "core"),
                "Choose what this rule matches",
            ),
            (row("group", "X", "platinum"), "Choose a tier"),
        ];
        for (bad, message) in cases {
            let errors = draft(&[row("group", "ok", "core"), bad])
                .policy()
                .unwrap_err();
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert_eq!(errors[0].0, Some(1));
            assert!(errors[0].1.contains(message), "{errors:?}");
        }
    }

    #[test]
    fn a_repeated_matcher_is_refused_naming_the_earlier_rule() {
        let errors = draft(&[
            row("group", "Sales", "core"),
            row("group", " sales ", "advanced"),
        ])
        .policy()
        .unwrap_err();
        assert_eq!(errors[0].0, Some(1));
        assert!(
            errors[0].1.contains("Rule 1 already tests this"),
            "{errors:?}"
        );
    }

    #[test]
    fn an_unknown_default_is_a_form_error() {
        let mut d = draft(&[]);
        d.default = "gold".into();
        let errors = d.policy().unwrap_err();
        assert_eq!(
            errors,
            [(None, "Choose a default tier, or no license.".to_owned())]
        );
    }
}
