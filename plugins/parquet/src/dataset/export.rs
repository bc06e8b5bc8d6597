//! Export of a dataset: part files of at most max_rows_per_file rows, then `_SUCCESS`; what replace may
//! delete, and how a finished dataset takes the place of an old one (a local directory swapped in one
//! rename, an object prefix rewritten with `_SUCCESS` last).
use super::listing::{list, walk};
use super::parts::{object_key, success_body, write_parts, Sink};
use super::paths::{is_glob, local_of, remote_of};
use super::{Remote, Spec, SUCCESS};
use crate::error::{from_io, invalid, not_found, not_implemented, PluginError, Result};
use crate::request::{ExportRequest, IfExists};
use crate::store::store_error;
use crate::stream::InputStream;
use crate::Instance;
use object_store::{ObjectStoreExt, PutPayload};
use std::collections::BTreeSet;
use std::fs::File;
use std::path::{Path, PathBuf};

/// Whether an export writes a dataset: options.max_rows_per_file is set or the path ends with `/`.
pub fn is_dataset_export(request: &ExportRequest) -> bool {
    request.max_rows_per_file.is_some() || request.path.ends_with('/')
}

/// What replace may delete: a tree of Parquet files, `_` files (`_SUCCESS`, Spark's `_committed_…`,
/// `_metadata`), Hadoop's `.….crc` checksums and mageio's own temporaries (a dataset), never anything
/// else (a hidden directory such as `.git` is refused).
fn check_replaceable(shown: &str, all: &[String]) -> Result<()> {
    for rel in all {
        let (is_dir, path) = match rel.strip_suffix('/') {
            Some(d) => (true, d),
            None => (false, rel.as_str()),
        };
        let name = path.rsplit('/').next().unwrap_or(path);
        let ours = name.starts_with(".mageio-parquet-");
        let allowed = if is_dir {
            !name.starts_with('.') || ours
        } else {
            name.ends_with(".parquet")
                || name.starts_with('_')
                || ours
                || (name.starts_with('.') && name.ends_with(".crc"))
        };
        if !allowed {
            return Err(invalid(format!(
                "{shown} holds {rel}, which is not part of a Parquet dataset: replace only replaces a directory or \
                 prefix of Parquet files (with _ and .crc files), so nothing was changed"
            )));
        }
    }
    Ok(())
}

pub fn export(instance: &Instance, request: &ExportRequest, input: &mut InputStream) -> Result<i64> {
    if let Some((remote, key)) = remote_of(instance, &request.path)? {
        if is_glob(&key) {
            return Err(invalid(format!(
                "{}: a dataset export writes to a prefix, not a glob",
                request.path
            )));
        }
        return export_object(instance, request, input, &remote, key.trim_end_matches('/'));
    }
    let Some(local) = local_of(&request.path) else {
        return Err(not_implemented(format!(
            "{}: this scheme is not supported by the parquet plugin",
            request.path
        )));
    };
    if local == "-" || is_glob(local) {
        return Err(invalid(format!(
            "{}: a dataset export writes to a directory (not standard output, not a glob)",
            request.path
        )));
    }
    export_local(instance, request, input, Path::new(local.trim_end_matches('/')))
}

/// Removes a temporary directory unless it was renamed into place.
struct TempDir {
    path: PathBuf,
    kept: bool,
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if !self.kept {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

extern "C" {
    // glibc 2.28+: swaps two paths atomically with RENAME_EXCHANGE.
    fn renameat2(
        olddirfd: i32,
        oldpath: *const std::ffi::c_char,
        newdirfd: i32,
        newpath: *const std::ffi::c_char,
        flags: u32,
    ) -> i32;
}

fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    const AT_FDCWD: i32 = -100;
    const RENAME_EXCHANGE: u32 = 2;
    let ca = std::ffi::CString::new(a.as_os_str().as_bytes()).map_err(std::io::Error::other)?;
    let cb = std::ffi::CString::new(b.as_os_str().as_bytes()).map_err(std::io::Error::other)?;
    // SAFETY: two NUL-terminated paths that outlive the call.
    let rc = unsafe { renameat2(AT_FDCWD, ca.as_ptr(), AT_FDCWD, cb.as_ptr(), RENAME_EXCHANGE) };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// A local dataset: the parts and `_SUCCESS` are written into a temporary directory beside the target,
/// which then takes the target's place in one rename (an existing dataset is swapped out atomically with
/// RENAME_EXCHANGE and removed afterwards).
fn export_local(instance: &Instance, request: &ExportRequest, input: &mut InputStream, target: &Path) -> Result<i64> {
    let shown = target.display().to_string();
    let existing = match std::fs::metadata(target) {
        Ok(m) if !m.is_dir() => {
            return Err(invalid(format!(
                "{shown} is a file: a dataset export (options.max_rows_per_file, or a path ending in /) writes a \
                 directory"
            )))
        }
        Ok(_) => {
            let mut files = Vec::new();
            walk(target, "", &mut files, true)?;
            let nonempty = std::fs::read_dir(target)
                .map_err(|e| from_io(&format!("cannot list {shown}"), &e))?
                .next()
                .is_some();
            Some((nonempty, files.into_iter().map(|(rel, _)| rel).collect::<Vec<_>>()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(from_io(&format!("cannot stat {shown}"), &e)),
    };
    let nonempty = existing.as_ref().is_some_and(|(n, _)| *n);
    if nonempty {
        match request.if_exists {
            IfExists::Fail => {
                return Err(PluginError::new(
                    crate::abi::STATUS_ALREADY_EXISTS,
                    format!("{shown} already exists (if_exists is fail; use replace)"),
                ))
            }
            IfExists::Append => {
                return Err(not_implemented(format!(
                    "{shown}: appending to a dataset is not supported (use replace, or export to a new directory)"
                )))
            }
            IfExists::Replace => check_replaceable(&shown, &existing.as_ref().unwrap().1)?,
        }
    }
    let parent = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !parent.is_dir() {
        return Err(not_found(format!(
            "cannot write {shown}: the directory {} does not exist",
            parent.display()
        )));
    }
    let mut temp = TempDir {
        path: parent.join(format!(
            ".mageio-parquet-{}-{}.tmp",
            std::process::id(),
            COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        )),
        kept: false,
    };
    std::fs::create_dir(&temp.path).map_err(|e| {
        from_io(
            &format!(
                "cannot create a temporary directory in {} for {shown}",
                parent.display()
            ),
            &e,
        )
    })?;
    let (rows, names) = write_parts(
        instance,
        request,
        input,
        &Sink::Local(&temp.path),
        &shown,
        &instance.host,
    )?;
    let marker = temp.path.join(SUCCESS);
    std::fs::write(&marker, success_body(rows, &names))
        .map_err(|e| from_io(&format!("cannot write {shown}/{SUCCESS}"), &e))?;
    if let Ok(dir) = File::open(&temp.path) {
        let _ = dir.sync_all();
    }
    let renamed = |e: &std::io::Error| from_io(&format!("cannot move the finished dataset to {shown}"), e);
    if nonempty {
        match exchange(&temp.path, target) {
            // temp now holds the old dataset, which its drop removes.
            Ok(()) => {}
            Err(_) => {
                // A filesystem without RENAME_EXCHANGE: move the old one aside, then the new one in.
                let aside = parent.join(format!(
                    ".mageio-parquet-{}-{}.old",
                    std::process::id(),
                    COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
                ));
                std::fs::rename(target, &aside).map_err(|e| renamed(&e))?;
                if let Err(e) = std::fs::rename(&temp.path, target) {
                    let _ = std::fs::rename(&aside, target);
                    return Err(renamed(&e));
                }
                let _ = std::fs::remove_dir_all(&aside);
                temp.kept = true;
            }
        }
    } else {
        // Absent, or an empty directory (rename replaces an empty directory).
        std::fs::rename(&temp.path, target).map_err(|e| renamed(&e))?;
        temp.kept = true;
    }
    Ok(rows)
}

/// An object-store dataset: a store has no atomic rename of many objects, so an existing `_SUCCESS` is
/// deleted first, the parts are written under the final prefix (each object atomic by itself), the old
/// objects that were not overwritten are deleted, and `_SUCCESS` is written last.
fn export_object(
    instance: &Instance,
    request: &ExportRequest,
    input: &mut InputStream,
    remote: &Remote,
    root: &str,
) -> Result<i64> {
    let shown = format!("{}{root}", remote.base_url);
    let spec = Spec::Object {
        remote: remote.clone(),
        root: root.to_string(),
        pattern: None,
    };
    let listing = list(instance, &spec)?;
    if !listing.all.is_empty() {
        match request.if_exists {
            IfExists::Fail => {
                return Err(PluginError::new(
                    crate::abi::STATUS_ALREADY_EXISTS,
                    format!("{shown}/ already holds objects (if_exists is fail; use replace)"),
                ))
            }
            IfExists::Append => {
                return Err(not_implemented(format!(
                    "{shown}/: appending to a dataset is not supported (use replace, or export to a new prefix)"
                )))
            }
            IfExists::Replace => check_replaceable(&format!("{shown}/"), &listing.all)?,
        }
    }
    let rt = instance.stores.runtime()?;
    let marker = object_key(root, SUCCESS, &shown)?;
    if listing.success.contains("") {
        rt.block_on(remote.store.delete(&marker))
            .map_err(|e| store_error(&format!("{shown}/{SUCCESS}"), e))?;
    }
    let (rows, names) = write_parts(
        instance,
        request,
        input,
        &Sink::Object(remote, root),
        &shown,
        &instance.host,
    )?;
    let written: BTreeSet<&str> = names.iter().map(|s| s.as_str()).collect();
    for rel in &listing.all {
        if rel == SUCCESS || written.contains(rel.as_str()) {
            continue;
        }
        let key = object_key(root, rel, &shown)?;
        match rt.block_on(remote.store.delete(&key)) {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => return Err(store_error(&format!("{shown}/{rel}"), e)),
        }
    }
    rt.block_on(
        remote
            .store
            .put(&marker, PutPayload::from(success_body(rows, &names).into_bytes())),
    )
    .map_err(|e| store_error(&format!("{shown}/{SUCCESS}"), e))?;
    Ok(rows)
}
