//! Writing a FITS file: one primary HDU holding a 16-bit image (FITS Standard 4.0, §3–§5: 80-byte header cards,
//! 2880-byte blocks, big-endian pixels). Enough for sample data and tests; Meridian stores the files it is given and
//! never rewrites them.

/// A primary HDU with a `width` × `height` image of 16-bit integers (`BITPIX = 16`), `pixels` row by row from the
/// bottom (FITS order). `cards` are written after the mandatory ones as `KEYWORD = value`, the value already in
/// FITS form (`'M 42    '` for a string, `120.0`, `T`). Panics if `pixels` does not hold `width × height`
/// values or a keyword is longer than 8 characters: both are the caller's mistakes, not input.
pub fn primary_i16(cards: &[(&str, &str)], width: usize, height: usize, pixels: &[i16]) -> Vec<u8> {
    assert_eq!(pixels.len(), width * height, "the image needs width × height pixels");
    let mut out = Vec::with_capacity(2880 + pixels.len() * 2 + 2880);
    let mut card = |keyword: &str, value: Option<&str>| {
        assert!(keyword.len() <= 8, "FITS keywords have at most 8 characters: {keyword}");
        let line = match value {
            // Fixed format (§4.2): the value right-aligned to column 30.
            Some(v) if !v.starts_with('\'') => format!("{keyword:<8}= {v:>20}"),
            Some(v) => format!("{keyword:<8}= {v}"),
            None => keyword.to_owned(),
        };
        let mut line = line.into_bytes();
        line.truncate(80);
        line.resize(80, b' ');
        out.extend_from_slice(&line);
    };
    card("SIMPLE", Some("T"));
    card("BITPIX", Some("16"));
    card("NAXIS", Some("2"));
    card("NAXIS1", Some(&width.to_string()));
    card("NAXIS2", Some(&height.to_string()));
    for (k, v) in cards {
        card(k, Some(v));
    }
    card("END", None);
    pad(&mut out, b' ');
    for p in pixels {
        out.extend_from_slice(&p.to_be_bytes());
    }
    pad(&mut out, 0);
    out
}

fn pad(out: &mut Vec<u8>, with: u8) {
    let rem = out.len() % 2880;
    if rem != 0 {
        out.resize(out.len() + 2880 - rem, with);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_written_reads_back() {
        let pixels: Vec<i16> = (0..12).map(|i| i * 100 - 300).collect();
        let bytes = primary_i16(&[("OBJECT", "'M 42    '"), ("EXPTIME", "120.0")], 4, 3, &pixels);
        assert_eq!(bytes.len(), 2 * 2880, "one header block, one data block");
        let headers = crate::read_headers(bytes.as_slice()).expect("readable");
        let h = &headers.hdus[0];
        let value = |k: &str| h.cards.iter().find(|c| c.keyword == k).map(|c| c.value.clone());
        assert_eq!(value("OBJECT"), Some(crate::CardValue::Text("M 42".into())));
        assert_eq!(value("NAXIS1"), Some(crate::CardValue::Integer(4)));
        assert_eq!(&bytes[2880..2882], &(-300_i16).to_be_bytes(), "big-endian pixels after the header");
    }
}
