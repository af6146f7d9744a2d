//! Filters that must be rejected, each with the message an IdP admin would read.

use crate::filter::{FilterError, MAX_DEPTH, MAX_INPUT_LEN, MAX_TERMS, parse_filter};
use crate::{ScimError, ScimType};

#[test]
fn bad_filters_name_the_problem_and_the_position() {
    let cases = [
        ("empty", "", "empty filter"),
        ("only whitespace", " \t\n ", "empty filter"),
        (
            "unknown operator",
            "userName foo \"x\"",
            "expected a comparison operator after `userName` at position 9, found `foo`",
        ),
        (
            "operator missing at the end",
            "userName",
            "expected a comparison operator after `userName` at position 8, found the end of the filter",
        ),
        (
            "value missing",
            "userName eq",
            "expected a value (a \"quoted string\", a number, true, false or null) after `eq` at position 11, found the end of the filter",
        ),
        (
            "value missing before and",
            r#"userName eq and title pr"#,
            "after `eq` at position 12, found `and`",
        ),
        (
            "unquoted string value",
            "userName eq john",
            "after `eq` at position 12, found `john`",
        ),
        (
            "unterminated string",
            r#"userName eq "john"#,
            "unterminated string starting at position 12",
        ),
        (
            "unterminated string ending in an escaped quote",
            r#"a eq "x\""#,
            "unterminated string starting at position 5",
        ),
        (
            "bad escape",
            r#"a eq "x\qy""#,
            "invalid escape `\\q` at position 7",
        ),
        (
            "short unicode escape",
            r#"a eq "\u12""#,
            "`\\u` needs four hexadecimal digits",
        ),
        (
            "lone high surrogate",
            r#"a eq "\ud83d""#,
            "a high surrogate must be followed by a low one",
        ),
        (
            "leading zero number",
            "a eq 01",
            "invalid number `01` at position 5",
        ),
        ("bare minus", "a eq -", "invalid number `-` at position 5"),
        (
            "number out of range",
            "a eq 1e999",
            "invalid number `1e999`",
        ),
        (
            "trailing garbage",
            r#"userName eq "x" extra"#,
            "expected `and`, `or` or the end of the filter at position 16, found `extra`",
        ),
        (
            "trailing value",
            r#"title pr "x""#,
            "at position 9, found `\"x\"`",
        ),
        (
            "dangling and",
            "title pr and",
            "expected an attribute name, `(` or `not` at position 12, found the end of the filter",
        ),
        (
            "dangling or before a parenthesis",
            "title pr or )",
            "expected an attribute name, `(` or `not` at position 12, found `)`",
        ),
        (
            "unclosed parenthesis",
            "(title pr",
            "unbalanced parenthesis: `(` at position 0 is never closed",
        ),
        (
            "unopened parenthesis",
            "title pr)",
            "unbalanced parenthesis: `)` at position 8 has no matching `(`",
        ),
        (
            "unclosed bracket",
            r#"emails[type eq "work""#,
            "unbalanced bracket: `[` at position 6 is never closed",
        ),
        (
            "unopened bracket",
            "title pr]",
            "unbalanced bracket: `]` at position 8 has no matching `[`",
        ),
        (
            "bracket closed by a parenthesis",
            "emails[type pr)",
            "unbalanced parenthesis: `)` at position 14",
        ),
        (
            "parenthesis closed by a bracket",
            "(type pr]",
            "unbalanced bracket: `]` at position 8",
        ),
        (
            "garbage before the closing parenthesis",
            "(a pr b)",
            "expected `and`, `or` or `)` at position 6, found `b`",
        ),
        (
            "garbage before the closing bracket",
            "x[a pr b]",
            "expected `and`, `or` or `]` at position 7, found `b`",
        ),
        (
            "empty parentheses",
            "()",
            "expected an attribute name, `(` or `not` at position 1, found `)`",
        ),
        ("empty brackets", "emails[]", "at position 7, found `]`"),
        (
            "not without parentheses",
            "not title pr",
            "expected `(` after `not` at position 4, found `title`",
        ),
        (
            "nested value filters",
            r#"a[b[c eq "x"]]"#,
            "value filters cannot nest",
        ),
        (
            "value path and sub-attribute without a comparison",
            r#"emails[type eq "work"].value"#,
            "expected a comparison operator after `.value` at position 28, found the end of the filter",
        ),
        (
            "two sub-attributes after a value path",
            r#"emails[type eq "work"].value.x eq "y""#,
            "expected a sub-attribute name after `.`",
        ),
        (
            "value path and sub-attribute inside a value filter",
            r#"a[emails[type eq "work"].value eq "x"]"#,
            "value filters cannot nest",
        ),
        (
            "value filter on a sub-attribute",
            "name.givenName[x pr]",
            "not to a sub-attribute",
        ),
        (
            "operator where a path belongs",
            r#"eq "x""#,
            "expected a comparison operator after `eq` at position 3",
        ),
        (
            "attribute starting with a digit",
            "1a pr",
            "invalid attribute path `1a` at position 0",
        ),
        (
            "three-level path",
            "a.b.c pr",
            "only one level of sub-attribute is allowed",
        ),
        (
            "long tokens are shortened in messages",
            &format!("userName {} \"x\"", "z".repeat(100)),
            &format!("found `{}…`", "z".repeat(40)),
        ),
        (
            "positions count characters, not bytes",
            r#"displayName eq "Zoë" junk"#,
            "at position 21, found `junk`",
        ),
    ];
    for (name, input, needle) in cases {
        let err = parse_filter(input).expect_err(name).to_string();
        assert!(err.contains(needle), "{name}: `{err}` lacks `{needle}`");
    }
}

#[test]
fn too_deep_nesting_is_refused_before_the_stack_suffers() {
    let within = format!("{}a pr{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
    assert!(
        parse_filter(&within).is_ok(),
        "exactly MAX_DEPTH levels parse"
    );

    let deeper = format!(
        "{}a pr{}",
        "(".repeat(MAX_DEPTH + 1),
        ")".repeat(MAX_DEPTH + 1)
    );
    assert_eq!(
        parse_filter(&deeper),
        Err(FilterError::TooDeep {
            subject: "filter",
            max: MAX_DEPTH,
            position: MAX_DEPTH
        })
    );

    let nots = format!("{}a pr{}", "not (".repeat(500), ")".repeat(500));
    let err = parse_filter(&nots).unwrap_err().to_string();
    assert!(
        err.contains("nests parentheses and brackets deeper than 32 levels"),
        "{err}"
    );

    let hostile = "(".repeat(MAX_INPUT_LEN);
    assert!(matches!(
        parse_filter(&hostile),
        Err(FilterError::TooDeep { .. })
    ));
}

#[test]
fn long_and_chains_do_not_count_as_nesting() {
    let chain = vec!["a pr"; MAX_TERMS].join(" and ");
    assert!(parse_filter(&chain).is_ok());
}

#[test]
fn more_terms_than_the_cap_are_refused() {
    let at_cap = vec![r#"emails[value co "x"]"#; MAX_TERMS].join(" or ");
    assert!(
        parse_filter(&at_cap).is_ok(),
        "exactly MAX_TERMS terms parse"
    );

    let over = vec![r#"emails[value co "x"]"#; MAX_TERMS + 1].join(" or ");
    let position = MAX_TERMS * r#"emails[value co "x"] or "#.len() + "emails[".len();
    assert_eq!(
        parse_filter(&over),
        Err(FilterError::TooManyTerms {
            subject: "filter",
            max: MAX_TERMS,
            position,
        })
    );
    let err: ScimError = parse_filter(&over).unwrap_err().into();
    assert_eq!(err.scim_type, Some(ScimType::InvalidFilter));
    assert!(err.detail.contains("the limit is 50"), "{}", err.detail);

    let value_paths = vec![r#"emails[type eq "work"].value eq "x""#; 26].join(" or ");
    assert!(
        matches!(
            parse_filter(&value_paths),
            Err(FilterError::TooManyTerms { .. })
        ),
        "a value filter's terms and its sub-attribute's comparison each count"
    );
}

#[test]
fn a_nul_character_in_a_string_is_refused() {
    for (name, input) in [
        ("escaped", r#"userName eq "a\u0000b""#),
        ("raw", "userName eq \"a\u{0}b\""),
        ("inside a value filter", r#"emails[value eq "\u0000"]"#),
    ] {
        let err = parse_filter(input).expect_err(name);
        let position = input.find('"').unwrap();
        assert_eq!(err, FilterError::NulInString { position }, "{name}");
        let err: ScimError = err.into();
        assert_eq!(err.scim_type, Some(ScimType::InvalidFilter), "{name}");
        assert!(
            err.detail.contains("NUL character"),
            "{name}: {}",
            err.detail
        );
    }
}

#[test]
fn oversized_input_is_refused() {
    let long = format!(r#"userName eq "{}""#, "x".repeat(MAX_INPUT_LEN));
    let err = parse_filter(&long).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "filter is {} bytes long; the limit is 4096 bytes",
            long.len()
        )
    );
}

#[test]
fn a_filter_error_becomes_a_400_invalid_filter() {
    let err: ScimError = parse_filter("userName foo \"x\"").unwrap_err().into();
    assert_eq!(err.status, http::StatusCode::BAD_REQUEST);
    assert_eq!(err.scim_type, Some(ScimType::InvalidFilter));
    assert_eq!(
        err.detail,
        "expected a comparison operator after `userName` at position 9, found `foo`"
    );
}
