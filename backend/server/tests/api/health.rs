use crate::helpers::TestApp;
use actix_web::http::StatusCode;

#[actix_web::test]
async fn health_and_readiness() {
    let app = TestApp::new().await;
    let mut c = app.client();
    let r = c.get("/healthz").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["status"], "ok");
    let r = c.get("/readyz").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["status"], "ready");
    app.conn.clone().close().await.expect("close");
    let r = c.get("/readyz").await;
    r.assert_problem(503, "not_ready");
}
