//! A test that every locale key the code names literally exists (the key-parity test in
//! `sanshe_app::i18n` then covers both languages). Keys built from closed vocabularies are
//! checked where they are built (for example `pages::needs::tests`).

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::path::{Path, PathBuf};

    fn files(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                files(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs" || x == "html") {
                out.push(p);
            }
        }
    }

    /// `t("key")` in templates and code, and quoted `err-…`, `flash-…` keys in code.
    fn keys_in(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        let b = text.as_bytes();
        let mut i = 0;
        while let Some(off) = text[i..].find('"') {
            let start = i + off + 1;
            let Some(len) = text[start..].find('"') else {
                break;
            };
            let k = &text[start..start + len];
            let before = &text[..start - 1];
            let named = before.ends_with(".t(");
            let prefixed = ["err-", "flash-"].iter().any(|p| k.starts_with(p));
            let shaped = !k.is_empty()
                && k.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
                && !k.ends_with('-');
            if shaped && (named || prefixed) {
                out.push(k.to_owned());
            }
            i = start + len + 1;
            if i >= b.len() {
                break;
            }
        }
        out
    }

    #[test]
    fn every_literal_locale_key_exists() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut all = Vec::new();
        for c in [
            "sanshe-domain",
            "sanshe-io",
            "sanshe-app",
            "sanshe-web",
            "sanshe",
        ] {
            files(&root.join(c).join("src"), &mut all);
            files(&root.join(c).join("templates"), &mut all);
        }
        let mut missing = Vec::new();
        for f in &all {
            let text = std::fs::read_to_string(f).unwrap();
            // Tests name keys to assert on them; only product code counts.
            let text = text.split("#[cfg(test)]").next().unwrap_or("");
            for k in keys_in(text) {
                if !sanshe_app::i18n::has_key(&k) {
                    missing.push(format!("{}: {k}", f.display()));
                }
            }
        }
        missing.sort();
        missing.dedup();
        assert!(
            missing.is_empty(),
            "locale keys missing:\n{}",
            missing.join("\n")
        );
    }
}
