//! File search: header fields, header cards and sky cones (HEALPix pre-selection, exact cut), keyset-paged.

use crate::data::{FilePage, FileQuery, HEALPIX_DEPTH};
use crate::{Actor, ServiceError, ServiceResult, Services};
use chrono::{DateTime, Utc};
use meridian_domain::{Action, DataFileId, DatasetId, FrameType, Tier, ValidationError, Visibility};
use meridian_store::data as store;
use meridian_store::data::search::FileFilter;

/// How many levels finer than the cone's own scale (cdshealpix's best starting depth, cells about as wide as the
/// cone) its HEALPix cover is drawn. At that scale itself the cover was ~15 times the cone's area (a 1.5° cone read
/// 2,600 rows for 170 inside it); each level halves the cells' width along the edge, for a few more ranges.
const CONE_FINER_DEPTH: u8 = 4;

/// The HEALPix ranges at [`HEALPIX_DEPTH`] covering a cone (conservatively: every cell that may hold a point
/// inside it).
#[must_use]
pub fn cone_ranges(ra_deg: f64, dec_deg: f64, radius_deg: f64) -> Vec<(i64, i64)> {
    // cdshealpix asserts a radius above 0 (a panic otherwise): a radius the search accepts (more than 0 degrees)
    // can still be 0 in radians (5e-324 degrees, found by Schemathesis). A cone that small covers one cell; rows
    // are then kept by their exact distance, as always.
    let radius = radius_deg.to_radians().max(MIN_CONE_RADIUS_RAD);
    let depth = (cdshealpix::best_starting_depth(radius) + CONE_FINER_DEPTH).min(HEALPIX_DEPTH);
    let bmoc =
        cdshealpix::nested::cone_coverage_approx_custom(depth, 2, ra_deg.to_radians(), dec_deg.to_radians(), radius);
    let shift = 2 * u32::from(HEALPIX_DEPTH - bmoc.get_depth_max());
    let mut out: Vec<(i64, i64)> = Vec::new();
    for cell in bmoc.into_iter() {
        let shift_cell = 2 * u32::from(bmoc.get_depth_max() - cell.depth) + shift;
        let lo = (cell.hash << shift_cell) as i64;
        let hi = ((cell.hash + 1) << shift_cell) as i64;
        match out.last_mut() {
            Some(last) if last.1 == lo => last.1 = hi,
            _ => out.push((lo, hi)),
        }
    }
    out
}

/// The file's cell at [`HEALPIX_DEPTH`].
#[must_use]
pub fn healpix_of(ra_deg: f64, dec_deg: f64) -> i64 {
    #[expect(clippy::cast_possible_wrap, reason = "depth-16 indices are below 2^36")]
    let h = cdshealpix::nested::hash(HEALPIX_DEPTH, ra_deg.to_radians(), dec_deg.to_radians()) as i64;
    h
}

/// A file search's cursor: the store's `(uploaded_at, id)` key, wrapped opaque (a search's query string carries it).
fn encode_cursor(at: DateTime<Utc>, id: DataFileId) -> String {
    meridian_domain::Cursor::encode(&meridian_store::page::composite_key(&at, id)).as_str().to_owned()
}

fn decode_cursor(c: &str) -> ServiceResult<(DateTime<Utc>, DataFileId)> {
    let bad = || ServiceError::from(ValidationError::new("cursor", "is not a cursor from this server"));
    let raw = meridian_domain::Cursor::parse(c).decode().map_err(|_| bad())?;
    let (t, id) = meridian_store::page::read_composite_key::<DateTime<Utc>>(&raw).ok_or_else(bad)?;
    Ok((t, id.into()))
}

/// Great-circle distance in degrees (Vincenty), for the exact cut after the HEALPix pre-selection.
#[must_use]
pub fn angular_distance(ra1: f64, dec1: f64, ra2: f64, dec2: f64) -> f64 {
    let (ra1, dec1, ra2, dec2) = (ra1.to_radians(), dec1.to_radians(), ra2.to_radians(), dec2.to_radians());
    let d = ra2 - ra1;
    let (sd, cd) = d.sin_cos();
    let (s1, c1) = dec1.sin_cos();
    let (s2, c2) = dec2.sin_cos();
    let a = c2 * sd;
    let b = c1 * s2 - s1 * c2 * cd;
    (a.hypot(b)).atan2(s1 * s2 + c1 * c2 * cd).to_degrees()
}

/// The smallest cone radius handed to cdshealpix, radians (about 0.2 microarcseconds).
const MIN_CONE_RADIUS_RAD: f64 = 1e-12;

impl Services {
    pub async fn list_files(
        &self,
        actor: &Actor,
        slug: &str,
        dataset: DatasetId,
        limit: Option<u32>,
        cursor: Option<String>,
    ) -> ServiceResult<FilePage> {
        self.search_files(actor, slug, FileQuery { dataset: Some(dataset), limit, cursor, ..FileQuery::default() })
            .await
    }

    /// The file search: by object, date, filter, instrument, frame type, any header keyword and sky position.
    pub async fn search_files(&self, actor: &Actor, slug: &str, q: FileQuery) -> ServiceResult<FilePage> {
        let access = self.access(actor, slug).await?;
        // A dataset the caller may not see is a 404 before anything else.
        let dataset = match q.dataset {
            Some(d) => Some(self.visible_dataset(&access, d).await?.id),
            None => None,
        };
        let released_by = if access.can(Action::ViewWorkspace) {
            None
        } else if access.workspace.visibility == Visibility::Public {
            Some(crate::now())
        } else {
            // 404 to outsiders, 403 to an upload key of this workspace.
            access.require(Action::ViewWorkspace)?;
            None
        };
        let frame_type = q.frame_type.as_deref().map(FrameType::parse).transpose()?.map(|f| f.as_str().to_owned());
        let tier = q.tier.as_deref().map(Tier::parse).transpose()?;
        let headers = q
            .headers
            .iter()
            .map(|h| meridian_domain::search::parse_header_condition(h))
            .collect::<Result<Vec<_>, _>>()?;
        if headers.len() > 10 {
            return Err(ValidationError::new("header", "at most 10 header conditions").into());
        }
        if let (Some(f), Some(t)) = (q.date_from, q.date_to)
            && t < f
        {
            return Err(ValidationError::new("date_to", "must not be before date_from").into());
        }
        let cone = match (q.ra, q.dec, q.radius) {
            (None, None, None) => None,
            (Some(ra), Some(dec), Some(r)) => {
                let ra = meridian_domain::RightAscension::new(ra).map_err(|e| e.for_field("ra"))?.degrees();
                let dec = meridian_domain::Declination::new(dec).map_err(|e| e.for_field("dec"))?.degrees();
                if !(r > 0.0 && r <= 10.0) {
                    return Err(ValidationError::new("radius", "must be more than 0 and at most 10 degrees").into());
                }
                Some((ra, dec, r))
            }
            _ => return Err(ValidationError::new("radius", "a cone search needs ra, dec and radius together").into()),
        };
        let limit = u64::from(q.limit.unwrap_or(50).clamp(1, 200));
        let mut filter = FileFilter {
            dataset,
            released_by,
            object: q.object.filter(|o| !o.trim().is_empty()),
            date_from: q.date_from,
            date_to: q.date_to,
            filter: q.filter.filter(|f| !f.is_empty()),
            instrument: q.instrument.filter(|f| !f.is_empty()),
            frame_type,
            tier,
            name: q.name.filter(|n| !n.is_empty()),
            headers,
            healpix_ranges: cone.map(|(ra, dec, r)| cone_ranges(ra, dec, r)),
            after: q.cursor.as_deref().filter(|c| !c.is_empty()).map(decode_cursor).transpose()?,
        };
        // The HEALPix ranges over-cover the cone: fetch in batches and keep the rows truly inside.
        let mut items = Vec::new();
        let mut more = false;
        loop {
            let batch = self.search_rows(released_by.is_some(), access.workspace.id, &filter, limit + 1).await?;
            let full = batch.len() as u64 > limit;
            let last = batch.iter().take(limit as usize).next_back().map(|r| (r.uploaded_at, r.id));
            for row in batch.into_iter().take(limit as usize) {
                let inside = match cone {
                    None => true,
                    Some((ra, dec, r)) => match (row.ra_deg, row.dec_deg) {
                        (Some(fra), Some(fdec)) => angular_distance(ra, dec, fra, fdec) <= r,
                        _ => false,
                    },
                };
                if inside {
                    items.push(row);
                }
                if items.len() as u64 == limit {
                    break;
                }
            }
            if items.len() as u64 >= limit {
                more = full || cone.is_some();
                break;
            }
            if !full {
                break;
            }
            filter.after = last;
        }
        let next_cursor = if more { items.last().map(|r| encode_cursor(r.uploaded_at, r.id)) } else { None };
        let mut items = self.file_views(&access, items).await?;
        if released_by.is_some() {
            // Rows from a replica may be behind: what the primary no longer shows (a release withdrawn, a dataset
            // made private) is not shown either.
            items.retain(|f| f.public);
        }
        Ok(FilePage { items, next_cursor })
    }

    /// The search's rows: from the read replica for a public reader when one is configured (the primary when the
    /// replica fails), else from the primary.
    pub(crate) async fn search_rows(
        &self,
        public: bool,
        workspace: meridian_domain::WorkspaceId,
        filter: &FileFilter,
        limit: u64,
    ) -> ServiceResult<Vec<meridian_domain::data::DataFile>> {
        if let Some(replica) = self.replica_for(public) {
            match store::search::files(replica, workspace, filter, limit).await {
                Ok(rows) => return Ok(rows),
                Err(e) => tracing::warn!(error = %e, "the read replica failed a search; reading the primary"),
            }
        }
        Ok(store::search::files(self.db(), workspace, filter, limit).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every position within the radius falls in one of the cone's ranges, whichever side of RA 0 or how close
    /// to a pole.
    #[test]
    fn cone_ranges_cover_the_cone() {
        for (ra, dec, r) in
            [(10.0, 20.0, 0.5), (359.9, 0.0, 0.3), (0.05, -30.0, 1.0), (123.0, 89.8, 0.5), (200.0, -89.5, 2.0)]
        {
            let ranges = cone_ranges(ra, dec, r);
            assert!(!ranges.is_empty());
            let mut inside = 0;
            for i in 0..400 {
                let f = f64::from(i);
                let (dra, ddec) =
                    ((f * 0.618_033_988_7).fract() * 2.0 - 1.0, (f * 0.414_213_562_3).fract() * 2.0 - 1.0);
                let pdec = (dec + ddec * r).clamp(-90.0, 90.0);
                let pra = (ra + dra * r / pdec.to_radians().cos().max(0.01)).rem_euclid(360.0);
                if angular_distance(ra, dec, pra, pdec) > r {
                    continue;
                }
                inside += 1;
                let h = healpix_of(pra, pdec);
                assert!(ranges.iter().any(|&(lo, hi)| lo <= h && h < hi), "({pra}, {pdec}) near ({ra}, {dec})");
            }
            assert!(inside > 100, "only {inside} sample points fell inside the cone at ({ra}, {dec})");
        }
    }

    /// The cover is tight: a search reads the rows of its cells, so cells much wider than the cone's edge cost
    /// reads (drawn at the cone's own scale it was ~15 times the cone's area; 1.5° read 2,600 rows for 170).
    #[test]
    fn cone_ranges_stay_close_to_the_cone() {
        let cell_sr = 4.0 * std::f64::consts::PI / (12.0 * 4f64.powi(i32::from(HEALPIX_DEPTH)));
        for (ra, dec, r) in [(150.1, 2.2, 0.5), (150.1, 2.2, 1.5), (10.0, 60.0, 3.0), (0.2, -45.0, 0.1)] {
            let ranges = cone_ranges(ra, dec, r);
            let covered: f64 = ranges.iter().map(|&(lo, hi)| (hi - lo) as f64 * cell_sr).sum();
            let cone = 2.0 * std::f64::consts::PI * (1.0 - f64::to_radians(r).cos());
            let ratio = covered / cone;
            assert!(
                ratio < 2.5,
                "({ra}, {dec}, {r}): the cover is {ratio:.1} times the cone, in {} ranges",
                ranges.len()
            );
            assert!(ranges.len() < 100, "{} ranges", ranges.len());
        }
    }

    /// Found by Schemathesis: a radius above 0 degrees that is 0 in radians made cdshealpix panic.
    #[test]
    fn a_vanishing_radius_still_covers_its_centre() {
        for r in [5e-324, f64::MIN_POSITIVE, 1e-300] {
            let ranges = cone_ranges(0.0, -90.0, r);
            let h = healpix_of(0.0, -90.0);
            assert!(ranges.iter().any(|&(lo, hi)| lo <= h && h < hi), "radius {r}");
        }
    }

    #[test]
    fn separation_across_ra_zero() {
        assert!((angular_distance(359.5, 0.0, 0.5, 0.0) - 1.0).abs() < 1e-9);
        assert!((angular_distance(10.0, 89.0, 190.0, 89.0) - 2.0).abs() < 1e-9);
    }
}
