//! A catalog as uploaded: `Catalog::parse(text, CatalogFormat::detect(text))`, which reads any of the formats,
//! keeps the newest element set per object and initialises SGP4 for each; then every object is propagated.
//!
//! The first byte picks the mode, as in the `tle` target: odd fixes the checksums of TLE lines first.
//!
//! Properties: objects are ordered by NORAD id without repeats and their elements are finite and in range; the
//! format is the detected one; every object gives a finite state at its epoch, and SGP4 at other times either
//! gives a finite state or an error (never a panic); search and lookup find what is there.

#![no_main]

mod common;

use chrono::Duration;
use libfuzzer_sys::fuzz_target;
use meridian_satellites::{Catalog, CatalogError, CatalogFormat};

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let text = if mode & 1 == 1 { common::fix_tle_checksums(text) } else { text.to_owned() };
    let format = CatalogFormat::detect(&text);
    let import = match Catalog::parse(&text, format) {
        Ok(import) => import,
        Err(CatalogError::Empty) => return,
        Err(CatalogError::Malformed { line, reason }) => {
            assert!(line >= 1 && line <= common::line_count(&text), "line {line}: {reason}");
            return;
        }
    };
    assert_eq!(import.format, format);
    let catalog = &import.catalog;
    let max_line = match format {
        CatalogFormat::OmmJson => usize::MAX,
        _ => common::line_count(&text),
    };
    common::check_rejected(&import.rejected, max_line, &text);
    let ids: Vec<u32> = catalog.objects().iter().map(|o| o.norad_id()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "not ordered by NORAD id: {ids:?}");
    assert!(import.failed.iter().all(|f| !ids.contains(&f.norad_id)), "an object both kept and failed");
    for object in catalog.objects() {
        let e = object.elements();
        common::check_elements(e, &text);
        assert!(catalog.get(object.norad_id()).is_some_and(|o| o.norad_id() == object.norad_id()));
        let (p, v) =
            object.teme_state(e.epoch).unwrap_or_else(|err| panic!("{} fails at its epoch: {err}", e.norad_id));
        assert!(p.iter().chain(v.iter()).all(|x| x.is_finite()));
        for minutes in [1, 97, 1440, -1440, 30 * 1440] {
            if let Some(t) = e.epoch.checked_add_signed(Duration::minutes(minutes))
                && let Ok((p, v)) = object.teme_state(t)
            {
                assert!(p.iter().chain(v.iter()).all(|x| x.is_finite()), "{} at {t}", e.norad_id);
            }
        }
        if let Some(name) = object.name() {
            let _ = catalog.search(name, 5);
        }
    }
    if let Some((oldest, newest)) = catalog.epoch_range() {
        assert!(oldest <= newest);
    }
});
