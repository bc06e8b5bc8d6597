//! The files of a dataset: a walk of a local directory or a listing of an object prefix, sorted by path,
//! hidden (`_`, `.`) files left out, the directories holding a `_SUCCESS` noted.
use super::paths::glob_match;
use super::{Spec, SUCCESS};
use crate::error::{from_io, invalid, Result};
use crate::store::store_error;
use crate::Instance;
use futures::TryStreamExt;
use object_store::path::Path as ObjectPath;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn hidden(segment: &str) -> bool {
    segment.starts_with('_') || segment.starts_with('.')
}

/// One file or object of a dataset.
pub(super) struct Entry {
    /// Its path relative to the dataset's root, `/`-separated.
    pub(super) rel: String,
    pub(super) shown: String,
    pub(super) handle: Handle,
}

#[derive(Clone)]
pub(super) enum Handle {
    Local(PathBuf),
    Object { key: ObjectPath, size: u64 },
}

/// Every entry under a dataset's root, data files and markers alike, sorted by path.
pub(super) struct Listing {
    pub(super) data: Vec<Entry>,
    /// The relative directories ("" the root) that hold a `_SUCCESS`.
    pub(super) success: BTreeSet<String>,
    /// Every relative path found, hidden or not (the safety check of replace).
    pub(super) all: Vec<String>,
}

/// The files under `dir` (relative path, full path), hidden directories skipped; with `everything`, every
/// entry of any kind, hidden directories included and directories listed as `rel/` (replace's check).
pub(super) fn walk(dir: &Path, rel: &str, out: &mut Vec<(String, PathBuf)>, everything: bool) -> Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(from_io(&format!("cannot list {}", dir.display()), &e)),
    };
    for entry in entries {
        let entry = entry.map_err(|e| from_io(&format!("cannot list {}", dir.display()), &e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let child_rel = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        let kind = entry
            .file_type()
            .map_err(|e| from_io(&format!("cannot stat {}", entry.path().display()), &e))?;
        if everything {
            if kind.is_dir() {
                out.push((format!("{child_rel}/"), entry.path()));
                walk(&entry.path(), &child_rel, out, true)?;
            } else {
                out.push((child_rel, entry.path()));
            }
        } else if kind.is_dir() {
            // Hidden directories (the temporary directory of an export in progress) are not read.
            if !name.starts_with('.') {
                walk(&entry.path(), &child_rel, out, false)?;
            }
        } else if kind.is_file() || (kind.is_symlink() && entry.path().is_file()) {
            out.push((child_rel, entry.path()));
        }
    }
    Ok(())
}

pub(super) fn parent_of(rel: &str) -> &str {
    rel.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
}

pub(super) fn list(instance: &Instance, spec: &Spec) -> Result<Listing> {
    let mut found: Vec<(String, String, Handle)> = Vec::new();
    let pattern = match spec {
        Spec::Local { root, pattern } => {
            let mut files = Vec::new();
            walk(root, "", &mut files, false)?;
            for (rel, path) in files {
                found.push((rel, path.display().to_string(), Handle::Local(path)));
            }
            pattern
        }
        Spec::Object { remote, root, pattern } => {
            let prefix = ObjectPath::parse(root)
                .map_err(|e| invalid(format!("{}{root}: not a valid object prefix: {e}", remote.base_url)))?;
            let shown_root = format!("{}{root}", remote.base_url);
            let objects: Vec<object_store::ObjectMeta> = instance
                .stores
                .block_on(
                    remote
                        .store
                        .list(if root.is_empty() { None } else { Some(&prefix) })
                        .try_collect(),
                )
                .map_err(|e| store_error(&shown_root, e))?;
            for meta in objects {
                let key = meta.location.as_ref().to_string();
                let rel = if root.is_empty() {
                    key.clone()
                } else {
                    match key.strip_prefix(root.as_str()).and_then(|r| r.strip_prefix('/')) {
                        Some(r) => r.to_string(),
                        None => continue,
                    }
                };
                found.push((
                    rel,
                    format!("{}{key}", remote.base_url),
                    Handle::Object {
                        key: meta.location,
                        size: meta.size,
                    },
                ));
            }
            pattern
        }
    };
    found.sort_by(|a, b| a.0.cmp(&b.0));
    let mut listing = Listing {
        data: Vec::new(),
        success: BTreeSet::new(),
        all: Vec::new(),
    };
    for (rel, shown, handle) in found {
        listing.all.push(rel.clone());
        let segments: Vec<&str> = rel.split('/').collect();
        if segments.last() == Some(&SUCCESS) {
            listing.success.insert(parent_of(&rel).to_string());
        }
        if segments.iter().any(|s| hidden(s)) {
            continue;
        }
        if let Some(p) = pattern {
            if !glob_match(p, &segments) {
                continue;
            }
        }
        listing.data.push(Entry { rel, shown, handle });
    }
    Ok(listing)
}

/// table_exists of a dataset: whether it has at least one data file.
pub fn exists(instance: &Instance, spec: &Spec) -> Result<bool> {
    Ok(!list(instance, spec)?.data.is_empty())
}
