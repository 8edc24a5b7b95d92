//! Localisation. Every user-visible string lives in `locales/<lang>/<module>.txt` (one file
//! per domain module and language) as `key = value` lines; `{name}` in a value is replaced
//! by the argument of that name. zh-CN is the default, English the second language; a test
//! requires both languages to have the same keys, and a key to live in one file only.

use sanshe_domain::FieldError;
use std::collections::HashMap;
use std::sync::LazyLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Zh, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn parse(s: &str) -> Option<Lang> {
        let s = s.trim().to_ascii_lowercase();
        if s.starts_with("zh") {
            Some(Lang::Zh)
        } else if s.starts_with("en") {
            Some(Lang::En)
        } else {
            None
        }
    }

    /// The first supported language in an `Accept-Language` header, by preference order.
    pub fn from_accept_language(h: &str) -> Option<Lang> {
        let mut langs: Vec<(f32, Lang)> = h
            .split(',')
            .filter_map(|part| {
                let mut it = part.split(';');
                let lang = Lang::parse(it.next()?)?;
                let q = it
                    .find_map(|p| {
                        p.trim()
                            .strip_prefix("q=")
                            .and_then(|q| q.parse::<f32>().ok())
                    })
                    .unwrap_or(1.0);
                Some((q, lang))
            })
            .collect();
        langs.sort_by(|a, b| b.0.partial_cmp(&a.0).unwrap_or(std::cmp::Ordering::Equal));
        langs.first().map(|(_, l)| *l)
    }
}

fn parse_table(src: &'static str) -> HashMap<&'static str, &'static str> {
    src.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split_once(" = "))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect()
}

/// The modules with locale files, in both languages.
pub const MODULES: [&str; 11] = [
    "core",
    "registries",
    "calendar",
    "needs",
    "inbox",
    "public",
    "purchase",
    "evaluation",
    "venture",
    "rating",
    "award",
];

macro_rules! locale_files {
    ($lang:literal) => {
        [
            include_str!(concat!("../locales/", $lang, "/core.txt")),
            include_str!(concat!("../locales/", $lang, "/registries.txt")),
            include_str!(concat!("../locales/", $lang, "/calendar.txt")),
            include_str!(concat!("../locales/", $lang, "/needs.txt")),
            include_str!(concat!("../locales/", $lang, "/inbox.txt")),
            include_str!(concat!("../locales/", $lang, "/public.txt")),
            include_str!(concat!("../locales/", $lang, "/purchase.txt")),
            include_str!(concat!("../locales/", $lang, "/evaluation.txt")),
            include_str!(concat!("../locales/", $lang, "/venture.txt")),
            include_str!(concat!("../locales/", $lang, "/rating.txt")),
            include_str!(concat!("../locales/", $lang, "/award.txt")),
        ]
    };
}

const ZH_FILES: [&str; 11] = locale_files!("zh-CN");
const EN_FILES: [&str; 11] = locale_files!("en");

fn merged(files: &[&'static str]) -> HashMap<&'static str, &'static str> {
    files.iter().flat_map(|f| parse_table(f)).collect()
}

static ZH: LazyLock<HashMap<&'static str, &'static str>> = LazyLock::new(|| merged(&ZH_FILES));
static EN: LazyLock<HashMap<&'static str, &'static str>> = LazyLock::new(|| merged(&EN_FILES));

fn table(lang: Lang) -> &'static HashMap<&'static str, &'static str> {
    match lang {
        Lang::Zh => &ZH,
        Lang::En => &EN,
    }
}

/// A translator for one language.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tr {
    pub lang: Lang,
}

impl Tr {
    pub fn new(lang: Lang) -> Tr {
        Tr { lang }
    }

    /// The message for `key`; the key itself when missing (a test keeps that from shipping).
    pub fn t<'a>(&self, key: &'a str) -> &'a str {
        table(self.lang).get(key).copied().unwrap_or(key)
    }

    /// The message for `key` with `{name}` arguments filled in.
    pub fn f<K: AsRef<str>, V: AsRef<str>>(&self, key: &str, args: &[(K, V)]) -> String {
        let mut s = self.t(key).to_owned();
        for (k, v) in args {
            s = s.replace(&format!("{{{}}}", k.as_ref()), v.as_ref());
        }
        s
    }

    pub fn field_error(&self, e: &FieldError) -> String {
        self.f(&e.code, &e.args)
    }

    pub fn role(&self, role: &str) -> &str {
        let key = format!("role-{role}");
        table(self.lang).get(key.as_str()).copied().unwrap_or("?")
    }

    pub fn code(&self) -> &'static str {
        self.lang.code()
    }
}

/// Keys present in one locale and absent in another: must be empty.
pub fn missing_keys() -> Vec<String> {
    let mut out = Vec::new();
    for (a, b, name) in [(&*ZH, &*EN, "en"), (&*EN, &*ZH, "zh-CN")] {
        for k in a.keys() {
            if !b.contains_key(k) {
                out.push(format!("{name}: {k}"));
            }
        }
    }
    out.sort();
    out
}

/// Does the key exist (in the default language)?
pub fn has_key(key: &str) -> bool {
    ZH.contains_key(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locales_have_the_same_keys() {
        assert_eq!(missing_keys(), Vec::<String>::new());
        assert!(ZH.len() > 50);
    }

    #[test]
    fn each_key_lives_in_one_module_file_the_same_in_both_languages() {
        for (zh, en) in ZH_FILES.iter().zip(EN_FILES.iter()) {
            let a: std::collections::BTreeSet<_> = parse_table(zh).into_keys().collect();
            let b: std::collections::BTreeSet<_> = parse_table(en).into_keys().collect();
            assert_eq!(a, b, "a module's file differs between languages");
        }
        let total: usize = ZH_FILES.iter().map(|f| parse_table(f).len()).sum();
        assert_eq!(total, ZH.len(), "a key is defined in two module files");
        // Nor twice in one file, where the later line would silently win.
        for f in ZH_FILES.iter().chain(EN_FILES.iter()) {
            let lines = f
                .lines()
                .filter(|l| !l.trim_start().starts_with('#'))
                .filter(|l| l.contains(" = "))
                .count();
            assert_eq!(
                lines,
                parse_table(f).len(),
                "a key is defined twice in one file"
            );
        }
    }

    #[test]
    fn accept_language() {
        assert_eq!(
            Lang::from_accept_language("en-US,en;q=0.9,zh;q=0.8"),
            Some(Lang::En)
        );
        assert_eq!(
            Lang::from_accept_language("fr, zh-CN;q=0.5, en;q=0.4"),
            Some(Lang::Zh)
        );
        assert_eq!(Lang::from_accept_language("fr"), None);
    }

    #[test]
    fn every_role_and_domain_error_has_a_message() {
        for r in sanshe_domain::Role::ALL {
            assert!(has_key(&format!("role-{}", r.as_str())), "{r:?}");
        }
        for k in [
            "err-required",
            "err-area-code-digits",
            "err-area-code-length",
            "err-area-code-county",
            "err-area-code-township",
            "err-area-code-committee",
            "err-password-short",
            "err-password-long",
            "err-password-classes",
            "err-password-username",
        ] {
            assert!(has_key(k), "{k}");
        }
    }
}
