//! Turning the bytes of an image data unit into physical values: big-endian integers or IEEE floats, then
//! `BZERO + BSCALE × stored`, with `BLANK` (integer images) and NaN (float images) as "no value".

use crate::card::CardValue;
use crate::hdu::Hdu;

#[derive(Debug, Clone, Copy)]
pub(crate) struct Scaling {
    bitpix: i32,
    bscale: f64,
    bzero: f64,
    blank: Option<i64>,
}

impl Scaling {
    pub(crate) fn of(hdu: &Hdu) -> Self {
        let number = |k: &str| hdu.value(k).and_then(CardValue::as_f64).filter(|v| v.is_finite());
        let bitpix = hdu.bitpix.unwrap_or(8);
        Self {
            bitpix,
            bscale: number("BSCALE").unwrap_or(1.0),
            bzero: number("BZERO").unwrap_or(0.0),
            blank: if bitpix > 0 { hdu.value("BLANK").and_then(CardValue::as_i64) } else { None },
        }
    }

    /// `BZERO + BSCALE × stored`.
    pub(crate) fn physical(&self, stored: f64) -> f64 {
        self.bzero + self.bscale * stored
    }

    pub(crate) fn bytes_per_value(&self) -> usize {
        (self.bitpix.unsigned_abs() / 8) as usize
    }

    /// Calls `each` with the physical value of every whole value in `chunk` (NaN for no value).
    pub(crate) fn decode(&self, chunk: &[u8], mut each: impl FnMut(f64)) {
        let scale = |stored: f64| self.bzero + self.bscale * stored;
        let int = |stored: i64| if Some(stored) == self.blank { f64::NAN } else { scale(stored as f64) };
        match self.bitpix {
            8 => chunk.iter().for_each(|&b| each(int(i64::from(b)))),
            16 => chunk.chunks_exact(2).for_each(|b| each(int(i64::from(i16::from_be_bytes([b[0], b[1]]))))),
            32 => {
                chunk.chunks_exact(4).for_each(|b| each(int(i64::from(i32::from_be_bytes([b[0], b[1], b[2], b[3]])))))
            }
            64 => chunk.chunks_exact(8).for_each(|b| {
                let mut bytes = [0u8; 8];
                bytes.copy_from_slice(b);
                each(int(i64::from_be_bytes(bytes)));
            }),
            -32 => {
                chunk.chunks_exact(4).for_each(|b| each(scale(f64::from(f32::from_be_bytes([b[0], b[1], b[2], b[3]])))))
            }
            _ => chunk.chunks_exact(8).for_each(|b| {
                let mut bytes = [0u8; 8];
                bytes.copy_from_slice(b);
                each(scale(f64::from_be_bytes(bytes)));
            }),
        }
    }
}
