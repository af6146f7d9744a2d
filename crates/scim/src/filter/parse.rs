//! The hand-written recursive-descent parser for filters (RFC 7644 section 3.4.2.2), PATCH paths
//! (section 3.5.2) and bare attribute paths (`sortBy`, `attributes=`).
//!
//! Precedence, loosest first: `or`, `and`, then a term (`not (...)`, `(...)`, `attr[...]`,
//! `attr pr`, `attr op value`). `and`/`or` chains are built in a loop, left-associative, so only
//! parentheses and brackets recurse, and [`MAX_DEPTH`] bounds them; [`MAX_TERMS`] bounds the
//! number of comparisons.
//!
//! Beyond the RFC's grammar, a filter may name a sub-attribute after a value filter, as Microsoft
//! Entra ID sends when it matches on e-mail: `emails[type eq "work"].value eq "a@b.example"`.
//! It means "some e-mail has type work and value a@b.example", so it parses to exactly that:
//! `emails[type eq "work" and value eq "a@b.example"]`. Every consumer (the evaluator, the SQL
//! translation) then treats it as any other value filter.

use serde_json::Number;

mod attr_path;
mod lex;

use super::{AttrPath, CompValue, CompareOp, Filter, FilterError, PatchPath};
use attr_path::{invalid_path, is_attr_name, parse_attr_text};
use lex::{Kind, Token, tokenize};

/// The longest input accepted, in bytes. Real IdP filters are far shorter; the limit keeps a
/// hostile one from costing much.
pub const MAX_INPUT_LEN: usize = 4096;

/// The deepest nesting of parentheses and brackets accepted, so a hostile filter cannot exhaust
/// the stack of the parser or of anything that walks the AST.
pub const MAX_DEPTH: usize = 32;

/// The most terms (`attr op value` comparisons and `attr pr` tests) one filter may hold. Each
/// term of a multi-valued attribute becomes a subquery on every candidate row, so 200 of them
/// cost a tenant's whole table; IdPs send one or two.
pub const MAX_TERMS: usize = 50;

/// Parses a `filter` query parameter (or `filter` in a `.search` body).
pub fn parse_filter(input: &str) -> Result<Filter, FilterError> {
    let mut parser = Parser::new(input, "filter")?;
    let filter = parser.parse_or(false)?;
    parser.expect_end("`and`, `or` or the end of the filter")?;
    Ok(filter)
}

/// Parses a PATCH operation's `path`: `attrPath`, `attrPath[valFilter]` or
/// `attrPath[valFilter].subAttr`.
pub fn parse_patch_path(input: &str) -> Result<PatchPath, FilterError> {
    let mut parser = Parser::new(input, "path")?;
    let attr_token = parser.bump();
    let attr = parser.attr_path(attr_token)?;
    let mut value_filter = None;
    let mut sub_attr = None;
    if parser.peek().kind == Kind::LBracket {
        value_filter = Some(parser.value_filter(&attr, attr_token)?);
        let next = parser.peek();
        if next.kind == Kind::Word && next.text.starts_with('.') {
            parser.bump();
            let name = &next.text[1..];
            if !is_attr_name(name) {
                return Err(invalid_path(
                    next,
                    "expected a sub-attribute name after `.`",
                ));
            }
            sub_attr = Some(name.to_owned());
        }
        parser.expect_end("`.subAttribute` or the end of the path")?;
    } else {
        parser.expect_end("`[` or the end of the path")?;
    }
    Ok(PatchPath {
        attr,
        value_filter,
        sub_attr,
    })
}

/// Parses one attribute path, as in `sortBy` or an `attributes=` entry.
pub fn parse_attr_path(input: &str) -> Result<AttrPath, FilterError> {
    let mut parser = Parser::new(input, "attribute path")?;
    let token = parser.bump();
    let path = parser.attr_path(token)?;
    parser.expect_end("the end of the attribute path")?;
    Ok(path)
}

struct Parser<'a> {
    tokens: Vec<Token<'a>>,
    end: Token<'a>,
    next: usize,
    depth: usize,
    terms: usize,
    subject: &'static str,
}

impl<'a> Parser<'a> {
    fn new(input: &'a str, subject: &'static str) -> Result<Self, FilterError> {
        if input.len() > MAX_INPUT_LEN {
            return Err(FilterError::TooLong {
                subject,
                len: input.len(),
                max: MAX_INPUT_LEN,
            });
        }
        if input.trim().is_empty() {
            return Err(FilterError::Empty { subject });
        }
        let (tokens, end) = tokenize(input)?;
        Ok(Self {
            tokens,
            end,
            next: 0,
            depth: 0,
            terms: 0,
            subject,
        })
    }

    fn peek(&self) -> Token<'a> {
        self.peek_at(0)
    }

    fn peek_at(&self, ahead: usize) -> Token<'a> {
        self.tokens
            .get(self.next + ahead)
            .copied()
            .unwrap_or(self.end)
    }

    fn bump(&mut self) -> Token<'a> {
        let token = self.peek();
        if self.next < self.tokens.len() {
            self.next += 1;
        }
        token
    }

    fn peek_keyword(&self, keyword: &str) -> bool {
        let token = self.peek();
        token.kind == Kind::Word && token.text.eq_ignore_ascii_case(keyword)
    }

    fn unexpected(&self, expected: impl Into<String>, found: Token<'_>) -> FilterError {
        FilterError::Unexpected {
            expected: expected.into(),
            position: found.pos,
            found: found.describe(self.subject),
        }
    }

    /// `or` chains: `and_expr ("or" and_expr)*`.
    fn parse_or(&mut self, in_brackets: bool) -> Result<Filter, FilterError> {
        let mut left = self.parse_and(in_brackets)?;
        while self.peek_keyword("or") {
            self.bump();
            let right = self.parse_and(in_brackets)?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    /// `and` chains: `term ("and" term)*`.
    fn parse_and(&mut self, in_brackets: bool) -> Result<Filter, FilterError> {
        let mut left = self.parse_term(in_brackets)?;
        while self.peek_keyword("and") {
            self.bump();
            let right = self.parse_term(in_brackets)?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn parse_term(&mut self, in_brackets: bool) -> Result<Filter, FilterError> {
        let token = self.peek();
        match token.kind {
            Kind::LParen => self.group(in_brackets),
            Kind::Word if token.text.eq_ignore_ascii_case("not") && !self.names_attribute() => {
                self.bump();
                if self.peek().kind != Kind::LParen {
                    return Err(self.unexpected("`(` after `not`", self.peek()));
                }
                Ok(Filter::Not(Box::new(self.group(in_brackets)?)))
            }
            Kind::Word => {
                self.bump();
                let path = self.attr_path(token)?;
                self.after_attr_path(path, token, in_brackets)
            }
            _ => Err(self.unexpected("an attribute name, `(` or `not`", token)),
        }
    }

    /// Whether the `not` just peeked is an attribute of that name (`not pr`, `not eq 1`) rather
    /// than the operator: the RFC only has `not` before `(`, and ATTRNAME allows `not`.
    fn names_attribute(&self) -> bool {
        let next = self.peek_at(1);
        next.kind == Kind::LBracket
            || (next.kind == Kind::Word
                && (next.text.eq_ignore_ascii_case("pr") || compare_op(next.text).is_some()))
    }

    /// `( filter )`, the opening parenthesis not yet consumed.
    fn group(&mut self, in_brackets: bool) -> Result<Filter, FilterError> {
        let open = self.bump();
        self.enter(open)?;
        let inner = self.parse_or(in_brackets)?;
        self.close(Kind::RParen, open)?;
        Ok(inner)
    }

    /// What follows an attribute path inside a filter: `[valFilter]` (optionally followed by
    /// `.subAttr` and a comparison), `pr`, or `op value`.
    fn after_attr_path(
        &mut self,
        path: AttrPath,
        path_token: Token<'_>,
        in_brackets: bool,
    ) -> Result<Filter, FilterError> {
        let next = self.peek();
        if next.kind == Kind::LBracket && !in_brackets {
            let mut filter = self.value_filter(&path, path_token)?;
            let after = self.peek();
            if after.kind == Kind::Word && after.text.starts_with('.') {
                self.bump();
                let sub = self.sub_attr_after_filter(after)?;
                let test = self.comparison(sub, after, false)?;
                filter = Filter::And(Box::new(filter), Box::new(test));
            }
            return Ok(Filter::ValuePath {
                path,
                filter: Box::new(filter),
            });
        }
        self.comparison(path, path_token, in_brackets)
    }

    /// `pr` or `op value` after `path` (written as `path_token`).
    fn comparison(
        &mut self,
        path: AttrPath,
        path_token: Token<'_>,
        in_brackets: bool,
    ) -> Result<Filter, FilterError> {
        let next = self.peek();
        if next.kind == Kind::Word {
            if next.text.eq_ignore_ascii_case("pr") {
                self.bump();
                self.count_term(path_token)?;
                return Ok(Filter::Present(path));
            }
            if let Some(op) = compare_op(next.text) {
                self.bump();
                let value = self.comp_value(next)?;
                self.count_term(path_token)?;
                return Ok(Filter::Compare { path, op, value });
            }
        }
        let expected = if in_brackets && next.kind == Kind::LBracket {
            "a comparison operator (value filters cannot nest)"
        } else {
            "a comparison operator"
        };
        Err(self.unexpected(format!("{expected} after `{}`", path_token.text), next))
    }

    /// The `.subAttr` after `attr[valFilter]` in a filter, as a path relative to the values.
    fn sub_attr_after_filter(&self, token: Token<'_>) -> Result<AttrPath, FilterError> {
        let name = &token.text[1..];
        if !is_attr_name(name) {
            return Err(invalid_path(
                token,
                "expected a sub-attribute name after `.`",
            ));
        }
        Ok(AttrPath {
            schema: None,
            attr: name.to_owned(),
            sub_attr: None,
        })
    }

    fn count_term(&mut self, token: Token<'_>) -> Result<(), FilterError> {
        self.terms += 1;
        if self.terms > MAX_TERMS {
            return Err(FilterError::TooManyTerms {
                subject: self.subject,
                max: MAX_TERMS,
                position: token.pos,
            });
        }
        Ok(())
    }

    /// `[valFilter]` after `path`, the opening bracket not yet consumed.
    fn value_filter(
        &mut self,
        path: &AttrPath,
        path_token: Token<'_>,
    ) -> Result<Filter, FilterError> {
        if path.sub_attr.is_some() {
            return Err(invalid_path(
                path_token,
                "a `[...]` value filter applies to a multi-valued attribute, not to a sub-attribute",
            ));
        }
        let open = self.bump();
        self.enter(open)?;
        let filter = self.parse_or(true)?;
        self.close(Kind::RBracket, open)?;
        Ok(filter)
    }

    fn comp_value(&mut self, op_token: Token<'_>) -> Result<CompValue, FilterError> {
        let token = self.peek();
        let value = match token.kind {
            Kind::Str => CompValue::String(token.decode_string()?),
            Kind::Word if token.text.eq_ignore_ascii_case("true") => CompValue::Bool(true),
            Kind::Word if token.text.eq_ignore_ascii_case("false") => CompValue::Bool(false),
            Kind::Word if token.text.eq_ignore_ascii_case("null") => CompValue::Null,
            Kind::Word
                if token
                    .text
                    .starts_with(|c: char| c == '-' || c.is_ascii_digit()) =>
            {
                let number = serde_json::from_str::<Number>(token.text).map_err(|_| {
                    FilterError::InvalidNumber {
                        text: token.text.to_owned(),
                        position: token.pos,
                    }
                })?;
                CompValue::Number(number)
            }
            _ => {
                let expected = format!(
                    "a value (a \"quoted string\", a number, true, false or null) after `{}`",
                    op_token.text
                );
                return Err(self.unexpected(expected, token));
            }
        };
        self.bump();
        Ok(value)
    }

    fn attr_path(&self, token: Token<'_>) -> Result<AttrPath, FilterError> {
        if token.kind != Kind::Word {
            return Err(self.unexpected("an attribute name", token));
        }
        parse_attr_text(token)
    }

    fn enter(&mut self, open: Token<'_>) -> Result<(), FilterError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(FilterError::TooDeep {
                subject: self.subject,
                max: MAX_DEPTH,
                position: open.pos,
            });
        }
        Ok(())
    }

    /// Consumes the `)` or `]` closing `open`, or says precisely why it is not there.
    fn close(&mut self, kind: Kind, open: Token<'_>) -> Result<(), FilterError> {
        let token = self.peek();
        if token.kind == kind {
            self.bump();
            self.depth -= 1;
            return Ok(());
        }
        Err(match (token.kind, kind) {
            (Kind::End, Kind::RParen) => FilterError::UnclosedParenthesis { position: open.pos },
            (Kind::End, _) => FilterError::UnclosedBracket { position: open.pos },
            (Kind::RParen, _) => FilterError::UnopenedParenthesis {
                position: token.pos,
            },
            (Kind::RBracket, _) => FilterError::UnopenedBracket {
                position: token.pos,
            },
            (_, Kind::RParen) => self.unexpected("`and`, `or` or `)`", token),
            _ => self.unexpected("`and`, `or` or `]`", token),
        })
    }

    fn expect_end(&self, expected: &str) -> Result<(), FilterError> {
        let token = self.peek();
        match token.kind {
            Kind::End => Ok(()),
            Kind::RParen => Err(FilterError::UnopenedParenthesis {
                position: token.pos,
            }),
            Kind::RBracket => Err(FilterError::UnopenedBracket {
                position: token.pos,
            }),
            _ => Err(self.unexpected(expected, token)),
        }
    }
}

fn compare_op(word: &str) -> Option<CompareOp> {
    const OPS: [(&str, CompareOp); 9] = [
        ("eq", CompareOp::Eq),
        ("ne", CompareOp::Ne),
        ("co", CompareOp::Co),
        ("sw", CompareOp::Sw),
        ("ew", CompareOp::Ew),
        ("gt", CompareOp::Gt),
        ("ge", CompareOp::Ge),
        ("lt", CompareOp::Lt),
        ("le", CompareOp::Le),
    ];
    OPS.iter()
        .find(|(name, _)| word.eq_ignore_ascii_case(name))
        .map(|&(_, op)| op)
}
