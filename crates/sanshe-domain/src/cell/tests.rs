use super::*;

#[test]
fn halfwidth_and_normalize_text() {
    assert_eq!(halfwidth('Ａ'), 'A');
    assert_eq!(halfwidth('！'), '!');
    assert_eq!(halfwidth('～'), '~');
    assert_eq!(halfwidth('\u{3000}'), ' ');
    assert_eq!(halfwidth('中'), '中');
    assert_eq!(
        normalize_text("\u{FEFF}  ＡＢＣ\u{3000}\u{3000}有限\u{200B}公司 \t\n x "),
        "ABC 有限公司 x"
    );
    assert_eq!(normalize_text(" \u{3000}\u{200D} "), "");
    assert_eq!(normalize_text("１２３，４５６"), "123,456");
}

#[test]
fn bools() {
    for t in [
        "是",
        "有",
        "Y",
        "y",
        "Yes",
        "YES",
        "true",
        "TRUE",
        "1",
        "√",
        "对",
        "✓",
        " ｙｅｓ ",
    ] {
        assert_eq!(parse_bool(t), Ok(Some(true)), "{t}");
    }
    for f in [
        "否", "无", "N", "n", "no", "No", "false", "False", "0", "×", "错", "✗", "０",
    ] {
        assert_eq!(parse_bool(f), Ok(Some(false)), "{f}");
    }
    for e in ["", "  ", "\u{3000}", "\u{FEFF}"] {
        assert_eq!(parse_bool(e), Ok(None), "{e:?}");
    }
    for bad in ["x", "2", "maybe", "是否", "yes no", "-"] {
        assert_eq!(parse_bool(bad), Err("err-cell-bool"), "{bad}");
    }
}

#[test]
fn calendar() {
    assert!(is_valid_date(2000, 2, 29));
    assert!(is_valid_date(2024, 2, 29));
    assert!(!is_valid_date(1900, 2, 29));
    assert!(!is_valid_date(2001, 2, 29));
    assert!(!is_valid_date(2100, 2, 29));
    assert!(!is_valid_date(2018, 4, 31));
    assert!(!is_valid_date(2018, 13, 1));
    assert!(!is_valid_date(2018, 0, 1));
    assert!(!is_valid_date(2018, 1, 0));
    assert!(is_valid_date(2018, 12, 31));

    assert_eq!(days_from_civil(1970, 1, 1), 0);
    assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    assert_eq!(days_from_civil(1969, 12, 31), -1);
    assert_eq!(civil_from_days(0), (1970, 1, 1));
    assert_eq!(civil_from_days(-1), (1969, 12, 31));
    assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    for z in (-800_000..800_000).step_by(997) {
        let (y, m, d) = civil_from_days(z);
        assert!(is_valid_date(y, m, d), "{z}");
        assert_eq!(days_from_civil(y, m, d), z);
    }
    assert_eq!(date_to_string((2018, 9, 10)), "2018-09-10");
    assert_eq!(date_to_string((1900, 1, 1)), "1900-01-01");
}

fn date(s: &str) -> (i32, u32, u32) {
    match parse_date(s) {
        Ok(Some(d)) => d,
        other => panic!("{s}: {other:?}"),
    }
}

#[test]
fn dates_in_every_written_form() {
    for s in [
        "2018-09-10",
        "2018-9-10",
        "2018/9/10",
        "2018/09/10",
        "2018.9.10",
        "2018年9月10日",
        "2018年09月10日",
        "2018年9月10号",
        "2018 年 9 月 10 日",
        "2018年9月10",
        "２０１８－０９－１０",
        "２０１８年９月１０日",
        "20180910",
        "20180910.0",
        "2018-09-10 00:00:00",
        "2018-09-10 8:30",
        "2018-09-10T00:00:00",
        "2018/9/10 0:00:00.000",
        "2018年9月10日 08:00",
        "2018年9月10日08:00",
        " 2018-09-10\u{FEFF} ",
    ] {
        assert_eq!(date(s), (2018, 9, 10), "{s}");
    }
    assert_eq!(date("2000-02-29"), (2000, 2, 29));
    assert_eq!(parse_date(""), Ok(None));
    assert_eq!(parse_date(" \u{3000} "), Ok(None));
}

#[test]
fn excel_serial_dates() {
    assert_eq!(date("43353"), (2018, 9, 10));
    assert_eq!(date("43353.0"), (2018, 9, 10));
    assert_eq!(date("43353.75"), (2018, 9, 10)); // 18:00
    assert_eq!(date("1"), (1900, 1, 1));
    assert_eq!(date("59"), (1900, 2, 28));
    assert_eq!(parse_date("60"), Err("err-cell-date")); // Excel's fake 1900-02-29
    assert_eq!(date("61"), (1900, 3, 1));
    assert_eq!(date("36526"), (2000, 1, 1));
    assert_eq!(date("45292"), (2024, 1, 1));
    assert_eq!(date("2958465"), (9999, 12, 31));
    assert_eq!(date("1899"), (1905, 3, 13));
    for bad in ["0", "2958466", "9999999", "2018", "1900", "2100", "2018.9"] {
        assert_eq!(parse_date(bad), Err("err-cell-date"), "{bad}");
    }
}

#[test]
fn invalid_dates() {
    for bad in [
        "1900-02-29",
        "2001-02-29",
        "2018-02-30",
        "2018-04-31",
        "2018-13-01",
        "2018-00-10",
        "2018-09-00",
        "20181301",
        "20010229",
        "20180910.5",
        "2018-9/10",
        "2018-09",
        "2018-09-10-01",
        "18-9-10",
        "0018-09-10",
        "2018-009-10",
        "2018--10",
        "10/9/2018",
        "2018年9月",
        "2018.",
        ".5",
        "2018-09-10 noon",
        "2018-09-10 12:00 extra",
        "2018-09-10 123:00",
        "next tuesday",
        "2018_09_10",
        "43353.x",
        "-43353",
    ] {
        assert_eq!(parse_date(bad), Err("err-cell-date"), "{bad}");
    }
}

#[test]
fn ints() {
    for (s, v) in [
        ("0", 0),
        ("42", 42),
        ("４２", 42),
        ("1,234", 1234),
        ("1，234，567", 1_234_567),
        ("12.0", 12),
        ("12.00", 12),
        ("1,234.0", 1234),
        (" 7 ", 7),
        ("-5", -5),
        ("+5", 5),
        ("－5", -5),
        ("9223372036854775807", i64::MAX),
    ] {
        assert_eq!(parse_int(s), Ok(Some(v)), "{s}");
    }
    assert_eq!(parse_int(""), Ok(None));
    assert_eq!(parse_int("\u{3000}"), Ok(None));
    for bad in [
        "1.5",
        "12.",
        "12.01",
        ".0",
        "abc",
        "12a",
        "1,23",
        "12,34",
        "1234,567",
        ",123",
        "123,",
        "1,,234",
        "1 234",
        "--5",
        "-",
        "9223372036854775808",
        "1e3",
        "十二",
    ] {
        assert_eq!(parse_int(bad), Err("err-cell-int"), "{bad}");
    }
}

#[test]
fn decimals_in_hundredths() {
    for (s, v) in [
        ("1,234.5", 123_450),
        ("600㎡", 60_000),
        ("600 ㎡", 60_000),
        ("600m²", 60_000),
        ("600M²", 60_000),
        ("600m2", 60_000),
        ("600平方米", 60_000),
        ("600平米", 60_000),
        ("12.34元", 1234),
        ("¥12.34", 1234),
        ("￥1,000元", 100_000),
        ("0.5", 50),
        ("0.05", 5),
        ("12", 1200),
        ("12.0", 1200),
        ("12.340", 1234),
        ("１２.３", 1230),
        ("-3.5", -350),
        ("0", 0),
    ] {
        assert_eq!(parse_decimal_centi(s), Ok(Some(v)), "{s}");
    }
    assert_eq!(parse_decimal_centi(""), Ok(None));
    assert_eq!(parse_decimal_centi("  "), Ok(None));
    for bad in [
        "12.345",
        "12.341",
        "12.",
        ".5",
        "㎡",
        "元",
        "1.5万元",
        "12..3",
        "1.2.3",
        "12,34",
        "abc",
        "12 ㎡ ㎡",
        "12㎡元",
        "92233720368547758.08",
        "1e3",
    ] {
        assert_eq!(parse_decimal_centi(bad), Err("err-cell-number"), "{bad}");
    }
}

#[test]
fn excel_ids() {
    assert_eq!(fix_excel_id("320412198001011234"), "320412198001011234");
    assert_eq!(fix_excel_id("'320412198001011234"), "320412198001011234");
    assert_eq!(fix_excel_id("＇32041219800101123x"), "32041219800101123X");
    assert_eq!(fix_excel_id(" 320412 19800101 1234 "), "320412198001011234");
    assert_eq!(fix_excel_id("320412198001011234.0"), "320412198001011234");
    assert_eq!(
        fix_excel_id("３２０４１２１９８００１０１１２３ｘ"),
        "32041219800101123X"
    );
    assert_eq!(
        fix_excel_id("\u{FEFF}91350100m000100y43"),
        "91350100M000100Y43"
    );
    assert_eq!(fix_excel_id("3.20412198001011E+17"), "3.20412198001011E+17");
    assert_eq!(
        fix_excel_id(" 3.20412198001011e+17 "),
        "3.20412198001011e+17"
    );
    assert_eq!(fix_excel_id("3E17"), "3E17");
    assert_eq!(fix_excel_id(""), "");
    // Only an all-digit number loses its `.0`.
    assert_eq!(fix_excel_id("12X.0"), "12X.0");
}

/// The shortcut for cells already in normal form gives what the full mapping gives, for
/// every string of up to four characters drawn from the troublesome ones.
#[test]
fn the_normal_form_shortcut_agrees_with_the_mapping() {
    let alphabet = [
        'a', ' ', '\u{3000}', '\t', '\n', '\u{200B}', '\u{FEFF}', 'Ａ', '１', '社', '（',
        '\u{00A0}',
    ];
    let n = alphabet.len();
    for len in 0..=4u32 {
        for mut i in 0..n.pow(len) {
            let mut s = String::new();
            for _ in 0..len {
                s.push(alphabet[i % n]);
                i /= n;
            }
            assert_eq!(normalize_text(&s), super::normalize_mapped(&s), "{s:?}");
        }
    }
}
