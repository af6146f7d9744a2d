//! Splits filter text into tokens: brackets, parentheses, JSON strings, and words (everything
//! else up to whitespace or one of `()[]"`). Words are read in context by the parser as attribute
//! paths, keywords or literals, which is how a URN with its colons and dots stays one token.

use crate::filter::FilterError;

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Word,
    Str,
    LParen,
    RParen,
    LBracket,
    RBracket,
    End,
}

/// One token: its kind, its source text (quotes included for strings), and its 0-based
/// character position, the unit error messages speak in.
#[derive(Debug, Clone, Copy)]
pub(super) struct Token<'a> {
    pub(super) kind: Kind,
    pub(super) text: &'a str,
    pub(super) pos: usize,
}

impl Token<'_> {
    /// How an error message names this token: in backticks, or as the end of the input.
    pub(super) fn describe(&self, subject: &str) -> String {
        match self.kind {
            Kind::End => format!("the end of the {subject}"),
            _ => format!("`{}`", shorten(self.text)),
        }
    }

    /// The value of a string token, with every JSON escape decoded (surrogate pairs included).
    /// Raw control characters are tolerated; IdPs are not always careful. A NUL, raw or as
    /// `\u0000`, is refused: no stored value holds one, and PostgreSQL cannot even compare it.
    pub(super) fn decode_string(&self) -> Result<String, FilterError> {
        let out = self.decode_escapes()?;
        if out.contains('\0') {
            return Err(FilterError::NulInString { position: self.pos });
        }
        Ok(out)
    }

    fn decode_escapes(&self) -> Result<String, FilterError> {
        let body = self
            .text
            .strip_prefix('"')
            .and_then(|t| t.strip_suffix('"'))
            .unwrap_or(self.text);
        let mut out = String::with_capacity(body.len());
        // Positions count the opening quote.
        let mut chars = body.chars().enumerate().map(|(i, c)| (self.pos + 1 + i, c));
        while let Some((pos, c)) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            let bad = |escape: String, reason| FilterError::InvalidEscape {
                escape,
                position: pos,
                reason,
            };
            let Some((_, e)) = chars.next() else {
                return Err(bad("\\".to_owned(), "nothing follows the backslash"));
            };
            match e {
                '"' => out.push('"'),
                '\\' => out.push('\\'),
                '/' => out.push('/'),
                'b' => out.push('\u{8}'),
                'f' => out.push('\u{c}'),
                'n' => out.push('\n'),
                'r' => out.push('\r'),
                't' => out.push('\t'),
                'u' => {
                    let high = hex4(&mut chars).ok_or_else(|| {
                        bad("\\u".to_owned(), "`\\u` needs four hexadecimal digits")
                    })?;
                    let code = if (0xD800..0xDC00).contains(&high) {
                        let low = match (chars.next(), chars.next()) {
                            (Some((_, '\\')), Some((_, 'u'))) => hex4(&mut chars),
                            _ => None,
                        }
                        .filter(|low| (0xDC00..0xE000).contains(low))
                        .ok_or_else(|| {
                            bad(
                                format!("\\u{high:04X}"),
                                "a high surrogate must be followed by a low one",
                            )
                        })?;
                        0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        high
                    };
                    let decoded = char::from_u32(code).ok_or_else(|| {
                        bad(format!("\\u{code:04X}"), "not a Unicode scalar value")
                    })?;
                    out.push(decoded);
                }
                other => {
                    return Err(bad(
                        format!("\\{other}"),
                        "JSON strings allow only \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX",
                    ));
                }
            }
        }
        Ok(out)
    }
}

fn hex4(chars: &mut impl Iterator<Item = (usize, char)>) -> Option<u32> {
    (0..4).try_fold(0, |acc, _| {
        let (_, c) = chars.next()?;
        Some(acc * 16 + c.to_digit(16)?)
    })
}

/// Cuts long token text for error messages, so an error does not echo 4 KiB back.
pub(super) fn shorten(text: &str) -> String {
    const KEEP: usize = 40;
    match text.char_indices().nth(KEEP) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

fn is_delimiter(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '[' | ']' | '"')
}

/// The tokens of `input` and the end-of-input token after them. Fails only on an unterminated
/// string; everything else is the parser's to judge.
pub(super) fn tokenize(input: &str) -> Result<(Vec<Token<'_>>, Token<'_>), FilterError> {
    let mut tokens = Vec::new();
    let mut chars = input.char_indices().enumerate().peekable();
    while let Some((pos, (start, c))) = chars.next() {
        if c.is_whitespace() {
            continue;
        }
        let kind = match c {
            '(' => Kind::LParen,
            ')' => Kind::RParen,
            '[' => Kind::LBracket,
            ']' => Kind::RBracket,
            '"' => Kind::Str,
            _ => Kind::Word,
        };
        let end = match kind {
            Kind::Str => {
                let mut escaped = false;
                let close = chars.by_ref().find_map(|(_, (at, c))| {
                    let closes = !escaped && c == '"';
                    escaped = !escaped && c == '\\';
                    closes.then_some(at + 1)
                });
                close.ok_or(FilterError::UnterminatedString { position: pos })?
            }
            Kind::Word => {
                let mut end = start + c.len_utf8();
                while let Some(&(_, (at, c))) = chars.peek() {
                    if is_delimiter(c) {
                        break;
                    }
                    end = at + c.len_utf8();
                    chars.next();
                }
                end
            }
            _ => start + 1,
        };
        tokens.push(Token {
            kind,
            text: &input[start..end],
            pos,
        });
    }
    let end = Token {
        kind: Kind::End,
        text: "",
        pos: input.chars().count(),
    };
    Ok((tokens, end))
}
