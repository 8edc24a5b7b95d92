//! Random but plausible values for generated records: a seeded generator, names, ID
//! numbers and credit codes with valid check characters, dates.

use sanshe_domain::ident::{credit_check_char, id_check_char};

pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next_u64() % ((hi - lo + 1) as u64)) as i64
    }
    /// True with probability `p` per cent.
    pub fn chance(&mut self, p: i64) -> bool {
        self.range(0, 99) < p
    }
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.next_u64() as usize % xs.len()]
    }
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "蒋", "蔡", "钱", "汤", "恽", "薛", "顾", "陆",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀英", "霞", "平", "刚", "桂英", "建华", "晓燕", "志强", "海燕", "丽娟", "春梅", "文博",
    "雨欣", "子涵", "思远", "佳怡", "浩然", "梦婷", "俊杰", "欣怡", "晨曦", "国平", "红梅",
];
pub(super) const ORG_WORDS: &[&str] = &[
    "邻里互助",
    "银龄志愿",
    "书香",
    "夕阳红",
    "巧手",
    "和美调解",
    "乐活健身",
    "红马甲",
    "阳光助残",
    "亲子成长",
    "四点半课堂",
    "睦邻",
    "文艺",
    "平安巡防",
    "环保",
    "老兵",
    "法律援助",
    "心理关爱",
    "非遗传承",
    "农技服务",
];
pub(super) const ORG_SUFFIX: &[&str] = &["服务队", "协会", "志愿队", "工作室", "俱乐部", "互助会"];
pub(super) const FUNCTIONS: &[&str] = &[
    "议事协商",
    "养老服务",
    "托育服务",
    "文化活动",
    "图书阅览",
    "就业服务",
    "法律咨询",
    "卫生健康",
    "志愿服务",
    "调解",
    "便民服务",
];
pub(super) const CPD_TOPICS: &[&str] = &[
    "社会工作伦理与实务",
    "社区治理创新",
    "老年社会工作",
    "儿童保护",
    "个案管理",
    "小组工作技巧",
    "社区营造",
    "政府购买服务项目管理",
    "危机干预",
    "督导实务",
];

pub fn person_name(rng: &mut Rng) -> String {
    format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN))
}

/// A valid 18-digit ID number from an area prefix, a birth date and a sequence number.
pub fn citizen_id(area6: &str, (y, m, d): (i32, u32, u32), seq: u32, female: bool) -> String {
    let seq = (seq % 500) * 2 + if female { 0 } else { 1 };
    let first = format!("{area6}{y:04}{m:02}{d:02}{seq:03}");
    let c = id_check_char(&first).unwrap_or('0');
    format!("{first}{c}")
}

/// A valid civil-affairs credit code: authority 5, type digit, area, a 9-character org code.
pub fn credit_code(type_digit: char, area6: &str, n: u64) -> String {
    const CHARS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    let mut org = String::from("MJ");
    let mut x = n;
    for _ in 0..7 {
        org.push(char::from(CHARS[(x % 31) as usize]));
        x /= 31;
    }
    let first = format!("5{type_digit}{area6}{org}");
    let c = credit_check_char(&first).unwrap_or('0');
    format!("{first}{c}")
}

pub(super) fn date(rng: &mut Rng, y0: i32, y1: i32) -> (i32, u32, u32) {
    (
        rng.range(y0 as i64, y1 as i64) as i32,
        rng.range(1, 12) as u32,
        rng.range(1, 28) as u32,
    )
}

pub(super) fn ds(d: (i32, u32, u32)) -> String {
    sanshe_domain::cell::date_to_string(d)
}

/// Daily opening of an hours string, by the rule the target uses.
pub(super) fn daily(hours: &str) -> i64 {
    sanshe_domain::registry::WeekHours::parse(hours)
        .map(|w| w.daily_minutes())
        .unwrap_or(0)
}
