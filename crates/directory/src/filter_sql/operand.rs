//! The SQL side of one comparison: an [`Operand`] (a column, or a JSON value extracted from a
//! document or an array element) compared with a filter literal, with the same semantics as
//! `rosterd_scim::filter::matches`: an absent value fails every comparison (`ne` included),
//! strings honour `caseExact`, a type mismatch is false.

use chrono::{DateTime, Utc};
use rosterd_scim::ScimError;
use rosterd_scim::filter::{CompValue, CompareOp};
use rosterd_scim::schema::AttrType;
use sea_orm::DatabaseBackend;
use sea_orm::sea_query::{Alias, Expr, Func, LikeExpr, SimpleExpr};

/// The LIKE escape character. Not `\`: its quoting differs between the dialects.
const LIKE_ESCAPE: char = '!';

/// A constant true.
pub(crate) fn always() -> SimpleExpr {
    Expr::cust("1 = 1")
}

/// A constant false.
pub(crate) fn never() -> SimpleExpr {
    Expr::cust("1 = 0")
}

/// How an operand's text relates to case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Case {
    /// Compare as stored (`caseExact`).
    Exact,
    /// The column already holds lowercased text: lowercase only the literal.
    Lowered,
    /// Lowercase both sides.
    Fold,
}

/// Where an operand's value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// A typed column.
    Column,
    /// A JSON value extracted as SQL (`json_extract` / `jsonb_extract_path_text`).
    Json,
}

/// One side of a comparison.
#[derive(Debug, Clone)]
pub(crate) struct Operand {
    pub expr: SimpleExpr,
    pub ty: AttrType,
    pub case: Case,
    pub origin: Origin,
    pub nullable: bool,
}

impl Operand {
    pub fn column(expr: SimpleExpr, ty: AttrType, case: Case, nullable: bool) -> Self {
        Self {
            expr,
            ty,
            case,
            origin: Origin::Column,
            nullable,
        }
    }

    pub fn json(expr: SimpleExpr, ty: AttrType, case_exact: bool) -> Self {
        let case = if case_exact { Case::Exact } else { Case::Fold };
        Self {
            expr,
            ty,
            case,
            origin: Origin::Json,
            nullable: true,
        }
    }

    /// `attr pr`: a value that is not null (and, for text, not empty).
    pub fn present(&self) -> SimpleExpr {
        // A timestamp column holds no text to be empty (and PostgreSQL cannot compare it to '').
        let text = match self.ty {
            AttrType::Boolean | AttrType::Integer | AttrType::Decimal => false,
            AttrType::DateTime => self.origin == Origin::Json,
            _ => true,
        };
        match (self.nullable, text) {
            (false, false) => always(),
            (false, true) => Expr::expr(self.expr.clone()).ne(""),
            (true, false) => Expr::expr(self.expr.clone()).is_not_null(),
            (true, true) => Expr::expr(self.expr.clone())
                .is_not_null()
                .and(Expr::expr(self.expr.clone()).ne("")),
        }
    }

    /// `attr op literal`. `name` is the attribute as written, for error details.
    pub fn compare(
        &self,
        backend: DatabaseBackend,
        op: CompareOp,
        literal: &CompValue,
        name: &str,
    ) -> Result<SimpleExpr, ScimError> {
        if *literal == CompValue::Null {
            let missing = if self.nullable {
                Expr::expr(self.expr.clone()).is_null()
            } else {
                never()
            };
            return Ok(match op {
                CompareOp::Eq => missing,
                CompareOp::Ne => missing.not(),
                _ => never(),
            });
        }
        let comparison = match (self.ty, literal) {
            (AttrType::DateTime, CompValue::String(text)) if self.origin == Origin::Column => {
                self.time(op, text, name)?
            }
            (AttrType::Boolean, CompValue::Bool(flag)) => self.boolean(backend, op, *flag),
            (AttrType::Integer | AttrType::Decimal, CompValue::Number(number)) => {
                let lhs = match (backend, self.origin) {
                    (DatabaseBackend::Postgres, Origin::Json) => {
                        Expr::expr(self.expr.clone()).cast_as(Alias::new("numeric"))
                    }
                    _ => self.expr.clone(),
                };
                let rhs: sea_orm::Value = match number.as_i64() {
                    Some(int) => int.into(),
                    None => number.as_f64().unwrap_or(f64::NAN).into(),
                };
                ordered(lhs, op, rhs).unwrap_or_else(never)
            }
            (
                AttrType::String | AttrType::Reference | AttrType::Binary | AttrType::DateTime,
                CompValue::String(text),
            ) => self.text(backend, op, text),
            _ => never(),
        };
        Ok(if self.nullable {
            Expr::expr(self.expr.clone()).is_not_null().and(comparison)
        } else {
            comparison
        })
    }

    fn text(&self, backend: DatabaseBackend, op: CompareOp, text: &str) -> SimpleExpr {
        let (lhs, rhs) = match self.case {
            Case::Exact => (self.expr.clone(), text.to_owned()),
            Case::Lowered => (self.expr.clone(), text.to_lowercase()),
            Case::Fold => (Func::lower(self.expr.clone()).into(), text.to_lowercase()),
        };
        let (prefix, suffix) = match op {
            CompareOp::Co => ("%", "%"),
            CompareOp::Sw => ("", "%"),
            CompareOp::Ew => ("%", ""),
            _ => return ordered(lhs, op, rhs.into()).unwrap_or_else(never),
        };
        if self.case == Case::Exact && backend == DatabaseBackend::Sqlite {
            // SQLite's LIKE ignores ASCII case; GLOB does not.
            let (prefix, suffix) = (prefix.replace('%', "*"), suffix.replace('%', "*"));
            let pattern = format!("{prefix}{}{suffix}", glob_escape(&rhs));
            return Expr::cust_with_exprs("? GLOB ?", [lhs, Expr::val(pattern).into()]);
        }
        let pattern = format!("{prefix}{}{suffix}", like_escape(&rhs));
        Expr::expr(lhs).like(LikeExpr::new(pattern).escape(LIKE_ESCAPE))
    }

    fn boolean(&self, backend: DatabaseBackend, op: CompareOp, flag: bool) -> SimpleExpr {
        let rhs: sea_orm::Value = match (backend, self.origin) {
            // jsonb_extract_path_text gives 'true' / 'false'.
            (DatabaseBackend::Postgres, Origin::Json) => flag.to_string().into(),
            // json_extract gives 1 / 0; a boolean column compares with a bound boolean.
            _ => flag.into(),
        };
        match op {
            CompareOp::Eq => Expr::expr(self.expr.clone()).eq(rhs),
            CompareOp::Ne => Expr::expr(self.expr.clone()).ne(rhs),
            _ => never(),
        }
    }

    fn time(&self, op: CompareOp, text: &str, name: &str) -> Result<SimpleExpr, ScimError> {
        let at: DateTime<Utc> = DateTime::parse_from_rfc3339(text)
            .map_err(|_| {
                ScimError::invalid_filter(format!(
                    "`{name}` is compared with \"{text}\", which is not an RFC 3339 date-time \
                     such as \"2026-01-31T12:00:00Z\""
                ))
            })?
            .with_timezone(&Utc);
        ordered(self.expr.clone(), op, at.into()).ok_or_else(|| {
            ScimError::invalid_filter(format!(
                "`{name}` is a date-time: use eq, ne, gt, ge, lt, le or pr"
            ))
        })
    }
}

/// `lhs op rhs` for the operators that compare whole values; `None` for co/sw/ew.
fn ordered(lhs: SimpleExpr, op: CompareOp, rhs: sea_orm::Value) -> Option<SimpleExpr> {
    let lhs = Expr::expr(lhs);
    Some(match op {
        CompareOp::Eq => lhs.eq(rhs),
        CompareOp::Ne => lhs.ne(rhs),
        CompareOp::Gt => lhs.gt(rhs),
        CompareOp::Ge => lhs.gte(rhs),
        CompareOp::Lt => lhs.lt(rhs),
        CompareOp::Le => lhs.lte(rhs),
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => return None,
    })
}

/// Escapes LIKE's wildcards and the escape character itself.
pub(crate) fn like_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c == LIKE_ESCAPE || c == '%' || c == '_' {
            out.push(LIKE_ESCAPE);
        }
        out.push(c);
    }
    out
}

/// Escapes GLOB's wildcards by putting each in a one-character class.
fn glob_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '*' | '?' | '[' => {
                out.push('[');
                out.push(c);
                out.push(']');
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_escape_escapes_wildcards_and_the_escape_char() {
        assert_eq!(like_escape("50%_off!"), "50!%!_off!!");
        assert_eq!(like_escape("plain"), "plain");
    }

    #[test]
    fn glob_escape_brackets_each_wildcard() {
        assert_eq!(glob_escape("a*b?c[d]"), "a[*]b[?]c[[]d]");
    }
}
