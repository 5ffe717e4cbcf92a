//! project → upstream: the project's changes to an artifact against the
//! upstream commit it came from, exported as a patch bundle. artisync never
//! writes to an upstream; the user applies or proposes the patch.

use std::io::Write;
use std::path::Path;
use std::str::FromStr;

use artisync_model::{ArtifactId, ModelError, ObjectId};
use serde::Serialize;

use crate::{Engine, SyncError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PatchFormat {
    Zip,
    #[serde(rename = "tar.gz")]
    TarGz,
    Mbox,
}

impl PatchFormat {
    pub fn extension(self) -> &'static str {
        match self {
            PatchFormat::Zip => "zip",
            PatchFormat::TarGz => "tar.gz",
            PatchFormat::Mbox => "mbox",
        }
    }
}

impl FromStr for PatchFormat {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "zip" => Ok(PatchFormat::Zip),
            "tar.gz" | "tgz" => Ok(PatchFormat::TarGz),
            "mbox" => Ok(PatchFormat::Mbox),
            _ => Err(ModelError::InvalidChoice {
                what: "patch format",
                value: s.to_string(),
                choices: "zip, tar.gz or mbox",
            }),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct PatchBundle {
    pub id: ArtifactId,
    pub format: PatchFormat,
    pub file_name: String,
    pub upstream: String,
    pub path: String,
    pub base_commit: ObjectId,
    /// Where to propose the change, for sources hosted on GitHub.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub propose_url: Option<String>,
    pub size: usize,
    #[serde(skip)]
    pub bytes: Vec<u8>,
}

impl Engine {
    /// Builds the patch bundle of `id`'s changes in `project` against the
    /// upstream commit the collection last synced from.
    pub fn patch(
        &self,
        id: &ArtifactId,
        project: &Path,
        target: Option<artisync_model::Target>,
        format: PatchFormat,
    ) -> Result<PatchBundle, SyncError> {
        let collection = self.collection()?;
        let manifest = collection.manifest()?;
        let entry = manifest.get(id).ok_or_else(|| self.unknown(id))?;
        let (Some(src), Some(commit)) = (&entry.source, entry.upstream_commit) else {
            return Err(SyncError::Refused(format!(
                "{id} has no upstream source; there is nowhere to propose a patch to"
            )));
        };
        let (resolved, cache) = self.fetched(src)?;
        let project = self.project_copy(project, target)?;
        let content = project.read_artifact(id)?.ok_or_else(|| {
            SyncError::Refused(format!(
                "{id} is not in project {}; nothing to export",
                project.root.display()
            ))
        })?;
        content
            .check()
            .map_err(|e| SyncError::Refused(format!("cannot export {id}: {e}")))?;
        let project_name = project
            .root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "a project".into());
        let subject = format!("Update {} from {project_name}", resolved.path);
        let body = format!(
            "Local improvements to {id} made in {project_name}, exported by artisync\nagainst upstream commit {commit}."
        );
        let artisync_store::upstream::Patch { unified, mbox } = cache
            .patch_against(commit, &resolved.path, &content, &subject, &body)?
            .ok_or_else(|| {
                SyncError::NothingToExport(format!(
                    "{id} in {} has no changes against upstream commit {}; nothing to export",
                    project.root.display(),
                    commit.short()
                ))
            })?;
        let reference = entry.reference.clone().unwrap_or_else(|| "main".into());
        let propose_url = resolved.github.as_ref().map(|(owner, repo)| {
            format!("https://github.com/{owner}/{repo}/compare/{reference}...YOUR-FORK:YOUR-BRANCH")
        });
        let stem = format!("{}-{}", id.kind, id.name);
        let readme = readme(
            id,
            &resolved.url,
            &resolved.path.to_string(),
            &reference,
            commit,
            &stem,
            propose_url.as_deref(),
        );
        let files: Vec<(String, Vec<u8>)> = vec![
            (format!("{stem}/README.md"), readme.into_bytes()),
            (format!("{stem}/{stem}.patch"), unified),
            (format!("{stem}/{stem}.mbox"), mbox.clone()),
        ];
        let bytes = match format {
            PatchFormat::Mbox => mbox,
            PatchFormat::Zip => zip_files(&files)?,
            PatchFormat::TarGz => tar_gz_files(&files)?,
        };
        Ok(PatchBundle {
            id: id.clone(),
            format,
            file_name: format!("{stem}.{}", format.extension()),
            upstream: resolved.url,
            path: resolved.path.to_string(),
            base_commit: commit,
            propose_url,
            size: bytes.len(),
            bytes,
        })
    }
}

fn readme(
    id: &ArtifactId,
    url: &str,
    path: &str,
    reference: &str,
    commit: ObjectId,
    stem: &str,
    propose: Option<&str>,
) -> String {
    let mut s = format!(
        "# Patch for {id}\n\nUpstream: {url}\nPath: {path}\nBased on: {commit} ({reference})\n\n\
         Apply in a clone of the upstream repository, at its root:\n\n\
         ```sh\ngit checkout {commit}\ngit apply --check {stem}.patch && git apply {stem}.patch\n# or, as a commit with its message:\ngit am {stem}.mbox\n```\n"
    );
    if let Some(u) = propose {
        s.push_str(&format!(
            "\nTo propose it: fork the repository, apply the patch on a branch of your fork, push it, and open\n{u}\n(with YOUR-FORK and YOUR-BRANCH filled in).\n"
        ));
    }
    s
}

fn io_err(e: std::io::Error) -> SyncError {
    SyncError::Refused(format!("cannot pack the patch bundle: {e}"))
}

fn zip_files(files: &[(String, Vec<u8>)]) -> Result<Vec<u8>, SyncError> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(0o644);
    for (name, data) in files {
        zip.start_file(name.as_str(), opts)
            .map_err(|e| SyncError::Refused(format!("cannot pack the patch bundle: {e}")))?;
        zip.write_all(data).map_err(io_err)?;
    }
    let cursor = zip
        .finish()
        .map_err(|e| SyncError::Refused(format!("cannot pack the patch bundle: {e}")))?;
    Ok(cursor.into_inner())
}

fn tar_gz_files(files: &[(String, Vec<u8>)]) -> Result<Vec<u8>, SyncError> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    let mtime = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    for (name, data) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(mtime);
        h.set_cksum();
        tar.append_data(&mut h, name, data.as_slice())
            .map_err(io_err)?;
    }
    let gz = tar.into_inner().map_err(io_err)?;
    gz.finish().map_err(io_err)
}
