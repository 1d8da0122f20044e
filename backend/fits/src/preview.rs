//! PNG thumbnails of the first 2-D image. A plain data unit is streamed once (a tile-compressed one is read whole
//! and decoded tile by tile): each pixel is added to the output pixel
//! whose block it falls in (block averaging) and, at an even stride, to the zscale sample. Memory is the output
//! image plus one read chunk, whatever the size of the image.

use std::io::Read;

use crate::hdu::HduKind;
use crate::pixels::Scaling;
use crate::reader::Walker;
use crate::tiles::Layout;
use crate::zscale::{self, ZScale};
use crate::{FitsError, Limits};

/// The longest preview side honoured; larger requests are clamped (the output is held in memory).
pub const MAX_PREVIEW_SIDE: u32 = 8192;

/// A grayscale PNG of the first 2-D image (longest side `max_side`, clamped to 1..=[`MAX_PREVIEW_SIDE`], never
/// enlarged), stretched with zscale, with FITS row 1 at the bottom as astronomers view it. `None` when the file has
/// no 2-D image, or when its first 2-D image is tile-compressed with a codec we don't decode (see the crate
/// documentation).
pub fn preview_png<R: Read>(reader: R, max_side: u32) -> Result<Option<Vec<u8>>, FitsError> {
    preview_png_with_limits(reader, max_side, &Limits::default())
}

/// [`preview_png`] with explicit limits.
pub fn preview_png_with_limits<R: Read>(
    reader: R,
    max_side: u32,
    limits: &Limits,
) -> Result<Option<Vec<u8>>, FitsError> {
    first_image(reader, max_side.clamp(1, MAX_PREVIEW_SIDE), limits)?.map(|t| t.to_png()).transpose()
}

/// The zscale display limits of the first 2-D image, in physical values (after `BSCALE`/`BZERO`), as used for
/// [`preview_png`]; `None` as there.
pub fn image_zscale<R: Read>(reader: R) -> Result<Option<ZScale>, FitsError> {
    Ok(first_image(reader, 1, &Limits::default())?.map(|t| t.zscale()))
}

fn first_image<R: Read>(reader: R, max_side: u32, limits: &Limits) -> Result<Option<Thumbnail>, FitsError> {
    let mut walker = Walker::new(reader, *limits)?;
    while let Some(hdu) = walker.next_header()? {
        if !hdu.is_2d_image() {
            walker.skip_data(&hdu)?;
            continue;
        }
        let (width, height) = (hdu.shape[0], hdu.shape[1]);
        let pixels = width.saturating_mul(height);
        if pixels > limits.max_preview_pixels {
            return Err(FitsError::Limit(format!(
                "HDU {}: the image has {width} × {height} pixels; previews are made of images up to {} pixels",
                hdu.index, limits.max_preview_pixels
            )));
        }
        let mut thumb = Thumbnail::new(width, height, max_side);
        if hdu.kind == HduKind::CompressedImage {
            // Tiles point anywhere into the heap, so the compressed data unit is read whole (bounded here).
            let Some(layout) = Layout::of(&hdu) else { return Ok(None) };
            if hdu.data_bytes > limits.max_compressed_image_bytes {
                return Err(FitsError::Limit(format!(
                    "HDU {}: the compressed image takes {} bytes; previews are made of ones up to {}",
                    hdu.index, hdu.data_bytes, limits.max_compressed_image_bytes
                )));
            }
            let data = walker.read_data(&hdu)?;
            layout.decode(&hdu, &data, |x, y, v| thumb.add_at(x as u64, y as u64, v))?;
            return Ok(Some(thumb));
        }
        let scaling = Scaling::of(&hdu);
        walker.stream_data(&hdu, scaling.bytes_per_value(), |chunk| scaling.decode(chunk, |v| thumb.add(v)))?;
        return Ok(Some(thumb));
    }
    Ok(None)
}

#[derive(Debug)]
struct Thumbnail {
    width: u64,
    height: u64,
    out_width: u64,
    out_height: u64,
    sums: Vec<f64>,
    counts: Vec<u32>,
    next: u64,
    stride: u64,
    samples: Vec<f64>,
}

impl Thumbnail {
    fn new(width: u64, height: u64, max_side: u32) -> Self {
        let long = width.max(height);
        let max_side = u64::from(max_side);
        let (out_width, out_height) = if long <= max_side {
            (width, height)
        } else {
            let side = |n: u64| ((n * max_side + long / 2) / long).clamp(1, max_side);
            (side(width), side(height))
        };
        let out = (out_width * out_height) as usize;
        Self {
            width,
            height,
            out_width,
            out_height,
            sums: vec![0.0; out],
            counts: vec![0; out],
            next: 0,
            stride: (width * height / zscale::SAMPLES as u64).max(1),
            samples: Vec::with_capacity(zscale::SAMPLES),
        }
    }

    /// The next pixel in FITS order (row 1 first).
    fn add(&mut self, value: f64) {
        let i = self.next;
        self.next += 1;
        if i < self.width * self.height {
            self.add_at(i % self.width, i / self.width, value);
        }
    }

    /// A pixel by position. The zscale sample is every `stride`-th pixel in FITS order, chosen by position, so
    /// tiles arriving in any order give the same sample.
    fn add_at(&mut self, x: u64, y: u64, value: f64) {
        if x >= self.width || y >= self.height || !value.is_finite() {
            return;
        }
        let i = y * self.width + x;
        if i.is_multiple_of(self.stride) && i / self.stride < zscale::SAMPLES as u64 {
            self.samples.push(value);
        }
        let out = (y * self.out_height / self.height) * self.out_width + x * self.out_width / self.width;
        if let (Some(sum), Some(count)) = (self.sums.get_mut(out as usize), self.counts.get_mut(out as usize)) {
            *sum += value;
            *count += 1;
        }
    }

    fn zscale(&self) -> ZScale {
        zscale::from_samples(self.samples.clone()).unwrap_or(ZScale { low: 0.0, high: 1.0 })
    }

    fn to_png(&self) -> Result<Vec<u8>, FitsError> {
        let ZScale { low, high } = self.zscale();
        let range = if high > low { high - low } else { 1.0 };
        let mut gray = Vec::with_capacity(self.sums.len());
        // FITS rows run bottom to top, PNG rows top to bottom.
        for row in self.sums.chunks(self.out_width as usize).zip(self.counts.chunks(self.out_width as usize)).rev() {
            gray.extend(row.0.iter().zip(row.1).map(|(&sum, &count)| {
                if count == 0 {
                    return 0;
                }
                let level = ((sum / f64::from(count) - low) / range).clamp(0.0, 1.0);
                (level * 255.0).round() as u8
            }));
        }
        encode(&gray, self.out_width, self.out_height)
    }
}

fn encode(gray: &[u8], width: u64, height: u64) -> Result<Vec<u8>, FitsError> {
    let size = |n: u64| u32::try_from(n).map_err(|_| FitsError::Png(format!("{n} pixels is too wide for a PNG")));
    let mut png = Vec::new();
    let mut encoder = png::Encoder::new(&mut png, size(width)?, size(height)?);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| FitsError::Png(e.to_string()))?;
    writer.write_image_data(gray).map_err(|e| FitsError::Png(e.to_string()))?;
    writer.finish().map_err(|e| FitsError::Png(e.to_string()))?;
    Ok(png)
}
