//! Configuration: defaults → `sanshe.toml` (or the file named by `--config` /
//! `SANSHE_CONFIG`) → `SANSHE_*` environment variables. Unknown keys and malformed values are
//! errors that name the key and the source.

use serde::Deserialize;
use std::path::{Path, PathBuf};

/// A secret string: shown as `***` in `Debug`, logs and `sanshe config`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Secret(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.contains("://") {
            f.write_str(&sanshe_store::redact_db_url(&self.0))
        } else {
            f.write_str("***")
        }
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: Secret,
    pub listen: String,
    pub data_dir: PathBuf,
    pub session_idle_minutes: i64,
    pub session_max_hours: i64,
    pub lockout_threshold: i64,
    pub lockout_window_minutes: i64,
    pub lockout_minutes: i64,
    pub password_min_length: usize,
    pub password_max_age_days: i64,
    pub secure_cookies: bool,
    pub log_format: String,
    /// Master key for personal data (64 hex digits); None: `<data_dir>/pii.key`.
    pub pii_key: Option<Secret>,
    /// The key before the last rotation, for reading old ciphertexts until `sanshe pii rekey`.
    pub pii_previous_key: Option<Secret>,
    /// Largest upload (import files, photos) in MiB.
    pub upload_max_mb: usize,
    /// Reverse proxies whose `X-Forwarded-For` is believed (their own addresses). Empty:
    /// the peer address is the client, whatever the header says.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Two-factor sign-in for administrators; None: on unless the database holds the demo.
    pub admin_mfa_required: Option<bool>,
    /// The OCDS ocid prefix this publisher registered (`ocds-` and six letters or digits).
    pub ocid_prefix: String,
    /// The address the public reaches the server at (OCDS package URIs); None: the request's host.
    pub public_url: Option<String>,
    /// Serve reads only (a server for the public portal on a database replica): no writes,
    /// no migrations, no scheduled jobs; everything but the public pages answers 503.
    pub read_only: bool,
    /// Where the configuration came from, for `sanshe config`.
    pub sources: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            database_url: Secret::new("sqlite://sanshe.db"),
            listen: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("data"),
            session_idle_minutes: 30,
            session_max_hours: 12,
            lockout_threshold: 5,
            lockout_window_minutes: 15,
            lockout_minutes: 15,
            password_min_length: 10,
            password_max_age_days: 90,
            secure_cookies: false,
            log_format: "text".into(),
            pii_key: None,
            pii_previous_key: None,
            upload_max_mb: 20,
            trusted_proxies: Vec::new(),
            admin_mfa_required: None,
            ocid_prefix: "ocds-sanshe".into(),
            public_url: None,
            read_only: false,
            sources: vec!["defaults".into()],
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    database_url: Option<String>,
    listen: Option<String>,
    data_dir: Option<PathBuf>,
    session_idle_minutes: Option<i64>,
    session_max_hours: Option<i64>,
    lockout_threshold: Option<i64>,
    lockout_window_minutes: Option<i64>,
    lockout_minutes: Option<i64>,
    password_min_length: Option<usize>,
    password_max_age_days: Option<i64>,
    secure_cookies: Option<bool>,
    log_format: Option<String>,
    pii_key: Option<String>,
    pii_previous_key: Option<String>,
    upload_max_mb: Option<usize>,
    trusted_proxies: Option<Vec<std::net::IpAddr>>,
    admin_mfa_required: Option<bool>,
    read_only: Option<bool>,
    ocid_prefix: Option<String>,
    public_url: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read configuration file {path}: {err}")]
    Read { path: String, err: String },
    #[error("configuration file {path} is invalid: {err}")]
    Parse { path: String, err: String },
    #[error("environment variable {var}: {err}")]
    Env { var: String, err: String },
    #[error("setting {key}: {err}")]
    Invalid { key: String, err: String },
}

impl Settings {
    /// Loads settings. `file`: an explicit file (must exist); otherwise `SANSHE_CONFIG`, then
    /// `./sanshe.toml` if present.
    pub fn load(file: Option<&Path>) -> Result<Settings, ConfigError> {
        Self::load_from(file, |k| std::env::var(k).ok())
    }

    pub fn load_from(
        file: Option<&Path>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Settings, ConfigError> {
        let mut s = Settings::default();
        let explicit = file
            .map(Path::to_path_buf)
            .or_else(|| env("SANSHE_CONFIG").map(PathBuf::from));
        let path = match explicit {
            Some(p) => Some(p),
            None => Some(PathBuf::from("sanshe.toml")).filter(|p| p.is_file()),
        };
        if let Some(path) = path {
            let shown = path.display().to_string();
            let text = std::fs::read_to_string(&path).map_err(|e| ConfigError::Read {
                path: shown.clone(),
                err: e.to_string(),
            })?;
            let f: FileSettings = toml::from_str(&text).map_err(|e| ConfigError::Parse {
                path: shown.clone(),
                err: e.to_string(),
            })?;
            s.apply_file(f);
            s.sources.push(shown);
        }
        s.apply_env(&env)?;
        s.validate()?;
        Ok(s)
    }

    fn apply_file(&mut self, f: FileSettings) {
        if let Some(v) = f.database_url {
            self.database_url = Secret::new(v);
        }
        if let Some(v) = f.pii_key {
            self.pii_key = Some(Secret::new(v));
        }
        if let Some(v) = f.pii_previous_key {
            self.pii_previous_key = Some(Secret::new(v));
        }
        if f.admin_mfa_required.is_some() {
            self.admin_mfa_required = f.admin_mfa_required;
        }
        if f.public_url.is_some() {
            self.public_url = f.public_url;
        }
        if let Some(v) = f.upload_max_mb {
            self.upload_max_mb = v;
        }
        macro_rules! set {
            ($($k:ident),*) => { $( if let Some(v) = f.$k { self.$k = v; } )* };
        }
        set!(
            listen,
            data_dir,
            session_idle_minutes,
            session_max_hours,
            lockout_threshold,
            lockout_window_minutes,
            lockout_minutes,
            password_min_length,
            password_max_age_days,
            secure_cookies,
            log_format,
            trusted_proxies,
            ocid_prefix,
            read_only
        );
    }

    fn apply_env(&mut self, env: &impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        let mut used = false;
        if let Some(v) = env("SANSHE_DATABASE_URL") {
            self.database_url = Secret::new(v);
            used = true;
        }
        if let Some(v) = env("SANSHE_LISTEN") {
            self.listen = v;
            used = true;
        }
        if let Some(v) = env("SANSHE_DATA_DIR") {
            self.data_dir = PathBuf::from(v);
            used = true;
        }
        if let Some(v) = env("SANSHE_PII_KEY") {
            self.pii_key = Some(Secret::new(v));
            used = true;
        }
        if let Some(v) = env("SANSHE_PII_PREVIOUS_KEY") {
            self.pii_previous_key = Some(Secret::new(v));
            used = true;
        }
        if let Some(v) = env("SANSHE_OCID_PREFIX") {
            self.ocid_prefix = v;
            used = true;
        }
        if let Some(v) = env("SANSHE_PUBLIC_URL") {
            self.public_url = Some(v);
            used = true;
        }
        if let Some(v) = env("SANSHE_LOG_FORMAT") {
            self.log_format = v;
            used = true;
        }
        fn num<T: std::str::FromStr>(var: &str, v: &str) -> Result<T, ConfigError> {
            v.trim().parse().map_err(|_| ConfigError::Env {
                var: var.into(),
                err: format!("expected a whole number, got {v:?}"),
            })
        }
        macro_rules! numeric {
            ($($k:ident => $var:literal),*) => { $(
                if let Some(v) = env($var) { self.$k = num($var, &v)?; used = true; }
            )* };
        }
        numeric!(session_idle_minutes => "SANSHE_SESSION_IDLE_MINUTES",
            session_max_hours => "SANSHE_SESSION_MAX_HOURS",
            lockout_threshold => "SANSHE_LOCKOUT_THRESHOLD",
            lockout_window_minutes => "SANSHE_LOCKOUT_WINDOW_MINUTES",
            lockout_minutes => "SANSHE_LOCKOUT_MINUTES",
            password_min_length => "SANSHE_PASSWORD_MIN_LENGTH",
            password_max_age_days => "SANSHE_PASSWORD_MAX_AGE_DAYS",
            upload_max_mb => "SANSHE_UPLOAD_MAX_MB");
        if let Some(v) = env("SANSHE_ADMIN_MFA_REQUIRED") {
            self.admin_mfa_required = Some(match v.trim() {
                "1" | "true" | "yes" => true,
                "0" | "false" | "no" => false,
                _ => {
                    return Err(ConfigError::Env {
                        var: "SANSHE_ADMIN_MFA_REQUIRED".into(),
                        err: format!("expected true or false, got {v:?}"),
                    })
                }
            });
            used = true;
        }
        if let Some(v) = env("SANSHE_TRUSTED_PROXIES") {
            self.trusted_proxies = v
                .split(',')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(|a| {
                    a.parse().map_err(|_| ConfigError::Env {
                        var: "SANSHE_TRUSTED_PROXIES".into(),
                        err: format!("expected IP addresses separated by commas, got {a:?}"),
                    })
                })
                .collect::<Result<_, _>>()?;
            used = true;
        }
        for (var, field) in [
            ("SANSHE_SECURE_COOKIES", &mut self.secure_cookies),
            ("SANSHE_READ_ONLY", &mut self.read_only),
        ] {
            if let Some(v) = env(var) {
                *field = match v.trim() {
                    "1" | "true" | "yes" => true,
                    "0" | "false" | "no" => false,
                    _ => {
                        return Err(ConfigError::Env {
                            var: var.into(),
                            err: format!("expected true or false, got {v:?}"),
                        })
                    }
                };
                used = true;
            }
        }
        if used {
            self.sources.push("environment".into());
        }
        Ok(())
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let bad = |key: &str, err: &str| {
            Err(ConfigError::Invalid {
                key: key.into(),
                err: err.into(),
            })
        };
        if self.listen.parse::<std::net::SocketAddr>().is_err() {
            return bad("listen", "expected an address like 127.0.0.1:8080");
        }
        let url = self.database_url.expose();
        if !(url.starts_with("sqlite:")
            || url.starts_with("postgres://")
            || url.starts_with("postgresql://"))
        {
            return bad(
                "database_url",
                "expected sqlite://PATH or postgres://USER@HOST/DB",
            );
        }
        let prefix_ok = self.ocid_prefix.strip_prefix("ocds-").is_some_and(|r| {
            !r.is_empty() && r.len() <= 20 && r.bytes().all(|b| b.is_ascii_alphanumeric())
        });
        if !prefix_ok {
            return bad(
                "ocid_prefix",
                "expected ocds- and the letters and digits of the registered prefix",
            );
        }
        if let Some(u) = &self.public_url {
            if !(u.starts_with("http://") || u.starts_with("https://"))
                || u.contains(char::is_whitespace)
            {
                return bad(
                    "public_url",
                    "expected an address like https://sanshe.example.gov.cn",
                );
            }
        }
        for (k, v, lo, hi) in [
            (
                "session_idle_minutes",
                self.session_idle_minutes,
                1,
                24 * 60,
            ),
            ("session_max_hours", self.session_max_hours, 1, 24 * 30),
            ("lockout_threshold", self.lockout_threshold, 1, 100),
            (
                "lockout_window_minutes",
                self.lockout_window_minutes,
                1,
                24 * 60,
            ),
            ("lockout_minutes", self.lockout_minutes, 1, 24 * 60),
            ("password_max_age_days", self.password_max_age_days, 0, 3650),
        ] {
            if v < lo || v > hi {
                return bad(k, &format!("must be between {lo} and {hi}, got {v}"));
            }
        }
        if !(8..=128).contains(&self.password_min_length) {
            return bad("password_min_length", "must be between 8 and 128");
        }
        for (k, v) in [
            ("pii_key", &self.pii_key),
            ("pii_previous_key", &self.pii_previous_key),
        ] {
            if let Some(v) = v {
                let h = v.expose().trim();
                if h.len() != 64 || !h.chars().all(|c| c.is_ascii_hexdigit()) {
                    return bad(k, "expected 64 hex digits (32 random bytes)");
                }
            }
        }
        if !(1..=1024).contains(&self.upload_max_mb) {
            return bad("upload_max_mb", "must be between 1 and 1024");
        }
        if !matches!(self.log_format.as_str(), "text" | "json") {
            return bad("log_format", "expected text or json");
        }
        Ok(())
    }

    /// The effective configuration as TOML, secrets redacted.
    pub fn to_redacted_toml(&self) -> String {
        format!(
            "# sources: {}\ndatabase_url = {:?}\nlisten = {:?}\ndata_dir = {:?}\n\
             session_idle_minutes = {}\nsession_max_hours = {}\nlockout_threshold = {}\n\
             lockout_window_minutes = {}\nlockout_minutes = {}\npassword_min_length = {}\n\
             password_max_age_days = {}\nsecure_cookies = {}\nlog_format = {:?}\n\
             pii_key = {}\npii_previous_key = {}\nupload_max_mb = {}\ntrusted_proxies = {:?}\nadmin_mfa_required = {}\n\
             ocid_prefix = {:?}\npublic_url = {}\nread_only = {}\n",
            self.sources.join(" → "),
            sanshe_store::redact_db_url(self.database_url.expose()),
            self.listen,
            self.data_dir.display().to_string(),
            self.session_idle_minutes,
            self.session_max_hours,
            self.lockout_threshold,
            self.lockout_window_minutes,
            self.lockout_minutes,
            self.password_min_length,
            self.password_max_age_days,
            self.secure_cookies,
            self.log_format,
            if self.pii_key.is_some() {
                "\"***\""
            } else {
                "# not set: <data_dir>/pii.key"
            },
            if self.pii_previous_key.is_some() {
                "\"***\""
            } else {
                "# not set"
            },
            self.upload_max_mb,
            self.trusted_proxies
                .iter()
                .map(|a| a.to_string())
                .collect::<Vec<_>>(),
            match self.admin_mfa_required {
                Some(v) => v.to_string(),
                None => "# not set: on unless the database holds the demo".into(),
            },
            self.ocid_prefix,
            match &self.public_url {
                Some(u) => format!("{u:?}"),
                None => "# not set: the address each request was made to".into(),
            },
            self.read_only,
        )
    }

    pub fn password_policy(&self) -> sanshe_domain::password::PasswordPolicy {
        sanshe_domain::password::PasswordPolicy {
            min_length: self.password_min_length,
            min_classes: 3,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn environment_overrides_file_and_defaults() -> Result<(), ConfigError> {
        let dir = std::env::temp_dir().join(format!("sanshe-cfg-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| ConfigError::Read {
            path: "tmp".into(),
            err: e.to_string(),
        })?;
        let file = dir.join("sanshe.toml");
        std::fs::write(&file, "listen = \"0.0.0.0:9000\"\nlockout_threshold = 3\n").map_err(
            |e| ConfigError::Read {
                path: "tmp".into(),
                err: e.to_string(),
            },
        )?;
        let s = Settings::load_from(Some(&file), env(&[("SANSHE_LISTEN", "127.0.0.1:9999")]))?;
        assert_eq!(s.listen, "127.0.0.1:9999");
        assert_eq!(s.lockout_threshold, 3);
        assert_eq!(s.session_idle_minutes, 30);
        Ok(())
    }

    #[test]
    fn bad_values_are_named() {
        let e = Settings::load_from(None, env(&[("SANSHE_LOCKOUT_THRESHOLD", "many")]));
        assert!(
            matches!(e, Err(ConfigError::Env { ref var, .. }) if var == "SANSHE_LOCKOUT_THRESHOLD")
        );
        let e = Settings::load_from(None, env(&[("SANSHE_DATABASE_URL", "mysql://x")]));
        assert!(matches!(e, Err(ConfigError::Invalid { ref key, .. }) if key == "database_url"));
        let e = Settings::load_from(None, env(&[("SANSHE_LISTEN", "nowhere")]));
        assert!(matches!(e, Err(ConfigError::Invalid { ref key, .. }) if key == "listen"));
    }

    #[test]
    fn secrets_are_redacted() {
        let s = Settings {
            database_url: Secret::new("postgres://u:pw@h/db"),
            ..Settings::default()
        };
        assert!(!format!("{s:?}").contains("pw@"));
        assert!(!s.to_redacted_toml().contains("pw@"));
    }
}
