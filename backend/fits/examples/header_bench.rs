//! Reads every header of every file in a directory, summarises each file, and prints the rate as JSON.
//!
//!     cargo run --release -p meridian-fits --example header_bench -- DIR
//!
//! `infra/bench-fits.sh` makes a directory of realistic files and compares the rate with astropy's.

use std::fs::File;
use std::io::BufReader;
use std::time::Instant;

use meridian_fits::{read_headers_seekable, summarize};

#[expect(clippy::print_stdout, reason = "the benchmark's result is its output")]
fn main() -> anyhow::Result<()> {
    let dir = std::env::args().nth(1).ok_or_else(|| anyhow::anyhow!("usage: header_bench DIR"))?;
    let mut paths: Vec<_> =
        std::fs::read_dir(&dir)?.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.is_file()).collect();
    paths.sort();

    let (mut hdus, mut cards, mut errors, mut dated) = (0usize, 0usize, 0usize, 0usize);
    let start = Instant::now();
    for path in &paths {
        match read_headers_seekable(BufReader::with_capacity(32 * 1024, File::open(path)?)) {
            Ok(headers) => {
                hdus += headers.hdus.len();
                cards += headers.hdus.iter().map(|h| h.cards.len()).sum::<usize>();
                dated += usize::from(summarize(&headers).date_obs.is_some());
            }
            Err(_) => errors += 1,
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    let result = serde_json::json!({
        "files": paths.len(),
        "hdus": hdus,
        "cards": cards,
        "errors": errors,
        "with_date_obs": dated,
        "seconds": seconds,
        "files_per_s": paths.len() as f64 / seconds,
    });
    println!("{result}");
    Ok(())
}
