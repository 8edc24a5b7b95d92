//! Community posts (社区岗位): professional social-work posts and committee posts, with
//! their holders from the social-worker registry.

use crate::authz::Perm;
use crate::i18n::Tr;
use crate::registry::{
    field_a, scoped_within, FilterDef, Input, ListQuery, Refs, Registry, RowParser,
};
use crate::workers::is_masked;
use crate::{Actor, App, AppError};
use sanshe_domain::registry::CERT_LEVEL;
use sanshe_domain::{cell, CitizenId, FieldError};
use sanshe_store::posts::{self as store, PostFilter, PostRow};
use sanshe_store::{Conn, PageReq, Paged, StoreError};

pub struct Posts;

static POST_FIELDS: [crate::registry::Field; 5] = [
    field_a(
        "area",
        "所在社区",
        &["社区", "区划代码"],
        true,
        Input::Area(&["community"]),
    ),
    field_a("title", "岗位名称", &["岗位"], true, Input::Text(50)),
    field_a(
        "professional",
        "专业社工岗位",
        &["是否专业社工岗位", "社工岗位"],
        true,
        Input::Bool,
    ),
    field_a(
        "committee",
        "两委岗位",
        &["是否两委岗位"],
        false,
        Input::Bool,
    ),
    field_a(
        "holder_id_number",
        "在岗人员身份证号",
        &["在岗人员身份证", "任职人员身份证号"],
        false,
        Input::Secret,
    ),
];

static POST_FILTERS: [FilterDef; 3] = [
    FilterDef {
        key: "professional",
        input: Input::Bool,
    },
    FilterDef {
        key: "committee",
        input: Input::Bool,
    },
    FilterDef {
        key: "vacant",
        input: Input::Bool,
    },
];

impl Registry for Posts {
    const API_SEGMENT: &'static str = "posts";
    const API_SCHEMA: &'static str = "Post";
    const EXAMPLE: &'static [&'static str] = &["320412100002", "专职社工（一）", "是", "否", ""];
    type Data = PostRow;
    type Row = PostRow;
    const KIND: &'static str = "posts";
    const OBJECT: &'static str = "post";
    const READ: Perm = Perm::PostRead;
    const WRITE: Perm = Perm::PostWrite;
    const WORKER_FIELDS: &'static [&'static str] = &["holder_id_number"];

    fn fields() -> &'static [crate::registry::Field] {
        &POST_FIELDS
    }
    fn filters() -> &'static [FilterDef] {
        &POST_FILTERS
    }
    fn sorts() -> &'static [&'static str] {
        &["area"]
    }
    fn list_headers() -> &'static [&'static str] {
        &[
            "f-title",
            "f-area",
            "f-professional",
            "f-committee",
            "col-holder",
            "f-cert_level",
        ]
    }
    fn list_cells(tr: &Tr, r: &PostRow) -> Vec<String> {
        vec![
            r.title.clone(),
            r.area_name.clone(),
            crate::registry::yes_no(tr, r.professional),
            crate::registry::yes_no(tr, r.committee),
            r.holder_name
                .clone()
                .unwrap_or_else(|| tr.t("post-vacant").to_owned()),
            r.holder_cert_level
                .as_deref()
                .map(|l| tr.t(&CERT_LEVEL.label_key(l)).to_owned())
                .unwrap_or_default(),
        ]
    }

    fn parse(
        app: &App,
        _actor: &Actor,
        refs: &Refs,
        cells: &[String],
        current: Option<&PostRow>,
    ) -> Result<PostRow, Vec<FieldError>> {
        let mut p = RowParser::new(&POST_FIELDS, cells);
        let area = {
            let r = refs
                .area("area", p.raw("area"), &["community"])
                .map(|a| (a.code.clone(), a.name.clone()));
            p.take(r)
        };
        let title = p.text("title", 50);
        let professional = match p.opt_flag("professional") {
            Some(b) => b,
            None => {
                if !p.errors.iter().any(|e| e.field == "professional") {
                    p.errors
                        .push(FieldError::new("professional", "err-required"));
                }
                false
            }
        };
        let committee = p.flag("committee", false);
        let holder_raw = cell::fix_excel_id(p.raw("holder_id_number"));
        let holder_id = match current {
            Some(c)
                if is_masked(&holder_raw)
                    && c.holder_masked.as_deref() == Some(holder_raw.as_str()) =>
            {
                c.holder_id
            }
            _ if holder_raw.is_empty() => None,
            _ => match CitizenId::parse(&holder_raw, refs.today) {
                Ok(id) => match app.pii.blind("id", id.as_str()) {
                    Ok(b) => match refs.workers.get(&b) {
                        Some(w) => Some(*w),
                        None => {
                            p.errors
                                .push(FieldError::new("holder_id_number", "err-worker-not-found"));
                            None
                        }
                    },
                    Err(_) => {
                        p.errors
                            .push(FieldError::new("holder_id_number", "err-internal"));
                        None
                    }
                },
                Err(mut e) => {
                    e.field = "holder_id_number".into();
                    p.errors.push(e);
                    None
                }
            },
        };
        let (area_code, area_name) = area.unwrap_or_default();
        p.finish(PostRow {
            id: current.map(|c| c.id).unwrap_or(0),
            area_code,
            area_name,
            title,
            professional,
            committee,
            holder_id,
            ..Default::default()
        })
    }

    fn keys(d: &PostRow) -> Vec<String> {
        vec![format!(
            "{}/{}",
            d.area_code,
            sanshe_domain::text::name_key(&d.title)
        )]
    }
    fn data_area(d: &PostRow) -> Option<&str> {
        Some(&d.area_code)
    }
    fn summary(d: &PostRow) -> String {
        format!(
            "{} ({}, professional: {}, holder: {})",
            d.title,
            d.area_code,
            d.professional,
            d.holder_id
                .map(|h| h.to_string())
                .unwrap_or_else(|| "-".into())
        )
    }
    fn row_id(r: &PostRow) -> i64 {
        r.id
    }
    fn row_area(r: &PostRow) -> Option<&str> {
        Some(&r.area_code)
    }
    fn row_label(r: &PostRow) -> String {
        format!("{} ({})", r.title, r.area_name)
    }
    fn row_key(r: &PostRow) -> String {
        format!("{}/{}", r.area_code, r.title)
    }
    fn cells(app: &App, tr: &Tr, r: &PostRow, reveal: bool) -> Vec<String> {
        // Revealed (an audited use case), the holder's ID number in full, so that an export
        // re-imports onto the same holders.
        let holder = match (&r.holder_cipher, reveal) {
            (Some(c), true) => app.pii.decrypt(c).unwrap_or_default(),
            _ => r.holder_masked.clone().unwrap_or_default(),
        };
        vec![
            r.area_code.clone(),
            r.title.clone(),
            crate::registry::yes_no(tr, r.professional),
            crate::registry::yes_no(tr, r.committee),
            holder,
        ]
    }

    async fn existing_for(
        conn: &mut Conn,
        keys: &[String],
    ) -> Result<Vec<(String, i64)>, StoreError> {
        sanshe_store::area_name_keys(conn, sanshe_store::AreaNamed::Posts, keys).await
    }
    async fn insert(conn: &mut Conn, d: &PostRow, demo: bool) -> Result<i64, StoreError> {
        let mut d = d.clone();
        d.demo = demo;
        store::insert_post(conn, &d).await
    }
    async fn update(conn: &mut Conn, id: i64, d: &PostRow) -> Result<bool, StoreError> {
        let mut d = d.clone();
        d.id = id;
        store::update_post(conn, &d).await
    }
    async fn delete(conn: &mut Conn, id: i64) -> Result<bool, StoreError> {
        store::delete_post(conn, id).await
    }
    async fn get(conn: &mut Conn, id: i64) -> Result<Option<PostRow>, StoreError> {
        store::get_post(conn, id).await
    }
    async fn list(
        _app: &App,
        conn: &mut Conn,
        actor: &Actor,
        q: &ListQuery,
        page: PageReq,
    ) -> Result<Paged<PostRow>, AppError> {
        let f = PostFilter {
            within: scoped_within(actor, &q.within),
            professional: q.flag("professional"),
            committee: q.flag("committee"),
            vacant: q.flag("vacant"),
            q: q.q.clone().filter(|s| !s.trim().is_empty()),
        };
        Ok(store::posts(conn, &f, page).await?)
    }
}
