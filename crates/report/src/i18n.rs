//! Interface strings in Vietnamese and English, embedded from `locales/{vi,en}.toml`. Vietnamese
//! has no plural forms, and the report needs no plural English forms either, so flat key → text
//! tables suffice; a test keeps both files in step.

use camwarden_core::model::Severity;
use std::collections::HashMap;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().as_str() {
            "vi" | "vi-vn" | "vn" => Some(Lang::Vi),
            "en" | "en-us" | "en-gb" => Some(Lang::En),
            _ => None,
        }
    }
    pub fn code(self) -> &'static str {
        match self {
            Lang::Vi => "vi",
            Lang::En => "en",
        }
    }
}

fn table(lang: Lang) -> &'static HashMap<String, String> {
    static VI: OnceLock<HashMap<String, String>> = OnceLock::new();
    static EN: OnceLock<HashMap<String, String>> = OnceLock::new();
    let (cell, text) = match lang {
        Lang::Vi => (&VI, include_str!("../locales/vi.toml")),
        Lang::En => (&EN, include_str!("../locales/en.toml")),
    };
    cell.get_or_init(|| toml::from_str(text).unwrap_or_default())
}

/// The text for `key`, or the key itself when missing (visible, never a crash).
pub fn t(lang: Lang, key: &str) -> &str {
    table(lang).get(key).map(String::as_str).unwrap_or(key)
}

/// The text for `key` with a `'static` lifetime (the tables live for the whole process).
pub fn t_static(lang: Lang, key: &'static str) -> &'static str {
    table(lang).get(key).map(String::as_str).unwrap_or(key)
}

/// The name of a severity.
pub fn severity(lang: Lang, s: Severity) -> &'static str {
    let key = match s {
        Severity::Critical => "sev_critical",
        Severity::High => "sev_high",
        Severity::Medium => "sev_medium",
        Severity::Low => "sev_low",
        Severity::Info => "sev_info",
    };
    let map = table(lang);
    map.get(key).map(String::as_str).unwrap_or(s.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_the_same_keys() {
        let vi: std::collections::BTreeSet<_> = table(Lang::Vi).keys().collect();
        let en: std::collections::BTreeSet<_> = table(Lang::En).keys().collect();
        assert!(!vi.is_empty());
        assert_eq!(vi, en);
    }

    #[test]
    fn vietnamese_has_diacritics() {
        assert!(t(Lang::Vi, "title").contains("Báo cáo"));
        assert_eq!(severity(Lang::Vi, Severity::Critical), "Nghiêm trọng");
    }

    #[test]
    fn parse_languages() {
        assert_eq!(Lang::parse("EN"), Some(Lang::En));
        assert_eq!(Lang::parse("fr"), None);
    }
}
