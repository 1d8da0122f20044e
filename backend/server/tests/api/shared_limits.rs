//! Rate limits as replicas see them: on PostgreSQL the allowance lives in the database, so two processes (two
//! limiters over one database, as two `serve` replicas have) give a client one allowance between them, however
//! their requests interleave or race; on SQLite (one process) it stays in memory. The scale-out test runs the same
//! through two real servers.

use crate::helpers::TestApp;
use meridian_service::limits::PublicRateLimit;
use sea_orm::ConnectionTrait as _;
use std::net::IpAddr;
use std::time::Duration;

const HOUR: Duration = Duration::from_secs(3600);

#[actix_web::test]
async fn two_replicas_share_one_anonymous_allowance_on_postgres() {
    let app = TestApp::new().await;
    let postgres = app.conn.get_database_backend() == sea_orm::DbBackend::Postgres;
    let a = PublicRateLimit::every(3, HOUR).shared_with(&app.services);
    let b = PublicRateLimit::every(3, HOUR).shared_with(&app.services);
    assert_eq!(a.is_shared(), postgres);
    let ip: IpAddr = "203.0.113.9".parse().unwrap();
    let other: IpAddr = "198.51.100.4".parse().unwrap();
    assert!(a.check(ip).await.is_ok());
    assert!(b.check(ip).await.is_ok());
    assert!(a.check(ip).await.is_ok());
    let fourth = b.check(ip).await;
    if postgres {
        let wait = fourth.expect_err("the fourth call, on the other replica, is over the shared allowance");
        assert!((3000..=3600).contains(&wait), "about an hour until the next one: {wait}");
        assert!(a.check(ip).await.is_err(), "and on the first replica too");
    } else {
        assert!(fourth.is_ok(), "in memory, each process counts its own");
    }
    assert!(a.check(other).await.is_ok(), "another client has its own allowance");
}

#[actix_web::test]
async fn racing_replicas_allow_exactly_the_burst() {
    let app = TestApp::new().await;
    if app.conn.get_database_backend() != sea_orm::DbBackend::Postgres {
        return; // One process on SQLite: governor's own tests cover the in-memory limiter.
    }
    let a = PublicRateLimit::every(5, HOUR).shared_with(&app.services);
    let b = PublicRateLimit::every(5, HOUR).shared_with(&app.services);
    let ip: IpAddr = "2001:db8:7::1".parse().unwrap();
    let calls = (0..30).map(|i| {
        let limit = if i % 2 == 0 { &a } else { &b };
        limit.check(ip)
    });
    let allowed = futures::future::join_all(calls).await.into_iter().filter(Result::is_ok).count();
    assert_eq!(allowed, 5, "30 racing calls over two replicas: exactly the burst gets through");

    // The rows hold no address: only the limiter's name and a hash.
    let rows = app
        .conn
        .query_all_raw(sea_orm::Statement::from_string(sea_orm::DbBackend::Postgres, "SELECT key FROM rate_limits"))
        .await
        .expect("rows");
    assert!(!rows.is_empty());
    for r in rows {
        let key: String = r.try_get("", "key").expect("key");
        assert!(key.starts_with("public:") && !key.contains("2001"), "{key}");
    }
}

#[actix_web::test]
async fn sign_in_limits_are_shared_on_postgres_too() {
    let mut config = crate::helpers::test_service_config();
    config.login_burst = 2;
    config.login_replenish_secs = 3600;
    let app = TestApp::with_config(config.clone()).await;
    let postgres = app.conn.get_database_backend() == sea_orm::DbBackend::Postgres;
    // A second replica: its own services (its own in-memory limiters) on the same database.
    let replica = meridian_service::Services::new(app.conn.clone(), config).expect("services");
    let client = meridian_service::ClientInfo { ip: Some("192.0.2.50".parse().unwrap()), ..Default::default() };
    let (email, password) = ("nobody@example.org", "not the password");
    let first = app.services.sign_in(email, password, &client).await;
    assert!(matches!(first, Err(meridian_service::ServiceError::InvalidCredentials(_))), "{first:?}");
    let second = replica.sign_in(email, password, &client).await;
    assert!(matches!(second, Err(meridian_service::ServiceError::InvalidCredentials(_))), "{second:?}");
    let third = app.services.sign_in(email, password, &client).await;
    if postgres {
        assert!(
            matches!(third, Err(meridian_service::ServiceError::RateLimited { .. })),
            "two attempts spent across both replicas: {third:?}"
        );
    } else {
        assert!(matches!(third, Err(meridian_service::ServiceError::InvalidCredentials(_))), "{third:?}");
    }
}
