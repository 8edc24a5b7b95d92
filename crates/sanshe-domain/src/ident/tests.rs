use super::*;

const TODAY: (i32, u32, u32) = (2024, 6, 1);

fn valid_credit(first17: &str) -> String {
    format!("{first17}{}", credit_check_char(first17).unwrap())
}

fn credit_err(raw: &str) -> FieldError {
    match CreditCode::parse(raw) {
        Ok(c) => panic!("{raw} accepted as {c}"),
        Err(e) => e,
    }
}

fn arg<'a>(e: &'a FieldError, name: &str) -> &'a str {
    e.args
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("{e} has no {name}"))
}

#[test]
fn credit_alphabet_and_weights() {
    assert_eq!(CREDIT_ALPHABET.len(), 31);
    for (i, w) in CREDIT_WEIGHTS.iter().enumerate() {
        assert_eq!(*w, 3u32.pow(i as u32) % 31);
    }
    for c in ['I', 'O', 'S', 'V', 'Z', 'a', '０'] {
        assert_eq!(credit_value(c), None, "{c}");
    }
    assert_eq!(credit_value('Y'), Some(30));
}

#[test]
fn credit_check_char_examples() {
    // Published example codes.
    assert_eq!(credit_check_char("91350100M000100Y4"), Some('3'));
    assert_eq!(credit_check_char("91110000802100433"), Some('B'));
    assert_eq!(credit_check_char("9135010"), None);
    assert_eq!(credit_check_char("91350100M000100Y43"), None);
    assert_eq!(credit_check_char("91350100M000100YI"), None);
    assert_eq!(credit_check_char("91350100m000100y4"), None);
    // Check value 0 (sum ≡ 0 mod 31) maps to '0', not to 31.
    let zero = (0..31u32)
        .map(|v| {
            format!(
                "5132041200000000{}",
                CREDIT_ALPHABET.chars().nth(v as usize).unwrap()
            )
        })
        .find(|s| credit_check_char(s) == Some('0'));
    assert!(zero.is_some());
}

#[test]
fn parses_valid_credit_codes() {
    let raw = valid_credit("51320412MJ5678901");
    let c = CreditCode::parse(&raw).unwrap();
    assert_eq!(c.as_str(), raw);
    assert_eq!(c.to_string(), raw);
    assert_eq!(c.authority(), '5');
    assert_eq!(c.org_type(), '1');
    assert_eq!(c.area_code(), "320412");
    assert_eq!(c.org_code(), "MJ5678901");
    assert_eq!(c.civil_affairs_kind(), Some("social_group"));
    assert_eq!(CreditCode::parse_civil_affairs(&raw).unwrap(), c);

    // Lower case, full-width and surrounding spaces.
    let lower = format!("  {}\u{3000}", raw.to_lowercase());
    assert_eq!(CreditCode::parse(&lower).unwrap(), c);
    let full: String = raw
        .chars()
        .map(|ch| char::from_u32(ch as u32 + 0xFEE0).unwrap())
        .collect();
    assert_eq!(CreditCode::parse(&full).unwrap(), c);

    let company = CreditCode::parse("91350100M000100Y43").unwrap();
    assert_eq!(company.authority(), '9');
    assert_eq!(company.civil_affairs_kind(), None);
}

#[test]
fn civil_affairs_kinds() {
    for (t, kind) in [
        ('1', "social_group"),
        ('2', "private_non_enterprise"),
        ('3', "foundation"),
        ('9', "other"),
    ] {
        let raw = valid_credit(&format!("5{t}100000MJ0000000"));
        let c = CreditCode::parse_civil_affairs(&raw).unwrap();
        assert_eq!(c.civil_affairs_kind(), Some(kind), "{raw}");
    }
    let raw = valid_credit("54100000MJ0000000");
    assert_eq!(CreditCode::parse(&raw).unwrap().civil_affairs_kind(), None);
    let e = CreditCode::parse_civil_affairs(&raw).unwrap_err();
    assert_eq!(
        (e.field.as_str(), e.code.as_str()),
        ("credit_code", "err-credit-type")
    );
    assert_eq!(arg(&e, "char"), "4");

    let e = CreditCode::parse_civil_affairs("91350100M000100Y43").unwrap_err();
    assert_eq!(e.code, "err-credit-authority");
    assert_eq!(arg(&e, "char"), "9");
    // Plain parse errors come through unchanged.
    assert_eq!(
        CreditCode::parse_civil_affairs("123").unwrap_err().code,
        "err-credit-length"
    );
}

#[test]
fn credit_code_errors() {
    assert_eq!(credit_err("").code, "err-required");
    assert_eq!(credit_err("  ").code, "err-required");
    assert_eq!(credit_err("").field, "credit_code");

    let e = credit_err("91350100M000100Y4");
    assert_eq!(e.code, "err-credit-length");
    assert_eq!(arg(&e, "len"), "17");
    let e = credit_err("91350100M000100Y433");
    assert_eq!(arg(&e, "len"), "19");
    assert_eq!(credit_err("91350100M0001中Y43").code, "err-credit-length");

    let e = credit_err("91350100M00010OY43");
    assert_eq!(e.code, "err-credit-char");
    assert_eq!(arg(&e, "char"), "O");
    assert_eq!(arg(&e, "pos"), "15");
    let e = credit_err("9135010 M000100Y43");
    assert_eq!((arg(&e, "char"), arg(&e, "pos")), (" ", "8"));
    let e = credit_err("9135010中M000100Y43");
    assert_eq!((arg(&e, "char"), arg(&e, "pos")), ("中", "8"));
    let e = credit_err("I1350100M000100Y43");
    assert_eq!((arg(&e, "char"), arg(&e, "pos")), ("I", "1"));

    let raw = valid_credit("913501A0M000100Y4");
    assert_eq!(credit_err(&raw).code, "err-credit-area");

    let e = credit_err("91350100M000100Y44");
    assert_eq!(e.code, "err-credit-check");
    assert_eq!(arg(&e, "expected"), "3");
    // Swapping two characters is caught.
    assert_eq!(credit_err("91351000M000100Y43").code, "err-credit-check");
}

fn id(first17: &str) -> String {
    format!("{first17}{}", id_check_char(first17).unwrap())
}

fn id_err(raw: &str) -> FieldError {
    match CitizenId::parse(raw, TODAY) {
        Ok(c) => panic!("{raw} accepted as {c:?}"),
        Err(e) => e,
    }
}

#[test]
fn id_check_chars() {
    assert_eq!(id_check_char("11010519491231002"), Some('X'));
    assert_eq!(id_check_char("44052418800101001"), Some('4'));
    assert_eq!(id_check_char("1101051949123100"), None);
    assert_eq!(id_check_char("1101051949123100X"), None);
    assert_eq!(id_check_char("１１０１０５１９４９１２３１００２"), None);
    // Every check character is reachable.
    let mut seen: Vec<char> = (0..1000)
        .filter_map(|n| id_check_char(&format!("32041219800101{n:03}")))
        .collect();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), 11);
}

#[test]
fn parses_valid_ids() {
    let raw = id("11010519491231002");
    assert_eq!(raw, "11010519491231002X");
    let c = CitizenId::parse(&raw, TODAY).unwrap();
    assert_eq!(c.as_str(), raw);
    assert_eq!(c.birth_date(), (1949, 12, 31));
    assert_eq!(c.gender(), Gender::Female);
    assert_eq!(c.gender().as_str(), "female");
    assert_eq!(c.masked(), "110105********002X");
    assert_eq!(c.masked().chars().count(), 18);
    assert_eq!(format!("{c:?}"), "CitizenId(110105********002X)");

    // Lower-case x, full-width digits, surrounding spaces.
    assert_eq!(CitizenId::parse(" 11010519491231002x ", TODAY).unwrap(), c);
    assert_eq!(
        CitizenId::parse("\u{3000}１１０１０５１９４９１２３１００２ｘ", TODAY).unwrap(),
        c
    );

    let male = CitizenId::parse(&id("32041219800101123"), TODAY).unwrap();
    assert_eq!(male.gender(), Gender::Male);
    assert_eq!(male.gender().as_str(), "male");

    // Leap day, the first accepted day, today, and the Taiwan/HK/abroad codes.
    for first17 in [
        "32041220000229001",
        "32041219000101001",
        "32041220240601001",
        "71000019800101001",
        "81000019800101001",
        "83000019800101001",
        "91000019800101001",
        "65010119800101001",
    ] {
        let raw = id(first17);
        assert!(CitizenId::parse(&raw, TODAY).is_ok(), "{raw}");
    }
    let leap = CitizenId::parse(&id("32041220000229001"), TODAY).unwrap();
    assert_eq!(leap.birth_date(), (2000, 2, 29));
}

#[test]
fn id_errors() {
    assert_eq!(id_err("").code, "err-required");
    assert_eq!(id_err("").field, "id_number");

    let e = id_err("110105490101002"); // 15-digit first generation
    assert_eq!(e.code, "err-id-length");
    assert_eq!(arg(&e, "len"), "15");
    assert_eq!(arg(&id_err("11010519491231002X1"), "len"), "19");

    let e = id_err("1101051949123100XX");
    assert_eq!(e.code, "err-id-char");
    assert_eq!((arg(&e, "char"), arg(&e, "pos")), ("X", "17"));
    let e = id_err("11010519491231002Y");
    assert_eq!((arg(&e, "char"), arg(&e, "pos")), ("Y", "18"));
    let e = id_err("110105 9491231002X");
    assert_eq!((arg(&e, "char"), arg(&e, "pos")), (" ", "7"));

    for first17 in [
        "00000019800101001",
        "10010119800101001",
        "16010119800101001",
        "24010119800101001",
        "38010119800101001",
        "47010119800101001",
        "55010119800101001",
        "66010119800101001",
        "72010119800101001",
        "84010119800101001",
        "90010119800101001",
        "99010119800101001",
    ] {
        assert_eq!(id_err(&id(first17)).code, "err-id-area", "{first17}");
    }

    for first17 in [
        "32041219000229001", // 1900 was not a leap year
        "32041220010229001",
        "32041219800230001",
        "32041219801301001",
        "32041219800001001",
        "32041219800100001",
        "32041219800132001",
        "32041218991231001", // before 1900
        "32041220240602001", // after today
        "32041230000101001",
    ] {
        assert_eq!(id_err(&id(first17)).code, "err-id-birth", "{first17}");
    }

    let e = id_err("110105194912310021");
    assert_eq!(e.code, "err-id-check");
    assert_eq!(arg(&e, "expected"), "X");
    let e = id_err("11010519491231003X");
    assert_eq!(e.code, "err-id-check");
}

#[test]
fn phones() {
    for (raw, norm, mobile) in [
        ("13800138000", "13800138000", true),
        ("138 0013 8000", "13800138000", true),
        ("138-0013-8000", "13800138000", true),
        ("１３８００１３８０００", "13800138000", true),
        ("+86 138 0013 8000", "13800138000", true),
        ("0086-13800138000", "13800138000", true),
        ("8613800138000", "13800138000", true),
        ("19912345678", "19912345678", true),
        ("0512-68881234", "051268881234", false),
        ("051268881234", "051268881234", false),
        ("010-12345678", "01012345678", false),
        ("(0512) 6888 1234", "051268881234", false),
        ("0512－6888123", "05126888123", false),
        ("010-1234567", "0101234567", false),
    ] {
        let p = Phone::parse(raw).unwrap();
        assert_eq!(p.as_str(), norm, "{raw}");
        assert_eq!(p.is_mobile(), mobile, "{raw}");
    }
    assert_eq!(Phone::parse("").unwrap_err().code, "err-required");
    for bad in [
        "12800138000",  // 12x is not a mobile prefix
        "1380013800",   // 10 digits
        "138001380001", // 12 digits
        "23800138000",
        "1380013800O",
        "0012345678",    // international prefix
        "051268",        // too short
        "0512688812345", // 13 digits
        "110",
        "12345",
        "phone",
        "0512-6888-1234 转 801",
    ] {
        let e = Phone::parse(bad).unwrap_err();
        assert_eq!(
            (e.field.as_str(), e.code.as_str()),
            ("phone", "err-phone"),
            "{bad}"
        );
    }
    let p = Phone::parse("13800138000").unwrap();
    assert_eq!(p.masked(), "138****8000");
    assert_eq!(format!("{p:?}"), "Phone(138****8000)");
}

#[test]
fn masking_phones() {
    assert_eq!(mask_phone("13812341234"), "138****1234");
    assert_eq!(mask_phone("138 1234 1234"), "138****1234");
    assert_eq!(mask_phone("+8613812341234"), "138****1234");
    assert_eq!(mask_phone("0512-68881234"), "********1234");
    assert_eq!(mask_phone("12345"), "*2345");
    assert_eq!(mask_phone("1234"), "****");
    assert_eq!(mask_phone("110"), "***");
    assert_eq!(mask_phone(""), "");
    assert_eq!(mask_phone("电话12345"), "***2345");
}
