//! Filters that parse, each to the exact AST it must give.

use super::*;
use crate::filter::parse_filter;
use CompareOp::{Co, Eq, Ew, Ge, Gt, Le, Lt, Ne, Sw};

fn check(cases: Vec<(&str, &str, Filter)>) {
    for (name, input, expected) in cases {
        match parse_filter(input) {
            Ok(actual) => assert_eq!(actual, expected, "{name}: `{input}`"),
            Err(e) => panic!("{name}: `{input}` failed: {e}"),
        }
    }
}

#[test]
fn every_example_of_rfc_7644_section_3_4_2_2_parses() {
    let lm = "2011-05-13T04:42:34Z";
    check(vec![
        (
            "operator case is ignored (Eq)",
            r#"userName Eq "john""#,
            eq("userName", "john"),
        ),
        (
            "attribute case is kept as written",
            r#"Username eq "john""#,
            eq("Username", "john"),
        ),
        ("eq", r#"userName eq "bjensen""#, eq("userName", "bjensen")),
        (
            "co on a sub-attribute",
            r#"name.familyName co "O'Malley""#,
            cmp("name.familyName", Co, str_("O'Malley")),
        ),
        ("sw", r#"userName sw "J""#, cmp("userName", Sw, str_("J"))),
        (
            "core URN prefix",
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
            cmp(
                "urn:ietf:params:scim:schemas:core:2.0:User:userName",
                Sw,
                str_("J"),
            ),
        ),
        ("pr", "title pr", pr("title")),
        (
            "gt on a date",
            &format!(r#"meta.lastModified gt "{lm}""#),
            cmp("meta.lastModified", Gt, str_(lm)),
        ),
        (
            "ge on a date",
            &format!(r#"meta.lastModified ge "{lm}""#),
            cmp("meta.lastModified", Ge, str_(lm)),
        ),
        (
            "lt on a date",
            &format!(r#"meta.lastModified lt "{lm}""#),
            cmp("meta.lastModified", Lt, str_(lm)),
        ),
        (
            "le on a date",
            &format!(r#"meta.lastModified le "{lm}""#),
            cmp("meta.lastModified", Le, str_(lm)),
        ),
        (
            "pr and eq",
            r#"title pr and userType eq "Employee""#,
            and(pr("title"), eq("userType", "Employee")),
        ),
        (
            "pr or eq",
            r#"title pr or userType eq "Intern""#,
            or(pr("title"), eq("userType", "Intern")),
        ),
        (
            "a URN as the value",
            r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
            eq("schemas", ENTERPRISE),
        ),
        (
            "parentheses group an or under an and",
            r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
            and(
                eq("userType", "Employee"),
                or(
                    cmp("emails", Co, str_("example.com")),
                    cmp("emails.value", Co, str_("example.org")),
                ),
            ),
        ),
        (
            "not before parentheses",
            r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
            and(
                cmp("userType", Ne, str_("Employee")),
                not(or(
                    cmp("emails", Co, str_("example.com")),
                    cmp("emails.value", Co, str_("example.org")),
                )),
            ),
        ),
        (
            "parentheses around one comparison",
            r#"userType eq "Employee" and (emails.type eq "work")"#,
            and(eq("userType", "Employee"), eq("emails.type", "work")),
        ),
        (
            "value path after and",
            r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
            and(
                eq("userType", "Employee"),
                value_path(
                    "emails",
                    and(eq("type", "work"), cmp("value", Co, str_("@example.com"))),
                ),
            ),
        ),
        (
            "two value paths joined by or",
            r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
            or(
                value_path(
                    "emails",
                    and(eq("type", "work"), cmp("value", Co, str_("@example.com"))),
                ),
                value_path(
                    "ims",
                    and(eq("type", "xmpp"), cmp("value", Co, str_("@foo.com"))),
                ),
            ),
        ),
    ]);
}

#[test]
fn precedence_and_associativity() {
    let (a, b, c, d) = (|| pr("a"), || pr("b"), || pr("c"), || pr("d"));
    check(vec![
        (
            "and binds tighter than or (right)",
            "a pr or b pr and c pr",
            or(a(), and(b(), c())),
        ),
        (
            "and binds tighter than or (left)",
            "a pr and b pr or c pr",
            or(and(a(), b()), c()),
        ),
        (
            "or is left-associative",
            "a pr or b pr or c pr",
            or(or(a(), b()), c()),
        ),
        (
            "and is left-associative",
            "a pr and b pr and c pr",
            and(and(a(), b()), c()),
        ),
        (
            "parentheses override precedence",
            "(a pr or b pr) and c pr",
            and(or(a(), b()), c()),
        ),
        (
            "parentheses on the right keep right nesting",
            "a pr or (b pr or c pr)",
            or(a(), or(b(), c())),
        ),
        (
            "not binds tighter than and",
            "not (a pr) and b pr",
            and(not(a()), b()),
        ),
        ("not of not", "not (not (a pr))", not(not(a()))),
        (
            "mixed chain",
            "a pr and b pr or c pr and d pr",
            or(and(a(), b()), and(c(), d())),
        ),
        ("redundant parentheses vanish", "((a pr))", a()),
        (
            "logical keywords are case-insensitive",
            "a pr AND b pr Or NOT (c pr)",
            or(and(a(), b()), not(c())),
        ),
        (
            "logic inside brackets",
            "x[a pr or b pr and not (c pr)]",
            value_path("x", or(a(), and(b(), not(c())))),
        ),
        (
            "parentheses inside brackets",
            "x[(a pr or b pr) and c pr]",
            value_path("x", and(or(a(), b()), c())),
        ),
    ]);
}

#[test]
fn idp_lookups_parse() {
    check(vec![
        (
            "Okta finds a user by userName",
            r#"userName eq "a@b.com""#,
            eq("userName", "a@b.com"),
        ),
        (
            "Entra finds a user by externalId",
            r#"externalId eq "0b1c7c5e-2f55-4d5e-9c0a-1f2e3d4c5b6a""#,
            eq("externalId", "0b1c7c5e-2f55-4d5e-9c0a-1f2e3d4c5b6a"),
        ),
        (
            "Entra finds a group by displayName",
            r#"displayName eq "Sales EMEA""#,
            eq("displayName", "Sales EMEA"),
        ),
        (
            "Entra checks group membership",
            r#"members[value eq "abc"]"#,
            value_path("members", eq("value", "abc")),
        ),
        (
            "membership check combined with id",
            r#"id eq "g1" and members[value eq "abc"]"#,
            and(eq("id", "g1"), value_path("members", eq("value", "abc"))),
        ),
        (
            "$ref as an attribute name",
            r#"members[$ref eq "https://x/Users/1"]"#,
            value_path("members", eq("$ref", "https://x/Users/1")),
        ),
        (
            "emails.value lookup",
            r#"emails.value eq "ann@acme.example""#,
            eq("emails.value", "ann@acme.example"),
        ),
        (
            "enterprise extension attribute",
            &format!(r#"{ENTERPRISE}:department eq "Sales""#),
            eq(&format!("{ENTERPRISE}:department"), "Sales"),
        ),
        (
            "enterprise manager sub-attribute",
            &format!(r#"{ENTERPRISE}:manager.value eq "m1""#),
            eq(&format!("{ENTERPRISE}:manager.value"), "m1"),
        ),
        (
            "OneLogin legacy URN",
            r#"urn:scim:schemas:core:2.0:userName eq "x""#,
            eq("urn:scim:schemas:core:2.0:userName", "x"),
        ),
    ]);
}

#[test]
fn a_sub_attribute_after_a_value_filter_joins_the_value_filter() {
    check(vec![
        (
            "Entra matches on the work e-mail",
            r#"emails[type eq "work"].value eq "a@b.example""#,
            value_path(
                "emails",
                and(eq("type", "work"), eq("value", "a@b.example")),
            ),
        ),
        (
            "any comparison operator",
            r#"emails[type eq "work"].value co "@acme""#,
            value_path(
                "emails",
                and(eq("type", "work"), cmp("value", Co, str_("@acme"))),
            ),
        ),
        (
            "pr after the sub-attribute",
            r#"addresses[type eq "work"].locality pr"#,
            value_path("addresses", and(eq("type", "work"), pr("locality"))),
        ),
        (
            "an or inside the brackets stays grouped",
            r#"emails[type eq "work" or type eq "home"].value eq "x""#,
            value_path(
                "emails",
                and(or(eq("type", "work"), eq("type", "home")), eq("value", "x")),
            ),
        ),
        (
            "a URN-qualified multi-valued attribute",
            r#"urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work"].value eq "x""#,
            value_path(
                "urn:ietf:params:scim:schemas:core:2.0:User:emails",
                and(eq("type", "work"), eq("value", "x")),
            ),
        ),
        (
            "combined with other terms",
            r#"active eq true and emails[type eq "work"].value eq "x" or userName eq "y""#,
            or(
                and(
                    cmp("active", Eq, CompValue::Bool(true)),
                    value_path("emails", and(eq("type", "work"), eq("value", "x"))),
                ),
                eq("userName", "y"),
            ),
        ),
        (
            "inside not",
            r#"not (phoneNumbers[type eq "mobile"].value sw "+44")"#,
            not(value_path(
                "phoneNumbers",
                and(eq("type", "mobile"), cmp("value", Sw, str_("+44"))),
            )),
        ),
    ]);
}

#[test]
fn literals_parse_to_their_json_values() {
    check(vec![
        ("all operators, lowercase", "a ne 1", cmp("a", Ne, num("1"))),
        ("ew", r#"a EW "z""#, cmp("a", Ew, str_("z"))),
        ("integer", "a gt 42", cmp("a", Gt, num("42"))),
        ("negative integer", "a lt -7", cmp("a", Lt, num("-7"))),
        ("decimal", "a ge 3.25", cmp("a", Ge, num("3.25"))),
        ("exponent", "a le 1.5e3", cmp("a", Le, num("1.5e3"))),
        (
            "negative exponent",
            "a eq -2E-2",
            cmp("a", Eq, num("-2E-2")),
        ),
        (
            "true",
            "active eq true",
            cmp("active", Eq, CompValue::Bool(true)),
        ),
        (
            "FALSE in capitals",
            "active eq FALSE",
            cmp("active", Eq, CompValue::Bool(false)),
        ),
        (
            "Null in mixed case",
            "title eq Null",
            cmp("title", Eq, CompValue::Null),
        ),
        ("empty string", r#"a eq """#, eq("a", "")),
        (
            "simple escapes",
            r#"a eq "q\"b\\s\/n\nr\rt\tb\bf\f""#,
            eq("a", "q\"b\\s/n\nr\rt\tb\u{8}f\u{c}"),
        ),
        ("unicode escape", r#"a eq "caf\u00e9""#, eq("a", "café")),
        (
            "surrogate pair escape",
            r#"a eq "\ud83d\ude00""#,
            eq("a", "😀"),
        ),
        ("raw non-ASCII", r#"a eq "Zoë 東京""#, eq("a", "Zoë 東京")),
        (
            "brackets and parens inside strings",
            r#"a eq "(x] [y)""#,
            eq("a", "(x] [y)"),
        ),
        (
            "keywords inside strings",
            r#"a eq "x and y or not""#,
            eq("a", "x and y or not"),
        ),
    ]);
}

#[test]
fn whitespace_is_tolerated_between_tokens() {
    let expected = and(value_path("emails", eq("type", "work")), not(pr("title")));
    for input in [
        r#"emails[type eq "work"] and not (title pr)"#,
        "  emails [ type   eq \"work\" ]\tand\nnot(title pr)  ",
        r#"emails[type eq"work"]and not(title pr)"#,
        "\u{a0}emails[ type eq \"work\" ] and not ( title pr )\r\n",
    ] {
        assert_eq!(parse_filter(input).unwrap(), expected, "`{input}`");
    }
}

#[test]
fn keywords_are_attribute_names_where_the_grammar_says_so() {
    check(vec![
        ("an attribute called not, present", "not pr", pr("not")),
        (
            "an attribute called and, compared",
            r#"and eq "x""#,
            eq("and", "x"),
        ),
        (
            "an attribute called or inside brackets",
            "x[or pr]",
            value_path("x", pr("or")),
        ),
        ("an attribute called pr", "pr pr", pr("pr")),
    ]);
}
