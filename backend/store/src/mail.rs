//! The outgoing mail queue. A message is written in the same transaction as the change it tells about and sent
//! by a job; once sent its body is emptied (it may hold a link that signs someone in), and what stays is who, what
//! and where it went, for operators.

use crate::entities::outgoing_mail;
use crate::{StoreError, StoreResult};
use chrono::{DateTime, Utc};
use meridian_domain::MailId;
use meridian_domain::mail::{MailRecord, MailStatus};
use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

fn to_domain(m: outgoing_mail::Model) -> StoreResult<MailRecord> {
    Ok(MailRecord {
        id: m.id.into(),
        kind: m.kind,
        to: m.to_address,
        subject: m.subject,
        status: MailStatus::parse(&m.status)?,
        attempts: u32::try_from(m.attempts).unwrap_or(0),
        last_error: m.last_error,
        delivered_to: m.delivered_to,
        created_at: m.created_at.to_utc(),
        sent_at: m.sent_at.map(|t| t.to_utc()),
    })
}

/// Queues a message; `body` is the rendered message as JSON.
pub async fn insert(
    conn: &impl ConnectionTrait,
    kind: &str,
    to: &str,
    subject: &str,
    body: String,
    now: DateTime<Utc>,
) -> StoreResult<MailId> {
    let id = MailId::new();
    outgoing_mail::ActiveModel {
        id: Set(id.into()),
        kind: Set(kind.to_owned()),
        to_address: Set(to.to_owned()),
        subject: Set(subject.to_owned()),
        body: Set(Some(body)),
        status: Set(MailStatus::Queued.as_str().to_owned()),
        attempts: Set(0),
        last_error: Set(None),
        delivered_to: Set(None),
        created_at: Set(crate::ts(now)),
        sent_at: Set(None),
    }
    .insert(conn)
    .await?;
    Ok(id)
}

/// A queued message's status and body (`None` once sent).
pub async fn find(conn: &impl ConnectionTrait, id: MailId) -> StoreResult<Option<(MailRecord, Option<String>)>> {
    let Some(m) = outgoing_mail::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    let body = m.body.clone();
    Ok(Some((to_domain(m)?, body)))
}

fn one(rows: u64) -> StoreResult<()> {
    if rows == 1 { Ok(()) } else { Err(StoreError::Db(sea_orm::DbErr::RecordNotUpdated)) }
}

/// Records a delivery: the body goes, where it went stays.
pub async fn mark_sent(
    conn: &impl ConnectionTrait,
    id: MailId,
    delivered_to: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let res = outgoing_mail::Entity::update_many()
        .col_expr(outgoing_mail::Column::Status, Expr::value(MailStatus::Sent.as_str()))
        .col_expr(outgoing_mail::Column::Body, Expr::value(Option::<String>::None))
        .col_expr(outgoing_mail::Column::DeliveredTo, Expr::value(delivered_to))
        .col_expr(outgoing_mail::Column::SentAt, Expr::value(crate::ts(now)))
        .col_expr(outgoing_mail::Column::Attempts, Expr::col(outgoing_mail::Column::Attempts).add(1))
        .col_expr(outgoing_mail::Column::LastError, Expr::value(Option::<String>::None))
        .filter(outgoing_mail::Column::Id.eq(id))
        .exec(conn)
        .await?;
    one(res.rows_affected)
}

/// Records a failed attempt; `give_up` marks the message failed for good (its body goes too).
pub async fn mark_attempt_failed(
    conn: &impl ConnectionTrait,
    id: MailId,
    error: &str,
    give_up: bool,
) -> StoreResult<()> {
    let mut q = outgoing_mail::Entity::update_many()
        .col_expr(outgoing_mail::Column::Attempts, Expr::col(outgoing_mail::Column::Attempts).add(1))
        .col_expr(outgoing_mail::Column::LastError, Expr::value(error.chars().take(500).collect::<String>()));
    if give_up {
        q = q
            .col_expr(outgoing_mail::Column::Status, Expr::value(MailStatus::Failed.as_str()))
            .col_expr(outgoing_mail::Column::Body, Expr::value(Option::<String>::None));
    }
    let res = q.filter(outgoing_mail::Column::Id.eq(id)).exec(conn).await?;
    one(res.rows_affected)
}

/// The newest messages, optionally of one status only.
pub async fn recent(
    conn: &impl ConnectionTrait,
    status: Option<MailStatus>,
    limit: u64,
) -> StoreResult<Vec<MailRecord>> {
    let mut q = outgoing_mail::Entity::find();
    if let Some(status) = status {
        q = q.filter(outgoing_mail::Column::Status.eq(status.as_str()));
    }
    let rows = q.order_by_desc(outgoing_mail::Column::CreatedAt).limit(limit).all(conn).await?;
    Ok(crate::lenient(rows, "outgoing_mail", to_domain))
}

/// How many messages stand in each status.
pub async fn counts(conn: &impl ConnectionTrait) -> StoreResult<Vec<(MailStatus, u64)>> {
    let mut out = Vec::new();
    for status in MailStatus::ALL {
        let n =
            outgoing_mail::Entity::find().filter(outgoing_mail::Column::Status.eq(status.as_str())).count(conn).await?;
        out.push((*status, n));
    }
    Ok(out)
}

/// Forgets the messages to an address (its account is being deleted): queued ones are not sent.
pub async fn delete_to(conn: &impl ConnectionTrait, to: &str) -> StoreResult<()> {
    outgoing_mail::Entity::delete_many().filter(outgoing_mail::Column::ToAddress.eq(to)).exec(conn).await?;
    Ok(())
}
