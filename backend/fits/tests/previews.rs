//! Preview thumbnails: the right size, a real stretch, and `None` where there is nothing to show.

use std::io::Cursor;
use std::path::Path;

use meridian_fits::{FitsError, Limits, preview_png, preview_png_with_limits};

fn data(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)).expect("test file")
}

/// Decodes a preview: (width, height, gray levels).
fn decode(png_bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(Cursor::new(png_bytes));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut pixels = vec![0; reader.output_buffer_size().expect("size")];
    let info = reader.next_frame(&mut pixels).expect("a frame");
    assert_eq!((info.color_type, info.bit_depth), (png::ColorType::Grayscale, png::BitDepth::Eight));
    pixels.truncate(info.buffer_size());
    (info.width, info.height, pixels)
}

fn preview(name: &str, max_side: u32) -> Option<(u32, u32, Vec<u8>)> {
    preview_png(Cursor::new(data(name)), max_side).expect("readable").map(|png| decode(&png))
}

#[test]
fn previews_have_the_right_size() {
    let cases = [
        ("observation.fits", 512, (256, 192)),
        ("observation.fits", 64, (64, 48)),
        ("observation.fits.gz", 100, (100, 75)),
        ("fixed-1890.fits", 512, (100, 100)),
        ("float_image.fits", 16, (16, 12)),
        ("test0.fits", 512, (40, 40)),
        ("o4sp040b0_raw.fits", 31, (31, 22)),
        ("scale.fits", 0, (1, 1)),
    ];
    for (name, max_side, size) in cases {
        let (w, h, _) = preview(name, max_side).unwrap_or_else(|| panic!("{name} has an image"));
        assert_eq!((w, h), size, "{name} at {max_side}");
    }
}

#[test]
fn the_stretch_shows_the_sky_and_the_stars() {
    let (_, _, gray) = preview("observation.fits", 512).expect("an image");
    let black = gray.iter().filter(|&&g| g == 0).count();
    let white = gray.iter().filter(|&&g| g == 255).count();
    let middle = gray.iter().filter(|&&g| (20..235).contains(&g)).count();
    assert!(white > 0 && white < gray.len() / 10, "stars saturate, the sky does not: {white}");
    assert!(middle > gray.len() / 2, "the sky is in the grays: {middle} of {}", gray.len());
    assert!(black < gray.len() / 10, "{black}");
    // The sky brightens to the right (0.8 counts per pixel): compare the left and right edges.
    let column_mean = |x: usize| (0..192).map(|y| f64::from(gray[y * 256 + x])).sum::<f64>() / 192.0;
    assert!(column_mean(250) > column_mean(5), "{} vs {}", column_mean(250), column_mean(5));
    // gzip changes nothing.
    assert_eq!(preview("observation.fits.gz", 512).map(|p| p.2), Some(gray));
}

#[test]
fn no_image_means_no_preview() {
    // arange.fits is a cube (11 × 10 × 7), compressed_float_bzero.fits a 1-D compressed image.
    let none = ["table.fits", "ascii.fits", "random_groups.fits", "history_header.fits", "arange.fits"];
    for name in none.into_iter().chain(["compressed_float_bzero.fits"]) {
        assert_eq!(preview(name, 512), None, "{name}");
    }
    // HCOMPRESS_1 is not decoded: no preview rather than a wrong one.
    assert_eq!(preview("tile_hcompress_i16.fits", 512), None);
}

/// Each tile-compressed file against a plain copy of the image as astropy decompresses it: the same preview,
/// to the gray level for lossless tiles and within rounding for quantized floats.
#[test]
fn tile_compressed_previews_match_astropys_decompression() {
    for (name, lossless) in
        [("tile_rice_i32", true), ("tile_gzip_u8", true), ("tile_gzip_f32", false), ("tile_rice_f32", false)]
    {
        for max_side in [512, 20] {
            let (w, h, tiles) = preview(&format!("{name}.fits"), max_side).expect("decoded");
            let (pw, ph, plain) = preview(&format!("{name}.plain.fits"), max_side).expect("plain");
            assert_eq!((w, h), (pw, ph), "{name}");
            let differing = tiles.iter().zip(&plain).filter(|(a, b)| a != b).count();
            let worst = tiles.iter().zip(&plain).map(|(a, b)| a.abs_diff(*b)).max().unwrap_or(0);
            if lossless {
                assert_eq!(differing, 0, "{name} at {max_side}");
            } else {
                assert!(worst <= 1 && differing * 100 <= tiles.len(), "{name}: {differing} differ, by up to {worst}");
            }
        }
    }
    let (w, h, _) = preview("comp.fits", 512).expect("astropy's RICE_1 int16 file");
    assert_eq!((w, h), (440, 300));
    assert_eq!(preview("compressed_image.fits", 512).map(|p| (p.0, p.1)), Some((10, 10)));
}

#[test]
fn oversized_images_are_refused_before_reading_them() {
    let limits = Limits { max_preview_pixels: 10_000, ..Limits::default() };
    let err = preview_png_with_limits(Cursor::new(data("observation.fits")), 512, &limits).expect_err("too big");
    assert!(matches!(err, FitsError::Limit(_)) && err.to_string().contains("256 × 192"), "{err}");
}
