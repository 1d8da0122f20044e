//! GitHub: plain OAuth2 (authorization code with PKCE), then its REST API for who signed in (`/user`) and their
//! addresses (`/user/emails`, of which only those GitHub marks verified count, the primary one first).

use super::{Profile, ProviderConfig, ProviderKind, failed, provider_unavailable, token_error};
use crate::{ServiceError, ServiceResult, Services};
use meridian_domain::identities::SignInFlow;
use oauth2::basic::BasicClient;
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointNotSet, EndpointSet, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, Scope, TokenResponse as _, TokenUrl,
};

type Client = BasicClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointSet>;

fn client(services: &Services, config: &ProviderConfig) -> ServiceResult<Client> {
    let ProviderKind::Github { auth_url, token_url, .. } = &config.kind else {
        return Err(ServiceError::internal("a GitHub sign-in asked of another kind of provider"));
    };
    let bad = |e: oauth2::url::ParseError| ServiceError::internal_while("reading a provider's URLs", e);
    Ok(BasicClient::new(ClientId::new(config.client_id.clone()))
        .set_client_secret(ClientSecret::new(config.client_secret.clone()))
        .set_auth_uri(AuthUrl::new(auth_url.clone()).map_err(bad)?)
        .set_token_uri(TokenUrl::new(token_url.clone()).map_err(bad)?)
        .set_redirect_uri(RedirectUrl::new(services.provider_redirect_uri(&config.name)).map_err(bad)?))
}

pub(super) fn authorize_url(
    services: &Services,
    config: &ProviderConfig,
    state: &str,
    challenge: PkceCodeChallenge,
) -> ServiceResult<String> {
    let (url, _) = client(services, config)?
        .authorize_url(|| CsrfToken::new(state.to_owned()))
        .add_scopes(config.scopes.iter().cloned().map(Scope::new))
        .set_pkce_challenge(challenge)
        .url();
    Ok(url.to_string())
}

#[derive(serde::Deserialize)]
struct User {
    id: u64,
    login: String,
    name: Option<String>,
}

#[derive(serde::Deserialize)]
struct UserEmail {
    email: String,
    verified: bool,
    primary: bool,
}

pub(super) async fn profile(
    services: &Services,
    config: &ProviderConfig,
    api_url: &str,
    code: &str,
    flow: &SignInFlow,
) -> ServiceResult<Profile> {
    let http = &services.inner.providers.http;
    let token = client(services, config)?
        .exchange_code(AuthorizationCode::new(code.to_owned()))
        .set_pkce_verifier(PkceCodeVerifier::new(flow.pkce_verifier.clone()))
        .request_async(http)
        .await
        .map_err(token_error)?;
    let access = token.access_token().secret();
    let api = api_url.trim_end_matches('/');
    let user: User = get_json(http, &format!("{api}/user"), access).await?;
    let mut emails: Vec<UserEmail> = get_json(http, &format!("{api}/user/emails"), access).await?;
    emails.retain(|e| e.verified);
    emails.sort_by_key(|e| !e.primary);
    let email = emails.into_iter().next().map(|e| e.email);
    Ok(Profile {
        subject: user.id.to_string(),
        email_verified: email.is_some(),
        email,
        name: user.name.filter(|n| !n.trim().is_empty()),
        username: Some(user.login),
    })
}

async fn get_json<T: serde::de::DeserializeOwned>(http: &reqwest::Client, url: &str, token: &str) -> ServiceResult<T> {
    let res = http
        .get(url)
        .bearer_auth(token)
        .header(reqwest::header::ACCEPT, "application/vnd.github+json")
        .header("X-GitHub-Api-Version", "2022-11-28")
        .send()
        .await
        .map_err(|e| provider_unavailable(e.without_url()))?;
    if !res.status().is_success() {
        return Err(failed(format!("GitHub would not tell who signed in (it answered {})", res.status())));
    }
    res.json().await.map_err(|e| failed(format!("GitHub's answer was not understood: {}", e.without_url())))
}
