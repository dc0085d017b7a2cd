//! Free text from clients: trimmed, bounded, and free of control characters (PostgreSQL refuses NUL,
//! and nothing else invisible belongs in a name or a reason).

use crate::ApiError;

/// What [`clean_text`] accepts on one line, as the OpenAPI document declares it (JSON Schema
/// `pattern`): white space around (what `str::trim` takes away), at least one character that is not
/// white space, and no control character.
pub const LINE_PATTERN: &str = r"^[\t\n\x0B\x0C\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*[^\x00-\x1F\x7F-\x9F]*[^\t\n\x0B\x0C\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\x00-\x1F\x7F-\x9F][^\x00-\x1F\x7F-\x9F]*[\t\n\x0B\x0C\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$";
/// The same where line breaks and tabs are allowed inside (`multiline`).
pub const LINES_PATTERN: &str = r"^[\t\n\x0B\x0C\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*[^\t\n\x0B\x0C\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\x00-\x1F\x7F-\x9F][^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]*[\t\n\x0B\x0C\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$";
/// What a field's `#[schema(pattern = ..)]` says for [`LINE_PATTERN`] and [`LINES_PATTERN`]: utoipa
/// takes only a literal there, so the server's contract module puts the pattern in.
pub const LINE: &str = "hemvist:line";
pub const LINES: &str = "hemvist:lines";

/// Trimmed, non-empty text of at most `max_chars` characters without control characters
/// (line breaks are allowed only where `multiline`).
pub fn clean_text(field: &str, raw: &str, max_chars: usize, multiline: bool) -> Result<String, ApiError> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(ApiError::invalid(field, "must not be empty"));
    }
    // As sent, as the document's maxLength counts.
    if raw.chars().count() > max_chars {
        return Err(ApiError::invalid(field, format!("must be at most {max_chars} characters")));
    }
    let allowed = |c: char| !c.is_control() || (multiline && (c == '\n' || c == '\t' || c == '\r'));
    if !text.chars().all(allowed) {
        return Err(ApiError::invalid(field, "must not contain control characters"));
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_nul_and_empty_and_long() {
        assert!(clean_text("name", "a\u{0}b", 10, true).is_err());
        assert!(clean_text("name", "   ", 10, false).is_err());
        assert!(clean_text("name", "abcdefghijk", 10, false).is_err());
        assert!(clean_text("name", "a\nb", 10, false).is_err());
        assert_eq!(clean_text("name", " Järva \n", 10, false).ok().as_deref(), Some("Järva"));
        assert_eq!(clean_text("note", "a\nb", 10, true).ok().as_deref(), Some("a\nb"));
    }

    /// The document's patterns accept exactly what `clean_text` accepts (length aside).
    #[test]
    fn the_declared_patterns_agree_with_clean_text() {
        let line = regex::Regex::new(LINE_PATTERN).unwrap();
        let lines = regex::Regex::new(LINES_PATTERN).unwrap();
        let samples = [
            "Järva",
            " Järva ",
            "a b",
            "",
            " ",
            "\t",
            "\u{a0}",
            "a\nb",
            "a\tb",
            "\tabc",
            "abc\n",
            "a\u{0}b",
            "a\u{7f}",
            "a\u{85}b",
            "\u{85}a",
            "a\u{9f}",
            "\u{1c}a",
            "\u{feff}",
            "\u{3000}x\u{3000}",
            "a\rb",
            "a\u{b}b",
            "\u{2028}",
        ];
        for sample in samples {
            assert_eq!(line.is_match(sample), clean_text("f", sample, 100, false).is_ok(), "one line: {sample:?}");
            assert_eq!(lines.is_match(sample), clean_text("f", sample, 100, true).is_ok(), "lines: {sample:?}");
        }
    }
}
