//! Community service facilities: street/town comprehensive centers, community service
//! stations, special facilities and service points, with area, opening hours and photos.

use crate::authz::Perm;
use crate::i18n::Tr;
use crate::registry::{
    field, field_a, m2, scoped_within, texts, Cell, FilterDef, Input, ListQuery, Refs, Registry,
    RowParser, Section,
};
use crate::{Actor, App, AppError};
use sanshe_domain::audit::{Action, Outcome};
use sanshe_domain::registry::{WeekHours, FACILITY_KIND, FACILITY_STATUS};
use sanshe_domain::FieldError;
use sanshe_store::facilities::{
    self as store, FacilityData, FacilityFilter, FacilityRow, FacilitySort,
};
use sanshe_store::{Conn, PageReq, Paged, StoreError};

pub struct Facilities;

static FIELDS: [crate::registry::Field; 8] = [
    field_a(
        "area",
        "所属区划",
        &["区划代码", "所属社区", "社区", "街道", "areacode"],
        true,
        Input::Area(&["street", "community"]),
    ),
    field_a("name", "设施名称", &["名称"], true, Input::Text(100)),
    field_a(
        "kind",
        "设施类型",
        &["类型", "type"],
        true,
        Input::Select(&FACILITY_KIND),
    ),
    field_a(
        "area_m2",
        "面积",
        &["建筑面积", "使用面积", "areasqm", "area(m2)"],
        true,
        Input::Decimal(MAX_AREA_CENTI / 100),
    ),
    field("address", "地址", false, Input::Text(200)),
    field_a(
        "hours",
        "开放时间",
        &["开放时间（周一至周日）", "openinghours"],
        false,
        Input::Hours,
    ),
    field_a(
        "functions",
        "服务功能",
        &["功能"],
        false,
        Input::LongText(500),
    ),
    field("status", "状态", false, Input::Select(&FACILITY_STATUS)),
];

static FILTERS: [FilterDef; 2] = [
    FilterDef {
        key: "kind",
        input: Input::Select(&FACILITY_KIND),
    },
    FilterDef {
        key: "status",
        input: Input::Select(&FACILITY_STATUS),
    },
];

/// A largest plausible facility: 1,000,000 m².
const MAX_AREA_CENTI: i64 = 100_000_000;

impl Registry for Facilities {
    const API_SEGMENT: &'static str = "facilities";
    const API_SCHEMA: &'static str = "Facility";
    const EXAMPLE: &'static [&'static str] = &[
        "320412100002",
        "示例社区党群服务中心",
        "城乡社区综合服务站",
        "650",
        "示例路1号",
        "08:30-17:30,08:30-17:30,08:30-17:30,08:30-17:30,08:30-17:30,09:00-12:00,休",
        "议事协商、养老服务、文化活动",
        "在用",
    ];
    type Data = FacilityData;
    type Row = FacilityRow;
    const KIND: &'static str = "facilities";
    const OBJECT: &'static str = "facility";
    const READ: Perm = Perm::FacilityRead;
    const WRITE: Perm = Perm::FacilityWrite;

    fn fields() -> &'static [crate::registry::Field] {
        &FIELDS
    }
    fn filters() -> &'static [FilterDef] {
        &FILTERS
    }
    fn sorts() -> &'static [&'static str] {
        &["area", "name", "size", "updated"]
    }
    fn list_headers() -> &'static [&'static str] {
        &[
            "f-name",
            "f-area",
            "f-kind",
            "f-area_m2",
            "col-daily-hours",
            "f-status",
        ]
    }
    fn list_cells(tr: &Tr, r: &FacilityRow) -> Vec<String> {
        vec![
            r.name.clone(),
            r.area_name.clone(),
            tr.t(&FACILITY_KIND.label_key(&r.kind)).to_owned(),
            m2(r.area_m2_centi),
            hours_text(r.daily_minutes),
            tr.t(&FACILITY_STATUS.label_key(&r.status)).to_owned(),
        ]
    }

    fn parse(
        _app: &App,
        _actor: &Actor,
        refs: &Refs,
        cells: &[String],
        _current: Option<&FacilityRow>,
    ) -> Result<FacilityData, Vec<FieldError>> {
        let mut p = RowParser::new(&FIELDS, cells);
        let area = {
            let r = refs
                .area("area", p.raw("area"), &["street", "community"])
                .map(|a| (a.code.clone(), a.level.clone()));
            p.take(r)
        };
        let name = p.text("name", 100);
        let kind = p.vocab("kind", &FACILITY_KIND, None);
        let area_m2_centi = p
            .decimal_centi("area_m2", MAX_AREA_CENTI, true)
            .unwrap_or(0);
        let address = p.opt_text("address", 200);
        let hours = match WeekHours::parse(p.raw("hours")) {
            Ok(w) => w,
            Err(k) => {
                p.errors.push(FieldError::new("hours", k));
                WeekHours::default()
            }
        };
        let functions = p.opt_text("functions", 500).unwrap_or_default();
        let status = p.vocab("status", &FACILITY_STATUS, Some("active"));
        // A comprehensive center serves a street/town; a station serves a community.
        if let Some((_, level)) = &area {
            let want = match kind.as_str() {
                "center" => Some(("street", "err-facility-center-level")),
                "station" => Some(("community", "err-facility-station-level")),
                _ => None,
            };
            if let Some((w, key)) = want {
                if w != level {
                    p.errors.push(FieldError::new("kind", key));
                }
            }
        }
        let (area_code, _) = area.unwrap_or_default();
        p.finish(FacilityData {
            area_code,
            name,
            kind,
            area_m2_centi,
            address,
            daily_minutes: hours.daily_minutes(),
            hours: hours.to_storage(),
            functions,
            status,
            demo: false,
        })
    }

    fn keys(d: &FacilityData) -> Vec<String> {
        vec![format!(
            "{}/{}",
            d.area_code,
            sanshe_domain::text::name_key(&d.name)
        )]
    }
    fn data_area(d: &FacilityData) -> Option<&str> {
        Some(&d.area_code)
    }
    fn summary(d: &FacilityData) -> String {
        format!(
            "{} ({}, {}, {} m²)",
            d.name,
            d.area_code,
            d.kind,
            m2(d.area_m2_centi)
        )
    }
    fn row_id(r: &FacilityRow) -> i64 {
        r.id
    }
    fn row_area(r: &FacilityRow) -> Option<&str> {
        Some(&r.area_code)
    }
    fn row_label(r: &FacilityRow) -> String {
        format!("{} ({})", r.name, r.area_name)
    }
    fn row_key(r: &FacilityRow) -> String {
        format!("{}/{}", r.area_code, r.name)
    }
    fn cells(_app: &App, tr: &Tr, r: &FacilityRow, _reveal: bool) -> Vec<String> {
        vec![
            r.area_code.clone(),
            r.name.clone(),
            tr.t(&FACILITY_KIND.label_key(&r.kind)).to_owned(),
            m2(r.area_m2_centi),
            r.address.clone().unwrap_or_default(),
            r.hours.clone(),
            r.functions.clone(),
            tr.t(&FACILITY_STATUS.label_key(&r.status)).to_owned(),
        ]
    }

    async fn existing_for(
        conn: &mut Conn,
        keys: &[String],
    ) -> Result<Vec<(String, i64)>, StoreError> {
        sanshe_store::area_name_keys(conn, sanshe_store::AreaNamed::Facilities, keys).await
    }
    async fn insert(conn: &mut Conn, d: &FacilityData, demo: bool) -> Result<i64, StoreError> {
        let mut d = d.clone();
        d.demo = demo;
        store::insert(conn, &d).await
    }
    async fn insert_batch(
        conn: &mut Conn,
        ds: &[FacilityData],
        demo: bool,
    ) -> Result<Vec<i64>, StoreError> {
        if ds.iter().any(|d| d.demo != demo) {
            let ds: Vec<FacilityData> = ds
                .iter()
                .map(|d| FacilityData { demo, ..d.clone() })
                .collect();
            return store::insert_many(conn, &ds).await;
        }
        store::insert_many(conn, ds).await
    }
    async fn update(conn: &mut Conn, id: i64, d: &FacilityData) -> Result<bool, StoreError> {
        store::update(conn, id, d).await
    }
    async fn delete(conn: &mut Conn, id: i64) -> Result<bool, StoreError> {
        store::delete(conn, id).await
    }
    async fn get(conn: &mut Conn, id: i64) -> Result<Option<FacilityRow>, StoreError> {
        store::get(conn, id).await
    }
    async fn list(
        _app: &App,
        conn: &mut Conn,
        actor: &Actor,
        q: &ListQuery,
        page: PageReq,
    ) -> Result<Paged<FacilityRow>, AppError> {
        let f = FacilityFilter {
            within: scoped_within(actor, &q.within),
            kind: q.choice("kind", &FACILITY_KIND),
            status: q.choice("status", &FACILITY_STATUS),
            q: q.q.clone().filter(|s| !s.trim().is_empty()),
        };
        Ok(store::list(conn, &f, FacilitySort::parse(q.sort.as_deref()), page).await?)
    }
    async fn files(
        app: &App,
        conn: &mut Conn,
        id: i64,
    ) -> Result<Vec<std::path::PathBuf>, StoreError> {
        Ok(store::photos(conn, id)
            .await?
            .into_iter()
            .map(|p| app.settings.data_dir.join(p.stored_name))
            .collect())
    }
    async fn sections(
        _app: &App,
        conn: &mut Conn,
        r: &FacilityRow,
    ) -> Result<Vec<Section>, AppError> {
        let days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
        let rows = match WeekHours::parse(&r.hours) {
            Ok(w) => days
                .iter()
                .zip(w.days.iter())
                .map(|(d, h)| {
                    // Locale keys for the two kinds of blank: a closed day, no hours given.
                    let h = match (h.is_empty(), r.hours.trim().is_empty()) {
                        (false, _) => Cell::Text(h.clone()),
                        (true, false) => Cell::Key("hours-closed".to_owned()),
                        (true, true) => Cell::Key("hours-not-given".to_owned()),
                    };
                    vec![Cell::Key(format!("day-{d}")), h]
                })
                .collect(),
            // Stored before today's rules: shown as it is rather than as seven closed days.
            Err(_) => vec![vec![
                Cell::Key("f-hours".to_owned()),
                Cell::Text(r.hours.clone()),
            ]],
        };
        let hours = Section {
            title_key: "facility-hours-title",
            headers: vec!["col-day", "f-hours"],
            rows,
            links: vec![],
            delete_links: vec![],
            export: None,
        };
        let photos = store::photos(conn, r.id).await?;
        let photos = Section {
            title_key: "facility-photos-title",
            headers: vec!["col-file", "col-size"],
            rows: photos
                .iter()
                .map(|p| {
                    texts(vec![
                        p.file_name.clone(),
                        format!("{} KB", (p.size + 1023) / 1024),
                    ])
                })
                .collect(),
            links: photos
                .iter()
                .map(|p| format!("/facilities/{}/photos/{}", r.id, p.id))
                .collect(),
            delete_links: photos
                .iter()
                .map(|p| format!("/facilities/{}/photos/{}/delete", r.id, p.id))
                .collect(),
            export: None,
        };
        Ok(vec![hours, photos])
    }
}

/// Daily opening as `8.5 h` (empty when unknown).
pub fn hours_text(minutes: i64) -> String {
    if minutes <= 0 {
        return String::new();
    }
    if minutes % 60 == 0 {
        format!("{} h", minutes / 60)
    } else {
        format!("{:.1} h", minutes as f64 / 60.0)
    }
}

/// Stores a photo as an attachment of the facility (type sniffed, size limited, SM3 digest
/// recorded); audited. A file whose record does not commit is removed again.
pub async fn add_photo(
    app: &App,
    ctx: &crate::Ctx,
    facility_id: i64,
    file_name: &str,
    bytes: &[u8],
) -> Result<i64, AppError> {
    let actor = ctx.actor()?;
    let f = crate::registry::get::<Facilities>(app, ctx, facility_id).await?;
    if !Facilities::can_write(actor, &f) {
        return Err(AppError::Forbidden);
    }
    let saved = crate::attachments::save(
        app,
        "photo",
        file_name,
        bytes,
        crate::attachments::Accept::Images,
    )?;
    let stored = saved.stored_name.clone();
    let written = async {
        let mut tx = crate::uow::Uow::begin(app).await?;
        let id = store::add_photo(
            &mut tx,
            &store::PhotoRow {
                id: 0,
                facility_id,
                file_name: saved.file_name.clone(),
                stored_name: saved.stored_name.clone(),
                content_type: saved.content_type.clone(),
                size: saved.size,
            },
            &saved.sm3,
            actor.user_id,
        )
        .await?;
        tx.commit(ctx.audit_entry(
            Action::FacilityPhotoAdd,
            Some(facility_id.to_string()),
            format!("photo {stored} ({} bytes, SM3 {})", saved.size, saved.sm3),
            Outcome::Success,
        ))
        .await?;
        Ok::<i64, AppError>(id)
    }
    .await;
    if written.is_err() {
        crate::attachments::discard(app, &saved);
    }
    written
}

/// A photo's bytes and content type, if the actor may see the facility.
pub async fn photo(
    app: &App,
    ctx: &crate::Ctx,
    facility_id: i64,
    photo_id: i64,
) -> Result<(String, Vec<u8>), AppError> {
    crate::registry::get::<Facilities>(app, ctx, facility_id).await?;
    let mut c = app.db.acquire().await?;
    let p = store::photos(&mut c, facility_id)
        .await?
        .into_iter()
        .find(|p| p.id == photo_id)
        .ok_or(AppError::NotFound)?;
    let bytes = crate::attachments::read(app, &p.stored_name)?;
    Ok((p.content_type, bytes))
}

/// A facility's photos (metadata), if the actor may see the facility.
pub async fn photos(
    app: &App,
    ctx: &crate::Ctx,
    facility_id: i64,
) -> Result<Vec<store::PhotoRow>, AppError> {
    crate::registry::get::<Facilities>(app, ctx, facility_id).await?;
    let mut c = app.db.acquire().await?;
    Ok(store::photos(&mut c, facility_id).await?)
}

/// Removes a photo (record and file); audited. The record goes first, in a transaction
/// with its audit entry; the file is removed after the commit, so a failure never leaves a
/// record pointing at a missing file.
pub async fn delete_photo(
    app: &App,
    ctx: &crate::Ctx,
    facility_id: i64,
    photo_id: i64,
) -> Result<(), AppError> {
    let actor = ctx.actor()?;
    let f = crate::registry::get::<Facilities>(app, ctx, facility_id).await?;
    if !Facilities::can_write(actor, &f) {
        return Err(AppError::Forbidden);
    }
    let mut tx = crate::uow::Uow::begin(app).await?;
    let p = store::photos(&mut tx, facility_id)
        .await?
        .into_iter()
        .find(|p| p.id == photo_id)
        .ok_or(AppError::NotFound)?;
    if !store::delete_photo(&mut tx, facility_id, photo_id).await? {
        // Deleted by a concurrent request a moment ago.
        return Err(AppError::NotFound);
    }
    tx.commit(ctx.audit_entry(
        Action::FacilityPhotoDelete,
        Some(facility_id.to_string()),
        format!("photo {} ({})", p.stored_name, p.file_name),
        Outcome::Success,
    ))
    .await?;
    // Best effort: an orphaned file is harmless, a dangling record is not.
    crate::attachments::remove(app, &p.stored_name);
    Ok(())
}
