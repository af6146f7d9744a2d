//! Attribute paths, `[schemaURN:]attr[.subAttr]`, read from one word token.

use super::lex::Token;
use crate::filter::{AttrPath, FilterError};

/// `[schemaURN:]attr[.subAttr]`: the schema is everything before the last `:` (URNs contain
/// dots, as in `2.0`, and colons), the attribute and sub-attribute what follows it.
pub(super) fn parse_attr_text(token: Token<'_>) -> Result<AttrPath, FilterError> {
    let text = token.text;
    let (schema, rest) = match text.rsplit_once(':') {
        Some((schema, rest)) => {
            if schema.split(':').any(str::is_empty) {
                return Err(invalid_path(token, "the schema URN has an empty segment"));
            }
            (Some(schema.to_owned()), rest)
        }
        None => (None, text),
    };
    let (attr, sub_attr) = match rest.split_once('.') {
        Some((attr, sub)) => (attr, Some(sub)),
        None => (rest, None),
    };
    if attr.is_empty() {
        return Err(invalid_path(token, "the attribute name is missing"));
    }
    if !is_attr_name(attr) {
        let reason = format!(
            "`{attr}` is not an attribute name (a letter, then letters, digits, `-` or `_`)"
        );
        return Err(invalid_path(token, reason));
    }
    if let Some(sub) = sub_attr {
        if sub.contains('.') {
            return Err(invalid_path(
                token,
                "only one level of sub-attribute is allowed",
            ));
        }
        if !is_attr_name(sub) {
            return Err(invalid_path(
                token,
                "expected a sub-attribute name after `.`",
            ));
        }
    }
    Ok(AttrPath {
        schema,
        attr: attr.to_owned(),
        sub_attr: sub_attr.map(str::to_owned),
    })
}

/// RFC 7644 ATTRNAME (`ALPHA *(nameChar)`), plus `$ref`, which RFC 7643 uses as a name.
pub(super) fn is_attr_name(name: &str) -> bool {
    if name.eq_ignore_ascii_case("$ref") {
        return true;
    }
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

pub(super) fn invalid_path(token: Token<'_>, reason: impl Into<String>) -> FilterError {
    FilterError::InvalidAttrPath {
        path: super::lex::shorten(token.text),
        position: token.pos,
        reason: reason.into(),
    }
}
