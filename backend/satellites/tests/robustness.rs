//! Damaged input never panics: every record is either read or rejected with a line number and a reason.

use meridian_satellites::{Catalog, CatalogFormat, parse_omm_csv, parse_omm_json, parse_omm_xml};

/// A small deterministic generator (xorshift), so failures reproduce without a dependency.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn damage(text: &str, noise: &mut Noise, edits: usize) -> String {
    const ALPHABET: &[char] = &['0', '9', '-', '+', '.', ' ', 'A', 'I', 'é', '\n', '"', '<', '>', ',', 'e', 'x'];
    let mut chars: Vec<char> = text.chars().collect();
    for _ in 0..edits {
        if chars.is_empty() {
            break;
        }
        let at = noise.below(chars.len());
        match noise.below(3) {
            0 => chars[at] = ALPHABET[noise.below(ALPHABET.len())],
            1 => {
                chars.remove(at);
            }
            _ => chars.insert(at, ALPHABET[noise.below(ALPHABET.len())]),
        }
    }
    chars.into_iter().collect()
}

#[test]
fn damaged_tle_files_are_read_around_the_damage() {
    let text: String =
        include_str!("data/catalog_stellarium_0.22.2.tle").lines().take(300).collect::<Vec<_>>().join("\n");
    let lines = text.lines().count();
    let mut noise = Noise(0x9e37_79b9_7f4a_7c15);
    for round in 0..200 {
        let damaged = damage(&text, &mut noise, 1 + round % 20);
        if let Ok(import) = Catalog::parse(&damaged, CatalogFormat::Tle) {
            assert!(import.catalog.len() + import.rejected.len() + import.failed.len() > 0);
            for r in &import.rejected {
                assert!(r.line >= 1 && r.line <= lines + 25, "round {round}: {r}");
                assert!(!r.reason.is_empty());
            }
            // Most records survive a few edits.
            assert!(import.catalog.len() >= 100 - 2 * (1 + round % 20), "round {round}: {}", import.catalog.len());
        }
    }
}

#[test]
fn damaged_omm_files_do_not_panic() {
    let json = r#"[{"OBJECT_NAME":"ISS (ZARYA)","OBJECT_ID":"1998-067A","EPOCH":"2022-06-15T23:35:23.889696",
        "MEAN_MOTION":15.50021518,"ECCENTRICITY":0.0004194,"INCLINATION":51.6447,"RA_OF_ASC_NODE":342.5501,
        "ARG_OF_PERICENTER":242.975,"MEAN_ANOMALY":255.0959,"EPHEMERIS_TYPE":0,"NORAD_CAT_ID":25544,
        "BSTAR":0.00013721,"MEAN_MOTION_DOT":7.389e-5,"MEAN_MOTION_DDOT":0}]"#;
    let csv = "OBJECT_NAME,OBJECT_ID,EPOCH,MEAN_MOTION,ECCENTRICITY,INCLINATION,RA_OF_ASC_NODE,ARG_OF_PERICENTER,\
MEAN_ANOMALY,NORAD_CAT_ID,BSTAR\nISS,1998-067A,2022-06-15T23:35:23.889696,15.50021518,.0004194,51.6447,342.5501,\
242.975,255.0959,25544,.00013721\n";
    let xml = "<ndm><omm><body><segment><metadata><OBJECT_NAME>ISS</OBJECT_NAME></metadata><data><meanElements>\
<EPOCH>2022-06-15T23:35:23.889696</EPOCH><MEAN_MOTION>15.50021518</MEAN_MOTION><ECCENTRICITY>.0004194</ECCENTRICITY>\
<INCLINATION>51.6447</INCLINATION><RA_OF_ASC_NODE>342.5501</RA_OF_ASC_NODE><ARG_OF_PERICENTER>242.975</ARG_OF_PERICENTER>\
<MEAN_ANOMALY>255.0959</MEAN_ANOMALY></meanElements><tleParameters><NORAD_CAT_ID>25544</NORAD_CAT_ID>\
</tleParameters></data></segment></body></omm></ndm>";
    let mut noise = Noise(12345);
    for round in 0..300 {
        let edits = 1 + round % 8;
        let _ = parse_omm_json(&damage(json, &mut noise, edits));
        let _ = parse_omm_csv(&damage(csv, &mut noise, edits));
        let _ = parse_omm_xml(&damage(xml, &mut noise, edits));
    }
    assert_eq!(parse_omm_json(json).expect("intact").0.len(), 1);
    assert_eq!(parse_omm_csv(csv).expect("intact").0.len(), 1);
    assert_eq!(parse_omm_xml(xml).expect("intact").0.len(), 1);
}

/// Elements far from the window are skipped and reported (code -1), not propagated for years; with the limit
/// lifted they are checked.
#[test]
fn stale_elements_are_skipped_and_reported() {
    use meridian_domain::{Declination, RightAscension, SkyPosition};
    use meridian_satellites::{Field, FovRequest, STALE_ELEMENTS_CODE, Site, find_crossings};
    let text: String =
        include_str!("data/catalog_stellarium_0.22.2.tle").lines().take(60).collect::<Vec<_>>().join("\n");
    let catalog = Catalog::parse(&text, CatalogFormat::Tle).expect("catalog").catalog;
    let site = Site::from_degrees(-30.0, -70.0, 2000.0).expect("site");
    let center = SkyPosition::new(RightAscension::new(200.0).expect("ra"), Declination::new(-30.0).expect("dec"));
    let field = Field::circle(center, 1.0).expect("field");
    let start: chrono::DateTime<chrono::Utc> = "2022-09-30T03:00:00Z".parse().expect("time");
    let request = FovRequest::new(site, vec![field], start, start + chrono::Duration::minutes(10)).expect("request");
    let report = find_crossings(&catalog, &request);
    assert_eq!(report.skipped.len(), catalog.len(), "June elements are more than 30 days before October");
    assert!(report.skipped.iter().all(|s| s.code == STALE_ELEMENTS_CODE && s.reason.contains("days from the window")));
    assert_eq!(report.stats.propagations, 0);
    let lifted = find_crossings(&catalog, &request.with_max_element_age_days(f64::INFINITY));
    assert!(lifted.skipped.iter().all(|s| s.code != STALE_ELEMENTS_CODE));
    assert!(lifted.stats.propagations > 0);
}
