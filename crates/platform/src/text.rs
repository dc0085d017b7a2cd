//! Free text from clients: trimmed, bounded, and free of control characters (PostgreSQL refuses NUL,
//! and nothing else invisible belongs in a name or a reason).

use crate::ApiError;

/// Trimmed, non-empty text of at most `max_chars` characters without control characters
/// (line breaks are allowed only where `multiline`).
pub fn clean_text(field: &str, raw: &str, max_chars: usize, multiline: bool) -> Result<String, ApiError> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(ApiError::invalid(field, "must not be empty"));
    }
    if text.chars().count() > max_chars {
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
}
