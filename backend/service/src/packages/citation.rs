//! Citing a version: the text and DataCite metadata, and its DOI once registered.

use super::{Citation, PUBLISHER, Reader, VersionView, bad, version_view};
use crate::{Actor, ServiceError, ServiceResult, Services};
use chrono::Datelike as _;
use meridian_domain::{Action, PackageId, SpdxId};
use meridian_store::packages as store;

/// A DOI as `10.NNNN/suffix` (registrant code of four or more digits; a `https://doi.org/` URL is reduced to that).
fn parse_doi(s: &str) -> ServiceResult<String> {
    let s = s.trim();
    let d = s.strip_prefix("https://doi.org/").or_else(|| s.strip_prefix("doi:")).unwrap_or(s);
    let ok = d.starts_with("10.")
        && d.len() <= 200
        && d.split_once('/').is_some_and(|(p, x)| {
            p.len() >= 7 && p[3..].bytes().all(|b| b.is_ascii_digit() || b == b'.') && !x.is_empty()
        })
        && !d.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok { Ok(d.to_owned()) } else { Err(bad("doi", "must be a DOI such as 10.5281/zenodo.12345")) }
}

fn citation_year(v: &VersionView) -> i32 {
    v.published_at.year()
}

impl Services {
    // -------------------------------------------------------------------------------------------- citation

    /// The citation text and DataCite (schema 4.x) metadata of a version.
    pub async fn version_citation(&self, reader: &Reader<'_>, number: i32) -> ServiceResult<Citation> {
        let s = self.seen(reader).await?;
        let v = version_view(&self.version_of(&s, number).await?)?;
        Ok(Self::citation_of(&v, self.public_url()))
    }

    /// The citation of a version; it points at the version's landing page (`/packages/{id}/versions/{n}`), or its
    /// DOI once minted.
    pub(super) fn citation_of(v: &VersionView, base_url: &str) -> Citation {
        let m = &v.metadata;
        let names: Vec<&str> = m.authors.iter().map(|a| a.name.as_str()).collect();
        let who = match names.as_slice() {
            [] => PUBLISHER.to_owned(),
            [one] => (*one).to_owned(),
            [rest @ .., last] => format!("{}, & {last}", rest.join(", ")),
        };
        let url = format!("{base_url}/packages/{}/versions/{}", v.package_id, v.number);
        let locator = v.doi.as_ref().map_or(url.clone(), |d| format!("https://doi.org/{d}"));
        let text = format!(
            "{who} ({}). {} (Version {}) [Data set]. {PUBLISHER}. {locator}",
            citation_year(v),
            m.title,
            v.number
        );
        let creators: Vec<serde_json::Value> = m
            .authors
            .iter()
            .map(|a| {
                let mut c = serde_json::json!({ "name": a.name, "nameType": "Personal" });
                if let Some(o) = &a.orcid {
                    c["nameIdentifiers"] = serde_json::json!([{
                        "nameIdentifier": o.url(),
                        "nameIdentifierScheme": "ORCID",
                        "schemeUri": "https://orcid.org"
                    }]);
                }
                if let Some(af) = &a.affiliation {
                    c["affiliation"] = serde_json::json!([{ "name": af }]);
                }
                c
            })
            .collect();
        let licence = SpdxId::parse(&m.licence).ok();
        let mut rights = serde_json::json!({
            "rights": m.licence,
            "rightsIdentifier": m.licence.to_lowercase(),
            "rightsIdentifierScheme": "SPDX",
            "schemeUri": "https://spdx.org/licenses/"
        });
        if let Some(u) = licence.as_ref().and_then(SpdxId::url) {
            rights["rightsUri"] = serde_json::json!(u);
        }
        let mut datacite = serde_json::json!({
            "schemaVersion": "http://datacite.org/schema/kernel-4",
            "creators": creators,
            "titles": [{ "title": m.title }],
            "publisher": { "name": PUBLISHER },
            "publicationYear": citation_year(v).to_string(),
            "types": { "resourceTypeGeneral": "Dataset", "resourceType": "Data package" },
            "subjects": m.keywords.iter().map(|k| serde_json::json!({ "subject": k })).collect::<Vec<_>>(),
            "dates": [{ "date": v.published_at.format("%Y-%m-%d").to_string(), "dateType": "Issued" }],
            "sizes": [format!("{} bytes", v.total_bytes), format!("{} files", v.file_count)],
            "formats": ["application/x-tar", "application/zip"],
            "version": v.number.to_string(),
            "rightsList": [rights],
            "descriptions": if m.description.is_empty() { serde_json::json!([]) } else {
                serde_json::json!([{ "description": m.description, "descriptionType": "Abstract" }])
            },
            "url": url,
            "alternateIdentifiers": [{ "alternateIdentifier": v.manifest_sha256, "alternateIdentifierType": "SHA-256 of manifest.json" }],
        });
        if let Some(d) = &v.doi {
            datacite["doi"] = serde_json::json!(d);
            datacite["identifiers"] = serde_json::json!([{ "identifier": d, "identifierType": "DOI" }]);
        } else {
            datacite["identifiers"] = serde_json::json!([{ "identifier": url, "identifierType": "URL" }]);
        }
        Citation { text, datacite }
    }

    /// Records the DOI minted for a version (`None` clears it).
    pub async fn set_version_doi(
        &self,
        actor: &Actor,
        slug: &str,
        id: PackageId,
        number: i32,
        doi: Option<&str>,
    ) -> ServiceResult<VersionView> {
        let (access, p) = self.package_for(actor, slug, id, Action::EditData).await?;
        let pid = p.id;
        let v = store::versions::find(self.db(), access.workspace.id, pid, number)
            .await?
            .ok_or(ServiceError::NotFound("version"))?;
        let doi = doi.map(parse_doi).transpose()?;
        store::versions::set_doi(self.db(), access.workspace.id, v.id, doi).await?;
        let v = store::versions::find(self.db(), access.workspace.id, pid, number)
            .await?
            .ok_or(ServiceError::NotFound("version"))?;
        version_view(&v)
    }
}

#[cfg(test)]
mod tests {
    use super::parse_doi;

    #[test]
    fn dois() {
        assert_eq!(parse_doi("https://doi.org/10.5281/zenodo.12345").ok().as_deref(), Some("10.5281/zenodo.12345"));
        assert!(parse_doi("10.1/x").is_err());
        assert!(parse_doi("10.1234/").is_err());
        assert!(parse_doi("11.1234/abc").is_err());
    }
}
