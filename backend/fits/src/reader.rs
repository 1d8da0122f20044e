//! Walking a FITS stream HDU by HDU: 2880-byte header blocks read until `END`, then the data unit either read
//! through in bounded chunks or handed to the caller. The framing is ours rather than fitsrs's `Fits` iterator,
//! which needs `Seek`, stops the whole file at an extension type it does not know, decompresses `.gz` whole into
//! memory, and sizes data units with unchecked arithmetic.

use std::io::{Read, Seek};

use crate::card::{self, CARD_LEN, Card, CardValue, Parsed};
use crate::hdu::{self, Hdu};
use crate::input::Input;
use crate::{Compression, FitsError, Limits};

/// The FITS block: headers and data units are whole multiples of it.
pub(crate) const BLOCK: usize = 2880;
const CARDS_PER_BLOCK: usize = BLOCK / CARD_LEN;
/// Data units streamed to a consumer are read in chunks of about this size.
const STREAM_CHUNK: usize = 64 * 1024;

#[derive(Debug)]
pub(crate) struct Walker<R> {
    input: Input<R>,
    limits: Limits,
    next_index: usize,
    finished: bool,
    pub(crate) warnings: Vec<String>,
}

impl<R: Read> Walker<R> {
    pub(crate) fn new(reader: R, limits: Limits) -> Result<Self, FitsError> {
        Ok(Self::over(Input::open(reader, limits)?, limits))
    }

    pub(crate) fn seekable(reader: R, limits: Limits) -> Result<Self, FitsError>
    where
        R: Seek,
    {
        Ok(Self::over(Input::open_seekable(reader, limits)?, limits))
    }

    fn over(input: Input<R>, limits: Limits) -> Self {
        Self { input, limits, next_index: 0, finished: false, warnings: Vec::new() }
    }

    pub(crate) fn compression(&self) -> Compression {
        self.input.compression()
    }

    /// The next HDU's header, with the stream left at the start of its data unit; `None` after the last.
    pub(crate) fn next_header(&mut self) -> Result<Option<Hdu>, FitsError> {
        if self.finished {
            return Ok(None);
        }
        let index = self.next_index;
        let mut block = [0u8; BLOCK];
        let start = self.input.position();
        let got = self.input.fill(&mut block)?;
        if index == 0 {
            check_primary_start(&block[..got], self.input.compression())?;
        } else if got == 0 {
            self.finished = true;
            return Ok(None);
        } else if block.starts_with(b"XTENSION") && got < BLOCK {
            return Err(FitsError::Truncated(format!(
                "HDU {index}: the file ends inside the header, before its END card (byte {})",
                self.input.position()
            )));
        } else if got < BLOCK || !block.starts_with(b"XTENSION") {
            // astropy also ignores what follows the last HDU when it is not an extension; say so.
            let what = if block[..got].iter().all(|&b| b == 0 || b == b' ') { "padding" } else { "bytes" };
            self.warnings.push(format!(
                "{got}{} {what} after the last HDU (at byte {start}) ignored: not an extension header",
                if got == BLOCK { "+" } else { "" }
            ));
            self.finished = true;
            return Ok(None);
        }
        if index >= self.limits.max_hdus {
            return Err(FitsError::Limit(format!("more than {} HDUs", self.limits.max_hdus)));
        }

        let mut reader = CardReader::new(index);
        let mut block_len = got;
        loop {
            if block_len < BLOCK {
                return Err(FitsError::Truncated(format!(
                    "HDU {index}: the file ends inside the header, before its END card (byte {})",
                    self.input.position()
                )));
            }
            if reader.read_block(&block, &self.limits)? {
                break;
            }
            block_len = self.input.fill(&mut block)?;
        }
        self.warnings.append(&mut reader.warnings);
        let hdu = hdu::build(index, reader.cards)?;
        self.next_index += 1;
        Ok(Some(hdu))
    }

    /// Reads through the data unit of `hdu` and its padding without keeping it.
    pub(crate) fn skip_data(&mut self, hdu: &Hdu) -> Result<(), FitsError> {
        let padded = padded(hdu)?;
        let got = self.input.skip(padded)?;
        self.after_data(hdu, got, padded)
    }

    /// Reads the data unit of `hdu` into memory (the caller has bounded its size) and skips its padding. Memory
    /// grows with what arrives, not with what the header claims, so a short hostile file cannot make us allocate.
    pub(crate) fn read_data(&mut self, hdu: &Hdu) -> Result<Vec<u8>, FitsError> {
        let padded = padded(hdu)?;
        let mut data = Vec::new();
        self.stream_data_unpadded(hdu, 1, |chunk| data.extend_from_slice(chunk))?;
        let mut got = data.len() as u64;
        if got == hdu.data_bytes {
            got += self.input.skip(padded - hdu.data_bytes)?;
        }
        self.after_data(hdu, got, padded)?;
        Ok(data)
    }

    /// Hands the data unit of `hdu` to `each` in chunks of a whole number of `unit`-byte values (the last chunk may
    /// be short if the file is truncated), then skips its padding.
    pub(crate) fn stream_data(&mut self, hdu: &Hdu, unit: usize, each: impl FnMut(&[u8])) -> Result<(), FitsError> {
        let padded = padded(hdu)?;
        let mut got = self.stream_data_unpadded(hdu, unit, each)?;
        if got == hdu.data_bytes {
            got += self.input.skip(padded - hdu.data_bytes)?;
        }
        self.after_data(hdu, got, padded)
    }

    /// The data unit without its padding, in chunks; returns the bytes there were.
    fn stream_data_unpadded(&mut self, hdu: &Hdu, unit: usize, mut each: impl FnMut(&[u8])) -> Result<u64, FitsError> {
        let chunk_len = (STREAM_CHUNK / unit.max(1)).max(1) * unit.max(1);
        let mut chunk = vec![0u8; chunk_len];
        let mut got = 0u64;
        while got < hdu.data_bytes {
            let want = usize::try_from((hdu.data_bytes - got).min(chunk_len as u64)).unwrap_or(chunk_len);
            let n = self.input.fill(&mut chunk[..want])?;
            each(&chunk[..n]);
            got += n as u64;
            if n < want {
                break;
            }
        }
        Ok(got)
    }

    fn after_data(&mut self, hdu: &Hdu, got: u64, padded: u64) -> Result<(), FitsError> {
        if got < hdu.data_bytes {
            return Err(FitsError::Truncated(format!(
                "HDU {}: the data unit should have {} bytes but the file ends after {got}",
                hdu.index, hdu.data_bytes
            )));
        }
        if got < padded {
            self.warnings.push(format!(
                "HDU {}: the file ends without padding the last data unit to a multiple of 2880 bytes",
                hdu.index
            ));
            self.finished = true;
        }
        Ok(())
    }
}

fn padded(hdu: &Hdu) -> Result<u64, FitsError> {
    let block = BLOCK as u64;
    hdu.data_bytes
        .div_ceil(block)
        .checked_mul(block)
        .ok_or_else(|| FitsError::header(hdu.index, "the data unit size overflows"))
}

fn check_primary_start(bytes: &[u8], compression: Compression) -> Result<(), FitsError> {
    let gz = if compression == Compression::Gzip { " (after gzip decompression)" } else { "" };
    if !bytes.starts_with(b"SIMPLE  =") {
        let head: String =
            bytes.iter().take(16).map(|&b| if (0x20..0x7f).contains(&b) { b as char } else { '.' }).collect();
        return Err(FitsError::NotFits(format!("it does not start with a SIMPLE card{gz} but with {head:?}")));
    }
    if bytes.len() < BLOCK {
        return Err(FitsError::Truncated(format!(
            "the file is {} bytes long{gz}; a FITS header takes at least {BLOCK}",
            bytes.len()
        )));
    }
    Ok(())
}

/// Collects the cards of one header, block by block.
#[derive(Debug)]
struct CardReader {
    index: usize,
    cards: Vec<Card>,
    seen: usize,
    /// The last card is a string that ends in `&`, so a `CONTINUE` extends it; `true` once one has.
    open_string: Option<bool>,
    non_ascii_reported: bool,
    warnings: Vec<String>,
}

impl CardReader {
    fn new(index: usize) -> Self {
        Self { index, cards: Vec::new(), seen: 0, open_string: None, non_ascii_reported: false, warnings: Vec::new() }
    }

    /// Takes the cards of one block; `true` once `END` has been seen.
    fn read_block(&mut self, block: &[u8; BLOCK], limits: &Limits) -> Result<bool, FitsError> {
        let printable = block.iter().all(|b| (0x20..=0x7e).contains(b));
        for n in 0..CARDS_PER_BLOCK {
            let mut image = [0u8; CARD_LEN];
            image.copy_from_slice(&block[n * CARD_LEN..(n + 1) * CARD_LEN]);
            self.seen += 1;
            if self.seen > limits.max_cards_per_hdu {
                return Err(FitsError::Limit(format!(
                    "HDU {}: more than {} cards without an END card",
                    self.index, limits.max_cards_per_hdu
                )));
            }
            if card::keyword_of(&image).is_none() {
                return Err(FitsError::header(
                    self.index,
                    format!("card {} has a keyword that is not printable ASCII: not a FITS header", self.seen),
                ));
            }
            if !printable && image.iter().any(|b| !(0x20..=0x7e).contains(b)) {
                // As astropy does: the card is read with each such byte as `?`.
                for b in &mut image[8..] {
                    if !(0x20..=0x7e).contains(b) {
                        *b = b'?';
                    }
                }
                if !self.non_ascii_reported {
                    self.non_ascii_reported = true;
                    self.warnings.push(format!(
                        "HDU {}: card {} holds bytes that are not printable ASCII; read as '?'",
                        self.index, self.seen
                    ));
                }
            }
            match card::parse(&image) {
                Parsed::End => {
                    self.close_string();
                    return Ok(true);
                }
                Parsed::Continue { text, comment } => self.continue_string(text, comment),
                Parsed::Card(card) => self.push(card),
                Parsed::Invalid(card, why) => {
                    self.warnings.push(format!("HDU {} card {}: {why}", self.index, self.seen));
                    self.push(card);
                }
            }
        }
        Ok(false)
    }

    fn push(&mut self, card: Card) {
        self.close_string();
        let opens = !card.is_commentary() && card.value.as_str().is_some_and(|s| s.ends_with('&'));
        self.open_string = opens.then_some(false);
        self.cards.push(card);
    }

    /// The long-string convention as astropy reads it: each piece loses its trailing `&`, the pieces are joined,
    /// and so are their comments.
    fn continue_string(&mut self, text: String, comment: Option<String>) {
        let last = self.cards.last_mut();
        match (self.open_string, last) {
            (Some(_), Some(Card { value: CardValue::Text(value), comment: last_comment, .. })) => {
                value.pop();
                value.push_str(&text);
                if let Some(c) = comment {
                    *last_comment = Some(match last_comment.take() {
                        Some(previous) => format!("{previous} {c}"),
                        None => c,
                    });
                }
                self.open_string = text.ends_with('&').then_some(true);
                if self.open_string.is_none() {
                    value.truncate(value.trim_end().len());
                }
            }
            _ => self.push(Card::new("CONTINUE", CardValue::Text(text), comment)),
        }
    }

    /// A long string whose last piece still ends in `&` loses it, as in astropy; a plain string keeps it.
    fn close_string(&mut self) {
        if self.open_string.take() == Some(true)
            && let Some(Card { value: CardValue::Text(value), .. }) = self.cards.last_mut()
        {
            value.pop();
            value.truncate(value.trim_end().len());
        }
    }
}
