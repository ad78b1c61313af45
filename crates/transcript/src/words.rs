//! Words of the selection grammar: splitting a typed line (with quotes) and quoting back.

use crate::spec::SpecError;

/// Splits on whitespace outside quotes (`"` or `'`); quotes are removed, `\"` escapes inside.
pub fn tokenize(input: &str) -> Result<Vec<String>, SpecError> {
    let mut tokens = Vec::new();
    let mut cur = String::new();
    let mut in_token = false;
    let mut quote: Option<char> = None;
    let mut chars = input.chars();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) if c == '\\' => match chars.next() {
                Some(n) => cur.push(n),
                None => cur.push(c),
            },
            Some(_) => cur.push(c),
            None if c == '"' || c == '\'' => {
                quote = Some(c);
                in_token = true;
            }
            None if c.is_whitespace() => {
                if in_token {
                    tokens.push(std::mem::take(&mut cur));
                    in_token = false;
                }
            }
            None => {
                cur.push(c);
                in_token = true;
            }
        }
    }
    if let Some(q) = quote {
        return Err(SpecError::new(
            &cur,
            format!("unterminated quote: add the closing {q}"),
        ));
    }
    if in_token {
        tokens.push(cur);
    }
    Ok(tokens)
}

/// Removes one pair of matching quotes around a value given as a separate argv word.
pub(crate) fn unquote(value: &str) -> &str {
    for q in ['"', '\''] {
        if let Some(inner) = value.strip_prefix(q).and_then(|v| v.strip_suffix(q)) {
            return inner;
        }
    }
    value
}

/// A value as one word: quoted (with `\\` and `\"` escaped) when it holds spaces or quotes.
pub(crate) fn quote(value: &str) -> String {
    let plain = !value.is_empty()
        && !value
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '"' | '\'' | '\\'));
    if plain {
        return value.to_string();
    }
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        if matches!(c, '"' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}
