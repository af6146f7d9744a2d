//! The CLI syntax of a Sales Navigator policy, both ways: `--default TIER|none` and
//! `--rule group:NAME=TIER` / `--rule ATTRIBUTE:VALUE=TIER`, tiers `core`, `advanced`,
//! `advanced-plus`. A rule splits at its first `:` and its last `=`, so group names may contain
//! either (`group:R&D: EU=core`). Errors say what was wrong and what was expected.

use std::fmt;

use rosterd_domain::LicenseKind;

use super::{LicensePolicy, Matcher, RULE_ATTRIBUTES, Rule};
use crate::error::{Error, Result};

const TIERS: [(&str, LicenseKind); 3] = [
    ("core", LicenseKind::SalesNavigatorCore),
    ("advanced", LicenseKind::SalesNavigatorAdvanced),
    ("advanced-plus", LicenseKind::SalesNavigatorAdvancedPlus),
];

fn invalid(message: String) -> Error {
    Error::InvalidPolicy(message)
}

/// A Sales Navigator tier by its short name (`core`, `advanced`, `advanced-plus`) or its
/// license-kind slug (`sales-navigator-core`, ...).
pub fn parse_tier(s: &str) -> Result<LicenseKind> {
    let s = s.trim().to_lowercase();
    TIERS
        .iter()
        .find(|(name, kind)| *name == s || kind.slug() == s)
        .map(|(_, kind)| *kind)
        .ok_or_else(|| {
            invalid(format!(
                "unknown tier `{s}`; expected core, advanced or advanced-plus"
            ))
        })
}

/// The short name of a Sales Navigator tier; other kinds by their slug.
pub fn tier_name(kind: LicenseKind) -> &'static str {
    TIERS
        .iter()
        .find(|(_, k)| *k == kind)
        .map_or(kind.slug(), |(name, _)| name)
}

impl Rule {
    /// Parses `group:NAME=TIER` or `ATTRIBUTE:VALUE=TIER`.
    pub fn parse(rule: &str) -> Result<Self> {
        let shape = "rules look like `group:NAME=TIER` or `ATTRIBUTE:VALUE=TIER`";
        let Some((what, rest)) = rule.split_once(':') else {
            return Err(invalid(format!("rule `{rule}` has no `:`; {shape}")));
        };
        let Some((value, tier)) = rest.rsplit_once('=') else {
            return Err(invalid(format!(
                "rule `{rule}` has no tier; end it with `=core`, `=advanced` or `=advanced-plus`"
            )));
        };
        let (what, value) = (what.trim(), value.trim());
        let kind = parse_tier(tier).map_err(|e| invalid(format!("rule `{rule}`: {e}")))?;
        let matcher = if what.eq_ignore_ascii_case("group") {
            if value.is_empty() {
                return Err(invalid(format!("rule `{rule}` names no group; {shape}")));
            }
            Matcher::Group(value.to_owned())
        } else {
            let name = RULE_ATTRIBUTES
                .iter()
                .find(|a| a.eq_ignore_ascii_case(what))
                .ok_or_else(|| {
                    invalid(format!(
                        "rule `{rule}`: unknown attribute `{what}`; expected `group` or one of: {}",
                        RULE_ATTRIBUTES.join(", ")
                    ))
                })?;
            if value.is_empty() {
                return Err(invalid(format!(
                    "rule `{rule}` has no {name} value; {shape}"
                )));
            }
            Matcher::Attribute {
                name: (*name).to_owned(),
                value: value.to_owned(),
            }
        };
        Ok(Rule { matcher, kind })
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tier = tier_name(self.kind);
        match &self.matcher {
            Matcher::Group(name) => write!(f, "group:{name}={tier}"),
            Matcher::Attribute { name, value } => write!(f, "{name}:{value}={tier}"),
        }
    }
}

impl LicensePolicy {
    /// Parses the CLI form: `default` is a tier or `none`; `rules` in the order given.
    /// A rule whose matcher repeats an earlier one's could never apply, and is refused.
    pub fn parse(default: &str, rules: &[impl AsRef<str>]) -> Result<Self> {
        let default = match default.trim() {
            d if d.eq_ignore_ascii_case("none") => None,
            d => Some(parse_tier(d).map_err(|e| invalid(format!("--default: {e} or none")))?),
        };
        let mut parsed: Vec<Rule> = Vec::new();
        for rule in rules {
            let rule = Rule::parse(rule.as_ref())?;
            if let Some(earlier) = parsed
                .iter()
                .find(|r| same_matcher(&r.matcher, &rule.matcher))
            {
                return Err(invalid(format!(
                    "rule `{rule}` tests the same thing as the earlier `{earlier}`; \
                     the first match wins, so it would never apply"
                )));
            }
            parsed.push(rule);
        }
        Ok(Self {
            default,
            rules: parsed,
        })
    }

    /// The `--default` value: a tier name or `none`.
    pub fn default_name(&self) -> &'static str {
        self.default.map_or("none", tier_name)
    }
}

fn same_matcher(a: &Matcher, b: &Matcher) -> bool {
    let same = |x: &str, y: &str| x.trim().to_lowercase() == y.trim().to_lowercase();
    match (a, b) {
        (Matcher::Group(x), Matcher::Group(y)) => same(x, y),
        (
            Matcher::Attribute {
                name: n1,
                value: v1,
            },
            Matcher::Attribute {
                name: n2,
                value: v2,
            },
        ) => same(n1, n2) && same(v1, v2),
        _ => false,
    }
}

impl fmt::Display for LicensePolicy {
    /// The CLI form, e.g. `--default none --rule "group:Sales EMEA=advanced"`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "--default {}", self.default_name())?;
        for rule in &self.rules {
            write!(f, " --rule \"{rule}\"")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use LicenseKind::{
        SalesNavigatorAdvanced as Advanced, SalesNavigatorAdvancedPlus as AdvancedPlus,
        SalesNavigatorCore as Core,
    };

    fn attr(name: &str, value: &str) -> Matcher {
        Matcher::Attribute {
            name: name.into(),
            value: value.into(),
        }
    }

    #[test]
    fn rules_parse() {
        let cases = [
            (
                "group:Sales EMEA=advanced",
                Matcher::Group("Sales EMEA".into()),
                Advanced,
            ),
            (
                "group: Sales EMEA = core",
                Matcher::Group("Sales EMEA".into()),
                Core,
            ),
            (
                "GROUP:x=advanced-plus",
                Matcher::Group("x".into()),
                AdvancedPlus,
            ),
            ("group:R&D: EU=core", Matcher::Group("R&D: EU".into()), Core),
            ("group:a=b=core", Matcher::Group("a=b".into()), Core),
            ("department:Sales=core", attr("department", "Sales"), Core),
            (
                "costcenter:CC-42=advanced",
                attr("costCenter", "CC-42"),
                Advanced,
            ),
            (
                "Title:VP Sales=ADVANCED",
                attr("title", "VP Sales"),
                Advanced,
            ),
            (
                "userType:Employee=sales-navigator-core",
                attr("userType", "Employee"),
                Core,
            ),
        ];
        for (input, matcher, kind) in cases {
            let rule = Rule::parse(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(rule, Rule { matcher, kind }, "{input}");
        }
    }

    #[test]
    fn bad_rules_say_what_is_wrong() {
        let cases = [
            ("Sales EMEA=advanced", "has no `:`"),
            ("group:Sales EMEA", "has no tier"),
            ("group:=core", "names no group"),
            ("department: =core", "has no department value"),
            ("group:Sales=gold", "unknown tier `gold`"),
            ("group:Sales=", "unknown tier ``"),
            ("manager:Ann=core", "unknown attribute `manager`"),
            ("manager:Ann=core", "costCenter"),
        ];
        for (input, expected) in cases {
            let err = Rule::parse(input).unwrap_err().to_string();
            assert!(err.contains(expected), "{input}: {err}");
            assert!(
                err.contains(input),
                "{input}: the message quotes the rule: {err}"
            );
        }
    }

    #[test]
    fn policies_parse_with_their_default() {
        let policy = LicensePolicy::parse(
            "none",
            &["group:Sales EMEA=advanced", "department:Sales=core"],
        )
        .unwrap();
        assert_eq!(policy.default, None);
        assert_eq!(policy.rules.len(), 2);
        assert_eq!(policy.rules[0].kind, Advanced, "rules keep their order");
        assert_eq!(
            LicensePolicy::parse("None", &[] as &[&str])
                .unwrap()
                .default,
            None
        );
        let core = LicensePolicy::parse("core", &[] as &[&str]).unwrap();
        assert_eq!(core.default, Some(Core));
    }

    #[test]
    fn bad_defaults_and_repeated_rules_are_refused() {
        let err = LicensePolicy::parse("gold", &[] as &[&str])
            .unwrap_err()
            .to_string();
        assert!(err.contains("--default") && err.contains("none"), "{err}");
        let err = LicensePolicy::parse("none", &["group:Sales=core", "group:SALES=advanced"])
            .unwrap_err()
            .to_string();
        assert!(err.contains("would never apply"), "{err}");
        assert!(
            LicensePolicy::parse("none", &["group:Sales=core", "department:Sales=core"]).is_ok(),
            "a group and an attribute with the same value are different tests"
        );
    }

    #[test]
    fn policies_print_in_the_syntax_they_parse_from() {
        let rules = [
            "group:Sales EMEA=advanced",
            "department:Sales=core",
            "group:a=b=advanced-plus",
        ];
        let policy = LicensePolicy::parse("advanced", &rules).unwrap();
        assert_eq!(
            policy.to_string(),
            "--default advanced --rule \"group:Sales EMEA=advanced\" \
             --rule \"department:Sales=core\" --rule \"group:a=b=advanced-plus\""
        );
        let printed: Vec<String> = policy.rules.iter().map(ToString::to_string).collect();
        assert_eq!(
            LicensePolicy::parse(policy.default_name(), &printed).unwrap(),
            policy
        );
    }

    #[test]
    fn tiers_have_short_names() {
        for (name, kind) in TIERS {
            assert_eq!(parse_tier(name).unwrap(), kind);
            assert_eq!(parse_tier(kind.slug()).unwrap(), kind);
            assert_eq!(tier_name(kind), name);
        }
        assert!(
            parse_tier("learning").is_err(),
            "not a Sales Navigator tier"
        );
    }
}
