//! The social-worker registry's columns and list filters.

use crate::registry::{field, field_a, FilterDef, Input};
use sanshe_domain::registry::{CERT_LEVEL, EMPLOYER_KIND, WORKER_STATUS};

pub(super) static FIELDS: [crate::registry::Field; 15] = [
    field_a("name", "姓名", &["社工姓名"], true, Input::Text(50)),
    field_a(
        "id_number",
        "身份证号",
        &["身份证号码", "公民身份号码", "证件号码", "身份证"],
        true,
        Input::Secret,
    ),
    field_a(
        "phone",
        "联系电话",
        &["手机", "手机号", "电话", "手机号码"],
        false,
        Input::Secret,
    ),
    field_a(
        "area",
        "所在社区",
        &["所属社区", "工作社区", "区划代码"],
        false,
        Input::Area(&[]),
    ),
    field_a(
        "employer",
        "工作单位",
        &["单位", "所在机构"],
        false,
        Input::Org,
    ),
    field(
        "employer_kind",
        "单位类型",
        false,
        Input::Select(&EMPLOYER_KIND),
    ),
    field_a(
        "cert_level",
        "证书等级",
        &["职业水平等级", "资格等级", "证书级别"],
        false,
        Input::Select(&CERT_LEVEL),
    ),
    field_a("cert_no", "证书编号", &["证书号"], false, Input::Text(50)),
    field_a(
        "cert_year",
        "取证年份",
        &["取得证书年份", "发证年份"],
        false,
        Input::Int(1990, 2100),
    ),
    field_a(
        "committee_member",
        "社区两委成员",
        &["两委成员", "是否两委成员"],
        false,
        Input::Bool,
    ),
    field_a(
        "fulltime",
        "专职社区工作者",
        &["是否专职"],
        false,
        Input::Bool,
    ),
    field_a(
        "project_staff",
        "项目人员",
        &["是否项目人员"],
        false,
        Input::Bool,
    ),
    field_a(
        "registration_start",
        "注册日期",
        &["登记日期", "注册时间"],
        false,
        Input::Date,
    ),
    field_a(
        "registration_no",
        "注册证号",
        &["登记证号", "注册编号"],
        false,
        Input::Text(50),
    ),
    field("status", "状态", false, Input::Select(&WORKER_STATUS)),
];

pub(super) static FILTERS: [FilterDef; 6] = [
    FilterDef {
        key: "cert_level",
        input: Input::Select(&CERT_LEVEL),
    },
    FilterDef {
        key: "certified",
        input: Input::Bool,
    },
    FilterDef {
        key: "committee_member",
        input: Input::Bool,
    },
    FilterDef {
        key: "status",
        input: Input::Select(&WORKER_STATUS),
    },
    FilterDef {
        key: "expiring",
        input: Input::Bool,
    },
    FilterDef {
        key: "cpd_short",
        input: Input::Bool,
    },
];
