//! The RFC 7644 section 3.4.2.2 filter language: the AST every other part speaks (the SQL
//! translation in `directory`, the PATCH engine's value filters), its parser, and an evaluator
//! over JSON documents.
//!
//! The parser lives in `parse`, the evaluator in `eval`, the canonical text form in `display`.

use serde_json::Number;

use crate::ScimError;

mod display;
mod eval;
mod parse;
#[cfg(test)]
mod tests;

pub use eval::matches;
pub use parse::{
    MAX_DEPTH, MAX_INPUT_LEN, MAX_TERMS, parse_attr_path, parse_filter, parse_patch_path,
};

/// An attribute reference: `[schemaURN:]attr[.subAttr]`. Names are kept as written; compare
/// them case-insensitively (RFC 7643 section 2.1).
#[derive(Debug, Clone, PartialEq)]
pub struct AttrPath {
    /// The schema URN prefix when the path was written fully qualified, e.g.
    /// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`.
    pub schema: Option<String>,
    /// The attribute name, e.g. `emails`, `userName`, `$ref`.
    pub attr: String,
    /// The sub-attribute after a dot, e.g. `familyName` in `name.familyName`.
    pub sub_attr: Option<String>,
}

/// The comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    /// `eq`: equal.
    Eq,
    /// `ne`: not equal.
    Ne,
    /// `co`: contains (strings only).
    Co,
    /// `sw`: starts with (strings only).
    Sw,
    /// `ew`: ends with (strings only).
    Ew,
    /// `gt`: greater than.
    Gt,
    /// `ge`: greater than or equal.
    Ge,
    /// `lt`: less than.
    Lt,
    /// `le`: less than or equal.
    Le,
}

/// A literal on the right of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum CompValue {
    /// A JSON string, escapes already decoded.
    String(String),
    /// A JSON number (integer or decimal).
    Number(Number),
    /// `true` or `false`.
    Bool(bool),
    /// `null`.
    Null,
}

/// A parsed filter.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// `attrPath op value`
    Compare {
        path: AttrPath,
        op: CompareOp,
        value: CompValue,
    },
    /// `attrPath pr`
    Present(AttrPath),
    /// `left and right`
    And(Box<Filter>, Box<Filter>),
    /// `left or right`
    Or(Box<Filter>, Box<Filter>),
    /// `not (filter)`
    Not(Box<Filter>),
    /// `attrPath[valFilter]`: some value of the multi-valued `path` matches `filter`, whose paths
    /// are relative to that value (e.g. `emails[type eq "work" and value co "@acme.com"]`).
    ValuePath { path: AttrPath, filter: Box<Filter> },
}

/// A PATCH `path` (RFC 7644 section 3.5.2): `attrPath`, or `attrPath[valFilter]`, optionally
/// followed by `.subAttr`, e.g. `emails[type eq "work"].value` or `members[value eq "2819c2"]`.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchPath {
    /// The attribute the operation targets.
    pub attr: AttrPath,
    /// The `[valFilter]` selecting values of a multi-valued attribute.
    pub value_filter: Option<Filter>,
    /// The sub-attribute after a value filter (`.value` in `emails[type eq "work"].value`).
    pub sub_attr: Option<String>,
}

/// Why a filter, PATCH path or attribute path was rejected. Every message names the problem and,
/// where there is one, the 0-based character position in the input, for the IdP admin who wrote it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FilterError {
    /// Nothing but whitespace.
    #[error("empty {subject}")]
    Empty {
        /// What was being parsed: `filter`, `path` or `attribute path`.
        subject: &'static str,
    },
    /// Longer than [`MAX_INPUT_LEN`].
    #[error("{subject} is {len} bytes long; the limit is {max} bytes")]
    TooLong {
        subject: &'static str,
        len: usize,
        max: usize,
    },
    /// Parentheses and brackets nested deeper than [`MAX_DEPTH`].
    #[error(
        "{subject} nests parentheses and brackets deeper than {max} levels at position {position}"
    )]
    TooDeep {
        subject: &'static str,
        max: usize,
        position: usize,
    },
    /// More than [`MAX_TERMS`] comparisons and `pr` tests.
    #[error(
        "{subject} has more than {max} terms (comparisons and `pr` tests); the limit is {max}, passed at position {position}"
    )]
    TooManyTerms {
        subject: &'static str,
        max: usize,
        position: usize,
    },
    /// A NUL character (U+0000) in a string: no stored value can hold one (PostgreSQL's text
    /// cannot), so no value could match it.
    #[error(
        "the string at position {position} contains a NUL character (U+0000), which no SCIM value can hold"
    )]
    NulInString { position: usize },
    /// A `"` with no closing `"`.
    #[error("unterminated string starting at position {position}")]
    UnterminatedString { position: usize },
    /// A bad `\` escape inside a string.
    #[error("invalid escape `{escape}` at position {position}: {reason}")]
    InvalidEscape {
        escape: String,
        position: usize,
        reason: &'static str,
    },
    /// A word that starts like a number but is not a JSON number.
    #[error("invalid number `{text}` at position {position}")]
    InvalidNumber { text: String, position: usize },
    /// An attribute path that breaks the `[schemaURN:]attr[.subAttr]` rules.
    #[error("invalid attribute path `{path}` at position {position}: {reason}")]
    InvalidAttrPath {
        path: String,
        position: usize,
        reason: String,
    },
    /// A `(` never closed.
    #[error("unbalanced parenthesis: `(` at position {position} is never closed")]
    UnclosedParenthesis { position: usize },
    /// A `)` with no `(`.
    #[error("unbalanced parenthesis: `)` at position {position} has no matching `(`")]
    UnopenedParenthesis { position: usize },
    /// A `[` never closed.
    #[error("unbalanced bracket: `[` at position {position} is never closed")]
    UnclosedBracket { position: usize },
    /// A `]` with no `[`.
    #[error("unbalanced bracket: `]` at position {position} has no matching `[`")]
    UnopenedBracket { position: usize },
    /// Any other token in the wrong place.
    #[error("expected {expected} at position {position}, found {found}")]
    Unexpected {
        expected: String,
        position: usize,
        found: String,
    },
}

impl FilterError {
    /// The error for a bad PATCH `path`: RFC 7644 section 3.5.2 answers those with
    /// `scimType: invalidPath` rather than `invalidFilter`.
    pub fn into_invalid_path(self) -> ScimError {
        ScimError::invalid_path(self.to_string())
    }
}

/// A bad `filter` parameter is a 400 with `scimType: invalidFilter`.
impl From<FilterError> for ScimError {
    fn from(err: FilterError) -> Self {
        ScimError::invalid_filter(err.to_string())
    }
}
