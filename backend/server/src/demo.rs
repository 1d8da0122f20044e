//! `meridian demo`: a sample observatory, so a newcomer sees a living portal at once. Seeding twice is harmless.

use meridian_domain::PageRequest;
use meridian_service::accounts::SignUp;
use meridian_service::equipment::{Coordinate, CreateInstrument, CreateSite, CreateTelescope};
use meridian_service::nights::{CreateNightLog, EntryInput, ObservationInput, UpdateNightLog};
use meridian_service::targets::{CreateTarget, CreateTargetList};
use meridian_service::workspaces::{CreateWorkspace, UpdateWorkspace};
use meridian_service::{Actor, ServiceError, Services};

pub const DEMO_EMAIL: &str = "demo@meridian.test";
pub const DEMO_PASSWORD: &str = "stargazer-demo";
pub const DEMO_SLUG: &str = "demo-observatory";
const SECOND_EMAIL: &str = "observer@meridian.test";

/// How to sign in to what was seeded.
#[derive(Debug)]
pub struct Demo {
    pub email: &'static str,
    pub password: &'static str,
    pub slug: &'static str,
}

async fn account(services: &Services, email: &str, name: &str) -> anyhow::Result<Actor> {
    let creds = match services
        .sign_up(SignUp { email: email.into(), password: DEMO_PASSWORD.into(), display_name: name.into() }, None)
        .await
    {
        Ok(c) => c,
        Err(ServiceError::Conflict { .. }) => services
            .sign_in(email, DEMO_PASSWORD, None)
            .await
            .map_err(|e| anyhow::anyhow!("signing in the existing demo account: {e}"))?,
        Err(e) => anyhow::bail!("creating the demo account: {e}"),
    };
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
                .add_member(&demo, DEMO_SLUG, SECOND_EMAIL, "observer")
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
                night: Some(last),
                observers: Some("Oscar Observer, Dana Demo".into()),
                visibility: Some("public".into()),
            },
        )
        .await
        .map_err(err)?;
    let id = log.log.id.to_string();
    for e in [
        entry("19:40", "info", "Dome open, **flats** at dusk in V and R.", &["dome", "flats"]),
        entry("21:05", "info", "M42 acquired; guiding on a 9th-magnitude star.", &["target"]),
        entry("23:30", "warning", "Humidity up to 88 %; watching it.", &["humidity"]),
    ] {
        services.add_entry(observer, slug, &id, e).await.map_err(err)?;
    }
    let closed = services
        .add_entry(
            observer,
            slug,
            &id,
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
            &closed.entry.id.to_string(),
            EntryInput {
                body: Some("Dome closed: humidity 95 %, fog in the valley rising.".into()),
                ..EntryInput::default()
            },
        )
        .await
        .map_err(err)?;
    services
        .add_entry(
            observer,
            slug,
            &id,
            entry("01:30", "info", "Reopened; NGC 2392 to the end of the night.", &["dome"]),
        )
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
                &id,
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
            &id,
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
    let tonight_id = tonight.log.id.to_string();
    services
        .add_entry(
            observer,
            slug,
            &tonight_id,
            EntryInput { body: Some("Afternoon: CCD cooled to -20 °C.".into()), ..EntryInput::default() },
        )
        .await
        .map_err(err)?;
    Ok(())
}
