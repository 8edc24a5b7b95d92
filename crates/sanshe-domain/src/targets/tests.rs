use super::*;

fn get<'a>(rs: &'a [TargetResult], k: &str) -> &'a TargetResult {
    rs.iter().find(|r| r.key == k).unwrap_or(&rs[0])
}

#[test]
fn default_profile_is_the_2018_policy() {
    let p = PolicyProfile::default();
    assert_eq!(p.facility_area_per_1000, 100.0);
    assert_eq!(p.facility_area_total, 600.0);
    assert_eq!(p.orgs_per_community_urban, 10.0);
    assert_eq!(p.orgs_per_community_rural, 5.0);
    assert_eq!(p.committee_certified_share_urban, 80.0);
    assert!(p.validate().is_ok());
    let bad = PolicyProfile {
        incubation_base_share: 120.0,
        registration_years: 0,
        ..PolicyProfile::default()
    };
    assert_eq!(bad.validate().map_err(|e| e.len()), Err(2));
}

#[test]
fn evaluates_counts() {
    let c = TargetCounts {
        urban: CommunityCounts {
            communities: 2,
            residents: 10_000,
            facility_area_centi: 9_000_000,
            communities_area_ok: 2,
            communities_with_station: 2,
            comprehensive_facilities: 2,
            comprehensive_hours_ok: 1,
            community_orgs: 24,
            posts: 10,
            professional_posts: 3,
            committee_members: 10,
            committee_certified: 7,
        },
        rural: CommunityCounts {
            communities: 1,
            residents: 2_000,
            facility_area_centi: 10_000,
            communities_area_ok: 0,
            communities_with_station: 0,
            community_orgs: 5,
            posts: 5,
            professional_posts: 1,
            ..Default::default()
        },
        streets: StreetCounts {
            streets: 2,
            streets_with_center: 1,
            streets_with_incubation_base: 1,
            ..Default::default()
        },
    };
    let rs = evaluate(&c, &PolicyProfile::default());
    assert_eq!(rs.len(), TARGET_KEYS.len());
    for (r, k) in rs.iter().zip(TARGET_KEYS) {
        assert_eq!(r.key, k);
    }
    let d = get(&rs, "facility_area_per_1000_residents");
    // 90,100 m² over 12,000 residents = 7,508.33 m² per 1,000.
    assert_eq!(d.all.value, Some(7508.33));
    assert_eq!(d.all.status, Status::Met);
    let rural = d.rural.as_ref().map(|f| f.status);
    assert_eq!(rural, Some(Status::Short)); // 100 m² for 2,000 = 50 per 1,000
    assert_eq!(get(&rs, "street_center_coverage").all.value, Some(50.0));
    assert_eq!(get(&rs, "street_center_coverage").all.status, Status::Short);
    assert_eq!(get(&rs, "incubation_base_share").all.status, Status::Met);
    let o = get(&rs, "orgs_per_community");
    assert_eq!(o.urban.as_ref().and_then(|f| f.value), Some(12.0));
    assert_eq!(o.rural.as_ref().map(|f| f.status), Some(Status::Met));
    assert_eq!(o.all.status, Status::Met);
    let pp = get(&rs, "professional_post_share");
    assert_eq!(pp.urban.as_ref().map(|f| f.status), Some(Status::Met)); // 30 %
    assert_eq!(pp.rural.as_ref().map(|f| f.status), Some(Status::Met)); // 20 %
    let cc = get(&rs, "committee_certified_share");
    assert_eq!(cc.urban.as_ref().map(|f| f.status), Some(Status::Short)); // 70 %
    assert_eq!(cc.rural.as_ref().map(|f| f.status), Some(Status::NoData));
    assert_eq!(cc.all.status, Status::Short);
    assert_eq!(get(&rs, "facility_opening_hours").all.value, Some(50.0));
}
