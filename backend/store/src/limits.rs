//! Rate limits shared by replicas on one PostgreSQL database (see the `rate_limits` migration): GCRA in one
//! statement per request, by the database's clock. A key's row holds its "theoretical arrival time" (TAT): a
//! request at `now` is allowed when `max(tat, now) - now <= tolerance` and then moves the TAT on by one `period`;
//! a refused request changes nothing. Row locking on the key makes concurrent requests from many replicas count
//! exactly once each.

use crate::StoreResult;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

/// Takes one unit of `key`'s allowance (`period_s` per unit, up to `tolerance_s` of units ahead, i.e. a burst of
/// `tolerance_s / period_s + 1`). `Ok(None)` when allowed; `Ok(Some(seconds))` until the next unit when refused.
/// PostgreSQL only.
pub async fn take(db: &DatabaseConnection, key: &str, period_s: f64, tolerance_s: f64) -> StoreResult<Option<f64>> {
    // statement_timestamp() is one instant for the whole statement, on the database's clock.
    const NOW: &str = "extract(epoch FROM statement_timestamp())::float8";
    let sql = format!(
        "INSERT INTO rate_limits AS r (key, tat) VALUES ($1, {NOW} + $2) \
         ON CONFLICT (key) DO UPDATE SET tat = GREATEST(r.tat, {NOW}) + $2 \
         WHERE GREATEST(r.tat, {NOW}) - {NOW} <= $3 \
         RETURNING r.tat"
    );
    let values = vec![key.into(), period_s.into(), tolerance_s.into()];
    let taken = db.query_one_raw(Statement::from_sql_and_values(DbBackend::Postgres, sql, values)).await?;
    if taken.is_some() {
        return Ok(None);
    }
    let sql = format!("SELECT (tat - $2 - {NOW}) AS wait FROM rate_limits WHERE key = $1");
    let row = db
        .query_one_raw(Statement::from_sql_and_values(DbBackend::Postgres, sql, vec![key.into(), tolerance_s.into()]))
        .await?;
    let wait = match row {
        Some(r) => r.try_get::<f64>("", "wait")?,
        None => 0.0,
    };
    Ok(Some(wait.max(0.0)))
}

/// Forgets keys whose allowance is whole again (their TAT has passed); returns how many.
pub async fn prune(db: &DatabaseConnection) -> StoreResult<u64> {
    let sql = "DELETE FROM rate_limits WHERE tat < extract(epoch FROM statement_timestamp())::float8";
    Ok(db.execute_raw(Statement::from_string(DbBackend::Postgres, sql)).await?.rows_affected())
}
