//! Evaluation against a SCIM User in wire form.

use serde_json::{Value, json};

use crate::filter::{AttrPath, matches, parse_filter};

fn user() -> Value {
    json!({
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
        ],
        "id": "2819c223",
        "externalId": "AbC-123",
        "userName": "Bjensen@Example.com",
        "name": { "familyName": "O'Malley", "givenName": "Barbara" },
        "displayName": "Babs Jensen",
        "title": "Tour Guide",
        "nickName": "",
        "userType": "Employee",
        "active": true,
        "loginCount": 42,
        "score": 2.5,
        "photos": [],
        "emails": [
            { "value": "bjensen@example.com", "type": "work", "primary": true },
            { "value": "babs@jensen.org", "type": "home" }
        ],
        "ims": [ { "value": "babs@foo.com", "type": "xmpp" } ],
        "roles": ["admin", "Auditor"],
        "meta": {
            "resourceType": "User",
            "lastModified": "2011-05-13T04:42:34.000Z",
            "created": "2010-01-23T04:56:22+02:00"
        },
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "department": "Sales",
            "costCenter": null,
            "manager": { "value": "26118915", "displayName": "John Smith" }
        }
    })
}

/// `externalId`, `id` and `emails.type` are case-exact here; everything else is not.
fn case_exact(path: &AttrPath) -> bool {
    let name = match &path.sub_attr {
        Some(sub) => format!("{}.{sub}", path.attr),
        None => path.attr.clone(),
    };
    ["externalid", "id", "emails.type"].contains(&name.to_ascii_lowercase().as_str())
}

fn check(cases: &[(&str, &str, bool)]) {
    let doc = user();
    for &(name, filter, expected) in cases {
        let parsed = parse_filter(filter).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            matches(&parsed, &doc, &case_exact),
            expected,
            "{name}: `{filter}`"
        );
    }
}

#[test]
fn rfc_examples_evaluate() {
    check(&[
        (
            "eq ignores case on a caseExact=false attribute",
            r#"userName eq "bjensen@example.com""#,
            true,
        ),
        (
            "Eq operator in capitals",
            r#"USERNAME Eq "BJENSEN@EXAMPLE.COM""#,
            true,
        ),
        (
            "co on a sub-attribute",
            r#"name.familyName co "O'Mal""#,
            true,
        ),
        ("sw", r#"userName sw "bj""#, true),
        (
            "core URN falls back to the top level",
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "B""#,
            true,
        ),
        ("pr on a set attribute", "title pr", true),
        (
            "gt across date precision",
            r#"meta.lastModified gt "2011-05-13T04:42:33Z""#,
            true,
        ),
        (
            "ge equal instant, different precision",
            r#"meta.lastModified ge "2011-05-13T04:42:34Z""#,
            true,
        ),
        (
            "lt is false for the same instant",
            r#"meta.lastModified lt "2011-05-13T04:42:34Z""#,
            false,
        ),
        (
            "le equal instant",
            r#"meta.lastModified le "2011-05-13T04:42:34Z""#,
            true,
        ),
        ("and", r#"title pr and userType eq "Employee""#, true),
        (
            "or with one side true",
            r#"title pr or userType eq "Intern""#,
            true,
        ),
        (
            "schemas eq one of its values",
            r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
            true,
        ),
        (
            "emails co compares each email's value",
            r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
            true,
        ),
        (
            "not of a true or",
            r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
            false,
        ),
        (
            "emails.type any element",
            r#"userType eq "Employee" and (emails.type eq "work")"#,
            true,
        ),
        (
            "value path with both conditions on one element",
            r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
            true,
        ),
        (
            "value paths or",
            r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
            true,
        ),
    ]);
}

#[test]
fn comparisons_follow_the_documented_semantics() {
    check(&[
        // case exactness
        (
            "caseExact attribute refuses another case",
            r#"externalId eq "abc-123""#,
            false,
        ),
        (
            "caseExact attribute accepts its own case",
            r#"externalId eq "AbC-123""#,
            true,
        ),
        (
            "caseExact inside brackets sees the absolute path",
            r#"emails[type eq "WORK"]"#,
            false,
        ),
        (
            "caseExact via a dotted path",
            r#"emails.type eq "Work""#,
            false,
        ),
        ("case-insensitive co", r#"displayName co "JENS""#, true),
        ("case-insensitive ew", r#"userName ew "EXAMPLE.COM""#, true),
        (
            "case-insensitive ordering",
            r#"displayName gt "BABS""#,
            true,
        ),
        (
            "attribute names are case-insensitive",
            r#"NAME.FAMILYNAME eq "o'malley""#,
            true,
        ),
        (
            "extension keys are case-insensitive",
            r#"URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:Department eq "sales""#,
            true,
        ),
        // multi-valued: any element
        (
            "value path must match within one element",
            r#"emails[type eq "home" and value co "example.com"]"#,
            false,
        ),
        (
            "dotted paths may match across elements",
            r#"emails.type eq "home" and emails.value co "example.com""#,
            true,
        ),
        (
            "simple multi-valued any-match",
            r#"roles eq "auditor""#,
            true,
        ),
        ("ne means some element differs", r#"roles ne "admin""#, true),
        ("ne on a single value", r#"userType ne "Employee""#, false),
        ("bool inside brackets", "emails[primary eq true]", true),
        (
            "sub-attribute after a value path: the work e-mail",
            r#"emails[type eq "work"].value eq "BJensen@example.com""#,
            true,
        ),
        (
            "sub-attribute after a value path: within one element",
            r#"emails[type eq "work"].value eq "babs@jensen.org""#,
            false,
        ),
        (
            "sub-attribute after a value path: pr",
            r#"emails[type eq "home"].primary pr"#,
            false,
        ),
        // extension
        (
            "enterprise attribute",
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "Sales""#,
            true,
        ),
        (
            "enterprise complex sub-attribute",
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915""#,
            true,
        ),
        (
            "enterprise complex compared by its value",
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager eq "26118915""#,
            true,
        ),
        (
            "unqualified path does not look into extensions",
            r#"department eq "Sales""#,
            false,
        ),
        (
            "unknown extension URN finds nothing",
            r#"urn:example:ext:1.0:User:department pr"#,
            false,
        ),
        // numbers
        ("integer gt", "loginCount gt 41", true),
        ("integer eq decimal form", "loginCount eq 42.0", true),
        ("integer le", "loginCount le 41", false),
        ("decimal compared with integer", "score lt 3", true),
        ("decimal ge exponent", "score ge 25e-1", true),
        // dates
        (
            "offsets compare as instants",
            r#"meta.created lt "2010-01-23T03:00:00Z""#,
            true,
        ),
        (
            "eq across precision",
            r#"meta.lastModified eq "2011-05-13T04:42:34Z""#,
            true,
        ),
        (
            "a non-date string compares lexicographically",
            r#"meta.lastModified gt "2011""#,
            true,
        ),
        // booleans
        ("bool eq", "active eq true", true),
        ("bool ne", "active ne true", false),
        ("bool gt is meaningless", "active gt false", false),
        // presence
        ("empty string is not present", "nickName pr", false),
        ("empty array is not present", "photos pr", false),
        (
            "null is not present",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter pr",
            false,
        ),
        ("absent is not present", "profileUrl pr", false),
        ("complex with members is present", "name pr", true),
        ("multi-valued complex is present", "emails pr", true),
        (
            "false is present",
            r#"emails[type eq "home" and primary pr]"#,
            false,
        ),
        // null
        ("eq null on absent", "profileUrl eq null", true),
        (
            "eq null on null",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter eq null",
            true,
        ),
        ("eq null on empty array", "photos eq null", true),
        ("eq null on a value", "title eq null", false),
        ("ne null on a value", "title ne null", true),
        ("ne null on absent", "profileUrl ne null", false),
        ("gt null is false", "title gt null", false),
        // absent and mismatched types
        ("absent attribute fails eq", r#"profileUrl eq "x""#, false),
        (
            "absent attribute fails ne too",
            r#"profileUrl ne "x""#,
            false,
        ),
        (
            "not of an absent comparison",
            r#"not (profileUrl eq "x")"#,
            true,
        ),
        ("string vs number", r#"loginCount eq "42""#, false),
        ("number vs string", "userName eq 42", false),
        ("bool vs string", r#"active eq "true""#, false),
        ("co on a number", "loginCount co 4", false),
        ("sub-attribute of a string", "userName.value pr", false),
        (
            "value path on a simple attribute",
            r#"userName[value eq "x"]"#,
            false,
        ),
        ("value path on strings", r#"roles[value eq "admin"]"#, false),
        ("value path on absent", "addresses[type pr]", false),
    ]);
}

#[test]
fn evaluation_works_on_one_value_of_a_multi_valued_attribute() {
    let member = json!({ "value": "2819c2", "$ref": "https://x/Users/2819c2", "type": "User" });
    let exact = |_: &AttrPath| true;
    for (filter, expected) in [
        (r#"value eq "2819c2""#, true),
        (r#"$REF eq "https://x/Users/2819c2""#, true),
        (r#"value eq "2819C2""#, false),
        (r#"type eq "User" and not (value sw "x")"#, true),
    ] {
        assert_eq!(
            matches(&parse_filter(filter).unwrap(), &member, &exact),
            expected,
            "`{filter}`"
        );
    }
}

#[test]
fn odd_documents_never_panic() {
    let insensitive = |_: &AttrPath| false;
    for doc in [json!(null), json!(1), json!("x"), json!([1, {"a": 1}])] {
        for filter in [r#"a eq "x""#, "a pr", "a[b pr]", "a.b gt 0", "a eq null"] {
            let parsed = parse_filter(filter).unwrap();
            let expected = filter == "a eq null";
            assert_eq!(
                matches(&parsed, &doc, &insensitive),
                expected,
                "`{filter}` on {doc}"
            );
        }
    }
    let nested = json!({"a": [[1], {"b": [1, "2"]}]});
    for (filter, expected) in [
        ("a eq 1", false),
        ("a pr", true),
        ("a[b pr]", true),
        ("a[b eq 2]", false),
        ("a.b eq 1", true),
        (r#"a.b gt "1""#, true),
    ] {
        let parsed = parse_filter(filter).unwrap();
        assert_eq!(
            matches(&parsed, &nested, &insensitive),
            expected,
            "`{filter}`"
        );
    }
}
