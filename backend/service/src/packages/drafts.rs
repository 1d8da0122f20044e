//! The draft: the files chosen for a package's next version, each at its path; added by id, dataset or search.

use super::archives::layout::fits_ustar;
use super::{AddFiles, DraftFile, DraftView, MAX_FILES, TierTotal, bad};
use crate::auth::Access;
use crate::data::FileQuery;
use crate::{Actor, ServiceError, ServiceResult, Services};
use meridian_domain::data::DataFile;
use meridian_domain::packages::{Package, package_path};
use meridian_domain::{Action, DataFileId, DatasetId, PackageAccess, PackageId, Tier};
use meridian_store::data::{datasets, files};
use meridian_store::packages as store;
use std::collections::{HashMap, HashSet};

/// The default path of a file in a package: `dataset/file`.
fn default_path(dataset: &str, file: &str) -> String {
    let d: String = dataset.chars().map(|c| if c == '/' || c == '\\' || c.is_control() { '_' } else { c }).collect();
    let p = format!("{}/{file}", d.trim());
    if package_path(&p).is_ok() && fits_ustar(&p) { p } else { file.to_owned() }
}

pub(super) fn blockers(files: &[DraftFile], access: PackageAccess) -> Vec<String> {
    let mut out = Vec::new();
    for f in files {
        if f.file.tier == Tier::Cold {
            out.push(format!("{} (cold: restore it first)", f.path));
        } else if access == PackageAccess::Public && !f.file.public {
            out.push(format!("{} (not released: a public package may hold released files only)", f.path));
        }
    }
    out
}

impl Services {
    // -------------------------------------------------------------------------------------------- the draft

    async fn draft_of(&self, access: &Access, p: &Package) -> ServiceResult<DraftView> {
        let rows = store::drafts::files(self.db(), access.workspace.id, p.id).await?;
        let paths: HashMap<DataFileId, String> = rows.iter().map(|(d, _)| (d.file_id, d.path.clone())).collect();
        let views = self.file_views(access, rows.into_iter().map(|(_, f)| f).collect()).await?;
        let mut files: Vec<DraftFile> = views
            .into_iter()
            .map(|file| DraftFile { path: paths.get(&file.id).cloned().unwrap_or_default(), file })
            .collect();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let mut totals = [TierTotal::default(); 3];
        for f in &files {
            let t = &mut totals[match f.file.tier {
                Tier::Hot => 0,
                Tier::Cool => 1,
                Tier::Cold => 2,
            }];
            t.file_count += 1;
            t.total_bytes += u64::try_from(f.file.size_bytes).unwrap_or(0);
        }
        let access_setting = p.access;
        Ok(DraftView {
            blockers: blockers(&files, access_setting),
            file_count: files.len() as u64,
            total_bytes: totals.iter().map(|t| t.total_bytes).sum(),
            hot: totals[0],
            cool: totals[1],
            cold: totals[2],
            files,
        })
    }

    pub async fn get_draft(&self, actor: &Actor, slug: &str, id: PackageId) -> ServiceResult<DraftView> {
        let (access, p) = self.package_for(actor, slug, id, Action::ViewWorkspace).await?;
        self.draft_of(&access, &p).await
    }

    /// Adds files to the draft (by id, a whole dataset, or a search), each at `dataset/name`; files already in
    /// the draft stay where they are.
    #[tracing::instrument(skip(self, actor, add), fields(slug = %slug, package = %id))]
    pub async fn add_to_draft(
        &self,
        actor: &Actor,
        slug: &str,
        id: PackageId,
        add: AddFiles,
    ) -> ServiceResult<DraftView> {
        let (access, p) = self.package_for(actor, slug, id, Action::EditData).await?;
        let ws = access.workspace.id;
        let pid = p.id;
        let mut wanted: Vec<DataFile> = Vec::new();
        for f in &add.file_ids {
            let fid = f.parse::<DataFileId>().map_err(|_| bad("file_ids", format!("{f:?} is not a file id")))?;
            let row = files::find(self.db(), ws, fid)
                .await?
                .ok_or_else(|| bad("file_ids", format!("{f} is not a file of this workspace")))?;
            wanted.push(row);
        }
        let mut queries = Vec::new();
        if let Some(d) = &add.dataset_id {
            d.parse::<DatasetId>().map_err(|_| bad("dataset_id", "is not a dataset id"))?;
            let d = d.parse::<DatasetId>().map_err(|_| ServiceError::NotFound("dataset"))?;
            queries.push(FileQuery { dataset: Some(d), ..FileQuery::default() });
        }
        if let Some(q) = add.search.clone() {
            queries.push(q);
        }
        for mut q in queries {
            q.limit = Some(200);
            q.cursor = None;
            loop {
                let page = self.search_files(actor, slug, q.clone()).await.map_err(|e| match e {
                    ServiceError::NotFound("dataset") => bad("dataset_id", "is not a dataset of this workspace"),
                    other => other,
                })?;
                let ids: Vec<DataFileId> = page.items.iter().map(|f| f.id).collect();
                wanted.extend(self.file_rows(ws, &ids).await?);
                if wanted.len() > MAX_FILES {
                    return Err(bad("files", format!("a package holds at most {MAX_FILES} files")));
                }
                match page.next_cursor {
                    Some(c) => q.cursor = Some(c),
                    None => break,
                }
            }
        }
        if wanted.is_empty() {
            return Err(bad("file_ids", "name files, a dataset or a search to add"));
        }
        let dataset_ids = wanted.iter().map(|f| f.dataset_id);
        let datasets: HashMap<DatasetId, String> =
            datasets::by_ids(self.db(), ws, dataset_ids).await?.into_iter().map(|d| (d.id, d.name)).collect();
        let txn = meridian_store::begin_write(self.db()).await?;
        let existing = store::drafts::files(&txn, ws, pid).await?;
        let have: HashSet<DataFileId> = existing.iter().map(|(d, _)| d.file_id).collect();
        let mut seen = HashSet::new();
        let new: Vec<(DataFileId, String)> = wanted
            .iter()
            .filter(|f| !have.contains(&f.id) && seen.insert(f.id))
            .map(|f| (f.id, default_path(datasets.get(&f.dataset_id).map_or("", String::as_str), &f.name)))
            .collect();
        if existing.len() + new.len() > MAX_FILES {
            return Err(bad("files", format!("a package holds at most {MAX_FILES} files")));
        }
        let mut paths: HashSet<&str> = existing.iter().map(|(d, _)| d.path.as_str()).collect();
        for (_, path) in &new {
            if package_path(path).is_err() || !fits_ustar(path) {
                return Err(bad(
                    "path",
                    format!("{path:?} cannot be a path in an archive (too long, or not a plain name)"),
                ));
            }
            if !paths.insert(path.as_str()) {
                return Err(ServiceError::Conflict {
                    field: "path",
                    message: format!("two files would sit at {path:?} in the package; rename one first"),
                });
            }
        }
        store::drafts::add(&txn, ws, pid, &new, crate::now()).await?;
        meridian_store::commit(txn).await?;
        self.draft_of(&access, &p).await.map_err(ServiceError::after_commit)
    }

    pub async fn remove_from_draft(
        &self,
        actor: &Actor,
        slug: &str,
        id: PackageId,
        file_ids: &[DataFileId],
    ) -> ServiceResult<DraftView> {
        let (access, p) = self.package_for(actor, slug, id, Action::EditData).await?;
        store::drafts::remove(self.db(), access.workspace.id, p.id, file_ids).await?;
        self.draft_of(&access, &p).await
    }

    /// Makes the draft the last version's selection again.
    pub async fn reset_draft(&self, actor: &Actor, slug: &str, id: PackageId) -> ServiceResult<DraftView> {
        let (access, p) = self.package_for(actor, slug, id, Action::EditData).await?;
        let pid = p.id;
        let Some(v) = store::versions::latest(self.db(), access.workspace.id, pid).await? else {
            return Err(ServiceError::Conflict { field: "version", message: "nothing published yet".to_owned() });
        };
        let txn = meridian_store::begin_write(self.db()).await?;
        store::drafts::reset_to_version(&txn, access.workspace.id, pid, v.id, crate::now()).await?;
        meridian_store::commit(txn).await?;
        self.draft_of(&access, &p).await.map_err(ServiceError::after_commit)
    }
}

#[cfg(test)]
mod tests {
    use super::default_path;

    #[test]
    fn default_paths() {
        assert_eq!(default_path("M31 night", "a.fits"), "M31 night/a.fits");
        assert_eq!(default_path("x/y", "a.fits"), "x_y/a.fits");
        assert_eq!(default_path(&"d".repeat(300), "a.fits"), "a.fits");
    }
}
