//! File search: by dataset, release, OBJECT, date, filter, instrument, frame type, tier, name, header cards and
//! sky cone (HEALPix ranges), newest first, keyset-paged on `(uploaded_at, id)`.

use crate::entities::{data_files, datasets, file_header_cards};
use crate::{StoreResult, like_escaped, ts};
use chrono::{DateTime, Utc};
use meridian_domain::data::DataFile;
use meridian_domain::search::HeaderCondition;
use meridian_domain::{DataFileId, DatasetId, Tier, WorkspaceId};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, Query};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

/// What a file search asks for; every part is optional and all parts must hold.
#[derive(Debug, Clone, Default)]
pub struct FileFilter {
    pub dataset: Option<DatasetId>,
    /// Keep only files released by then (what an outsider sees).
    pub released_by: Option<DateTime<Utc>>,
    /// A case-insensitive part of the OBJECT name.
    pub object: Option<String>,
    pub date_from: Option<DateTime<Utc>>,
    pub date_to: Option<DateTime<Utc>>,
    pub filter: Option<String>,
    pub instrument: Option<String>,
    pub frame_type: Option<String>,
    pub tier: Option<Tier>,
    pub name: Option<String>,
    pub headers: Vec<HeaderCondition>,
    /// HEALPix index ranges `[lo, hi)` that cover a cone (the caller keeps only the rows truly inside).
    pub healpix_ranges: Option<Vec<(i64, i64)>>,
    /// Continue after this `(uploaded_at, id)`, newest first.
    pub after: Option<(DateTime<Utc>, DataFileId)>,
}

pub async fn files(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    f: &FileFilter,
    limit: u64,
) -> StoreResult<Vec<DataFile>> {
    use data_files::Column as C;
    let mut q = data_files::Entity::find().filter(C::WorkspaceId.eq(workspace));
    if let Some(d) = f.dataset {
        q = q.filter(C::DatasetId.eq(d));
    }
    if let Some(t) = f.released_by {
        q = q.filter(released_condition(workspace, t));
    }
    if let Some(o) = &f.object {
        q = q
            .filter(C::ObjectSearch.like(LikeExpr::new(format!("%{}%", like_escaped(&o.to_lowercase()))).escape('\\')));
    }
    if let Some(t) = f.date_from {
        q = q.filter(C::DateObs.gte(ts(t)));
    }
    if let Some(t) = f.date_to {
        q = q.filter(C::DateObs.lt(ts(t)));
    }
    if let Some(v) = &f.filter {
        q = q.filter(Func::lower(Expr::col(C::Filter)).eq(v.to_lowercase()));
    }
    if let Some(v) = &f.instrument {
        q = q.filter(Func::lower(Expr::col(C::Instrument)).eq(v.to_lowercase()));
    }
    if let Some(v) = &f.frame_type {
        q = q.filter(C::FrameType.eq(v.as_str()));
    }
    if let Some(t) = f.tier {
        q = q.filter(C::Tier.eq(t.as_str()));
    }
    if let Some(n) = &f.name {
        q = q.filter(C::Name.like(LikeExpr::new(format!("%{}%", like_escaped(n))).escape('\\')));
    }
    for h in &f.headers {
        q = q.filter(C::Id.in_subquery(header_subquery(workspace, h)));
    }
    if let Some(ranges) = &f.healpix_ranges {
        let mut any = Condition::any();
        for &(lo, hi) in ranges {
            any = any.add(Condition::all().add(C::Healpix.gte(lo)).add(C::Healpix.lt(hi)));
        }
        q = q.filter(any);
    }
    if let Some((at, id)) = f.after {
        // A row comparison, which PostgreSQL turns into an index condition on `(…, uploaded_at, id)` (the OR of
        // the two cases it means scans and filters: 268 ms against 4.6 ms three days into 400,000 files).
        q = q.filter(
            Expr::tuple([Expr::col((data_files::Entity, C::UploadedAt)), Expr::col((data_files::Entity, C::Id))])
                .lt(Expr::tuple([Expr::value(ts(at)), Expr::value(id)])),
        );
    }
    super::files::all_to_domain(q.order_by_desc(C::UploadedAt).order_by_desc(C::Id).limit(limit).all(conn).await?)
}

/// A file is released once its own release date, or (without one) its dataset's, has passed.
fn released_condition(workspace: WorkspaceId, by: DateTime<Utc>) -> Condition {
    use data_files::Column as C;
    let released_datasets = Query::select()
        .column(datasets::Column::Id)
        .from(datasets::Entity)
        .and_where(datasets::Column::WorkspaceId.eq(workspace))
        .and_where(datasets::Column::ReleaseAt.lte(ts(by)))
        .to_owned();
    Condition::any()
        .add(C::ReleaseAt.lte(ts(by)))
        .add(Condition::all().add(C::ReleaseAt.is_null()).add(C::DatasetId.in_subquery(released_datasets)))
}

fn header_subquery(workspace: WorkspaceId, h: &HeaderCondition) -> sea_orm::sea_query::SelectStatement {
    use file_header_cards::Column as H;
    let mut s = Query::select();
    s.column(H::FileId).from(file_header_cards::Entity).and_where(H::WorkspaceId.eq(workspace));
    match h {
        HeaderCondition::Equals { keyword, text, number } => {
            s.and_where(H::Keyword.eq(keyword.as_str()));
            let mut any = Condition::any().add(H::ValueLower.eq(text.to_lowercase()));
            if let Some(n) = number {
                any = any.add(H::ValueNum.eq(*n));
            }
            s.cond_where(any);
        }
        HeaderCondition::Range { keyword, min, max } => {
            s.and_where(H::Keyword.eq(keyword.as_str()));
            s.and_where(H::ValueNum.is_not_null());
            if let Some(m) = min {
                s.and_where(H::ValueNum.gte(*m));
            }
            if let Some(m) = max {
                s.and_where(H::ValueNum.lte(*m));
            }
        }
    }
    s.to_owned()
}
