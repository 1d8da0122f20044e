//! A version as one streamed archive: tar (with byte ranges) or zip, laid out by [`layout`].

use super::archives::layout::{Entry, Source, TarLayout, ZipLayout};
use super::{ArchiveDownload, ArchiveFormat, Reader};
use crate::{ServiceError, ServiceResult, Services};
use bytes::Bytes;
use meridian_store::packages as store;

pub(crate) mod layout;

impl Services {
    /// A version as one archive; `range_header` is honoured for tar (a zip is always whole).
    #[tracing::instrument(skip(self, reader, range_header))]
    pub async fn download_archive(
        &self,
        reader: &Reader<'_>,
        number: i32,
        format: ArchiveFormat,
        range_header: Option<&str>,
    ) -> ServiceResult<ArchiveDownload> {
        let s = self.seen(reader).await?;
        let v = self.version_of(&s, number).await?;
        let vid = v.id;
        let files = store::versions::files(self.db(), s.workspace, vid).await?;
        self.refuse_embargoed(&s, &files.iter().map(|f| f.file_id).collect::<Vec<_>>()).await?;
        let sums: String = files.iter().map(|f| format!("{}  {}\n", f.sha256, f.path)).collect();
        let mut entries = vec![
            Entry { path: "manifest.json".to_owned(), source: Source::Memory(Bytes::from(v.manifest.clone())) },
            Entry { path: "SHA256SUMS".to_owned(), source: Source::Memory(Bytes::from(sums)) },
        ];
        entries.extend(files.into_iter().map(|f| Entry {
            path: f.path,
            source: Source::Object { key: f.object_key, size: u64::try_from(f.size_bytes).unwrap_or(0) },
        }));
        let storage = self.storage()?;
        let slugged: String = s
            .package
            .title
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '-' })
            .take(60)
            .collect();
        let base = format!("{}-v{number}", slugged.trim_matches('-'));
        let mtime = v.published_at;
        let out = match format {
            ArchiveFormat::Tar => {
                let layout = TarLayout::new(entries, mtime);
                let size = layout.len();
                let range = crate::data::parse_range(range_header, size)?;
                let (start, end) = match range {
                    Some(r) => {
                        let (a, b) = r.resolve(size).map_err(|_| ServiceError::RangeNotSatisfiable { size })?;
                        (a, b)
                    }
                    None => (0, size - 1),
                };
                ArchiveDownload {
                    file_name: format!("{base}.tar"),
                    content_type: "application/x-tar",
                    size,
                    range: range.map(|_| (start, end)),
                    manifest_sha256: v.manifest_sha256.clone(),
                    body: layout.stream(storage, start, end),
                }
            }
            ArchiveFormat::Zip => {
                let layout = ZipLayout::new(entries, mtime);
                ArchiveDownload {
                    file_name: format!("{base}.zip"),
                    content_type: "application/zip",
                    size: layout.len(),
                    range: None,
                    manifest_sha256: v.manifest_sha256.clone(),
                    body: layout.stream(storage),
                }
            }
        };
        if out.range.is_none_or(|(a, _)| a == 0) {
            store::versions::count_download(self.db(), s.workspace, vid).await?;
        }
        Ok(out)
    }
}
