//! Parse errors for the vocabulary types. Each crate above has its own error enum; this one only
//! says why a string is not a valid slug, product, license kind or id.

/// A string that is not a valid value of one of the domain's types. The message names what was
/// expected so it can be shown to an operator as is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);
