//! Column, reference and index builders shared by the migrations (a migration's effect never changes; these only
//! spell it).

use sea_orm_migration::prelude::*;

pub(crate) fn id<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).uuid().not_null().primary_key().to_owned()
}
pub(crate) fn uuid_ref<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).uuid().not_null().to_owned()
}
pub(crate) fn uuid_null<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).uuid().null().to_owned()
}
pub(crate) fn text<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).string().not_null().to_owned()
}
pub(crate) fn text_null<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).string().null().to_owned()
}
/// Free text (Markdown, notes) that may be empty.
pub(crate) fn long_text<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).text().not_null().default("").to_owned()
}
/// A JSON array kept as text (tags, links, filters): read whole, never queried inside.
pub(crate) fn json_list<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).text().not_null().default("[]").to_owned()
}
pub(crate) fn num<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).double().not_null().to_owned()
}
pub(crate) fn num_null<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).double().null().to_owned()
}
pub(crate) fn date<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).date().not_null().to_owned()
}
pub(crate) fn time<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).timestamp_with_time_zone().not_null().to_owned()
}
pub(crate) fn time_null<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).timestamp_with_time_zone().null().to_owned()
}

/// A reference whose target goes with its owner (the workspace, the night log).
pub(crate) fn owned_by(
    from_table: impl IntoIden,
    from_col: impl IntoIden,
    to_table: impl IntoIden,
    to_col: impl IntoIden,
) -> ForeignKeyCreateStatement {
    ForeignKey::create().from(from_table, from_col).to(to_table, to_col).on_delete(ForeignKeyAction::Cascade).to_owned()
}

/// A reference that keeps its target alive: deleting a telescope that still has night logs fails (checked at the
/// end of the statement, so deleting a whole workspace still cascades through). Authors and editors are such
/// references too: removing an account must never take a night's shared record with it.
pub(crate) fn uses(
    from_table: impl IntoIden,
    from_col: impl IntoIden,
    to_table: impl IntoIden,
    to_col: impl IntoIden,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from_table, from_col)
        .to(to_table, to_col)
        .on_delete(ForeignKeyAction::NoAction)
        .to_owned()
}

pub(crate) fn index(
    name: &str,
    table: impl IntoIden,
    cols: &[&dyn Fn() -> DynIden],
    unique: bool,
) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(name).table(table);
    for c in cols {
        i.col(c());
    }
    if unique {
        i.unique();
    }
    i.to_owned()
}

macro_rules! cols {
    ($($c:expr),+) => { &[$(&|| $c.into_iden()),+] };
}
