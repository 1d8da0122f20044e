//! Virtual Observatory services of each public workspace, at `/vo/{slug}/...`: Simple Cone Search 1.03 (`scs`),
//! SIAv2 (`sia/query`) answering ObsCore columns, DataLink `{links}` (`datalink`), and VOSI `capabilities` and
//! `availability` (also under each service's base URL, where clients look for them). They are the IVOA's
//! protocols, not the JSON API: documented in `docs/vo.md`, not in the OpenAPI document. Visitors only: what they
//! answer is what the REST file search shows an anonymous caller, and each request (queries and the VOSI
//! documents alike: each reads the database) counts against the anonymous rate limit.

pub mod votable;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, get, route, web};
use bytes::Bytes;
use meridian_http::problem::ApiError;
use meridian_service::Services;
use meridian_service::vo::{ObsRecord, SiaQuery, VoCursor, VoWorkspace, file_of_did, publisher_did};
use std::fmt::Write as _;
use votable::{Cell, Field};

const SIA_STANDARD: &str = "ivo://ivoa.net/std/SIA#query-2.0";
const SCS_STANDARD: &str = "ivo://ivoa.net/std/ConeSearch";
const DATALINK_STANDARD: &str = "ivo://ivoa.net/std/DataLink#links-1.1";

/// The ObsCore columns SIAv2 answers (ObsCore 1.1, table 5), then two of ours.
const OBSCORE: &[Field] = &[
    Field::new("dataproduct_type", "char", "meta.id", "Data product type: image")
        .utype("obscore:ObsDataset.dataProductType"),
    Field::new("calib_level", "int", "meta.code;obs.calib", "Calibration level: 1, raw frames")
        .utype("obscore:ObsDataset.calibLevel"),
    Field::new("obs_collection", "char", "meta.id", "The dataset holding the file").utype("obscore:DataID.Collection"),
    Field::new("obs_id", "char", "meta.id", "The file's id").utype("obscore:DataID.observationID"),
    Field::new("obs_publisher_did", "char", "meta.ref.ivoid", "Publisher's identifier of the file")
        .utype("obscore:Curation.PublisherDID"),
    Field::new("access_url", "char", "meta.ref.url", "Where to download the FITS file")
        .utype("obscore:Access.Reference"),
    Field::new("access_format", "char", "meta.code.mime", "The file's media type").utype("obscore:Access.Format"),
    Field::new("access_estsize", "long", "phys.size;meta.file", "The file's size")
        .utype("obscore:Access.Size")
        .unit("kbyte"),
    Field::new("target_name", "char", "meta.id;src", "OBJECT from the header").utype("obscore:Target.Name"),
    Field::new("s_ra", "double", "pos.eq.ra", "Right ascension of the field's centre (ICRS)")
        .utype("obscore:Char.SpatialAxis.Coverage.Location.Coord.Position2D.Value2.C1")
        .unit("deg"),
    Field::new("s_dec", "double", "pos.eq.dec", "Declination of the field's centre (ICRS)")
        .utype("obscore:Char.SpatialAxis.Coverage.Location.Coord.Position2D.Value2.C2")
        .unit("deg"),
    Field::new("s_fov", "double", "phys.angSize;instr.fov", "Diameter of the circle around the image")
        .utype("obscore:Char.SpatialAxis.Coverage.Bounds.Extent.diameter")
        .unit("deg"),
    Field::new("s_region", "char", "pos.outline;obs.field", "The region covered (STC-S)")
        .utype("obscore:Char.SpatialAxis.Coverage.Support.Area")
        .xtype("adql:REGION"),
    Field::new("s_resolution", "double", "pos.angResolution", "Spatial resolution (not known)")
        .utype("obscore:Char.SpatialAxis.Resolution.Refval.value")
        .unit("arcsec"),
    Field::new("s_xel1", "long", "meta.number", "Pixels along the first axis")
        .utype("obscore:Char.SpatialAxis.numBins1"),
    Field::new("s_xel2", "long", "meta.number", "Pixels along the second axis")
        .utype("obscore:Char.SpatialAxis.numBins2"),
    Field::new("t_min", "double", "time.start;obs.exposure", "Start of the exposure (MJD, UTC)")
        .utype("obscore:Char.TimeAxis.Coverage.Bounds.Limits.StartTime")
        .unit("d"),
    Field::new("t_max", "double", "time.end;obs.exposure", "End of the exposure (MJD, UTC)")
        .utype("obscore:Char.TimeAxis.Coverage.Bounds.Limits.StopTime")
        .unit("d"),
    Field::new("t_exptime", "double", "time.duration;obs.exposure", "Exposure time")
        .utype("obscore:Char.TimeAxis.Coverage.Support.Extent")
        .unit("s"),
    Field::new("t_resolution", "double", "time.resolution", "Time resolution (the exposure)")
        .utype("obscore:Char.TimeAxis.Resolution.Refval.value")
        .unit("s"),
    Field::new("t_xel", "long", "meta.number", "Samples along time").utype("obscore:Char.TimeAxis.numBins"),
    Field::new("em_min", "double", "em.wl;stat.min", "Shortest wavelength of the filter")
        .utype("obscore:Char.SpectralAxis.Coverage.Bounds.Limits.LoLimit")
        .unit("m"),
    Field::new("em_max", "double", "em.wl;stat.max", "Longest wavelength of the filter")
        .utype("obscore:Char.SpectralAxis.Coverage.Bounds.Limits.HiLimit")
        .unit("m"),
    Field::new("em_res_power", "double", "spect.resolution", "Spectral resolving power (not known)")
        .utype("obscore:Char.SpectralAxis.Resolution.ResolPower.refVal"),
    Field::new("em_xel", "long", "meta.number", "Samples along wavelength").utype("obscore:Char.SpectralAxis.numBins"),
    Field::new("o_ucd", "char", "meta.ucd", "What the pixels measure").utype("obscore:Char.ObservableAxis.ucd"),
    Field::new("pol_states", "char", "meta.code;phys.polarization", "Polarisation states (none)")
        .utype("obscore:Char.PolarizationAxis.stateList"),
    Field::new("pol_xel", "long", "meta.number", "Polarisation samples").utype("obscore:Char.PolarizationAxis.numBins"),
    Field::new("facility_name", "char", "meta.id;instr.tel", "TELESCOP from the header")
        .utype("obscore:Provenance.ObsConfig.Facility.name"),
    Field::new("instrument_name", "char", "meta.id;instr", "INSTRUME from the header")
        .utype("obscore:Provenance.ObsConfig.Instrument.name"),
    Field::new("filter", "char", "meta.id;instr.filter", "FILTER from the header"),
    Field::new("preview", "char", "meta.ref.url;meta.preview", "A PNG preview, once made"),
];

/// Simple Cone Search 1.03 columns: the three UCD1 words it requires, then what a visitor wants to see.
const SCS: &[Field] = &[
    Field::new("id", "char", "ID_MAIN", "The file's id"),
    Field::new("ra", "double", "POS_EQ_RA_MAIN", "Right ascension of the field's centre (ICRS)").unit("deg"),
    Field::new("dec", "double", "POS_EQ_DEC_MAIN", "Declination of the field's centre (ICRS)").unit("deg"),
    Field::new("name", "char", "ID_FILE", "The file's name"),
    Field::new("object", "char", "ID_TARGET", "OBJECT from the header"),
    Field::new("date_obs", "char", "TIME_DATE", "Start of the exposure (ISO 8601, UTC)"),
    Field::new("exptime", "double", "TIME_EXPTIME", "Exposure time").unit("s"),
    Field::new("filter", "char", "INST_FILTER_CODE", "FILTER from the header"),
    Field::new("instrument", "char", "INST_ID", "INSTRUME from the header"),
    Field::new("telescope", "char", "INST_ID", "TELESCOP from the header"),
    Field::new("access_url", "char", "DATA_LINK", "Where to download the FITS file"),
    Field::new("distance", "double", "POS_ANG_DIST_GENERAL", "Distance from the cone's centre").unit("deg"),
];

/// DataLink 1.1's `{links}` columns.
const LINKS: &[Field] = &[
    Field::new("ID", "char", "meta.id;meta.main", "The identifier the links are for"),
    Field::new("access_url", "char", "meta.ref.url", "Where the linked resource is"),
    Field::new("service_def", "char", "meta.ref", "A service descriptor (none here)"),
    Field::new("error_message", "char", "meta.code.error", "Why there is no link for this identifier"),
    Field::new("semantics", "char", "meta.code", "What the link is, from the DataLink vocabulary"),
    Field::new("description", "char", "meta.note", "The link, for people"),
    Field::new("content_type", "char", "meta.code.mime", "The linked resource's media type"),
    Field::new("content_length", "long", "phys.size;meta.file", "The linked resource's size").unit("byte"),
    Field::new("content_qualifier", "char", "meta.code.class", "What kind of data the resource holds"),
    Field::new("local_semantics", "char", "meta.code", "Our own name for the link"),
    Field::new("link_auth", "char", "meta.code", "Whether the link needs authentication: false"),
    Field::new("link_authorized", "boolean", "meta.code", "Whether this caller may follow it: true"),
];

/// The query string as name/value pairs, repeats kept (DALI parameters repeat).
fn pairs(req: &HttpRequest) -> Vec<(String, String)> {
    web::Query::<Vec<(String, String)>>::from_query(req.query_string()).map(|q| q.into_inner()).unwrap_or_default()
}

/// A DALI request's parameters, once it is counted against the anonymous rate limit: the query string's, and a
/// POST's form body's after them; a POST whose body is not a form (or is too large) is refused rather than read as
/// a query without constraints.
async fn counted_params(
    req: &HttpRequest,
    form: Result<web::Form<Vec<(String, String)>>, actix_web::Error>,
) -> Result<Vec<(String, String)>, ApiError> {
    meridian_http::limits::count_anonymous(req).await?;
    let mut params = pairs(req);
    if req.method() == actix_web::http::Method::POST {
        let form = form.map_err(|e| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "validation_failed",
                format!("the body is not a form the service can read: {e}"),
            )
        })?;
        params.extend(form.into_inner());
    }
    Ok(params)
}

/// Where a workspace's services are.
struct Urls {
    base: String,
    api: String,
    slug: String,
}

impl Urls {
    fn new(services: &Services, slug: &str) -> Self {
        let root = services.public_url();
        Self {
            base: format!("{root}/vo/{slug}"),
            api: format!("{root}/api/v1/workspaces/{slug}"),
            slug: slug.to_owned(),
        }
    }

    fn content(&self, r: &ObsRecord) -> String {
        format!("{}/files/{}/content", self.api, r.file.id)
    }

    fn preview(&self, r: &ObsRecord) -> Option<String> {
        r.file.preview_ready().then(|| format!("{}/files/{}/preview.png", self.api, r.file.id))
    }
}

fn votable_response(status: StatusCode, media_type: &'static str, body: String) -> HttpResponse {
    HttpResponse::build(status).content_type(media_type).body(body)
}

/// A failed query as DALI has it: the HTTP status of the problem and a VOTable saying why.
fn dali_error(e: impl Into<ApiError>, start: String, extra: impl Fn(&str) -> String) -> HttpResponse {
    let e: ApiError = e.into();
    let retry_after = e.retry_after_secs();
    let problem = e.problem();
    let mut message = problem.detail.clone();
    for f in &problem.errors {
        let _ = write!(message, "; {}: {}", f.field, f.message);
    }
    // A parameter the service cannot use is DALI's 400 (the JSON API's 422).
    let status = match problem.status {
        422 => StatusCode::BAD_REQUEST,
        s => StatusCode::from_u16(s).unwrap_or(StatusCode::BAD_REQUEST),
    };
    let mut res =
        votable_response(status, votable::MEDIA_TYPE, votable::error_document(start, &message, &extra(&message)));
    if let Some(wait) = retry_after {
        res.headers_mut()
            .insert(actix_web::http::header::RETRY_AFTER, actix_web::http::header::HeaderValue::from(wait));
    }
    res
}

fn sia_row(out: &mut String, urls: &Urls, authority: &str, r: &ObsRecord) {
    let f = &r.file;
    let kbytes = (f.size_bytes + 1023) / 1024;
    votable::row(
        out,
        &[
            Cell::from(r.dataproduct_type()),
            Cell::Int(Some(i64::from(r.calib_level()))),
            Cell::from(r.collection.clone()),
            Cell::from(f.id.to_string()),
            Cell::from(publisher_did(authority, &urls.slug, f.id)),
            Cell::from(urls.content(r)),
            Cell::from("image/fits"),
            Cell::Int(Some(kbytes)),
            Cell::from(f.object.clone()),
            Cell::from(f.ra_deg),
            Cell::from(f.dec_deg),
            Cell::from(r.s_fov()),
            Cell::from(r.s_region()),
            Cell::Double(None),
            Cell::Int(r.footprint.map(|p| i64::try_from(p.width).unwrap_or(i64::MAX))),
            Cell::Int(r.footprint.map(|p| i64::try_from(p.height).unwrap_or(i64::MAX))),
            Cell::from(r.t_min()),
            Cell::from(r.t_max()),
            Cell::from(f.exposure_s),
            Cell::from(f.exposure_s),
            Cell::Int(Some(1)),
            Cell::from(r.band.map(|b| b.0)),
            Cell::from(r.band.map(|b| b.1)),
            Cell::Double(None),
            Cell::Int(Some(1)),
            Cell::from("phot.count"),
            Cell::Text(None),
            Cell::Int(Some(1)),
            Cell::from(f.telescope.clone()),
            Cell::from(f.instrument.clone()),
            Cell::from(f.filter.clone()),
            Cell::from(urls.preview(r)),
        ],
    );
}

/// What a SIAv2 answer has written so far.
enum Stream {
    Rows { cursor: Option<VoCursor>, written: u64, examined: u64 },
    Done,
}

/// Files an answer may look at that do not match, before it stops with `OVERFLOW` (a query the database cannot
/// narrow, with nothing matching, would otherwise read the whole workspace).
const SCAN_BUDGET: u64 = 50_000;

/// Ends a results resource written row by row: the table closed, an `OVERFLOW` (with why) or `ERROR` status after
/// it, the service descriptor, the document's end.
fn finish(out: &mut String, descriptor: &str, overflow: Option<&str>, error: Option<&str>) {
    out.push_str(&votable::results_end(overflow, error));
    out.push_str(descriptor);
    out.push_str(votable::end());
}

/// SIAv2 query: the workspace's released images as ObsCore rows (`POS`, `TIME`, `BAND`, `EXPTIME`, `FOV`,
/// `CALIB`, `COLLECTION`, `FACILITY`, `INSTRUMENT`, `TARGET`, `DPTYPE`, `ID`, `FORMAT`, `MAXREC`,
/// `RESPONSEFORMAT`), streamed as they are found; a DataLink service descriptor points each row's
/// `obs_publisher_did` at this workspace's `{links}`.
#[route("/vo/{slug}/sia/query", method = "GET", method = "POST")]
pub async fn sia_query(
    req: HttpRequest,
    services: web::Data<Services>,
    slug: web::Path<String>,
    form: Result<web::Form<Vec<(String, String)>>, actix_web::Error>,
) -> HttpResponse {
    let no_extra = |_: &str| String::new();
    let params = match counted_params(&req, form).await {
        Ok(p) => p,
        Err(e) => return dali_error(e, votable::start(), no_extra),
    };
    let query = match SiaQuery::parse(&params) {
        Ok(q) => q,
        Err(e) => return dali_error(e, votable::start(), no_extra),
    };
    if let Some((_, format)) = params.iter().find(|(k, _)| k.eq_ignore_ascii_case("RESPONSEFORMAT")) {
        let f = format.trim().to_ascii_lowercase();
        let votable =
            ["votable", "application/x-votable+xml", "text/xml", "application/x-votable+xml;serialization=tabledata"];
        if !votable.contains(&f.as_str()) {
            let e = ApiError::new(
                StatusCode::BAD_REQUEST,
                "validation_failed",
                format!("RESPONSEFORMAT {format:?} is not offered; votable is"),
            );
            return dali_error(e, votable::start(), no_extra);
        }
    }
    let ws = match services.vo_workspace(&slug).await {
        Ok(ws) => ws,
        Err(e) => return dali_error(e, votable::start(), no_extra),
    };
    let urls = Urls::new(&services, &ws.slug);
    let authority = services.vo_authority();
    let mut head = votable::start();
    head.push_str(&votable::results_start(&votable::info("QUERY_STATUS", "OK", ""), OBSCORE, &["obs_publisher_did"]));
    let maxrec = query.maxrec();
    let descriptor = votable::service_descriptor(
        "datalink",
        DATALINK_STANDARD,
        &format!("{}/datalink", urls.base),
        "obs_publisher_did",
    );
    let state = if maxrec == 0 || query.matches_nothing() {
        // A metadata query (DALI), or one nothing can match: the columns, no rows.
        finish(&mut head, &descriptor, None, None);
        Stream::Done
    } else {
        Stream::Rows { cursor: None, written: 0, examined: 0 }
    };
    let ctx = std::rc::Rc::new(SiaAnswer { services: services.into_inner(), query, ws, urls, authority, descriptor });
    let stream = futures::stream::unfold((state, Some(head)), move |(state, head)| {
        let ctx = ctx.clone();
        async move {
            let SiaAnswer { services, query, ws, urls, authority, descriptor } = &*ctx;
            let Stream::Rows { mut cursor, mut written, mut examined } = state else {
                // A metadata answer is its head, whole.
                return head.map(|h| (Ok::<_, actix_web::Error>(Bytes::from(h)), (Stream::Done, None)));
            };
            // The head goes out with the first rows, not alone: a lone small first chunk met the client's delayed
            // ACK (Nagle) and cost every short answer 40 ms.
            let mut out = head.unwrap_or_default();
            let before = written;
            let done = |mut out: String, overflow: Option<&str>, error: Option<&str>| {
                finish(&mut out, descriptor, overflow, error);
                Some((Ok(Bytes::from(out)), (Stream::Done, None)))
            };
            // Batches until some rows are written, the rows run out, or the answer is full.
            loop {
                let batch = match services.vo_query(ws, query, cursor).await {
                    Ok(b) => b,
                    Err(e) => {
                        tracing::error!(error = %e.chain(), "an SIA query failed half-way");
                        return done(out, None, Some("the query failed part way; the rows above are incomplete"));
                    }
                };
                examined += batch.examined;
                for r in &batch.records {
                    if written == query.maxrec() {
                        return done(out, Some("more rows match than MAXREC allows"), None);
                    }
                    sia_row(&mut out, urls, authority, r);
                    written += 1;
                }
                cursor = batch.next;
                if cursor.is_none() {
                    return done(out, None, None);
                }
                if examined.saturating_sub(written) >= SCAN_BUDGET {
                    // A query the database cannot narrow (no POS or TIME, and nothing matching) would otherwise read
                    // the whole workspace for one anonymous request.
                    let why = format!(
                        "the search stopped after looking at {examined} files; more may match: narrow it with POS or TIME"
                    );
                    return done(out, Some(&why), None);
                }
                if written > before {
                    return Some((Ok(Bytes::from(out)), (Stream::Rows { cursor, written, examined }, None)));
                }
            }
        }
    });
    HttpResponse::Ok().content_type(votable::MEDIA_TYPE).streaming(stream)
}

/// What each step of a streamed SIA answer needs.
struct SiaAnswer {
    services: std::sync::Arc<Services>,
    query: SiaQuery,
    ws: VoWorkspace,
    urls: Urls,
    authority: String,
    descriptor: String,
}

/// The most rows a cone search answers.
const SCS_MAXREC: u64 = meridian_service::vo::DEFAULT_MAXREC * 10;

/// Released images whose centre lies within `radius` degrees of `centre`, nearest first, at most `cap` of them, and
/// whether that is not all. The files are read in the store's order (newest first), not by distance, so the `cap`
/// nearest seen so far are kept (a heap) while the cone is read to its end: then they are exactly the nearest. A
/// cone whose reading passes [`SCAN_BUDGET`] rows stops there, with the nearest of what was read (flagged cut).
async fn nearest_in_cone(
    services: &Services,
    ws: &VoWorkspace,
    (ra, dec): (f64, f64),
    radius: f64,
    cap: u64,
) -> Result<(Vec<(f64, ObsRecord)>, bool), meridian_service::ServiceError> {
    let cap_rows = usize::try_from(cap).unwrap_or(usize::MAX);
    let query = SiaQuery { pos: vec![meridian_service::vo::Shape::Circle { ra, dec, radius }], ..SiaQuery::default() };
    let mut nearest: std::collections::BinaryHeap<Near> = std::collections::BinaryHeap::new();
    let (mut cursor, mut examined, mut matched) = (None, 0_u64, 0_u64);
    let mut whole = true;
    loop {
        let batch = services.vo_query(ws, &query, cursor).await?;
        examined += batch.examined;
        for rec in batch.records {
            // A cone search matches centres, not fields.
            if let (Some(fra), Some(fdec)) = (rec.file.ra_deg, rec.file.dec_deg) {
                let d = meridian_service::data::search::angular_distance(ra, dec, fra, fdec);
                if d <= radius {
                    matched += 1;
                    nearest.push(Near(d, rec));
                    if nearest.len() > cap_rows {
                        nearest.pop(); // the farthest
                    }
                }
            }
        }
        cursor = batch.next;
        if cursor.is_none() {
            break;
        }
        if examined >= SCAN_BUDGET {
            whole = false;
            break;
        }
    }
    let rows = nearest.into_sorted_vec().into_iter().map(|Near(d, r)| (d, r)).collect();
    Ok((rows, !whole || matched > cap))
}

/// A matching image and its distance, ordered by the distance.
struct Near(f64, ObsRecord);

impl PartialEq for Near {
    fn eq(&self, other: &Self) -> bool {
        self.0.total_cmp(&other.0).is_eq()
    }
}

impl Eq for Near {}

impl PartialOrd for Near {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Near {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// Simple Cone Search 1.03: released images whose centre lies within `SR` degrees of (`RA`, `DEC`), nearest
/// first (the nearest ones when more match than it answers); `SR=0` answers the columns only; `MAXREC` (an
/// extension) asks for fewer rows. Errors are VOTables with an `Error` INFO, as the standard has them.
#[get("/vo/{slug}/scs")]
pub async fn cone_search(req: HttpRequest, services: web::Data<Services>, slug: web::Path<String>) -> HttpResponse {
    let scs_error = |message: &str| votable::info("Error", message, "");
    let fail = |message: String| {
        votable_response(
            StatusCode::OK,
            votable::MEDIA_TYPE,
            votable::error_document(votable::start_v1_1(), &message, &scs_error(&message)),
        )
    };
    if let Err(e) = meridian_http::limits::count_anonymous(&req).await {
        return dali_error(e, votable::start_v1_1(), scs_error);
    }
    let params = pairs(&req);
    let number = |name: &str| -> Result<f64, String> {
        let value = params.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.trim());
        match value {
            None | Some("") => Err(format!("{name} is required (decimal degrees)")),
            Some(v) => {
                v.parse::<f64>().ok().filter(|n| n.is_finite()).ok_or_else(|| format!("{name} {v:?} is not a number"))
            }
        }
    };
    let (ra, dec, sr) = match (number("RA"), number("DEC"), number("SR")) {
        (Ok(ra), Ok(dec), Ok(sr)) => (ra, dec, sr),
        (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => return fail(e),
    };
    if !(0.0..=360.0).contains(&ra) || !(-90.0..=90.0).contains(&dec) {
        return fail("RA must be 0 to 360 and DEC -90 to 90 (decimal degrees, ICRS)".to_owned());
    }
    if !(0.0..=meridian_service::vo::MAX_RADIUS_DEG).contains(&sr) {
        return fail(format!("SR must be 0 to {} degrees", meridian_service::vo::MAX_RADIUS_DEG));
    }
    // Not in SCS 1.03: DALI's MAXREC, which many cone searches also take; at most (and by default) SCS_MAXREC.
    let cap = match params.iter().find(|(k, _)| k.eq_ignore_ascii_case("MAXREC")).map(|(_, v)| v.trim()) {
        None | Some("") => SCS_MAXREC,
        Some(v) => match v.parse::<u64>() {
            Ok(n) => n.min(SCS_MAXREC),
            // More than any service answers: its own limit, as DALI has it.
            Err(_) if v.bytes().all(|b| b.is_ascii_digit()) => SCS_MAXREC,
            Err(_) => return fail(format!("MAXREC {v:?} is not a whole number")),
        },
    };
    let ws = match services.vo_workspace(&slug).await {
        Ok(ws) => ws,
        Err(e) => return dali_error(e, votable::start_v1_1(), scs_error),
    };
    let urls = Urls::new(&services, &ws.slug);
    let mut out = votable::start_v1_1();
    out.push_str(&votable::results_start("", SCS, &[]));
    let mut overflow = false;
    // MAXREC=0 asks for the columns only, as SR=0 does.
    if sr > 0.0 && cap > 0 {
        let (rows, cut) = match nearest_in_cone(&services, &ws, (ra, dec), sr, cap).await {
            Ok(found) => found,
            Err(e) => return dali_error(e, votable::start_v1_1(), scs_error),
        };
        overflow = cut;
        for (d, r) in &rows {
            let f = &r.file;
            votable::row(
                &mut out,
                &[
                    Cell::from(f.id.to_string()),
                    Cell::from(f.ra_deg),
                    Cell::from(f.dec_deg),
                    Cell::from(f.name.clone()),
                    Cell::from(f.object.clone()),
                    Cell::from(f.date_obs.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true))),
                    Cell::from(f.exposure_s),
                    Cell::from(f.filter.clone()),
                    Cell::from(f.instrument.clone()),
                    Cell::from(f.telescope.clone()),
                    Cell::from(urls.content(r)),
                    Cell::from(*d),
                ],
            );
        }
    }
    out.push_str(&votable::results_end(overflow.then_some("more rows match than this service answers at once"), None));
    out.push_str(votable::end());
    votable_response(StatusCode::OK, votable::MEDIA_TYPE, out)
}

/// DataLink `{links}`: for each `ID` (a publisher DID from the SIA answer, or a file id), the FITS file (`#this`),
/// its preview (`#preview`), its header (`#auxiliary`) and the public package versions holding it
/// (`#package`). An identifier that names nothing a visitor may see gets one row with an `error_message`.
#[route("/vo/{slug}/datalink", method = "GET", method = "POST")]
pub async fn datalink(
    req: HttpRequest,
    services: web::Data<Services>,
    slug: web::Path<String>,
    form: Result<web::Form<Vec<(String, String)>>, actix_web::Error>,
) -> HttpResponse {
    let no_extra = |_: &str| String::new();
    let params = match counted_params(&req, form).await {
        Ok(p) => p,
        Err(e) => return dali_error(e, votable::start(), no_extra),
    };
    let ids: Vec<String> =
        params.into_iter().filter(|(k, _)| k.eq_ignore_ascii_case("ID")).map(|(_, v)| v.trim().to_owned()).collect();
    if ids.is_empty() {
        let e = ApiError::new(StatusCode::BAD_REQUEST, "validation_failed", "ID is required: a file's publisher DID");
        return dali_error(e, votable::start(), no_extra);
    }
    if ids.len() > 100 {
        let e = ApiError::new(StatusCode::BAD_REQUEST, "validation_failed", "at most 100 IDs in one request");
        return dali_error(e, votable::start(), no_extra);
    }
    let ws = match services.vo_workspace(&slug).await {
        Ok(ws) => ws,
        Err(e) => return dali_error(e, votable::start(), no_extra),
    };
    let urls = Urls::new(&services, &ws.slug);
    let mut out = votable::start();
    out.push_str(&votable::results_start(&votable::info("QUERY_STATUS", "OK", ""), LINKS, &[]));
    let link = |out: &mut String,
                id: &str,
                url: String,
                semantics: &str,
                description: &str,
                media: &str,
                length: Option<i64>,
                local: &str| {
        votable::row(
            out,
            &[
                Cell::from(id),
                Cell::from(url),
                Cell::Text(None),
                Cell::Text(None),
                Cell::from(semantics),
                Cell::from(description),
                Cell::from(media),
                Cell::Int(length),
                Cell::Text(None),
                Cell::from(local),
                Cell::from("false"),
                Cell::from("true"),
            ],
        );
    };
    for id in &ids {
        let found = match file_of_did(id) {
            Some(file) => match services.vo_links(&ws, file).await {
                Ok(links) => Some(links),
                Err(meridian_service::ServiceError::NotFound(_)) => None,
                Err(e) => return dali_error(e, votable::start(), no_extra),
            },
            None => None,
        };
        let Some(links) = found else {
            votable::row(
                &mut out,
                &[
                    Cell::from(id.as_str()),
                    Cell::Text(None),
                    Cell::Text(None),
                    Cell::from(format!("NotFoundFault: {id} names no released file of this workspace")),
                    Cell::from("#this"),
                    Cell::Text(None),
                    Cell::Text(None),
                    Cell::Int(None),
                    Cell::Text(None),
                    Cell::Text(None),
                    Cell::Text(None),
                    Cell::Text(None),
                ],
            );
            continue;
        };
        let r = &links.record;
        link(
            &mut out,
            id,
            urls.content(r),
            "#this",
            &format!("The FITS file {}", r.file.name),
            "image/fits",
            Some(r.file.size_bytes),
            "file",
        );
        if let Some(preview) = urls.preview(r) {
            link(&mut out, id, preview, "#preview", "A PNG preview (zscale)", "image/png", None, "preview");
        }
        let header = format!("{}/files/{}/header", urls.api, r.file.id);
        link(&mut out, id, header, "#auxiliary", "Every header card, as JSON", "application/json", None, "header");
        for p in &links.packages {
            let url = format!("{}/packages/{}/versions/{}/archive.zip", urls.api, p.package, p.number);
            let what = format!("Data package \"{}\", version {} (zip)", p.title, p.number);
            link(&mut out, id, url, "#package", &what, "application/zip", None, "package");
        }
    }
    out.push_str(&votable::results_end(None, None));
    out.push_str(votable::end());
    votable_response(StatusCode::OK, votable::DATALINK_MEDIA_TYPE, out)
}

/// VOSI capabilities of a workspace's services (the same document at `/vo/{slug}/capabilities` and under each
/// service's base URL).
#[get("/vo/{slug}/capabilities")]
pub async fn capabilities(req: HttpRequest, services: web::Data<Services>, slug: web::Path<String>) -> HttpResponse {
    if let Some(refused) = over_limit(&req).await {
        return refused;
    }
    capabilities_document(&services, &slug).await
}

/// The capabilities under a service's base URL (`sia`, `scs`, `datalink`).
#[get("/vo/{slug}/{service}/capabilities")]
pub async fn service_capabilities(
    req: HttpRequest,
    services: web::Data<Services>,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    if let Some(refused) = over_limit(&req).await {
        return refused;
    }
    let (slug, service) = path.into_inner();
    if !["sia", "scs", "datalink"].contains(&service.as_str()) {
        return not_found_xml();
    }
    capabilities_document(&services, &slug).await
}

/// Counts a VOSI request against the anonymous rate limit; the 429 to answer when the allowance is spent.
async fn over_limit(req: &HttpRequest) -> Option<HttpResponse> {
    meridian_http::limits::count_anonymous(req).await.err().map(|e| actix_web::ResponseError::error_response(&e))
}

fn not_found_xml() -> HttpResponse {
    HttpResponse::NotFound().content_type("text/plain; charset=utf-8").body("no such VO service\n")
}

/// A workspace that is not there (or not public) is 404; anything else (the database failing) is the error it is,
/// logged with its causes at the edge.
fn workspace_error(e: meridian_service::ServiceError) -> HttpResponse {
    use actix_web::ResponseError as _;
    match e {
        meridian_service::ServiceError::NotFound(_) => not_found_xml(),
        other => ApiError::from(other).error_response(),
    }
}

async fn capabilities_document(services: &Services, slug: &str) -> HttpResponse {
    let ws = match services.vo_workspace(slug).await {
        Ok(ws) => ws,
        Err(e) => return workspace_error(e),
    };
    let base = Urls::new(services, &ws.slug).base;
    let capability = |standard: &str, url: String, use_: &str, version: Option<&str>| {
        let role = version.map_or(String::new(), |v| format!(" role=\"std\" version=\"{v}\""));
        format!(
            "  <capability standardID=\"{standard}\">\n    <interface xsi:type=\"vs:ParamHTTP\"{role}>\n      <accessURL use=\"{use_}\">{}</accessURL>\n    </interface>\n  </capability>\n",
            quick_xml::escape::escape(url.as_str())
        )
    };
    let mut out = String::from(concat!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
        "<vosi:capabilities xmlns:vosi=\"http://www.ivoa.net/xml/VOSICapabilities/v1.0\"",
        " xmlns:vr=\"http://www.ivoa.net/xml/VOResource/v1.0\" xmlns:vs=\"http://www.ivoa.net/xml/VODataService/v1.1\"",
        " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">\n"
    ));
    out.push_str(&capability("ivo://ivoa.net/std/VOSI#capabilities", format!("{base}/capabilities"), "full", None));
    out.push_str(&capability("ivo://ivoa.net/std/VOSI#availability", format!("{base}/availability"), "full", None));
    out.push_str(&capability(SIA_STANDARD, format!("{base}/sia/query"), "base", Some("2.0")));
    out.push_str(&capability(SCS_STANDARD, format!("{base}/scs?"), "base", Some("1.03")));
    out.push_str(&capability(DATALINK_STANDARD, format!("{base}/datalink"), "base", Some("1.1")));
    out.push_str("</vosi:capabilities>\n");
    HttpResponse::Ok().content_type("text/xml; charset=utf-8").body(out)
}

/// VOSI availability: whether the services can answer now (the database answers).
#[get("/vo/{slug}/availability")]
pub async fn availability(req: HttpRequest, services: web::Data<Services>, slug: web::Path<String>) -> HttpResponse {
    if let Some(refused) = over_limit(&req).await {
        return refused;
    }
    availability_document(&services, &slug).await
}

/// Availability under a service's base URL.
#[get("/vo/{slug}/{service}/availability")]
pub async fn service_availability(
    req: HttpRequest,
    services: web::Data<Services>,
    path: web::Path<(String, String)>,
) -> HttpResponse {
    if let Some(refused) = over_limit(&req).await {
        return refused;
    }
    let (slug, service) = path.into_inner();
    if !["sia", "scs", "datalink"].contains(&service.as_str()) {
        return not_found_xml();
    }
    availability_document(&services, &slug).await
}

async fn availability_document(services: &Services, slug: &str) -> HttpResponse {
    let mut up = services.ready().await;
    if up && let Err(e) = services.vo_workspace(slug).await {
        match e {
            meridian_service::ServiceError::NotFound(_) => return not_found_xml(),
            // The database failed between the two questions: not available, said in the document's own terms.
            other => {
                tracing::warn!(error = %other.chain(), "VOSI availability: the workspace could not be read");
                up = false;
            }
        }
    }
    let note = if up { "The services are answering." } else { "The database is not answering; try again later." };
    let body = format!(
        concat!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
            "<vosi:availability xmlns:vosi=\"http://www.ivoa.net/xml/VOSIAvailability/v1.0\">\n",
            "  <vosi:available>{}</vosi:available>\n  <vosi:note>{}</vosi:note>\n</vosi:availability>\n"
        ),
        up, note
    );
    HttpResponse::Ok().content_type("text/xml; charset=utf-8").body(body)
}

/// Mounts the VO services (outside `/api/v1`).
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(sia_query)
        .service(cone_search)
        .service(datalink)
        .service(capabilities)
        .service(availability)
        .service(service_capabilities)
        .service(service_availability);
}
