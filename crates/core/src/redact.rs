//! Secret redaction for evidence. Evidence is what a person reads to trust a finding; it must
//! show *that* a secret was exposed, never the secret (Rule 3: store no secret you stumble on).

/// Replace a secret value by a fixed marker that keeps only its length class.
pub fn secret(value: &str) -> String {
    if value.is_empty() {
        "<blank>".to_string()
    } else {
        "<redacted>".to_string()
    }
}

/// Truncate text used as evidence to at most `max` characters, on a char boundary, marking the cut.
pub fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max).collect();
    out.push('…');
    out
}

/// Make untrusted device text safe to show: control characters (other than space) become `\xNN`.
pub fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() && c != ' ' {
            out.push_str(&format!("\\x{:02x}", c as u32 & 0xff));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_never_returns_the_value() {
        assert_eq!(secret("12345"), "<redacted>");
        assert_eq!(secret(""), "<blank>");
    }

    #[test]
    fn clip_respects_char_boundaries() {
        assert_eq!(clip("Tiếng Việt", 5), "Tiếng…");
        assert_eq!(clip("abc", 5), "abc");
    }

    #[test]
    fn printable_escapes_controls() {
        assert_eq!(printable("a\r\nb\x1b"), "a\\x0d\\x0ab\\x1b");
    }
}
