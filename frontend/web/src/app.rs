use crate::components::{Nav, VerifyBanner};
use crate::pages::{AcceptInvitation, ConfirmEmail, ForgotPassword, ResetPassword, VerifyEmail};
use crate::pages::{
    AccountPage, Dashboard, Home, NotFound, SignIn, SignUp, SignUpSent, WorkspacePage, WorkspaceSettings,
};
use crate::pages::{BillingPage, ObservatoryPage, PricingPage, TargetsPage};
use crate::pages::{DataFilePage, DataPage, DataSearchPage, DatasetPage, StoragePage};
use crate::pages::{NightLogPage, NightsPage};
use crate::pages::{PackageEditorPage, PackageLandingPage, PackagesPage, SharedLandingPage};
use crate::pages::{PlanPageView, PlansPageView, SatelliteCheckPage};
use leptos::prelude::*;
use leptos_meta::{Title, provide_meta_context};
use leptos_router::SsrMode;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;

/// The HTML document around the app, rendered on the server.
#[cfg(feature = "ssr")]
pub fn shell(options: LeptosOptions) -> impl IntoView {
    use leptos_meta::MetaTags;
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                // Scripts run only from this site, or inline with this response's nonce (Leptos's hydration and
                // resource scripts carry it); WebAssembly may compile. Injected markup cannot run script. Before
                // any script, so that it covers them all; the response's header adds frame-ancestors and the rest.
                <meta
                    http-equiv="Content-Security-Policy"
                    content=leptos::nonce::use_nonce()
                        .map(|n| format!("script-src 'self' 'nonce-{n}' 'wasm-unsafe-eval'; object-src 'none'; base-uri 'self'"))
                        .unwrap_or_else(|| "script-src 'self' 'wasm-unsafe-eval'; object-src 'none'; base-uri 'self'".to_owned())
                />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="stylesheet" href="/assets/meridian.css" />
                <link rel="icon" type="image/svg+xml" href="/assets/favicon.svg" />
                <script src="/assets/upload.js" defer></script>
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// Every page. Routes render fully on the server before anything is sent (`SsrMode::Async`), so a browser
/// without JavaScript gets complete pages.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Effects run only in the browser, once hydrated: page tests wait for this mark before clicking, so they
    // exercise the hydrated app (whose router takes over same-origin links) rather than the server's HTML.
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "");
        }
    });
    view! {
        <Title text="Meridian" />
        <Router>
            <Nav />
            <main class="page">
                <VerifyBanner />
                <Routes fallback=|| view! { <NotFound /> }>
                    <Route path=path!("") view=Home ssr=SsrMode::Async />
                    <Route path=path!("/sign-up") view=SignUp ssr=SsrMode::Async />
                    <Route path=path!("/sign-up/sent") view=SignUpSent ssr=SsrMode::Async />
                    <Route path=path!("/sign-in") view=SignIn ssr=SsrMode::Async />
                    <Route path=path!("/forgot-password") view=ForgotPassword ssr=SsrMode::Async />
                    <Route path=path!("/reset-password") view=ResetPassword ssr=SsrMode::Async />
                    <Route path=path!("/verify-email") view=VerifyEmail ssr=SsrMode::Async />
                    <Route path=path!("/confirm-email") view=ConfirmEmail ssr=SsrMode::Async />
                    <Route path=path!("/invitations/accept") view=AcceptInvitation ssr=SsrMode::Async />
                    <Route path=path!("/dashboard") view=Dashboard ssr=SsrMode::Async />
                    <Route path=path!("/pricing") view=PricingPage ssr=SsrMode::Async />
                    <Route path=path!("/account") view=AccountPage ssr=SsrMode::Async />
                    <Route path=path!("/w/:slug") view=WorkspacePage ssr=SsrMode::Async />
                    <Route path=path!("/w/:slug/settings") view=WorkspaceSettings ssr=SsrMode::Async />
                    <Route path=path!("/w/:slug/observatory") view=ObservatoryPage ssr=SsrMode::Async />
                    <Route path=path!("/w/:slug/targets") view=TargetsPage ssr=SsrMode::Async />
                    <Route path=path!("/w/:slug/nights") view=NightsPage ssr=SsrMode::Async />
                    <Route path=path!("/w/:slug/nights/:id") view=NightLogPage ssr=SsrMode::Async />
                    <Route path=path!("/w/:slug/data") view=DataPage ssr=SsrMode::Async />
                    <Route path=path!("/w/:slug/data/:dataset") view=DatasetPage ssr=SsrMode::Async />
                    <Route path=path!("/w/:slug/files/:file") view=DataFilePage ssr=SsrMode::Async />
                    <Route path=path!("/w/:slug/search") view=DataSearchPage ssr=SsrMode::Async />
                    <Route path=path!("/w/:slug/storage") view=StoragePage ssr=SsrMode::Async />
                    <Route path=path!("/w/:slug/billing") view=BillingPage ssr=SsrMode::Async />
                    <Route path=path!("/w/:slug/packages") view=PackagesPage ssr=SsrMode::Async />
                    <Route path=path!("/w/:slug/packages/:id") view=PackageEditorPage ssr=SsrMode::Async />
                    <Route path=path!("/packages/:id") view=PackageLandingPage ssr=SsrMode::Async />
                    <Route path=path!("/packages/:id/versions/:n") view=PackageLandingPage ssr=SsrMode::Async />
                    <Route path=path!("/shared/:token") view=SharedLandingPage ssr=SsrMode::Async />
                    <Route path=path!("/shared/:token/versions/:n") view=SharedLandingPage ssr=SsrMode::Async />
                    <Route path=path!("/w/:slug/plans") view=PlansPageView ssr=SsrMode::Async />
                    <Route path=path!("/w/:slug/plans/:id") view=PlanPageView ssr=SsrMode::Async />
                    <Route path=path!("/satellites") view=SatelliteCheckPage ssr=SsrMode::Async />
                </Routes>
            </main>
            <footer class="footer">
                "Meridian — an open-source portal for observatories · "
                <a href="/api/v1/openapi.json" rel="external">"API"</a>
            </footer>
        </Router>
    }
}
