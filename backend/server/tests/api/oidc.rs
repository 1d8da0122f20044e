//! Sign-in with OpenID Connect and GitHub, against protocol-level stand-ins on loopback: an OpenID provider with
//! discovery, a JWKS with an RSA key, an authorization endpoint the test drives (it records the state, nonce and
//! PKCE challenge and sends the browser back with a code) and a token endpoint that checks the client, the code
//! (once), the redirect URI and the PKCE verifier and answers with an RS256 ID token; and GitHub's OAuth2
//! endpoints with `/user` and `/user/emails`. Knobs make the provider misbehave (wrong nonce, expired token,
//! another key, another issuer or audience) to show each is refused.

use crate::helpers::*;
use actix_web::http::StatusCode;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine as _;
use meridian_service::identities::{ProviderConfig, ProviderKind};
use openidconnect::core::{CoreIdToken, CoreIdTokenClaims, CoreJwsSigningAlgorithm, CoreRsaPrivateSigningKey};
use openidconnect::{
    Audience, EmptyAdditionalClaims, EndUserEmail, EndUserName, IssuerUrl, JsonWebKeyId, LocalizedClaim, Nonce,
    PrivateSigningKey as _, StandardClaims, SubjectIdentifier,
};
use serde_json::json;
use sha2::Digest as _;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Test keys made once with `openssl genrsa -traditional 2048` (generating one in a debug build is slow). They
/// sign nothing but these tests' tokens.
const KEY: &str = include_str!("keys/oidc-test-key.pem");
const OTHER_KEY: &str = include_str!("keys/oidc-other-key.pem");
const CLIENT_ID: &str = "meridian-test";
const CLIENT_SECRET: &str = "test-client-secret";
/// The services' default public URL: where providers send the browser back.
const PUBLIC_URL: &str = "http://127.0.0.1:8080";

/// Who signs in at the stand-in.
#[derive(Debug, Clone, Default)]
struct Person {
    sub: String,
    email: Option<String>,
    email_verified: Option<bool>,
    name: Option<String>,
}

/// Ways the provider can misbehave.
#[derive(Debug, Clone, Default)]
struct Knobs {
    nonce: Option<String>,
    expired: bool,
    other_key: bool,
    issuer: Option<String>,
    audience: Option<String>,
    /// The address only in UserInfo, not in the ID token.
    email_in_userinfo_only: bool,
}

#[derive(Debug, Clone)]
struct Grant {
    redirect_uri: String,
    nonce: Option<String>,
    challenge: String,
    person: Person,
}

#[derive(Debug, Default)]
struct IdpState {
    base: String,
    person: Person,
    knobs: Knobs,
    codes: HashMap<String, Grant>,
    /// Access tokens (OpenID Connect and GitHub) and whom they are for.
    tokens: HashMap<String, Person>,
    /// The authorization requests seen, as query maps.
    authorizations: Vec<HashMap<String, String>>,
}

type Shared = Arc<Mutex<IdpState>>;

struct Idp {
    base: String,
    state: Shared,
}

impl Idp {
    async fn start() -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind the stand-in provider");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let state: Shared = Arc::new(Mutex::new(IdpState { base: base.clone(), ..IdpState::default() }));
        let data = web::Data::new(state.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/.well-known/openid-configuration", web::get().to(discovery))
                .route("/jwks", web::get().to(jwks))
                .route("/authorize", web::get().to(authorize))
                .route("/token", web::post().to(token))
                .route("/userinfo", web::get().to(userinfo))
                .route("/login/oauth/authorize", web::get().to(authorize))
                .route("/login/oauth/access_token", web::post().to(github_token))
                .route("/user", web::get().to(github_user))
                .route("/user/emails", web::get().to(github_emails))
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .expect("listen")
        .run();
        actix_web::rt::spawn(server);
        Self { base, state }
    }

    fn set_person(&self, person: Person) {
        self.state.lock().expect("lock").person = person;
    }

    fn set_knobs(&self, knobs: Knobs) {
        self.state.lock().expect("lock").knobs = knobs;
    }

    fn last_authorization(&self) -> HashMap<String, String> {
        self.state.lock().expect("lock").authorizations.last().cloned().expect("an authorization request")
    }

    /// Plays the browser at the provider: follows the authorization URL and answers the app-relative callback
    /// path the provider redirects to.
    async fn authorize(&self, url: &str) -> String {
        assert!(url.starts_with(&self.base), "the sign-in leaves for the provider: {url}");
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        let res = http.get(url).send().await.expect("authorize");
        assert_eq!(res.status().as_u16(), 302, "{}", res.text().await.unwrap_or_default());
        let back = res.headers()["location"].to_str().expect("location").to_owned();
        back.strip_prefix(PUBLIC_URL).expect("back to the public URL").to_owned()
    }
}

fn person(sub: &str, email: &str, verified: bool) -> Person {
    Person {
        sub: sub.into(),
        email: Some(email.into()),
        email_verified: Some(verified),
        name: Some("Ada Lovelace".into()),
    }
}

fn query_map(req: &HttpRequest) -> HashMap<String, String> {
    web::Query::<HashMap<String, String>>::from_query(req.query_string()).expect("query").into_inner()
}

async fn discovery(s: web::Data<Shared>) -> HttpResponse {
    let base = s.lock().expect("lock").base.clone();
    HttpResponse::Ok().json(json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": format!("{base}/token"),
        "jwks_uri": format!("{base}/jwks"),
        "userinfo_endpoint": format!("{base}/userinfo"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "scopes_supported": ["openid", "email", "profile"],
    }))
}

fn signing_key(pem: &str) -> CoreRsaPrivateSigningKey {
    // One key id for both keys: a token signed with the other key must fail on its signature, not on a lookup.
    CoreRsaPrivateSigningKey::from_pem(pem, Some(JsonWebKeyId::new("k1".into()))).expect("test key")
}

async fn jwks() -> HttpResponse {
    HttpResponse::Ok().json(json!({ "keys": [signing_key(KEY).as_verification_key()] }))
}

/// The authorization endpoint: checks the request's shape, records it, and sends the browser back with a code.
async fn authorize(req: HttpRequest, s: web::Data<Shared>) -> HttpResponse {
    let q = query_map(&req);
    let mut st = s.lock().expect("lock");
    st.authorizations.push(q.clone());
    let ok = q.get("client_id").map(String::as_str) == Some(CLIENT_ID)
        && q.get("response_type").map(String::as_str) == Some("code")
        && q.get("code_challenge_method").map(String::as_str) == Some("S256")
        && q.contains_key("state")
        && q.contains_key("code_challenge");
    if !ok {
        return HttpResponse::BadRequest().body("bad authorization request");
    }
    let code = uuid::Uuid::now_v7().simple().to_string();
    let redirect_uri = q["redirect_uri"].clone();
    let grant = Grant {
        redirect_uri: redirect_uri.clone(),
        nonce: q.get("nonce").cloned(),
        challenge: q["code_challenge"].clone(),
        person: st.person.clone(),
    };
    st.codes.insert(code.clone(), grant);
    let mut back = openidconnect::url::Url::parse(&redirect_uri).expect("redirect uri");
    back.query_pairs_mut().append_pair("code", &code).append_pair("state", &q["state"]);
    HttpResponse::Found().insert_header(("location", back.to_string())).finish()
}

/// The client authenticated with HTTP Basic (oauth2's default), or with the form.
fn client_ok(req: &HttpRequest, form: &HashMap<String, String>) -> bool {
    let basic = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .and_then(|b| String::from_utf8(b).ok());
    match basic {
        Some(pair) => pair == format!("{CLIENT_ID}:{CLIENT_SECRET}"),
        None => {
            form.get("client_id").map(String::as_str) == Some(CLIENT_ID)
                && form.get("client_secret").map(String::as_str) == Some(CLIENT_SECRET)
        }
    }
}

/// Spends the code (once) after checking the client, the redirect URI and the PKCE verifier; or the OAuth2 error
/// to answer with.
fn redeem(req: &HttpRequest, form: &HashMap<String, String>, st: &mut IdpState) -> Result<Grant, &'static str> {
    if !client_ok(req, form) {
        return Err("invalid_client");
    }
    if form.get("grant_type").map(String::as_str) != Some("authorization_code") {
        return Err("unsupported_grant_type");
    }
    let Some(grant) = form.get("code").and_then(|c| st.codes.remove(c)) else {
        return Err("invalid_grant");
    };
    if form.get("redirect_uri") != Some(&grant.redirect_uri) {
        return Err("invalid_grant");
    }
    let verifier = form.get("code_verifier").cloned().unwrap_or_default();
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes()));
    if challenge != grant.challenge {
        return Err("invalid_grant");
    }
    Ok(grant)
}

fn oauth_error(error: &str) -> HttpResponse {
    let mut res = if error == "invalid_client" { HttpResponse::Unauthorized() } else { HttpResponse::BadRequest() };
    res.json(json!({ "error": error }))
}

async fn token(req: HttpRequest, s: web::Data<Shared>, form: web::Form<HashMap<String, String>>) -> HttpResponse {
    let mut st = s.lock().expect("lock");
    let grant = match redeem(&req, &form, &mut st) {
        Ok(g) => g,
        Err(error) => return oauth_error(error),
    };
    let knobs = st.knobs.clone();
    let now = chrono::Utc::now();
    let expires = if knobs.expired { now - chrono::Duration::minutes(5) } else { now + chrono::Duration::minutes(5) };
    let access_token = format!("at-{}", uuid::Uuid::now_v7().simple());
    st.tokens.insert(access_token.clone(), grant.person.clone());
    let mut p = grant.person;
    if knobs.email_in_userinfo_only {
        p.email = None;
        p.email_verified = None;
    }
    let mut standard = StandardClaims::new(SubjectIdentifier::new(p.sub))
        .set_email(p.email.map(EndUserEmail::new))
        .set_email_verified(p.email_verified);
    if let Some(name) = p.name {
        standard = standard.set_name(Some(LocalizedClaim::from(EndUserName::new(name))));
    }
    let claims = CoreIdTokenClaims::new(
        IssuerUrl::new(knobs.issuer.unwrap_or_else(|| st.base.clone())).expect("issuer"),
        vec![Audience::new(knobs.audience.unwrap_or_else(|| CLIENT_ID.to_owned()))],
        expires,
        now - chrono::Duration::seconds(1),
        standard,
        EmptyAdditionalClaims {},
    )
    .set_nonce(knobs.nonce.or(grant.nonce).map(Nonce::new));
    let key = signing_key(if knobs.other_key { OTHER_KEY } else { KEY });
    let id_token = CoreIdToken::new(claims, &key, CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256, None, None)
        .expect("sign the ID token");
    HttpResponse::Ok().json(json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": 300,
        "id_token": id_token.to_string(),
    }))
}

/// OpenID Connect UserInfo, for the access token the token endpoint gave.
async fn userinfo(req: HttpRequest, s: web::Data<Shared>) -> HttpResponse {
    match bearer_person(&req, &s) {
        Some(p) => HttpResponse::Ok().json(json!({
            "sub": p.sub,
            "email": p.email,
            "email_verified": p.email_verified,
            "name": p.name,
        })),
        None => HttpResponse::Unauthorized().json(json!({ "error": "invalid_token" })),
    }
}

async fn github_token(
    req: HttpRequest,
    s: web::Data<Shared>,
    form: web::Form<HashMap<String, String>>,
) -> HttpResponse {
    let mut st = s.lock().expect("lock");
    let grant = match redeem(&req, &form, &mut st) {
        Ok(g) => g,
        Err(error) => return oauth_error(error),
    };
    let token = format!("gho_{}", uuid::Uuid::now_v7().simple());
    st.tokens.insert(token.clone(), grant.person);
    HttpResponse::Ok().json(json!({ "access_token": token, "token_type": "bearer", "scope": "read:user,user:email" }))
}

fn bearer_person(req: &HttpRequest, s: &Shared) -> Option<Person> {
    let token = req.headers().get("authorization")?.to_str().ok()?.strip_prefix("Bearer ")?.to_owned();
    s.lock().expect("lock").tokens.get(&token).cloned()
}

async fn github_user(req: HttpRequest, s: web::Data<Shared>) -> HttpResponse {
    match bearer_person(&req, &s) {
        Some(p) => HttpResponse::Ok().json(json!({
            "id": p.sub.parse::<u64>().expect("numeric GitHub id"),
            "login": "octostar",
            "name": p.name,
            "email": null,
        })),
        None => HttpResponse::Unauthorized().json(json!({ "message": "Bad credentials" })),
    }
}

/// An unverified primary address and a verified secondary one: only the verified one may count.
async fn github_emails(req: HttpRequest, s: web::Data<Shared>) -> HttpResponse {
    match bearer_person(&req, &s) {
        Some(p) => HttpResponse::Ok().json(json!([
            { "email": "unverified-primary@example.org", "verified": false, "primary": true, "visibility": "public" },
            { "email": p.email, "verified": true, "primary": false, "visibility": null },
        ])),
        None => HttpResponse::Unauthorized().json(json!({ "message": "Bad credentials" })),
    }
}

fn oidc_provider(idp: &Idp, name: &str) -> ProviderConfig {
    let kind = ProviderKind::Oidc { issuer: idp.base.clone() };
    ProviderConfig {
        name: name.into(),
        display_name: "Institute".into(),
        scopes: kind.default_scopes(),
        kind,
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.into(),
        orcid: false,
    }
}

/// A provider's settings with no stand-in behind them.
fn oidc_provider_stub() -> ProviderConfig {
    let kind = ProviderKind::Oidc { issuer: "http://127.0.0.1:9".into() };
    ProviderConfig {
        name: "stub".into(),
        display_name: "Stub".into(),
        scopes: kind.default_scopes(),
        kind,
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.into(),
        orcid: false,
    }
}

fn github_provider(idp: &Idp) -> ProviderConfig {
    let kind = ProviderKind::Github {
        auth_url: format!("{}/login/oauth/authorize", idp.base),
        token_url: format!("{}/login/oauth/access_token", idp.base),
        api_url: idp.base.clone(),
    };
    ProviderConfig {
        name: "github".into(),
        display_name: "GitHub".into(),
        scopes: kind.default_scopes(),
        kind,
        client_id: CLIENT_ID.into(),
        client_secret: CLIENT_SECRET.into(),
        orcid: false,
    }
}

async fn app_with(providers: Vec<ProviderConfig>) -> TestApp {
    TestApp::with_config(meridian_service::ServiceConfig { providers, ..test_service_config() }).await
}

/// An app with the provider `institute` (OpenID Connect) and its stand-in.
async fn institute() -> (TestApp, Idp) {
    let idp = Idp::start().await;
    let app = app_with(vec![oidc_provider(&idp, "institute"), github_provider(&idp)]).await;
    (app, idp)
}

fn location(r: &Reply) -> String {
    r.headers.get("location").and_then(|v| v.to_str().ok()).expect("a Location header").to_owned()
}

/// Leaves for the provider (`GET /auth/{provider}/start{query}`) and comes back: the callback path.
async fn leave(client: &mut Client, idp: &Idp, provider: &str, query: &str) -> String {
    let r = client.get(&format!("/auth/{provider}/start{query}")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    idp.authorize(&location(&r)).await
}

/// The whole round trip; the callback's answer.
async fn round_trip(client: &mut Client, idp: &Idp, provider: &str, query: &str) -> Reply {
    let back = leave(client, idp, provider, query).await;
    client.get(&back).await
}

fn state_of(callback: &str) -> String {
    let url = openidconnect::url::Url::parse(&format!("{PUBLIC_URL}{callback}")).expect("callback url");
    url.query_pairs().find(|(k, _)| k == "state").map(|(_, v)| v.into_owned()).expect("state")
}

#[actix_web::test]
async fn oidc_whole_flow_creates_an_account_and_the_second_sign_in_finds_it() {
    let (app, idp) = institute().await;
    idp.set_person(person("user-1", "ada@example.org", true));
    let mut browser = app.client();
    let r = round_trip(&mut browser, &idp, "institute", "?next=/workspaces").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(location(&r), "/workspaces");
    assert!(browser.cookies.contains_key("meridian_session"), "signed in");
    assert!(!browser.cookies.contains_key("meridian_sign_in"), "the flow's cookie is cleared");

    let auth = idp.last_authorization();
    assert_eq!(auth["code_challenge_method"], "S256");
    assert_eq!(auth["redirect_uri"], format!("{PUBLIC_URL}/auth/institute/callback"));
    assert!(auth["scope"].split(' ').any(|s| s == "openid"), "{auth:?}");
    assert!(auth["nonce"].len() >= 32 && auth["state"].len() >= 32);
    assert_eq!(count(&app, "sign_in_flows").await, 0, "the flow is spent");

    let me = browser.get("/api/v1/me").await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    let account = &me.body["account"];
    assert_eq!(account["email"], "ada@example.org");
    assert_eq!(account["display_name"], "Ada Lovelace");
    assert_eq!(account["email_verified"], true, "the provider vouched for the address");
    let id = account["id"].as_str().expect("id").to_owned();
    let spaces = browser.get("/api/v1/workspaces").await;
    assert_eq!(spaces.body["items"].as_array().map(Vec::len), Some(1), "a personal space: {}", spaces.body);
    let ids = browser.get("/api/v1/me/identities").await;
    assert_eq!(ids.status, StatusCode::OK);
    assert_eq!(ids.body["items"][0]["provider"], "institute");
    assert_eq!(ids.body["items"][0]["email"], "ada@example.org");

    // The CSRF cookie is the session's: an unsafe request with it works.
    let r = browser
        .put("/api/v1/me/password", json!({"current_password": "", "new_password": "a new long password"}))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);

    let mut again = app.client();
    let r = round_trip(&mut again, &idp, "institute", "").await;
    assert_eq!(location(&r), "/dashboard");
    let me = again.get("/api/v1/me").await;
    assert_eq!(me.body["account"]["id"], id.as_str(), "the same account");
    assert_eq!(count(&app, "accounts").await, 1);
}

#[actix_web::test]
async fn an_address_the_provider_does_not_vouch_for_creates_no_account() {
    let (app, idp) = institute().await;
    idp.set_person(person("user-2", "bea@example.org", false));
    let mut browser = app.client();
    let r = round_trip(&mut browser, &idp, "institute", "").await;
    // Anyone can type any address at some providers: it must not create (and hold on to) an account that the
    // address's real owner would later recover with a password reset.
    r.assert_problem(400, "sign_in_failed");
    assert!(r.body["detail"].as_str().is_some_and(|d| d.contains("sign up")), "{}", r.body);
    assert_eq!(count(&app, "accounts").await, 0);
    browser.get("/api/v1/me").await.assert_problem(401, "unauthenticated");
}

#[actix_web::test]
async fn an_address_only_in_userinfo_is_read_from_there() {
    let (app, idp) = institute().await;
    idp.set_person(person("user-10", "mo@example.org", true));
    idp.set_knobs(Knobs { email_in_userinfo_only: true, ..Knobs::default() });
    let mut browser = app.client();
    let r = round_trip(&mut browser, &idp, "institute", "").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let me = browser.get("/api/v1/me").await;
    assert_eq!(me.body["account"]["email"], "mo@example.org");
    assert_eq!(me.body["account"]["email_verified"], true);
}

#[actix_web::test]
async fn a_tampered_state_is_refused_and_the_real_one_still_works() {
    let (app, idp) = institute().await;
    idp.set_person(person("user-3", "cy@example.org", true));
    let mut browser = app.client();
    let back = leave(&mut browser, &idp, "institute", "").await;
    let state = state_of(&back);
    let last = if state.ends_with('0') { "1" } else { "0" };
    let tampered = back.replace(&state, &format!("{}{last}", &state[..state.len() - 1]));
    assert_ne!(tampered, back);
    // The browser's cookie holds the real state.
    browser.get(&tampered).await.assert_problem(400, "sign_in_failed");
    // Even with a cookie that matches, an unknown state is refused.
    let mut forger = app.client();
    forger.cookies.insert("meridian_sign_in".into(), state_of(&tampered));
    forger.get(&tampered).await.assert_problem(400, "sign_in_failed");
    // Someone else's callback link (login CSRF): no cookie, refused; and the flow is untouched.
    app.client().get(&back).await.assert_problem(400, "sign_in_failed");
    assert_eq!(count(&app, "sign_in_flows").await, 1);
    assert_eq!(count(&app, "accounts").await, 0);
    let r = browser.get(&back).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

#[actix_web::test]
async fn a_callback_works_once() {
    let (app, idp) = institute().await;
    idp.set_person(person("user-4", "di@example.org", true));
    let mut browser = app.client();
    let back = leave(&mut browser, &idp, "institute", "").await;
    let mut replay = app.client();
    replay.cookies.insert("meridian_sign_in".into(), state_of(&back));
    assert_eq!(browser.get(&back).await.status, StatusCode::SEE_OTHER);
    let r = replay.get(&back).await;
    r.assert_problem(400, "sign_in_failed");
    assert!(r.body["detail"].as_str().is_some_and(|d| d.contains("already used")), "{}", r.body);
    assert!(!replay.cookies.contains_key("meridian_session"));
}

/// Every ID token the provider gets wrong is refused, and nobody is signed in or created.
async fn refused_with(knobs: Knobs, reason: &str) {
    let (app, idp) = institute().await;
    idp.set_person(person("user-5", "eve@example.org", true));
    idp.set_knobs(knobs);
    let mut browser = app.client();
    let r = round_trip(&mut browser, &idp, "institute", "").await;
    r.assert_problem(400, "sign_in_failed");
    let detail = r.body["detail"].as_str().unwrap_or_default().to_lowercase();
    assert!(detail.contains(reason), "{reason}: {detail}");
    assert!(!browser.cookies.contains_key("meridian_session"));
    assert_eq!(count(&app, "accounts").await, 0);
    assert_eq!(count(&app, "identities").await, 0);
}

#[actix_web::test]
async fn a_wrong_nonce_is_refused() {
    refused_with(Knobs { nonce: Some("not-the-flows-nonce".into()), ..Knobs::default() }, "nonce").await;
}

#[actix_web::test]
async fn an_expired_id_token_is_refused() {
    refused_with(Knobs { expired: true, ..Knobs::default() }, "expire").await;
}

#[actix_web::test]
async fn an_id_token_signed_with_another_key_is_refused() {
    refused_with(Knobs { other_key: true, ..Knobs::default() }, "signature").await;
}

#[actix_web::test]
async fn an_id_token_of_another_issuer_is_refused() {
    refused_with(Knobs { issuer: Some("https://evil.example".into()), ..Knobs::default() }, "issuer").await;
}

#[actix_web::test]
async fn an_id_token_for_another_client_is_refused() {
    refused_with(Knobs { audience: Some("someone-else".into()), ..Knobs::default() }, "audience").await;
}

#[actix_web::test]
async fn an_existing_address_is_never_signed_in_or_linked() {
    let (app, idp) = institute().await;
    let (_, owner_id) = app.user("Fay").await;
    idp.set_person(person("user-6", "fay@example.org", true));
    let mut browser = app.client();
    let r = round_trip(&mut browser, &idp, "institute", "").await;
    r.assert_problem(409, "conflict");
    let detail = r.body["detail"].as_str().unwrap_or_default();
    assert!(
        detail.contains("an account with this address exists: sign in with your password, then link Institute"),
        "{detail}"
    );
    assert!(!browser.cookies.contains_key("meridian_session"));
    assert_eq!(count(&app, "identities").await, 0);
    let (mut fay, id) = app.sign_in("fay@example.org").await;
    assert_eq!(id, owner_id);
    assert_eq!(fay.get("/api/v1/me/identities").await.body["items"], json!([]));
}

#[actix_web::test]
async fn a_signed_in_person_links_a_provider_and_signs_in_with_it() {
    let (app, idp) = institute().await;
    let (mut gus, gus_id) = app.user("Gus").await;
    // The provider knows Gus under another address: linking never looks at addresses.
    idp.set_person(person("user-7", "gus.at.work@example.org", true));
    let r = round_trip(&mut gus, &idp, "institute", "?link=1&next=/account").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(location(&r), "/account");
    let ids = gus.get("/api/v1/me/identities").await;
    assert_eq!(ids.body["items"].as_array().map(Vec::len), Some(1), "{}", ids.body);

    let mut elsewhere = app.client();
    round_trip(&mut elsewhere, &idp, "institute", "").await;
    assert_eq!(elsewhere.get("/api/v1/me").await.body["account"]["id"], gus_id.as_str());
    assert_eq!(count(&app, "accounts").await, 1);

    // The same provider identity cannot be linked to a second account.
    let (mut hal, _) = app.user("Hal").await;
    round_trip(&mut hal, &idp, "institute", "?link=1").await.assert_problem(409, "conflict");

    // Linking needs a signed-in person.
    let r = app.client().get("/auth/institute/start?link=1").await;
    r.assert_problem(401, "unauthenticated");
}

#[actix_web::test]
async fn the_last_way_to_sign_in_cannot_be_unlinked() {
    let (app, idp) = institute().await;
    idp.set_person(person("user-8", "ida@example.org", true));
    let mut ida = app.client();
    round_trip(&mut ida, &idp, "institute", "").await;
    let ids = ida.get("/api/v1/me/identities").await;
    let identity = ids.body["items"][0]["id"].as_str().expect("id").to_owned();
    let r = ida.delete(&format!("/api/v1/me/identities/{identity}")).await;
    r.assert_problem(409, "conflict");
    assert!(r.body["detail"].as_str().is_some_and(|d| d.contains("only way to sign in")), "{}", r.body);

    // Someone else's identity is not found; an API key may not touch identities.
    let (mut jo, _) = app.user("Jo").await;
    jo.delete(&format!("/api/v1/me/identities/{identity}")).await.assert_problem(404, "not_found");
    jo.delete(&format!("/api/v1/me/identities/{}", uuid::Uuid::now_v7())).await.assert_problem(404, "not_found");
    app.client().get("/api/v1/me/identities").await.assert_problem(401, "unauthenticated");

    // With a second way in (GitHub linked), the first can go.
    idp.set_person(Person { sub: "77".into(), ..person("", "ida@example.org", true) });
    round_trip(&mut ida, &idp, "github", "?link=1").await;
    let r = ida.delete(&format!("/api/v1/me/identities/{identity}")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let left = ida.get("/api/v1/me/identities").await;
    assert_eq!(left.body["items"][0]["provider"], "github");
}

#[actix_web::test]
async fn github_counts_only_verified_addresses() {
    let (app, idp) = institute().await;
    idp.set_person(Person {
        sub: "4242".into(),
        email: Some("octo@example.org".into()),
        email_verified: None,
        name: Some("Octo Star".into()),
    });
    let mut browser = app.client();
    let r = round_trip(&mut browser, &idp, "github", "?next=/workspaces").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(location(&r), "/workspaces");
    let auth = idp.last_authorization();
    assert_eq!(auth["scope"], "read:user user:email");
    assert_eq!(auth["code_challenge_method"], "S256");
    let me = browser.get("/api/v1/me").await;
    let account = &me.body["account"];
    assert_eq!(account["email"], "octo@example.org", "the verified address, not the unverified primary");
    assert_eq!(account["email_verified"], true);
    assert_eq!(account["display_name"], "Octo Star");
    let ids = browser.get("/api/v1/me/identities").await;
    assert_eq!(ids.body["items"][0]["provider"], "github");
}

#[actix_web::test]
async fn orcid_sign_in_keeps_the_orcid_id() {
    let idp = Idp::start().await;
    let mut orcid = oidc_provider(&idp, "orcid");
    orcid.display_name = "ORCID".into();
    let app = app_with(vec![orcid]).await;
    idp.set_person(person("0000-0002-1825-0097", "kim@example.org", true));
    let mut browser = app.client();
    let r = round_trip(&mut browser, &idp, "orcid", "").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(browser.get("/api/v1/me").await.body["account"]["orcid"], "0000-0002-1825-0097");

    // The iD is vouched for only while the ORCID sign-in is linked: unlinking it (with a password set, so another
    // way to sign in remains) forgets the iD, so it is no longer shown to members or offered as an author.
    let (mut kim, _) = app.user("Kimberly").await;
    idp.set_person(person("0000-0001-5109-3700", "kim.w@example.org", true));
    let r = round_trip(&mut kim, &idp, "orcid", "?link=1").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(kim.get("/api/v1/me").await.body["account"]["orcid"], "0000-0001-5109-3700");
    let slug = workspace(&mut kim, "kims-plates", "private").await["slug"].as_str().expect("slug").to_owned();
    let members = kim.get(&format!("/api/v1/workspaces/{slug}/members")).await;
    assert_eq!(members.body["items"][0]["orcid"], "0000-0001-5109-3700", "{}", members.body);
    let ids = kim.get("/api/v1/me/identities").await;
    let id = ids.body["items"][0]["id"].as_str().expect("id").to_owned();
    assert_eq!(kim.delete(&format!("/api/v1/me/identities/{id}")).await.status, StatusCode::NO_CONTENT);
    assert!(kim.get("/api/v1/me").await.body["account"].get("orcid").is_none());
    let members = kim.get(&format!("/api/v1/workspaces/{slug}/members")).await;
    assert!(members.body["items"][0].get("orcid").is_none(), "{}", members.body);
}

#[actix_web::test]
async fn refusals_and_bad_starts_answer_without_errors() {
    let (app, idp) = institute().await;
    idp.set_person(person("user-9", "lee@example.org", true));

    let r = app.client().get("/api/v1/auth/providers").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["items"][0], json!({"name": "institute", "display_name": "Institute", "kind": "oidc"}));
    assert_eq!(r.body["items"][1]["kind"], "github");

    app.client().get("/auth/nowhere/start").await.assert_problem(404, "not_found");
    app.client().get("/auth/nowhere/callback?state=x&code=y").await.assert_problem(404, "not_found");
    app.client().get("/auth/institute/callback?state=x&code=y").await.assert_problem(400, "sign_in_failed");

    // Only local paths are places to return to.
    let mut browser = app.client();
    let r = round_trip(&mut browser, &idp, "institute", "?next=//evil.example/x").await;
    assert_eq!(location(&r), "/dashboard");

    // The person said no at the provider: back to the sign-in page with the provider's code.
    let mut refuser = app.client();
    let back = leave(&mut refuser, &idp, "institute", "").await;
    let state = state_of(&back);
    let r = refuser.get(&format!("/auth/institute/callback?error=access_denied&state={state}")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/sign-in?error=access_denied&provider=institute");
    assert_eq!(count(&app, "sign_in_flows").await, 0, "the refused flow is spent");

    // A callback without a code, or one with a code the provider never issued.
    let mut odd = app.client();
    let back = leave(&mut odd, &idp, "institute", "").await;
    let no_code = format!("/auth/institute/callback?state={}", state_of(&back));
    odd.get(&no_code).await.assert_problem(400, "sign_in_failed");
    let back = leave(&mut odd, &idp, "institute", "").await;
    let forged = format!("/auth/institute/callback?state={}&code=forged", state_of(&back));
    let r = odd.get(&forged).await;
    r.assert_problem(400, "sign_in_failed");
    assert!(r.body["detail"].as_str().is_some_and(|d| d.contains("invalid_grant")), "{}", r.body);
}

/// A provider that is down answers 503, not 500.
#[actix_web::test]
async fn a_provider_that_does_not_answer_is_unavailable() {
    let unused = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let base = format!("http://{}", unused.local_addr().expect("addr"));
    drop(unused);
    let idp = Idp { base, state: Arc::new(Mutex::new(IdpState::default())) };
    let app = app_with(vec![oidc_provider(&idp, "institute")]).await;
    app.client().get("/auth/institute/start").await.assert_problem(503, "unavailable");
}

/// A client that asks for pages, as a browser navigating does.
fn as_browser(mut c: Client) -> Client {
    c.extra_headers.push(("accept".into(), "text/html,application/xhtml+xml,*/*;q=0.8".into()));
    c
}

#[actix_web::test]
async fn a_browser_is_sent_to_a_page_that_says_what_went_wrong() {
    let (app, idp) = institute().await;

    // Unknown provider: no name from the URL is echoed.
    let r = as_browser(app.client()).get("/auth/nowhere/start").await;
    assert_eq!((r.status, location(&r)), (StatusCode::SEE_OTHER, "/sign-in?error=unknown_provider".to_owned()));

    // A tampered state: the sign-in page, and the browser's sign-in cookie is cleared.
    idp.set_person(person("user-20", "kim@example.org", false));
    let mut browser = as_browser(app.client());
    let back = leave(&mut browser, &idp, "institute", "").await;
    let r = browser.get(&back.replace("state=", "state=x")).await;
    assert_eq!(location(&r), "/sign-in?error=failed&provider=institute");
    assert!(!browser.cookies.contains_key("meridian_sign_in"), "the flow's cookie is cleared");

    // The provider does not vouch for the address: advice to sign up, then link.
    let r = round_trip(&mut browser, &idp, "institute", "").await;
    assert_eq!(location(&r), "/sign-in?error=no_confirmed_address&provider=institute");
    assert_eq!(count(&app, "accounts").await, 0);

    // An address that has an account; the flow's cookie is cleared on a failure the service finds too.
    let (mut lee, _) = app.user("Lee").await;
    idp.set_person(person("user-21", "lee@example.org", true));
    let back = leave(&mut browser, &idp, "institute", "").await;
    assert!(browser.cookies.contains_key("meridian_sign_in"));
    let r = browser.get(&back).await;
    assert_eq!(location(&r), "/sign-in?error=account_exists&provider=institute");
    assert!(!browser.cookies.contains_key("meridian_sign_in"));
    assert!(!browser.cookies.contains_key("meridian_session"));

    // An unknown provider at the callback; a signed-in person doing a plain sign-in gets the sign-in page's advice.
    let r = browser.get("/auth/nowhere/callback?state=x&code=y").await;
    assert_eq!(location(&r), "/sign-in?error=unknown_provider");
    let mut signed_in = lee.clone_plain();
    signed_in.extra_headers.push(("accept".into(), "text/html".into()));
    let r = round_trip(&mut signed_in, &idp, "institute", "").await;
    assert_eq!(location(&r), "/sign-in?error=account_exists&provider=institute");

    // A link that fails goes back to the account page: the identity is someone else's.
    idp.set_person(person("user-22", "mo@example.org", true));
    round_trip(&mut app.client(), &idp, "institute", "").await;
    lee.extra_headers.push(("accept".into(), "text/html".into()));
    let r = round_trip(&mut lee, &idp, "institute", "?link=1").await;
    assert_eq!(location(&r), "/account?error=identity_taken&provider=institute");
    // Linking from another site's page.
    let r = lee
        .request_with_headers(
            actix_web::http::Method::GET,
            "/auth/institute/start?link=1",
            vec![("sec-fetch-site", "cross-site".into())],
            None,
        )
        .await;
    assert_eq!(location(&r), "/account?error=link_from_account&provider=institute");
    // Cancelling a link at the provider: back to the account page.
    let back = leave(&mut lee, &idp, "institute", "?link=1").await;
    let r = lee.get(&format!("/auth/institute/callback?error=access_denied&state={}", state_of(&back))).await;
    assert_eq!(location(&r), "/account?error=access_denied&provider=institute");
    // Programs still get the problem.
    app.client().get("/auth/nowhere/start").await.assert_problem(404, "not_found");
}

#[actix_web::test]
async fn a_provider_that_does_not_answer_is_unavailable_not_an_error_of_ours() {
    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr");
    let kind = ProviderKind::Oidc { issuer: format!("http://{closed}") };
    let down = ProviderConfig { name: "down".into(), scopes: kind.default_scopes(), kind, ..oidc_provider_stub() };
    let app = app_with(vec![down]).await;
    app.client().get("/auth/down/start").await.assert_problem(503, "unavailable");
    let r = as_browser(app.client()).get("/auth/down/start").await;
    assert_eq!(location(&r), "/sign-in?error=unavailable&provider=down");
}
