//! The RFC 7644 section 3.4.2.2 filter language: the AST every other part speaks (the SQL
//! translation in `directory`, the PATCH engine's value filters), its parser, and an evaluator
//! over JSON documents.

use serde_json::Number;

/// An attribute reference: `[schemaURN:]attr[.subAttr]`. Names are kept as written; compare
/// them case-insensitively (RFC 7643 section 2.1).
#[derive(Debug, Clone, PartialEq)]
pub struct AttrPath {
    /// The schema URN prefix when the path was written fully qualified, e.g.
    /// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`.
    pub schema: Option<String>,
    pub attr: String,
    pub sub_attr: Option<String>,
}

/// The comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Co,
    Sw,
    Ew,
    Gt,
    Ge,
    Lt,
    Le,
}

/// A literal on the right of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum CompValue {
    String(String),
    Number(Number),
    Bool(bool),
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
    And(Box<Filter>, Box<Filter>),
    Or(Box<Filter>, Box<Filter>),
    Not(Box<Filter>),
    /// `attrPath[valFilter]`: some value of the multi-valued `path` matches `filter`, whose paths
    /// are relative to that value (e.g. `emails[type eq "work" and value co "@acme.com"]`).
    ValuePath {
        path: AttrPath,
        filter: Box<Filter>,
    },
}

/// A PATCH `path` (RFC 7644 section 3.5.2): `attrPath`, or `attrPath[valFilter]`, optionally
/// followed by `.subAttr`, e.g. `emails[type eq "work"].value` or `members[value eq "2819c2"]`.
#[derive(Debug, Clone, PartialEq)]
pub struct PatchPath {
    pub attr: AttrPath,
    pub value_filter: Option<Filter>,
    /// The sub-attribute after a value filter (`.value` in `emails[type eq "work"].value`).
    pub sub_attr: Option<String>,
}
