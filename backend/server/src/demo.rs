//! `meridian demo`: a sample observatory, so a newcomer sees a living portal at once. Seeding twice is harmless.

use meridian_domain::PageRequest;
use meridian_service::accounts::SignUp;
use meridian_service::equipment::{Coordinate, CreateInstrument, CreateSite, CreateTelescope};
use meridian_service::nights::{CreateNightLog, EntryInput, ObservationInput, UpdateNightLog};
use meridian_service::targets::{CreateTarget, CreateTargetList};
use meridian_service::workspaces::{CreateWorkspace, UpdateWorkspace};
use meridian_service::{Actor, ClientInfo, ServiceError, Services};

pub const DEMO_EMAIL: &str = "demo@meridian.test";
pub const DEMO_PASSWORD: &str = "stargazer-demo";
pub const DEMO_SLUG: &str = "demo-observatory";
const SECOND_EMAIL: &str = "observer@meridian.test";
/// The satellite catalog the tests ship (Stellarium 0.22.2's default: 5018 objects, epochs 2022-05-20 to
/// 2022-06-17; see backend/satellites/tests/data/README.md), so the demo's satellite check works offline. The
/// check page offers an example in its epoch.
const DEMO_CATALOG: &str = include_str!("../../satellites/tests/data/catalog_stellarium_0.22.2.tle");

/// How to sign in to what was seeded.
#[derive(Debug)]
pub struct Demo {
    pub email: &'static str,
    pub password: &'static str,
    pub slug: &'static str,
}

/// The demo's accounts have confirmed addresses (nobody reads their mail), and sign in at once.
async fn account(services: &Services, email: &str, name: &str) -> anyhow::Result<Actor> {
    let client = ClientInfo::default();
    // An existing account answers the same as a new one; either way the password below signs it in.
    services
        .sign_up(SignUp { email: email.into(), password: DEMO_PASSWORD.into(), display_name: name.into() }, &client)
        .await
        .map_err(|e| anyhow::anyhow!("creating the demo account: {e}"))?;
    services.confirm_address_on_host(email).await.map_err(|e| anyhow::anyhow!("confirming the demo account: {e}"))?;
    let creds = services
        .sign_in(email, DEMO_PASSWORD, &client)
        .await
        .map_err(|e| anyhow::anyhow!("signing in the demo account: {e}"))?;
    services.actor_from_session(&creds.session_token).await.map_err(|e| anyhow::anyhow!("{e}"))
}

pub async fn seed(services: &Services) -> anyhow::Result<Demo> {
    let demo = account(services, DEMO_EMAIL, "Dana Demo").await?;
    let observer = account(services, SECOND_EMAIL, "Oscar Observer").await?;
    match services
        .create_workspace(
            &demo,
            CreateWorkspace {
                slug: DEMO_SLUG.into(),
                name: "Demo Observatory".into(),
                description: Some(
                    "A small observatory on a dark hill: a 0.5 m reflector and a 0.3 m astrograph, \
                     run by staff and a club of citizen scientists. Everything here is sample data."
                        .into(),
                ),
                visibility: Some("public".into()),
            },
        )
        .await
    {
        Ok(_) => {
            services
                .add_member_on_host(DEMO_SLUG, SECOND_EMAIL, meridian_domain::Role::Observer)
                .await
                .map_err(|e| anyhow::anyhow!("adding the demo observer: {e}"))?;
        }
        Err(ServiceError::Conflict { .. }) => {
            services
                .update_workspace(
                    &demo,
                    DEMO_SLUG,
                    UpdateWorkspace { visibility: Some("public".into()), ..Default::default() },
                )
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        Err(e) => anyhow::bail!("creating the demo workspace: {e}"),
    }
    let has_sites =
        !services.list_sites(&demo, DEMO_SLUG, &PageRequest::default()).await.map_err(err)?.items.is_empty();
    if !has_sites {
        observing(services, &demo, &observer).await?;
    }
    // A server with a catalog of its own (imported or fetched) keeps it.
    if services.satellite_catalog_status().await.map_err(err)?.catalog.objects == 0 {
        services
            .import_satellite_catalog(DEMO_CATALOG.to_owned(), None, "Stellarium 0.22.2 default catalog", "demo")
            .await
            .map_err(err)?;
    }
    Ok(Demo { email: DEMO_EMAIL, password: DEMO_PASSWORD, slug: DEMO_SLUG })
}

fn err(e: ServiceError) -> anyhow::Error {
    anyhow::anyhow!("seeding the demo observatory: {e}")
}

fn entry(time: &str, level: &str, body: &str, tags: &[&str]) -> EntryInput {
    EntryInput {
        occurred_at: Some(time.into()),
        level: Some(level.into()),
        body: Some(body.into()),
        tags: Some(tags.iter().map(|t| (*t).to_owned()).collect()),
        ..EntryInput::default()
    }
}

/// A site, two telescopes, a camera, a few targets, last night's log (published, with an edited entry, time lost
/// and observations) and tonight's log begun.
async fn observing(services: &Services, demo: &Actor, observer: &Actor) -> anyhow::Result<()> {
    let slug = DEMO_SLUG;
    let site = services
        .create_site(
            demo,
            slug,
            CreateSite {
                name: "Hill Top".into(),
                latitude: Coordinate::Degrees(37.2236),
                longitude: Coordinate::Degrees(-2.5463),
                elevation_m: 2168.0,
                time_zone: "Europe/Madrid".into(),
                description: Some("Two domes on a dark ridge, 40 km from the nearest town.".into()),
            },
        )
        .await
        .map_err(err)?;
    let reflector = services
        .create_telescope(
            demo,
            slug,
            CreateTelescope {
                name: "0.5 m reflector".into(),
                site_id: site.id,
                aperture_mm: Some(500.0),
                focal_length_mm: Some(4000.0),
                mount: Some("fork".into()),
                description: Some("Ritchey-Chrétien in the north dome.".into()),
            },
        )
        .await
        .map_err(err)?;
    services
        .create_telescope(
            demo,
            slug,
            CreateTelescope {
                name: "0.3 m astrograph".into(),
                site_id: site.id,
                aperture_mm: Some(300.0),
                focal_length_mm: Some(1140.0),
                mount: Some("equatorial".into()),
                description: None,
            },
        )
        .await
        .map_err(err)?;
    let camera = services
        .create_instrument(
            demo,
            slug,
            CreateInstrument {
                name: "Main camera".into(),
                telescope_id: reflector.telescope.id,
                detector: Some("QHY600M, 9576 × 6388 px".into()),
                pixel_scale_arcsec: Some(0.19),
                // 9576 × 6388 px at 0.19″/px.
                field_width_arcmin: Some(30.3),
                field_height_arcmin: Some(20.2),
                filters: Some(["B", "V", "R", "I", "Halpha"].map(String::from).to_vec()),
                description: None,
            },
        )
        .await
        .map_err(err)?;
    let mut targets = Vec::new();
    for (name, ra, dec) in [
        ("M42", "05:35:17.3", "-05:23:28"),
        ("M31", "00:42:44.3", "+41:16:09"),
        ("NGC 2392", "07:29:10.8", "+20:54:42"),
    ] {
        let t = services
            .create_target(
                demo,
                slug,
                CreateTarget {
                    name: name.into(),
                    ra: Coordinate::Text(ra.into()),
                    dec: Coordinate::Text(dec.into()),
                    notes: None,
                    tags: Some(vec!["showpiece".into()]),
                },
            )
            .await
            .map_err(err)?;
        targets.push(t);
    }
    let list = services
        .create_target_list(
            demo,
            slug,
            CreateTargetList { name: "Winter showpieces".into(), description: Some("For open nights.".into()) },
        )
        .await
        .map_err(err)?;
    for t in &targets {
        services.add_target_to_list(demo, slug, list.id, t.id).await.map_err(err)?;
    }

    // Last night, written and published; tonight, begun.
    let tonight = services
        .create_night_log(
            demo,
            slug,
            CreateNightLog { telescope_id: reflector.telescope.id.to_string(), ..CreateNightLog::default() },
        )
        .await
        .map_err(err)?;
    let last = tonight.log.night.date().pred_opt().map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default();
    let log = services
        .create_night_log(
            demo,
            slug,
            CreateNightLog {
                telescope_id: reflector.telescope.id.to_string(),
                night: Some(last.clone()),
                observers: Some("Oscar Observer, Dana Demo".into()),
                visibility: Some("public".into()),
            },
        )
        .await
        .map_err(err)?;
    let id = log.log.id;
    for e in [
        entry("19:40", "info", "Dome open, **flats** at dusk in V and R.", &["dome", "flats"]),
        entry("21:05", "info", "M42 acquired; guiding on a 9th-magnitude star.", &["target"]),
        entry("23:30", "warning", "Humidity up to 88 %; watching it.", &["humidity"]),
    ] {
        services.add_entry(observer, slug, id, e).await.map_err(err)?;
    }
    let closed = services
        .add_entry(
            observer,
            slug,
            id,
            EntryInput {
                time_lost_minutes: Some(Some(75)),
                time_lost_category: Some(Some("weather".into())),
                ..entry("00:15", "problem", "Dome closed: humidity 95 %.", &["dome", "humidity"])
            },
        )
        .await
        .map_err(err)?;
    services
        .edit_entry(
            demo,
            slug,
            closed.entry.id,
            EntryInput {
                body: Some("Dome closed: humidity 95 %, fog in the valley rising.".into()),
                ..EntryInput::default()
            },
        )
        .await
        .map_err(err)?;
    services
        .add_entry(observer, slug, id, entry("01:30", "info", "Reopened; NGC 2392 to the end of the night.", &["dome"]))
        .await
        .map_err(err)?;
    for (target, start, exposure, filter, frame) in [
        (None, "19:20", 0.0, "", "bias"),
        (None, "19:45", 2.0, "V", "flat"),
        (Some(0), "21:10", 120.0, "V", "science"),
        (Some(0), "21:13", 120.0, "R", "science"),
        (Some(2), "01:40", 300.0, "Halpha", "science"),
    ] {
        services
            .add_observation(
                observer,
                slug,
                id,
                ObservationInput {
                    target_id: target.map(|i: usize| Some(targets[i].id.to_string())),
                    target_name: target.is_none().then(|| frame.to_owned()),
                    start_at: Some(start.into()),
                    exposure_s: Some(exposure),
                    filter: Some(filter.into()),
                    instrument_id: Some(Some(camera.instrument.id.to_string())),
                    frame_type: Some(frame.into()),
                    ..ObservationInput::default()
                },
            )
            .await
            .map_err(err)?;
    }
    services
        .update_night_log(
            demo,
            slug,
            id,
            UpdateNightLog {
                seeing_arcsec: Some(Some(1.1)),
                transparency: Some(Some("thin_clouds".into())),
                weather: Some("Calm; humidity high after midnight.".into()),
                summary: Some(
                    "Flats and M42 in V and R; 75 minutes lost to humidity; NGC 2392 after reopening.".into(),
                ),
                status: Some("closed".into()),
                ..UpdateNightLog::default()
            },
        )
        .await
        .map_err(err)?;
    let tonight_id = tonight.log.id;
    services
        .add_entry(
            observer,
            slug,
            tonight_id,
            EntryInput { body: Some("Afternoon: CCD cooled to -20 °C.".into()), ..EntryInput::default() },
        )
        .await
        .map_err(err)?;
    data(services, demo, &last, reflector.telescope.id.to_string()).await
}

/// `count` pseudo-random numbers in `0..1` (a fixed sequence: the sample frames are the same on every machine).
fn randoms(seed: u64, count: usize) -> Vec<f64> {
    let mut state = seed;
    (0..count)
        .map(|_| {
            state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            #[expect(clippy::cast_precision_loss, reason = "53 random bits")]
            let r = (state >> 11) as f64 / (1_u64 << 53) as f64;
            r
        })
        .collect()
}

const FRAME_W: usize = 160;
const FRAME_H: usize = 120;

/// A sample frame: a twilight flat (smooth, vignetted) or a star field with a nebula, with noise.
fn frame_pixels(seed: u64, flat: bool) -> Vec<i16> {
    let noise = randoms(seed, FRAME_W * FRAME_H);
    let stars: Vec<(f64, f64, f64)> = randoms(seed ^ 0x5eed, 90)
        .chunks(3)
        .map(|c| (c[0] * FRAME_W as f64, c[1] * FRAME_H as f64, 300.0 + 9000.0 * c[2].powi(4)))
        .collect();
    let (cx, cy) = (FRAME_W as f64 / 2.0, FRAME_H as f64 / 2.0);
    (0..FRAME_H)
        .flat_map(|y| (0..FRAME_W).map(move |x| (x as f64, y as f64)))
        .zip(noise)
        .map(|((x, y), n)| {
            let r2 = ((x - cx) / FRAME_W as f64).powi(2) + ((y - cy) / FRAME_H as f64).powi(2);
            let v = if flat {
                21_000.0 * (1.0 - 0.6 * r2) + 150.0 * (n - 0.5)
            } else {
                let nebula = 2500.0 * (-(r2 * 18.0)).exp();
                let starlight: f64 =
                    stars.iter().map(|(sx, sy, f)| f * (-((x - sx).powi(2) + (y - sy).powi(2)) / 3.0).exp()).sum();
                1000.0 + nebula + starlight + 60.0 * (n - 0.5)
            };
            #[expect(clippy::cast_possible_truncation, reason = "clamped to i16")]
            let p = v.clamp(0.0, 32_000.0) as i16;
            p
        })
        .collect()
}

/// Last night's frames as a released dataset (the ingest job files them under last night's log) and a public
/// data package of the M42 frames, version 1.
async fn data(services: &Services, demo: &Actor, last_night: &str, telescope: String) -> anyhow::Result<()> {
    use meridian_service::data::{DatasetInput, UploadMeta};
    use meridian_service::packages::{AddFiles, AuthorInput, PackageInput};
    let slug = DEMO_SLUG;
    let dataset = services
        .create_dataset(
            demo,
            slug,
            DatasetInput {
                name: Some("Last night: flats and M42".into()),
                description: Some("Twilight flats and M42 in V and R from the 0.5 m reflector (sample frames).".into()),
                telescope_id: Some(Some(telescope)),
                release_at: Some(Some(chrono::Utc::now() - chrono::Duration::days(1))),
            },
        )
        .await
        .map_err(err)?;
    let q = |s: &str| format!("'{s:<8}'");
    let frames = [
        ("flat_V_001.fits", "19:45:10", "Flat Field", "V", "", 2.0, true),
        ("flat_R_001.fits", "19:47:40", "Flat Field", "R", "", 2.0, true),
        ("m42_V_001.fits", "21:10:05", "Light Frame", "V", "M 42", 60.0, false),
        ("m42_R_001.fits", "21:12:30", "Light Frame", "R", "M 42", 60.0, false),
    ];
    for (i, (name, time, kind, filter, object, exptime, flat)) in frames.into_iter().enumerate() {
        let date_obs = q(&format!("{last_night}T{time}"));
        let (kind, filter, exptime) = (q(kind), q(filter), format!("{exptime:.1}"));
        let (object, telescop, instrume) = (q(object), q("0.5 m reflector"), q("Main camera"));
        let mut cards = vec![
            ("DATE-OBS", date_obs.as_str()),
            ("IMAGETYP", kind.as_str()),
            ("FILTER", filter.as_str()),
            ("EXPTIME", exptime.as_str()),
            ("TELESCOP", telescop.as_str()),
            ("INSTRUME", instrume.as_str()),
        ];
        if !flat {
            cards.extend([("OBJECT", object.as_str()), ("RA", "83.8221"), ("DEC", "-5.3911")]);
        }
        let bytes = meridian_fits::primary_i16(&cards, FRAME_W, FRAME_H, &frame_pixels(1905 + i as u64, flat));
        let meta = UploadMeta {
            name: name.into(),
            content_type: Some("image/fits".into()),
            size: bytes.len() as u64,
            sha256: None,
            release_at: None,
        };
        let body = meridian_storage::body_of(bytes);
        services.upload_file(demo, slug, dataset.id, meta, body).await.map_err(err)?;
    }
    let package = services
        .create_package(
            demo,
            slug,
            PackageInput {
                title: Some("M42 in V and R: a demo night".into()),
                description: Some(
                    "Two 60 s frames of the **Orion Nebula** and the night's twilight flats, as taken (sample data)."
                        .into(),
                ),
                authors: Some(vec![
                    AuthorInput { name: "Dana Demo".into(), orcid: None, affiliation: Some("Demo Observatory".into()) },
                    AuthorInput { name: "Oscar Observer".into(), orcid: None, affiliation: None },
                ]),
                keywords: Some(vec!["M42".into(), "Orion Nebula".into(), "photometry".into()]),
                licence: Some("CC-BY-4.0".into()),
                access: Some("public".into()),
                ..PackageInput::default()
            },
        )
        .await
        .map_err(err)?;
    let id = package.id;
    let add = AddFiles { dataset_id: Some(dataset.id.to_string()), ..AddFiles::default() };
    services.add_to_draft(demo, slug, id, add).await.map_err(err)?;
    services.publish_package(demo, slug, id).await.map_err(err)?;
    Ok(())
}
