//! `meridian demo`: a sample observatory, so a newcomer sees a living portal at once. Seeding twice is harmless.

use meridian_service::accounts::SignUp;
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
    account(services, SECOND_EMAIL, "Oscar Observer").await?;
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
    Ok(Demo { email: DEMO_EMAIL, password: DEMO_PASSWORD, slug: DEMO_SLUG })
}
