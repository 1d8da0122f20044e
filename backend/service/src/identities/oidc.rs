//! OpenID Connect: discovery (kept a while per provider), the authorization URL, and the code exchanged for an ID
//! token that openidconnect verifies: signature by the provider's published keys (JWKS), issuer, audience (our
//! client id), expiry and our nonce.

use super::{Profile, ProviderConfig, ProviderKind, failed, provider_unavailable, token_error};
use crate::{ServiceError, ServiceResult, Services};
use meridian_domain::identities::SignInFlow;
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreJwsSigningAlgorithm, CoreProviderMetadata, CoreUserInfoClaims,
};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet, EndpointSet, IssuerUrl,
    Nonce, OAuth2TokenResponse as _, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope, TokenResponse as _,
};
use std::time::{Duration, Instant};

/// How long a discovery document (and the keys with it) is used before it is fetched again: keys a provider
/// rotates in are seen within this time.
const DISCOVERY_TTL: Duration = Duration::from_secs(15 * 60);

/// A provider's discovery document and keys, and when they were fetched.
#[derive(Debug, Clone)]
pub(crate) struct Discovered {
    metadata: CoreProviderMetadata,
    fetched: Instant,
}

type Client =
    CoreClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointMaybeSet, EndpointMaybeSet>;

impl Services {
    /// The provider's discovery document and keys, fetched on first use and again after [`DISCOVERY_TTL`].
    pub(super) async fn discover(&self, config: &ProviderConfig) -> ServiceResult<CoreProviderMetadata> {
        let ProviderKind::Oidc { issuer } = &config.kind else {
            return Err(ServiceError::internal("discovery asked of a provider that is not OpenID Connect"));
        };
        let state = &self.inner.providers;
        if let Some(d) = state.discovered.read().await.get(&config.name)
            && d.fetched.elapsed() < DISCOVERY_TTL
        {
            return Ok(d.metadata.clone());
        }
        let issuer = IssuerUrl::new(issuer.clone())
            .map_err(|e| ServiceError::internal_while("reading a provider's issuer URL", e))?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &state.http).await.map_err(|e| {
            tracing::warn!(provider = %config.name, error = %e, "OpenID Connect discovery failed");
            provider_unavailable(e)
        })?;
        let entry = Discovered { metadata: metadata.clone(), fetched: Instant::now() };
        state.discovered.write().await.insert(config.name.clone(), entry);
        Ok(metadata)
    }
}

fn client(services: &Services, config: &ProviderConfig, metadata: &CoreProviderMetadata) -> ServiceResult<Client> {
    let redirect = RedirectUrl::new(services.provider_redirect_uri(&config.name))
        .map_err(|e| ServiceError::internal_while("making the sign-in redirect URL", e))?;
    Ok(CoreClient::from_provider_metadata(
        metadata.clone(),
        ClientId::new(config.client_id.clone()),
        Some(ClientSecret::new(config.client_secret.clone())),
    )
    .set_redirect_uri(redirect))
}

/// The provider's authorization URL for this flow (code flow, PKCE S256, our state and nonce).
pub(super) fn authorize_url(
    services: &Services,
    config: &ProviderConfig,
    metadata: &CoreProviderMetadata,
    state: &str,
    nonce: &str,
    challenge: PkceCodeChallenge,
) -> ServiceResult<String> {
    let client = client(services, config, metadata)?;
    let (state, nonce) = (CsrfToken::new(state.to_owned()), Nonce::new(nonce.to_owned()));
    let (url, _, _) = client
        .authorize_url(CoreAuthenticationFlow::AuthorizationCode, move || state, move || nonce)
        .add_scopes(config.scopes.iter().filter(|s| s.as_str() != "openid").cloned().map(Scope::new))
        .set_pkce_challenge(challenge)
        .url();
    Ok(url.to_string())
}

/// Exchanges the code (with the flow's PKCE verifier) and verifies the ID token that comes back.
pub(super) async fn verified_profile(
    services: &Services,
    config: &ProviderConfig,
    metadata: &CoreProviderMetadata,
    code: &str,
    flow: &SignInFlow,
) -> ServiceResult<Profile> {
    let client = client(services, config, metadata)?;
    let token = client
        .exchange_code(AuthorizationCode::new(code.to_owned()))
        .map_err(|e| provider_unavailable(format!("the provider publishes no token endpoint: {e}")))?
        .set_pkce_verifier(PkceCodeVerifier::new(flow.pkce_verifier.clone()))
        .request_async(&services.inner.providers.http)
        .await
        .map_err(token_error)?;
    let id_token = token.id_token().ok_or_else(|| failed("the provider sent no ID token"))?;
    // Signatures by the provider's published keys only: an HMAC "signed" with our client secret (which discovery may
    // offer, HS256) would let anyone holding the secret mint tokens; `none` is refused by the library anyway.
    let verifier = client.id_token_verifier().set_allowed_algs([
        CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
        CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha384,
        CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512,
        CoreJwsSigningAlgorithm::RsaSsaPssSha256,
        CoreJwsSigningAlgorithm::RsaSsaPssSha384,
        CoreJwsSigningAlgorithm::RsaSsaPssSha512,
        CoreJwsSigningAlgorithm::EcdsaP256Sha256,
        CoreJwsSigningAlgorithm::EcdsaP384Sha384,
        CoreJwsSigningAlgorithm::EdDsa,
    ]);
    let claims = id_token.claims(&verifier, &Nonce::new(flow.nonce.clone())).map_err(|e| {
        tracing::warn!(provider = %config.name, error = %e, "an ID token was refused");
        failed(format!("the provider's ID token was refused: {e}"))
    })?;
    let mut profile = Profile {
        subject: claims.subject().as_str().to_owned(),
        email: claims.email().map(|e| e.as_str().to_owned()),
        email_verified: claims.email_verified().unwrap_or(false),
        name: claims.name().and_then(|n| n.get(None)).map(|n| n.as_str().to_owned()),
        username: claims.preferred_username().map(|u| u.as_str().to_owned()),
    };
    if profile.email.is_none() {
        // Some providers (Azure AD, Keycloak clients without the e-mail mapper) put the address only in UserInfo.
        // Its answer must name the same subject (openidconnect checks); a failure here only leaves the address out.
        match client.user_info(token.access_token().clone(), Some(claims.subject().clone())) {
            Ok(request) => {
                let info: Result<CoreUserInfoClaims, _> = request.request_async(&services.inner.providers.http).await;
                match info {
                    Ok(info) => {
                        profile.email = info.email().map(|e| e.as_str().to_owned());
                        profile.email_verified = profile.email.is_some() && info.email_verified().unwrap_or(false);
                        if profile.name.is_none() {
                            profile.name = info.name().and_then(|n| n.get(None)).map(|n| n.as_str().to_owned());
                        }
                    }
                    Err(e) => tracing::warn!(provider = %config.name, error = %e, "UserInfo could not be read"),
                }
            }
            Err(_) => tracing::debug!(provider = %config.name, "no UserInfo endpoint; no address in the ID token"),
        }
    }
    Ok(profile)
}
