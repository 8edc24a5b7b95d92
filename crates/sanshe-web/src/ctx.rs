//! Per-request context: who is asking (resolved once by the session layer), in which
//! language, with which request id and client address.

use crate::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use sanshe_app::i18n::{Lang, Tr};
use sanshe_app::{Actor, App, Ctx};
use std::net::{IpAddr, SocketAddr};

pub const LANG_COOKIE: &str = "sanshe_lang";
pub const CSRF_COOKIE: &str = "sanshe_csrf";
pub const FLASH_COOKIE: &str = "sanshe_flash";

/// What the session layer found, stored in request extensions.
#[derive(Clone, Debug, Default)]
pub struct Resolved {
    pub actor: Option<Actor>,
    /// CSRF token of the session (logged in) — forms must echo it.
    pub session_csrf: Option<String>,
    /// The raw session cookie (for logout).
    pub session_token: Option<String>,
    pub request_id: String,
    pub via_token: bool,
    /// Unread inbox notices of a signed-in page user (shown in the header).
    pub unread: i64,
}

pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

pub fn client_addr(parts: &Parts, trusted: &[IpAddr]) -> Option<String> {
    client_from(&parts.extensions, &parts.headers, trusted)
}

/// As [`client_addr`], from a request's extensions and headers.
pub fn client_from(
    ext: &axum::http::Extensions,
    headers: &HeaderMap,
    trusted: &[IpAddr],
) -> Option<String> {
    let peer = ext.get::<ConnectInfo<SocketAddr>>()?.0.ip();
    Some(client_behind(peer, headers, trusted).to_string())
}

/// The client's address: the peer's, unless the peer is a trusted proxy; then the nearest
/// address in `X-Forwarded-For` that is not itself a trusted proxy (addresses further left
/// were written by the client and prove nothing). Never longer than an IP address.
pub fn client_behind(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    // Hops are read from the right (the nearest proxy's entry first): trusted proxies are
    // passed over, the first other address is the client. Anything left of it was written
    // by the client and is ignored, so junk there changes nothing; a hop that is not an
    // address where one is expected leaves the nearest known address as the client.
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .collect();
    let mut client = peer;
    for h in hops.into_iter().rev() {
        match parse_hop(h) {
            Some(a) if trusted.contains(&a) => client = a,
            Some(a) => return a,
            None => return client,
        }
    }
    client
}

/// An address as proxies write it: `203.0.113.5`, `203.0.113.5:443`, `2001:db8::1`,
/// `[2001:db8::1]:443`.
fn parse_hop(h: &str) -> Option<IpAddr> {
    let h = h.trim();
    if let Ok(a) = h.parse::<IpAddr>() {
        return Some(a);
    }
    if let Ok(s) = h.parse::<SocketAddr>() {
        return Some(s.ip());
    }
    h.strip_prefix('[')
        .and_then(|x| x.strip_suffix(']'))
        .and_then(|x| x.parse().ok())
}

/// The request context handed to every handler.
pub struct Rc {
    pub app: App,
    pub ctx: Ctx,
    pub tr: Tr,
    pub csrf: String,
    pub session_token: Option<String>,
    pub path: String,
    pub query: String,
    pub flash: Option<String>,
    pub request_id: String,
    pub unread: i64,
}

impl Rc {
    pub fn actor(&self) -> Option<&Actor> {
        self.ctx.actor.as_ref()
    }
}

pub fn choose_lang(headers: &HeaderMap, actor: Option<&Actor>) -> Lang {
    actor
        .and_then(|a| a.locale.as_deref())
        .and_then(Lang::parse)
        .or_else(|| cookie(headers, LANG_COOKIE).and_then(Lang::parse))
        .or_else(|| {
            headers
                .get(axum::http::header::ACCEPT_LANGUAGE)
                .and_then(|h| h.to_str().ok())
                .and_then(Lang::from_accept_language)
        })
        .unwrap_or_default()
}

impl FromRequestParts<AppState> for Rc {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let resolved = parts
            .extensions
            .get::<Resolved>()
            .cloned()
            .unwrap_or_default();
        let tr = Tr::new(choose_lang(&parts.headers, resolved.actor.as_ref()));
        let csrf = resolved
            .session_csrf
            .clone()
            .or_else(|| cookie(&parts.headers, CSRF_COOKIE).map(str::to_owned))
            .unwrap_or_default();
        let flash = cookie(&parts.headers, FLASH_COOKIE)
            .filter(|k| k.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
            .map(str::to_owned);
        Ok(Rc {
            app: state.app.clone(),
            ctx: Ctx {
                actor: resolved.actor,
                client: client_addr(parts, &state.app.settings.trusted_proxies),
                request_id: Some(resolved.request_id.clone()),
            },
            tr,
            csrf,
            session_token: resolved.session_token,
            path: parts.uri.path().to_owned(),
            query: parts.uri.query().unwrap_or("").to_owned(),
            flash,
            request_id: resolved.request_id,
            unread: resolved.unread,
        })
    }
}
