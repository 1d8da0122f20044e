//! Keyset pagination: how every list continues after a cursor, and the text of the sort keys cursors carry.
//!
//! A cursor (`meridian_domain::Cursor`, which encodes it for the wire) carries the sort key of the last row a client
//! saw. Lists in id order carry the id; lists ordered by a night or an instant carry `key|id`, the id breaking ties.
//! Clients hold cursors across releases, so these texts do not change: an id as the hyphenated UUID, a night as
//! `YYYY-MM-DD`, an instant as RFC 3339 in UTC with microseconds (`2024-03-05T21:04:00.000000Z`).
//!
//! ```ignore
//! scoped::all::<sites::Entity>(workspace).page_by_id(sites::Column::Id, page)?.all(conn)
//! q.page_by::<NightDate>(C::Night, C::Id, Direction::Descending, page)?.all(conn)
//! ```

use crate::{StoreError, StoreResult};
use chrono::{DateTime, SecondsFormat, Utc};
use meridian_domain::{NightDate, PageRequest, ValidationError};
use sea_orm::sea_query::Condition;
use sea_orm::{ColumnTrait, Order, QueryFilter, QueryOrder, QuerySelect, Value};
use uuid::Uuid;

/// What a composite cursor holds before its `|id`.
pub trait SortKey: Sized {
    /// How the key is written in a cursor.
    fn write(&self) -> String;
    /// Reads a key back; `None` for text this server does not write.
    fn read(s: &str) -> Option<Self>;
    /// The key as the column compares it.
    fn value(&self) -> Value;
}

impl SortKey for NightDate {
    fn write(&self) -> String {
        self.to_string()
    }
    fn read(s: &str) -> Option<Self> {
        NightDate::parse(s).ok()
    }
    fn value(&self) -> Value {
        self.date().into()
    }
}

impl SortKey for DateTime<Utc> {
    fn write(&self) -> String {
        self.to_rfc3339_opts(SecondsFormat::Micros, true)
    }
    fn read(s: &str) -> Option<Self> {
        DateTime::parse_from_rfc3339(s).ok().map(|t| t.to_utc())
    }
    fn value(&self) -> Value {
        crate::ts(*self).into()
    }
}

impl SortKey for Uuid {
    fn write(&self) -> String {
        self.to_string()
    }
    fn read(s: &str) -> Option<Self> {
        Uuid::parse_str(s).ok()
    }
    fn value(&self) -> Value {
        (*self).into()
    }
}

impl SortKey for i32 {
    fn write(&self) -> String {
        self.to_string()
    }
    fn read(s: &str) -> Option<Self> {
        s.parse().ok()
    }
    fn value(&self) -> Value {
        (*self).into()
    }
}

/// The cursor key of a row in a list ordered by a key unique within it (a package's version number): the key.
#[must_use]
pub fn key<K: SortKey>(key: &K) -> String {
    key.write()
}

/// The cursor key of a row in a list in id order.
#[must_use]
pub fn id_key(id: impl Into<Uuid>) -> String {
    id.into().to_string()
}

/// The cursor key of a row in a list in (`key`, id) order: `key|id`.
#[must_use]
pub fn composite_key<K: SortKey>(key: &K, id: impl Into<Uuid>) -> String {
    format!("{}|{}", key.write(), id.into())
}

fn not_ours() -> StoreError {
    StoreError::Invalid(ValidationError::new("cursor", "is not a cursor this server issued"))
}

/// The key a page of a list ordered by a unique key (an id, a version number) continues after.
fn read_key<K: SortKey>(page: &PageRequest) -> StoreResult<Option<K>> {
    page.after.as_deref().map(|s| K::read(s).ok_or_else(not_ours)).transpose()
}

/// The parts of a `key|id` cursor key; `None` when it is not one this server wrote.
#[must_use]
pub fn read_composite_key<K: SortKey>(s: &str) -> Option<(K, Uuid)> {
    let (key, id) = s.split_once('|')?;
    Some((K::read(key)?, Uuid::parse_str(id).ok()?))
}

/// The (key, id) a page of a composite-ordered list continues after.
fn read_composite<K: SortKey>(page: &PageRequest) -> StoreResult<Option<(K, Uuid)>> {
    page.after.as_deref().map(|after| read_composite_key(after).ok_or_else(not_ours)).transpose()
}

/// Which way a list in (key, id) order runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    Ascending,
    Descending,
}

/// One page of a query: at most `limit` rows after the cursor, in the list's order.
pub(crate) trait Keyset: QueryFilter + QueryOrder + QuerySelect {
    /// In `id` order, the rows whose id is above the cursor's.
    fn page_by_id(self, id: impl ColumnTrait, page: &PageRequest) -> StoreResult<Self> {
        self.page_by_unique::<Uuid>(id, Direction::Ascending, page)
    }

    /// In the order of `key`, unique within the list (a package's version number), the rows past the cursor's.
    fn page_by_unique<K: SortKey>(
        self,
        key: impl ColumnTrait,
        direction: Direction,
        page: &PageRequest,
    ) -> StoreResult<Self> {
        let mut q = self.limit(u64::from(page.limit.get()));
        let after = read_key::<K>(page)?;
        q = match direction {
            Direction::Ascending => q.order_by(key, Order::Asc),
            Direction::Descending => q.order_by(key, Order::Desc),
        };
        if let Some(k) = after {
            q = q.filter(match direction {
                Direction::Ascending => key.gt(k.value()),
                Direction::Descending => key.lt(k.value()),
            });
        }
        Ok(q)
    }

    /// In (`key`, `id`) order, ascending or descending, the rows past the cursor's pair in that order.
    fn page_by<K: SortKey>(
        self,
        key: impl ColumnTrait,
        id: impl ColumnTrait,
        direction: Direction,
        page: &PageRequest,
    ) -> StoreResult<Self> {
        let order = match direction {
            Direction::Ascending => Order::Asc,
            Direction::Descending => Order::Desc,
        };
        let mut q = self.order_by(key, order.clone()).order_by(id, order).limit(u64::from(page.limit.get()));
        if let Some((k, after)) = read_composite::<K>(page)? {
            let k = k.value();
            let past = match direction {
                Direction::Ascending => {
                    Condition::any().add(key.gt(k.clone())).add(Condition::all().add(key.eq(k)).add(id.gt(after)))
                }
                Direction::Descending => {
                    Condition::any().add(key.lt(k.clone())).add(Condition::all().add(key.eq(k)).add(id.lt(after)))
                }
            };
            q = q.filter(past);
        }
        Ok(q)
    }
}

impl<Q: QueryFilter + QueryOrder + QuerySelect> Keyset for Q {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entities::night_logs;
    use sea_orm::{DbBackend, EntityTrait, QueryTrait};

    const ID: &str = "0193a1b2-0000-7000-8000-000000000001";

    fn page(after: &str) -> PageRequest {
        PageRequest { after: Some(after.to_owned()), ..PageRequest::default() }
    }

    #[test]
    fn keys_are_written_as_before() {
        let id = meridian_domain::NightLogId::from(Uuid::parse_str(ID).unwrap());
        assert_eq!(id_key(id), ID);
        let night = NightDate::parse("2024-03-05").unwrap();
        assert_eq!(composite_key(&night, id), format!("2024-03-05|{ID}"));
        let t = DateTime::parse_from_rfc3339("2024-03-05T21:04:00.5+02:00").unwrap().to_utc();
        assert_eq!(composite_key(&t, id), format!("2024-03-05T19:04:00.500000Z|{ID}"));
    }

    #[test]
    fn keys_read_back_and_others_are_refused() {
        let night = NightDate::parse("2024-03-05").unwrap();
        let read = read_composite::<NightDate>(&page(&format!("2024-03-05|{ID}"))).unwrap();
        assert_eq!(read, Some((night, Uuid::parse_str(ID).unwrap())));
        let t = "2024-03-05T19:04:00.500000Z";
        let read = read_composite::<DateTime<Utc>>(&page(&format!("{t}|{ID}"))).unwrap();
        assert_eq!(read.map(|(k, _)| k.write()).as_deref(), Some(t));
        assert_eq!(read_key::<Uuid>(&page(ID)).unwrap(), Uuid::parse_str(ID).ok());
        assert_eq!(read_key::<Uuid>(&PageRequest::default()).unwrap(), None);
        for bad in ["x", "2024-03-05", &format!("2024-3-5|{ID}"), "2024-03-05|x", &format!("{t}x|{ID}")] {
            assert!(matches!(read_composite::<NightDate>(&page(bad)), Err(StoreError::Invalid(_))), "{bad}");
        }
        assert!(matches!(read_composite::<DateTime<Utc>>(&page("x|y")), Err(StoreError::Invalid(_))));
        assert!(matches!(read_key::<Uuid>(&page("2024-03-05")), Err(StoreError::Invalid(_))));
    }

    #[test]
    fn pages_order_limit_and_continue() {
        use night_logs::Column as C;
        let sql = |q: sea_orm::Select<night_logs::Entity>| q.build(DbBackend::Sqlite).to_string();
        let first = PageRequest { limit: meridian_domain::Limit::parse(Some(2)).unwrap(), after: None };
        assert!(
            sql(night_logs::Entity::find().page_by_id(C::Id, &first).unwrap())
                .ends_with(r#"ORDER BY "night_logs"."id" ASC LIMIT 2"#)
        );
        assert!(
            sql(night_logs::Entity::find().page_by_id(C::Id, &page(ID)).unwrap())
                .ends_with(&format!(r#"WHERE "night_logs"."id" > '{ID}' ORDER BY "night_logs"."id" ASC LIMIT 50"#))
        );
        let desc = sql(night_logs::Entity::find()
            .page_by::<NightDate>(C::Night, C::Id, Direction::Descending, &page(&format!("2024-03-05|{ID}")))
            .unwrap());
        assert!(desc.ends_with(&format!(
            r#"WHERE "night_logs"."night" < '2024-03-05' OR ("night_logs"."night" = '2024-03-05' AND "night_logs"."id" < '{ID}') ORDER BY "night_logs"."night" DESC, "night_logs"."id" DESC LIMIT 50"#
        )), "{desc}");
    }

    /// The cursor's OR stays inside its own parentheses, after the workspace filter: a page never reaches into
    /// another workspace's rows.
    #[test]
    fn the_cursor_condition_keeps_the_workspace_filter() {
        use night_logs::Column as C;
        let ws = meridian_domain::WorkspaceId::from(Uuid::parse_str(ID).unwrap());
        let q = crate::scoped::all::<night_logs::Entity>(ws)
            .page_by::<NightDate>(C::Night, C::Id, Direction::Descending, &page(&format!("2024-03-05|{ID}")))
            .unwrap();
        let sql = q.build(DbBackend::Sqlite).to_string();
        assert!(
            sql.contains(&format!(
                r#"WHERE "night_logs"."workspace_id" = '{ID}' AND ("night_logs"."night" < '2024-03-05' OR ("night_logs"."night" = '2024-03-05' AND "night_logs"."id" < '{ID}'))"#
            )),
            "{sql}"
        );
    }
}
