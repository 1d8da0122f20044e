//! For every route, every role, an outsider, anonymous and every kind of API key: the status is what the
//! permission matrix in `meridian-domain` says. Objects are real (members and keys that exist), so an outsider's
//! 404 proves the ids cannot be probed. Each resource's test module lists its routes in a `MATRIX` of its own,
//! written with the [`Route`] builder (with a `Setup` that makes the objects a call needs); `all_routes` chains
//! them, and a test checks that they are exactly the workspace operations of the OpenAPI document.

use crate::helpers::{Client, TestApp, add_member, api_key, workspace};
use actix_web::http::Method;
use futures::future::LocalBoxFuture;
use meridian_domain::{Action, ApiKeyScope, Role};
use serde_json::{Value, json};
use std::collections::BTreeSet;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Who {
    Role(Role),
    Outsider,
    Anonymous,
    Key(ApiKeyScope),
    /// A key of another workspace.
    ForeignKey,
}

#[derive(Debug, Clone, Copy)]
pub enum Needs {
    /// The action, by anyone the matrix allows it to.
    Action(Action),
    /// The action, by a person (keys never).
    PersonAction(Action),
    /// Reading: anyone when the workspace is public and the object is not private; otherwise those allowed to
    /// view. (On a workspace-level route this is seeing the profile.)
    Read,
}

/// What the route's object is, for who may know it exists.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Obj {
    /// The workspace itself, or something every visitor of a public workspace may see (its telescopes).
    Workspace,
    /// An object marked public (a published night log): visible to all when its workspace is public too; in a
    /// private workspace, only to those who may view it.
    Public,
    /// An object private to the workspace: 404 to everyone who may not view the workspace.
    Private,
    /// A deleted (restorable) object: 404 to everyone but those who may restore it.
    Deleted,
}

/// The request a setup prepared: the path with its ids filled in, and the body.
#[derive(Clone)]
pub struct Call {
    pub path: String,
    pub body: Option<Value>,
}

/// Makes what one call needs, as the workspace's owner, and returns the call. Gets the slug and a number unique to
/// the call (for names).
pub type Setup = for<'a> fn(&'a mut Client, &'a str, u32) -> LocalBoxFuture<'a, Call>;

#[derive(Clone, Copy)]
pub enum Target {
    None,
    /// A fresh viewer member, created for the call.
    Member,
    /// A fresh API key, created for the call.
    Key,
    /// Objects made by the setup, which also gives the path and body.
    Setup(Setup),
}

/// One route of the matrix, built as `Route::get(path).reads(Obj::Private).ok(200)` or
/// `Route::post(path).body(..).needs(Action::CreateData).ok(201)` (the fields are the builder's alone).
pub struct Route {
    method: Method,
    /// The path as the OpenAPI document spells it. Without a setup, `{slug}` is filled in and any other
    /// parameter gets the target's id; with one, the setup's path must match it.
    path: &'static str,
    body: fn(u32) -> Option<Value>,
    needs: Needs,
    object: Obj,
    target: Target,
    /// Run the background jobs after the setup (for what a job makes, such as a preview).
    jobs: bool,
    /// One setup per workspace for all the callers, instead of one per call.
    once: bool,
    success: u16,
}

impl Route {
    const fn new(method: Method, path: &'static str) -> Self {
        // `success` 0 until `ok` gives it: a test refuses an entry without one.
        Self {
            method,
            path,
            body: none,
            needs: Needs::Read,
            object: Obj::Workspace,
            target: Target::None,
            jobs: false,
            once: false,
            success: 0,
        }
    }

    pub const fn get(path: &'static str) -> Self {
        Self::new(Method::GET, path)
    }

    pub const fn post(path: &'static str) -> Self {
        Self::new(Method::POST, path)
    }

    pub const fn put(path: &'static str) -> Self {
        Self::new(Method::PUT, path)
    }

    pub const fn patch(path: &'static str) -> Self {
        Self::new(Method::PATCH, path)
    }

    pub const fn delete(path: &'static str) -> Self {
        Self::new(Method::DELETE, path)
    }

    /// The JSON body, made from the call's number (a setup gives its own).
    pub const fn body(mut self, body: fn(u32) -> Option<Value>) -> Self {
        self.body = body;
        self
    }

    /// Reading `object` (see [`Needs::Read`]).
    pub const fn reads(mut self, object: Obj) -> Self {
        self.needs = Needs::Read;
        self.object = object;
        self
    }

    /// The action, by anyone the matrix allows it to, on the workspace unless [`Route::on`] says otherwise.
    pub const fn needs(mut self, action: Action) -> Self {
        self.needs = Needs::Action(action);
        self
    }

    /// The action, by a person (keys never).
    pub const fn person_needs(mut self, action: Action) -> Self {
        self.needs = Needs::PersonAction(action);
        self
    }

    /// The object acted on, for who may know it exists (the workspace unless said).
    pub const fn on(mut self, object: Obj) -> Self {
        self.object = object;
        self
    }

    /// What the call is made on when it is not a setup's: a newcomer, a fresh member or a fresh key.
    pub const fn target(mut self, target: Target) -> Self {
        self.target = target;
        self
    }

    /// Objects made for each call by `setup`, which gives the path (matching [`Route::path`]) and the body.
    pub const fn setup(mut self, setup: Setup) -> Self {
        self.target = Target::Setup(setup);
        self
    }

    /// Runs the background jobs between the setup and the call.
    pub const fn after_jobs(mut self) -> Self {
        self.jobs = true;
        self
    }

    /// Makes the setup once per workspace, and every caller calls on the same objects: for reads, which change
    /// nothing, whose setup is slow (background jobs).
    pub const fn once(mut self) -> Self {
        self.once = true;
        self
    }

    /// The status of a call the caller may make.
    pub const fn ok(mut self, success: u16) -> Self {
        self.success = success;
        self
    }
}

fn none(_: u32) -> Option<Value> {
    None
}

fn invitation<'a>(owner: &'a mut Client, slug: &'a str, n: u32) -> LocalBoxFuture<'a, Call> {
    invitation_call(owner, slug, n, "")
}

fn invitation_resend<'a>(owner: &'a mut Client, slug: &'a str, n: u32) -> LocalBoxFuture<'a, Call> {
    invitation_call(owner, slug, n, "/resend")
}

/// An invitation the owner made, and the path of `suffix` on it.
fn invitation_call<'a>(owner: &'a mut Client, slug: &'a str, n: u32, suffix: &'static str) -> LocalBoxFuture<'a, Call> {
    Box::pin(async move {
        let (_, body) = send(
            owner,
            Method::POST,
            &format!("/api/v1/workspaces/{slug}/invitations"),
            Some(json!({"email": format!("invitee{n}@example.org"), "role": "viewer"})),
        )
        .await;
        let id = body["id"].as_str().expect("invitation id").to_owned();
        Call { path: format!("/api/v1/workspaces/{slug}/invitations/{id}{suffix}"), body: None }
    })
}

/// Every route of the API that acts inside a workspace.
fn all_routes() -> impl Iterator<Item = &'static Route> {
    ROUTES
        .iter()
        .chain(crate::equipment::MATRIX)
        .chain(crate::targets::MATRIX)
        .chain(crate::nights::MATRIX)
        .chain(crate::data::MATRIX)
        .chain(crate::uploads::MATRIX)
        .chain(crate::satellites::MATRIX)
        .chain(crate::packages::MATRIX)
}

const ROUTES: &[Route] = &[
    Route::get("/api/v1/workspaces/{slug}").reads(Obj::Workspace).ok(200),
    Route::patch("/api/v1/workspaces/{slug}")
        .body(|n| Some(json!({"name": format!("Renamed {n}")})))
        .needs(Action::UpdateWorkspace)
        .ok(200),
    Route::get("/api/v1/workspaces/{slug}/members").needs(Action::ViewWorkspace).ok(200),
    Route::get("/api/v1/workspaces/{slug}/invitations").needs(Action::ManageMembers).ok(200),
    Route::post("/api/v1/workspaces/{slug}/invitations")
        .body(|n| Some(json!({"email": format!("newcomer{n}@example.org"), "role": "viewer"})))
        .person_needs(Action::ManageMembers)
        .ok(201),
    Route::post("/api/v1/workspaces/{slug}/invitations/{id}/resend")
        .person_needs(Action::ManageMembers)
        .setup(invitation_resend)
        .ok(200),
    Route::delete("/api/v1/workspaces/{slug}/invitations/{id}")
        .person_needs(Action::ManageMembers)
        .setup(invitation)
        .ok(204),
    Route::patch("/api/v1/workspaces/{slug}/members/{account_id}")
        .body(|_| Some(json!({"role": "observer"})))
        .person_needs(Action::ManageMembers)
        .target(Target::Member)
        .ok(200),
    Route::delete("/api/v1/workspaces/{slug}/members/{account_id}")
        .person_needs(Action::ManageMembers)
        .target(Target::Member)
        .ok(204),
    Route::get("/api/v1/workspaces/{slug}/billing").person_needs(Action::UpdateWorkspace).ok(200),
    // Billing is off in this app: an owner gets past authorization to "billing not found" (the 200s, with a
    // Stripe stand-in, are in `billing_stripe`).
    Route::post("/api/v1/workspaces/{slug}/billing/checkout")
        .body(|_| Some(json!({"plan": "observatory"})))
        .person_needs(Action::ManageBilling)
        .ok(404),
    Route::post("/api/v1/workspaces/{slug}/billing/plan")
        .body(|_| Some(json!({"plan": "institution"})))
        .person_needs(Action::ManageBilling)
        .ok(404),
    Route::post("/api/v1/workspaces/{slug}/billing/portal").person_needs(Action::ManageBilling).ok(404),
    Route::get("/api/v1/workspaces/{slug}/api-keys").needs(Action::ManageApiKeys).ok(200),
    Route::post("/api/v1/workspaces/{slug}/api-keys")
        .body(|n| Some(json!({"name": format!("key {n}"), "scope": "read"})))
        .person_needs(Action::ManageApiKeys)
        .ok(201),
    Route::delete("/api/v1/workspaces/{slug}/api-keys/{key_id}")
        .needs(Action::ManageApiKeys)
        .target(Target::Key)
        .ok(204),
];

/// Whether `path` (a request's path, its query left off) is one of `template`'s, a documented path: `{name}`
/// stands for one segment, a last `{path}` for one or more.
fn matches(template: &str, path: &str) -> bool {
    let path = path.split_once('?').map_or(path, |(p, _)| p);
    let (mut wanted, mut given) = (template.split('/'), path.split('/'));
    loop {
        match (wanted.next(), given.next()) {
            (None, None) => return true,
            (Some("{path}"), Some(g)) if !g.is_empty() => return wanted.next().is_none(),
            (Some(w), Some(g)) if w.starts_with('{') && !g.is_empty() => {}
            (Some(w), Some(g)) if w == g => {}
            _ => return false,
        }
    }
}

/// `template` with `{slug}` filled in and the target's id for its other parameter.
fn fill(template: &str, slug: &str, id: &str) -> String {
    template
        .split('/')
        .map(|s| match s {
            "{slug}" => slug,
            _ if s.starts_with('{') => id,
            _ => s,
        })
        .collect::<Vec<_>>()
        .join("/")
}

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// The list is derived from the document: a workspace route without a matrix entry fails here, and so does an
/// entry for no documented route, or one without the status of success.
#[test]
fn the_matrix_is_every_workspace_operation_of_the_document() {
    let doc: Value = serde_json::from_str(&meridian_api::openapi::to_json()).expect("json");
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .filter(|(path, _)| path.starts_with("/api/v1/workspaces/{slug}"))
        .flat_map(|(path, item)| {
            let methods = item.as_object().expect("path item").keys();
            methods.filter(|m| METHODS.contains(&m.as_str())).map(|m| (m.to_uppercase(), path.clone()))
        })
        .collect();
    assert!(documented.len() > 100, "{} workspace operations", documented.len());
    let in_matrix: BTreeSet<(String, String)> =
        all_routes().map(|r| (r.method.as_str().to_owned(), r.path.to_owned())).collect();
    let missing: Vec<_> = documented.difference(&in_matrix).collect();
    assert!(missing.is_empty(), "operations without an entry in the authorization matrix: {missing:?}");
    let unknown: Vec<_> = in_matrix.difference(&documented).collect();
    assert!(unknown.is_empty(), "matrix entries for no documented operation: {unknown:?}");
    let unfinished: Vec<_> = all_routes().filter(|r| r.success == 0).map(|r| (&r.method, r.path)).collect();
    assert!(unfinished.is_empty(), "matrix entries without `ok(status)`: {unfinished:?}");
    let shared: Vec<_> =
        all_routes().filter(|r| r.once && r.method != Method::GET).map(|r| (&r.method, r.path)).collect();
    assert!(shared.is_empty(), "`once` is for reads: {shared:?}");
}

#[test]
fn templates_match_paths() {
    let t = "/api/v1/workspaces/{slug}/packages/{id}/versions/{n}/files/{path}";
    assert!(matches(t, "/api/v1/workspaces/obs/packages/p/versions/1/files/a%20b/c.raw"));
    assert!(matches(t, "/api/v1/workspaces/obs/packages/p/versions/1/files/c.raw"));
    assert!(!matches(t, "/api/v1/workspaces/obs/packages/p/versions/1/files/"));
    assert!(!matches(t, "/api/v1/workspaces/obs/packages/p/versions/1/archive.tar"));
    assert!(matches("/api/v1/workspaces/{slug}/entries", "/api/v1/workspaces/obs/entries?tags=dome"));
    assert!(!matches("/api/v1/workspaces/{slug}/entries", "/api/v1/workspaces/obs/entries/e"));
    assert!(!matches("/api/v1/workspaces/{slug}/sites/{id}", "/api/v1/workspaces/obs/telescopes/t"));
    assert_eq!(fill("/api/v1/workspaces/{slug}/members/{account_id}", "obs", "a"), "/api/v1/workspaces/obs/members/a");
}

fn expected(who: Who, public: bool, route: &Route) -> u16 {
    let can = |a: Action, person_only: bool| match who {
        Who::Role(r) => r.allows(a),
        Who::Key(s) => !person_only && s.allows(a),
        _ => false,
    };
    let allowed = match route.needs {
        Needs::Action(a) => can(a, false),
        Needs::PersonAction(a) => can(a, true),
        Needs::Read => {
            (public && matches!(route.object, Obj::Workspace | Obj::Public)) || can(Action::ViewWorkspace, false)
        }
    };
    let knows_workspace = public || matches!(who, Who::Role(_) | Who::Key(_));
    let sees_object = match route.object {
        Obj::Workspace => true,
        Obj::Public => public || can(Action::ViewWorkspace, false),
        Obj::Private => can(Action::ViewWorkspace, false),
        Obj::Deleted => can(Action::DeleteData, false),
    };
    let knows = knows_workspace && sees_object;
    if allowed {
        route.success
    } else if !knows {
        404
    } else if who == Who::Anonymous {
        401
    } else {
        403
    }
}

async fn send(c: &mut Client, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let r = match body {
        Some(b) => c.request(method, path, Some(b.to_string().into_bytes()), Some("application/json")).await,
        None => c.request(method, path, None, None).await,
    };
    (r.status.as_u16(), r.body)
}

#[actix_web::test]
async fn every_route_every_role() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Owner").await;
    let mut people: Vec<(Who, Client)> = Vec::new();
    let (mut outsider, _) = app.user("Outsider").await;
    let (mut foreign_owner, _) = app.user("Foreign").await;
    workspace(&mut foreign_owner, "elsewhere", "private").await;
    let (_, foreign_key) = api_key(&mut foreign_owner, "elsewhere", "write").await;

    let mut failures = Vec::new();
    let mut n = 0u32;
    for (slug, public) in [("matrix-private", false), ("matrix-public", true)] {
        workspace(&mut owner, slug, if public { "public" } else { "private" }).await;
        people.clear();
        for role in [Role::Admin, Role::Member, Role::Observer, Role::Viewer] {
            let name = format!("{role}{}", if public { "Pub" } else { "Priv" });
            let (c, _) = app.user(&name).await;
            add_member(&app, &mut owner, slug, &format!("{}@example.org", name.to_lowercase()), role.as_str()).await;
            people.push((Who::Role(role), c));
        }
        for &scope in ApiKeyScope::ALL {
            let (_, secret) = api_key(&mut owner, slug, scope.as_str()).await;
            people.push((Who::Key(scope), app.key_client(&secret)));
        }
        people.push((Who::ForeignKey, app.key_client(&foreign_key)));
        people.push((Who::Anonymous, app.client()));

        let mut callers: Vec<(Who, &mut Client)> =
            vec![(Who::Role(Role::Owner), &mut owner), (Who::Outsider, &mut outsider)];
        // Owner and outsider are reused across both workspaces; the rest were made for this one.
        let mut rest: Vec<(Who, Client)> = std::mem::take(&mut people);
        for (who, c) in rest.iter_mut() {
            callers.push((*who, c));
        }
        for route in all_routes() {
            // The setup's call when every caller shares one (`Route::once`).
            let mut shared: Option<Call> = None;
            for i in 0..callers.len() {
                n += 1;
                let mut call = None;
                let target_id = match route.target {
                    Target::None => String::new(),
                    Target::Setup(setup) => {
                        let made = match &shared {
                            Some(c) => c.clone(),
                            None => {
                                let c = setup(callers[0].1, slug, n).await;
                                if route.jobs {
                                    app.run_jobs().await;
                                }
                                if route.once {
                                    shared = Some(c.clone());
                                }
                                c
                            }
                        };
                        call = Some(made);
                        String::new()
                    }
                    Target::Member => {
                        let email = format!("victim{n}@example.org");
                        let (_, id) = app.user(&format!("Victim{n}")).await;
                        add_member(&app, callers[0].1, slug, &email, "viewer").await;
                        id
                    }
                    Target::Key => {
                        let (_, body) = send(
                            callers[0].1,
                            Method::POST,
                            &format!("/api/v1/workspaces/{slug}/api-keys"),
                            Some(json!({"name": "victim", "scope": "read"})),
                        )
                        .await;
                        body["id"].as_str().expect("key id").to_owned()
                    }
                };
                let (path, req_body) = match call {
                    Some(c) => (c.path, c.body),
                    None => (fill(route.path, slug, &target_id), (route.body)(n)),
                };
                if !matches(route.path, &path) {
                    failures
                        .push(format!("{} {}: the setup's path {path} is not this route's", route.method, route.path));
                    continue;
                }
                let (who, client) = (callers[i].0, &mut *callers[i].1);
                let (status, body) = send(client, route.method.clone(), &path, req_body).await;
                let want = expected(who, public, route);
                if status != want {
                    failures.push(format!("{} {} as {who:?}: got {status}, want {want}: {body}", route.method, path));
                } else if status >= 400 && body["code"].as_str().is_none() {
                    failures.push(format!("{} {} as {who:?}: {status} without problem body", route.method, path));
                }
            }
        }
        people = rest;
    }
    assert!(failures.is_empty(), "{} mismatches:\n{}", failures.len(), failures.join("\n"));
}

/// Routes outside any workspace.
#[actix_web::test]
async fn account_routes() {
    let app = TestApp::new().await;
    let (mut person, _) = app.user("Person").await;
    workspace(&mut person, "acct-obs", "private").await;
    let (_, secret) = api_key(&mut person, "acct-obs", "write").await;
    let mut key = app.key_client(&secret);
    let mut anon = app.client();

    assert_eq!(person.get("/api/v1/me").await.status, 200);
    assert_eq!(key.get("/api/v1/me").await.status, 200);
    anon.get("/api/v1/me").await.assert_problem(401, "unauthenticated");

    assert_eq!(person.get("/api/v1/workspaces").await.status, 200);
    let r = key.get("/api/v1/workspaces").await;
    assert_eq!(r.body["items"].as_array().map(Vec::len), Some(1), "a key lists its own workspace only");
    anon.get("/api/v1/workspaces").await.assert_problem(401, "unauthenticated");

    anon.post("/api/v1/workspaces", json!({"slug": "anon-ws", "name": "n"}))
        .await
        .assert_problem(401, "unauthenticated");
    key.post("/api/v1/workspaces", json!({"slug": "key-ws", "name": "n"})).await.assert_problem(403, "forbidden");
    key.put("/api/v1/me/password", json!({"current_password": "x", "new_password": "yyyyyyyyyyyy"}))
        .await
        .assert_problem(403, "forbidden");
    anon.put("/api/v1/me/password", json!({"current_password": "x", "new_password": "yyyyyyyyyyyy"}))
        .await
        .assert_problem(401, "unauthenticated");

    // Every operation outside a workspace that the document says needs a signed-in caller: anonymous callers are
    // asked to sign in (401), and where it takes no API key (a person's own sessions, address, deletion, accepting
    // an invitation, a new workspace, ...), a key is refused (403). The list comes from the document, so a new
    // route is checked as soon as it is documented; a body is sent where `{}` would not pass validation first.
    let doc: Value = serde_json::from_str(&meridian_api::openapi::to_json()).expect("json");
    let bodies: [(&str, &str, Value); 5] = [
        ("POST", "/api/v1/workspaces", json!({"slug": "never-made", "name": "n"})),
        ("POST", "/api/v1/me/email", json!({"new_email": "x@example.org", "current_password": "x"})),
        ("POST", "/api/v1/me/deletion", json!({"current_password": "x"})),
        ("POST", "/api/v1/invitations/accept", json!({"token": "ab"})),
        ("PUT", "/api/v1/me/password", json!({"current_password": "x", "new_password": "yyyyyyyyyyyy"})),
    ];
    let mut person_only = 0;
    let mut signed_in = 0;
    for (template, operations) in doc["paths"].as_object().expect("paths") {
        if !template.starts_with("/api/v1/") || template.starts_with("/api/v1/workspaces/{slug}") {
            continue;
        }
        for (method, op) in operations.as_object().expect("operations") {
            let Some(security) = op["security"].as_array() else { continue };
            let anyone = security.iter().any(|s| s.as_object().is_some_and(serde_json::Map::is_empty));
            if security.is_empty() || anyone {
                continue;
            }
            let method_name = method.to_uppercase();
            let m = Method::from_bytes(method_name.as_bytes()).expect("method");
            let path = template.replace("{id}", "01a24b80-d377-761c-99ee-cd3a3b98251d");
            let body = bodies.iter().find(|(bm, bp, _)| *bm == method_name && bp == template).map(|b| b.2.clone());
            let body = body.or_else(|| matches!(method.as_str(), "post" | "put" | "patch").then(|| json!({})));
            let (status, answer) = send(&mut anon, m.clone(), &path, body.clone()).await;
            assert_eq!(status, 401, "{method_name} {path} anonymous: {answer}");
            signed_in += 1;
            if !security.iter().any(|s| s.get("api_key").is_some()) {
                let (status, answer) = send(&mut key, m, &path, body).await;
                assert_eq!(status, 403, "{method_name} {path} with a key: {answer}");
                person_only += 1;
            }
        }
    }
    assert!(signed_in >= 14 && person_only >= 12, "{signed_in} signed-in operations, {person_only} for people only");
    // The person's own list works; a signed-in person is not refused.
    assert_eq!(person.get("/api/v1/me/sessions").await.status, 200);
    // Mailed links need no session: anyone holding one may use it (unknown ones are 404).
    for path in ["/api/v1/email-verifications", "/api/v1/email-changes"] {
        anon.post(path, json!({"token": "ab"})).await.assert_problem(404, "not_found");
    }
    let r = anon
        .post("/api/v1/password-resets/confirm", json!({"token": "ab", "new_password": "a long new password"}))
        .await;
    r.assert_problem(404, "not_found");
    assert_eq!(anon.post("/api/v1/password-resets", json!({"email": "x@example.org"})).await.status, 202);
    // Linked providers are the person's: never an API key's, never anonymous; the list of providers is public.
    assert_eq!(person.get("/api/v1/me/identities").await.status, 200);
    key.get("/api/v1/me/identities").await.assert_problem(403, "forbidden");
    anon.get("/api/v1/me/identities").await.assert_problem(401, "unauthenticated");
    let some_id = uuid::Uuid::now_v7();
    person.delete(&format!("/api/v1/me/identities/{some_id}")).await.assert_problem(404, "not_found");
    key.delete(&format!("/api/v1/me/identities/{some_id}")).await.assert_problem(403, "forbidden");
    anon.delete(&format!("/api/v1/me/identities/{some_id}")).await.assert_problem(401, "unauthenticated");
    for c in [&mut person, &mut key, &mut anon] {
        assert_eq!(c.get("/api/v1/auth/providers").await.status, 200);
    }
}

/// Ids are scoped by the workspace in the path: an owner of A naming B's member or key through A's slug gets
/// 404, and B is left exactly as it was.
#[actix_web::test]
async fn ids_of_another_workspace_through_my_slug_are_404() {
    let app = TestApp::new().await;
    let (mut alice, _) = app.user("Alice").await;
    let (mut bob, _) = app.user("Bob").await;
    let (_, carol_id) = app.user("Carol").await;
    workspace(&mut alice, "alice-obs", "private").await;
    workspace(&mut bob, "bob-obs", "private").await;
    add_member(&app, &mut bob, "bob-obs", "carol@example.org", "viewer").await;
    let (bob_key_id, bob_key) = api_key(&mut bob, "bob-obs", "read").await;

    let member_path = format!("/api/v1/workspaces/alice-obs/members/{carol_id}");
    alice.patch(&member_path, json!({"role": "admin"})).await.assert_problem(404, "not_found");
    alice.delete(&member_path).await.assert_problem(404, "not_found");
    alice.delete(&format!("/api/v1/workspaces/alice-obs/api-keys/{bob_key_id}")).await.assert_problem(404, "not_found");

    let members = bob.get("/api/v1/workspaces/bob-obs/members").await;
    let carol =
        members.body["items"].as_array().expect("items").iter().find(|m| m["account_id"] == carol_id.as_str()).cloned();
    assert_eq!(carol.expect("carol still a member")["role"], "viewer");
    assert_eq!(app.key_client(&bob_key).get("/api/v1/workspaces/bob-obs").await.status, 200, "Bob's key still works");
}
