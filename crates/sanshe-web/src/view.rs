//! What every page shares: the layout context (language, user, role-aware navigation,
//! breadcrumbs, flash message, CSRF token), pagination links, formatting and redirects.

use crate::ctx::{Rc, FLASH_COOKIE};
use askama::Template;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use sanshe_app::authz::{can, Perm};
use sanshe_app::i18n::{Lang, Tr};
use sanshe_store::Paged;
use time::macros::{format_description, offset};

pub struct NavItem {
    pub href: &'static str,
    pub label: String,
    pub active: bool,
}

pub struct UserBadge {
    pub unread: i64,
    pub display_name: String,
    pub username: String,
    pub role: String,
    pub scope: String,
}

pub struct LangLink {
    /// GET: sets this browser's language cookie only (anonymous visitors).
    pub href: String,
    /// POST target for signed-in users (also saves the choice to the account).
    pub action: String,
    pub next: String,
    pub label: &'static str,
    pub code: &'static str,
    pub current: bool,
}

pub struct Page {
    pub tr: Tr,
    pub title: String,
    pub user: Option<UserBadge>,
    pub nav: Vec<NavItem>,
    pub csrf: String,
    pub flash: Option<String>,
    pub langs: Vec<LangLink>,
    pub crumbs: Vec<(String, String)>,
    /// Staff can sign in here (not on a read-only server).
    pub staff_login: bool,
}

fn lang_links(next: &str, current: Lang) -> Vec<LangLink> {
    Lang::ALL
        .iter()
        .map(|l| {
            let q = form_urlencoded::Serializer::new(String::new())
                .append_pair("next", next)
                .finish();
            LangLink {
                href: format!("/lang/{}?{q}", l.code()),
                action: format!("/lang/{}", l.code()),
                next: next.to_owned(),
                label: match l {
                    Lang::Zh => "中文",
                    Lang::En => "English",
                },
                code: l.code(),
                current: *l == current,
            }
        })
        .collect()
}

impl Page {
    pub fn new(rc: &Rc, title_key: &str) -> Page {
        let tr = rc.tr;
        let mut nav = Vec::new();
        let mut user = None;
        if let Some(a) = rc.actor() {
            let mut item = |href: &'static str, key: &str| {
                let active = if href == "/" {
                    rc.path == "/"
                } else {
                    rc.path.starts_with(href)
                };
                nav.push(NavItem {
                    href,
                    label: tr.t(key).to_owned(),
                    active,
                });
            };
            item("/", "nav-home");
            if can(a, Perm::TargetRead) {
                item("/targets", "nav-targets");
            }
            if can(a, Perm::AreaRead) {
                item("/areas", "nav-areas");
            }
            if can(a, Perm::FacilityRead) {
                item("/facilities", "nav-facilities");
            }
            if can(a, Perm::OrgRead) {
                item("/orgs", "nav-orgs");
            }
            if can(a, Perm::WorkerRead) {
                item("/workers", "nav-workers");
            }
            if can(a, Perm::PostRead) {
                item("/posts", "nav-posts");
            }
            if can(a, Perm::NeedRaise) || can(a, Perm::NeedRead) {
                item("/needs", "nav-needs");
            }
            if can(a, Perm::ProposalRead) {
                item("/proposals", "nav-proposals");
            }
            if can(a, Perm::PurchaseRead) || can(a, Perm::PurchaseApply) || can(a, Perm::PanelServe)
            {
                item("/purchase/projects", "nav-purchase");
                item("/venture", "nav-venture");
                item("/ratings", "nav-ratings");
            }
            if can(a, Perm::PurchaseRead) {
                item("/award-lists", "nav-awards");
            }
            if can(a, Perm::CalendarRead) {
                item("/calendar", "nav-calendar");
            }
            if can(a, Perm::AreaImport) {
                item("/areas/import", "nav-import");
            }
            if can(a, Perm::UserRead) {
                item("/users", "nav-users");
            }
            if can(a, Perm::ThrottleManage) {
                item("/security/throttles", "nav-throttles");
            }
            if can(a, Perm::AuditRead) {
                item("/audit", "nav-audit");
            }
            item("/account", "nav-account");
            item("/api/docs", "nav-api");
            // Only one of /areas and /areas/import is active.
            if rc.path.starts_with("/areas/import") {
                for n in nav.iter_mut().filter(|n| n.href == "/areas") {
                    n.active = false;
                }
            }
            user = Some(UserBadge {
                unread: rc.unread,
                display_name: a.display_name.clone(),
                username: a.username.clone(),
                role: tr.role(a.role.as_str()).to_owned(),
                scope: a.scope_name.clone().unwrap_or_default(),
            });
        }
        let next = if rc.query.is_empty() {
            rc.path.clone()
        } else {
            format!("{}?{}", rc.path, rc.query)
        };
        Page {
            tr,
            title: tr.t(title_key).to_owned(),
            user,
            nav,
            csrf: rc.csrf.clone(),
            flash: rc
                .flash
                .as_deref()
                .filter(|k| sanshe_app::i18n::has_key(k))
                .map(|k| tr.t(k).to_owned()),
            langs: lang_links(&next, tr.lang),
            crumbs: Vec::new(),
            staff_login: !rc.app.settings.read_only,
        }
    }

    /// A page outside any request context (errors raised before routing).
    pub fn bare(tr: Tr, title_key: &str) -> Page {
        Page {
            tr,
            title: tr.t(title_key).to_owned(),
            user: None,
            nav: Vec::new(),
            csrf: String::new(),
            flash: None,
            langs: lang_links("/", tr.lang),
            crumbs: Vec::new(),
            staff_login: true,
        }
    }

    pub fn crumb(mut self, href: &str, label: impl Into<String>) -> Page {
        self.crumbs.push((href.to_owned(), label.into()));
        self
    }

    pub fn t<'a>(&self, key: &'a str) -> &'a str {
        self.tr.t(key)
    }

    pub fn lang(&self) -> &'static str {
        self.tr.code()
    }
}

pub fn render<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response()
        }
    }
}

/// 303 redirect with a one-shot flash message (a locale key).
pub fn redirect_flash(to: &str, flash_key: &str) -> Response {
    let mut r = (StatusCode::SEE_OTHER, [(header::LOCATION, to.to_owned())]).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{FLASH_COOKIE}={flash_key}; Path=/; Max-Age=60; SameSite=Lax; HttpOnly"
    )) {
        r.headers_mut().append(header::SET_COOKIE, v);
    }
    r
}

/// Pages that show a flash must clear it.
pub fn with_page<T: Template>(rc: &Rc, t: &T) -> Response {
    let mut r = render(t);
    if rc.flash.is_some() {
        r.headers_mut().append(
            header::SET_COOKIE,
            HeaderValue::from_static("sanshe_flash=; Path=/; Max-Age=0; SameSite=Lax; HttpOnly"),
        );
    }
    r
}

pub fn datetime(unix: i64) -> String {
    let fmt = format_description!("[year]-[month]-[day] [hour]:[minute]");
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .map(|t| t.to_offset(offset!(+8)))
        .and_then(|t| t.format(&fmt).ok())
        .unwrap_or_default()
}

pub fn opt_datetime(unix: Option<i64>) -> String {
    unix.map(datetime).unwrap_or_else(|| "—".into())
}

/// Parses `YYYY-MM-DD` as the start of that day in China Standard Time.
pub fn parse_date(s: &str) -> Option<i64> {
    let fmt = format_description!("[year]-[month]-[day]");
    let d = time::Date::parse(s.trim(), &fmt).ok()?;
    Some(d.midnight().assume_offset(offset!(+8)).unix_timestamp())
}

pub fn num(n: Option<i64>) -> String {
    match n {
        None => "—".into(),
        Some(v) => {
            let s = v.abs().to_string();
            let mut out = String::new();
            for (i, c) in s.chars().enumerate() {
                if i > 0 && (s.len() - i) % 3 == 0 {
                    out.push(',');
                }
                out.push(c);
            }
            if v < 0 {
                format!("-{out}")
            } else {
                out
            }
        }
    }
}

/// Pagination links that keep the other query parameters.
pub struct Pager {
    pub total: i64,
    pub page: i64,
    pub pages: i64,
    pub from: i64,
    pub to: i64,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    pub fn new<T>(path: &str, params: &[(&str, String)], p: &Paged<T>) -> Pager {
        let link = |page: i64| {
            let mut s = form_urlencoded::Serializer::new(String::new());
            for (k, v) in params.iter().filter(|(k, v)| !v.is_empty() && *k != "page") {
                s.append_pair(k, v);
            }
            s.append_pair("page", &page.to_string());
            format!("{path}?{}", s.finish())
        };
        let pages = p.pages();
        Pager {
            total: p.total,
            page: p.page,
            pages,
            from: if p.total == 0 {
                0
            } else {
                p.per_page * (p.page - 1) + 1
            },
            to: (p.per_page * (p.page - 1) + p.items.len() as i64).max(0),
            prev: (p.page > 1).then(|| link(p.page - 1)),
            next: (p.page < pages).then(|| link(p.page + 1)),
        }
    }

    pub fn summary(&self, tr: &Tr) -> String {
        tr.f(
            "list-summary",
            &[
                ("from", self.from.to_string()),
                ("to", self.to.to_string()),
                ("total", self.total.to_string()),
                ("page", self.page.to_string()),
                ("pages", self.pages.to_string()),
            ],
        )
    }
}

/// Query string for an export link with the current filters.
pub fn query_string(params: &[(&str, String)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in params.iter().filter(|(_, v)| !v.is_empty()) {
        s.append_pair(k, v);
    }
    s.finish()
}

/// Page number and size from optional query values, clamped to sane bounds.
pub fn page_req(page: Option<i64>, per_page: Option<i64>) -> sanshe_store::PageReq {
    sanshe_store::PageReq {
        page: page.unwrap_or(1).clamp(1, 1_000_000),
        per_page: per_page.unwrap_or(50).clamp(1, 200),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(num(Some(1234567)), "1,234,567");
        assert_eq!(num(Some(12)), "12");
        assert_eq!(datetime(0), "1970-01-01 08:00");
        assert_eq!(parse_date("1970-01-02"), Some(86400 - 8 * 3600));
        assert_eq!(parse_date("1970-13-02"), None);
    }
}
