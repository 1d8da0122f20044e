//! Writes the preview PNG of a FITS file, to look at what `preview_png` makes.
//!
//!     cargo run -p meridian-fits --example preview -- FILE OUT.png [MAX_SIDE]

use std::fs::File;
use std::io::BufReader;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(input), Some(output)) = (args.next(), args.next()) else {
        anyhow::bail!("usage: preview FILE OUT.png [MAX_SIDE]");
    };
    let max_side = args.next().map(|s| s.parse()).transpose()?.unwrap_or(512);
    match meridian_fits::preview_png(BufReader::new(File::open(&input)?), max_side)? {
        Some(png) => std::fs::write(output, png)?,
        None => anyhow::bail!("{input} has no 2-D image to preview"),
    }
    Ok(())
}
