//! The browser entry point: hydrates the server-rendered pages. Built with
//! `cargo build -p meridian-web-hydrate --target wasm32-unknown-unknown` and `wasm-bindgen --target web`.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(meridian_web::App);
}
