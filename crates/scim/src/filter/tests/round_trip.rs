//! The canonical text of a filter parses back to the same AST, and looks as documented.

use super::*;
use crate::filter::{parse_filter, parse_patch_path};

#[test]
fn canonical_text_is_normalised_and_minimal() {
    let cases = [
        (
            "operators and keywords lowercased",
            r#"userName EQ "x" AND title PR"#,
            r#"userName eq "x" and title pr"#,
        ),
        (
            "whitespace collapsed",
            "  a   pr  or\tb pr ",
            "a pr or b pr",
        ),
        (
            "redundant parentheses dropped",
            "((a pr)) and (b pr)",
            "a pr and b pr",
        ),
        (
            "needed parentheses kept",
            "(a pr or b pr) and c pr",
            "(a pr or b pr) and c pr",
        ),
        (
            "right-nested or keeps its parentheses",
            "a pr or (b pr or c pr)",
            "a pr or (b pr or c pr)",
        ),
        (
            "right-nested and keeps its parentheses",
            "a pr and (b pr and c pr)",
            "a pr and (b pr and c pr)",
        ),
        (
            "left-nested chains need none",
            "(a pr or b pr) or c pr",
            "a pr or b pr or c pr",
        ),
        ("not always has parentheses", "not(a pr)", "not (a pr)"),
        (
            "value path",
            r#"emails[ type eq "work" ]"#,
            r#"emails[type eq "work"]"#,
        ),
        (
            "literals",
            "a eq TRUE or b eq NULL or c gt -1.5E3",
            "a eq true or b eq null or c gt -1500.0",
        ),
        (
            "string escapes",
            r#"a eq "\u0041\"\\\n\u0001/\/""#,
            r#"a eq "A\"\\\n\u0001//""#,
        ),
        (
            "URN path",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value pr",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value pr",
        ),
    ];
    for (name, input, canonical) in cases {
        assert_eq!(
            parse_filter(input).unwrap().to_string(),
            canonical,
            "{name}"
        );
    }
}

#[test]
fn every_filter_round_trips_through_its_text() {
    let inputs = [
        r#"userName Eq "john""#,
        r#"name.familyName co "O'Malley""#,
        r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
        r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
        r#"title pr and userType eq "Employee""#,
        r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
        r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
        "a pr or b pr and c pr",
        "(a pr or b pr) and (c pr or d pr)",
        "a pr and (b pr or (c pr and not (d pr or e pr)))",
        "not (not (a pr)) and x[(y pr or z pr) and not (w pr)]",
        "a eq 1 or b eq 1.0 or c eq -0 or d eq 12345678901234567890 or e eq 2.5e-3",
        r#"a eq "tab\tquote\"slash\\ctl\u001fé😀""#,
        r#"members[$ref eq "https://x/Users/1"]"#,
        r#"urn:scim:schemas:core:2.0:userName eq "x""#,
        r#"emails[type eq "work"].value eq "a@b.example""#,
        r#"emails[type eq "work" or type eq "home"].value pr"#,
    ];
    for input in inputs {
        let parsed = parse_filter(input).unwrap();
        let text = parsed.to_string();
        assert_eq!(
            parse_filter(&text).unwrap(),
            parsed,
            "`{input}` printed as `{text}`"
        );
        assert_eq!(
            parse_filter(&text).unwrap().to_string(),
            text,
            "`{text}` is a fixed point"
        );
    }
}

#[test]
fn hand_built_trees_round_trip() {
    let trees = [
        or(pr("a"), or(pr("b"), pr("c"))),
        and(pr("a"), and(pr("b"), pr("c"))),
        and(or(pr("a"), pr("b")), or(pr("c"), pr("d"))),
        not(and(pr("a"), not(or(pr("b"), pr("c"))))),
        value_path("emails", or(eq("type", "work"), not(eq("type", "home")))),
        eq("a", "\u{1}\u{8}\u{c}\r\u{7f}\u{2028}"),
    ];
    for tree in trees {
        let text = tree.to_string();
        assert_eq!(parse_filter(&text).unwrap(), tree, "`{text}`");
    }
}

#[test]
fn patch_and_attribute_paths_round_trip() {
    for input in [
        "displayName",
        "name.givenName",
        r#"members[value eq "2819c2"]"#,
        r#"emails[type eq "work" and primary eq true].value"#,
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
    ] {
        let parsed = parse_patch_path(input).unwrap();
        assert_eq!(parsed.to_string(), input);
        assert_eq!(parse_patch_path(&parsed.to_string()).unwrap(), parsed);
        if parsed.value_filter.is_none() {
            assert_eq!(path(input).to_string(), input);
        }
    }
}

/// Found by the `filter` fuzz target: a long mantissa with an exponent parsed one unit in the
/// last place away from the nearest double, so its canonical text read back as another number.
/// Number literals are parsed correctly rounded (serde_json's `float_roundtrip`).
#[test]
fn a_long_number_reads_back_as_the_same_number() {
    for input in [
        "x.ug eq 66666616666666666666661666e66",
        "a gt 0.1000000000000000055511151231257827",
        "a lt 1.7976931348623157e308",
        "a eq 5e-324",
    ] {
        let filter = parse_filter(input).unwrap();
        let canonical = filter.to_string();
        assert_eq!(
            parse_filter(&canonical).unwrap(),
            filter,
            "{input} -> {canonical}"
        );
    }
}
