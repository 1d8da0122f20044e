//! Every migration can be applied, rolled back and applied again (on SQLite here; the API suite runs the
//! migrations on PostgreSQL too).

use meridian_migrations::{Migrator, MigratorTrait};
use sea_orm_migration::sea_orm::Database;

#[tokio::test]
async fn up_down_up() {
    let db = Database::connect("sqlite::memory:").await.expect("connect");
    Migrator::up(&db, None).await.expect("up");
    let applied = Migrator::get_applied_migrations(&db).await.expect("applied").len();
    assert_eq!(applied, Migrator::migrations().len());
    Migrator::down(&db, None).await.expect("down");
    assert!(Migrator::get_applied_migrations(&db).await.expect("applied").is_empty());
    Migrator::up(&db, None).await.expect("up again");
    assert!(Migrator::get_pending_migrations(&db).await.expect("pending").is_empty());
}
