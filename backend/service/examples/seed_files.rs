//! Writes `data_files` rows with random sky positions as CSV for PostgreSQL's `COPY`, for the cone-search
//! benchmark (infra/bench.sh, part f). The HEALPix index is [`meridian_service::data::search::healpix_of`], so the rows
//! are exactly what an ingest would have stored.
//!
//! Usage: `seed_files WORKSPACE_ID DATASET_ID ACCOUNT_ID COUNT [SEED] > rows.csv`, then
//! `\copy data_files (id, workspace_id, dataset_id, name, content_type, size_bytes, sha256, object_key, tier,
//! tier_changed_at, uploaded_by, uploaded_at, ra_deg, dec_deg, healpix) FROM 'rows.csv' WITH (FORMAT csv)`.
//!
//! `seed_files --cone RA DEC RADIUS` prints instead the SQL condition on `healpix` that a cone search uses
//! ([`meridian_service::data::search::cone_ranges`]), for EXPLAIN ANALYZE.

use std::io::Write as _;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let [flag, ra, dec, radius] = args.as_slice()
        && flag == "--cone"
    {
        let ranges = meridian_service::data::search::cone_ranges(ra.parse()?, dec.parse()?, radius.parse()?);
        let terms: Vec<String> =
            ranges.iter().map(|(lo, hi)| format!("(healpix >= {lo} AND healpix < {hi})")).collect();
        writeln!(std::io::stdout().lock(), "({})", terms.join(" OR "))?;
        return Ok(());
    }
    let [ws, ds, account, count, rest @ ..] = args.as_slice() else {
        return Err("usage: seed_files WORKSPACE_ID DATASET_ID ACCOUNT_ID COUNT [SEED]".into());
    };
    let count: u64 = count.parse()?;
    let mut x: u64 = rest.first().map_or(Ok(0x5eed_u64), |s| s.parse())? | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        // 53 random bits in [0, 1).
        (x >> 11) as f64 / (1_u64 << 53) as f64
    };
    let start = chrono::DateTime::parse_from_rfc3339("2025-01-01T00:00:00Z")?.to_utc();
    let out = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 20, out.lock());
    for i in 0..count {
        // Uniform on the sphere.
        let ra = 360.0 * next();
        let dec = (2.0 * next() - 1.0).asin().to_degrees();
        let h = meridian_service::data::search::healpix_of(ra, dec);
        let at =
            (start + chrono::Duration::seconds(i64::try_from(i)?)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let id = format!("0195a000-0000-7000-8000-{i:012x}");
        writeln!(
            out,
            "{id},{ws},{ds},f{i:07}.raw,application/octet-stream,1024,{i:064x},ws/{ws}/files/{id},hot,{at},{account},{at},{ra:.7},{dec:.7},{h}"
        )?;
    }
    out.flush()?;
    Ok(())
}
