//! Which paths name a dataset (a directory, a prefix, a glob), the store of an object-store URL, glob
//! matching, and how a dataset is named in messages.
use super::{Remote, Spec};
use crate::error::{invalid, Result};
use crate::Instance;
use std::path::{Path, PathBuf};

pub(super) fn is_glob(s: &str) -> bool {
    s.contains('*') || s.contains('?')
}

/// Splits `path` at its first segment with a glob character: the literal directory and the pattern.
fn split_glob(path: &str) -> (String, Vec<String>) {
    let segments: Vec<&str> = path.split('/').collect();
    let first = segments.iter().position(|s| is_glob(s)).unwrap_or(segments.len());
    let base = segments[..first].join("/");
    let pattern = segments[first..].iter().map(|s| s.to_string()).collect();
    (base, pattern)
}

/// The store of an object-store URL (`s3://bucket/rest`, `az://…`, `gs://…`): the remote and `rest`; None for a local path.
pub fn remote_of(instance: &Instance, path: &str) -> Result<Option<(Remote, String)>> {
    let Some((scheme, prefix, bucket, key)) = crate::store::split_url(path) else {
        return Ok(None);
    };
    if bucket.is_empty() {
        return Err(invalid(format!(
            "{path}: an {} path is {}",
            scheme.name(),
            scheme.form()
        )));
    }
    let remote = Remote {
        store: instance.stores.get(scheme, bucket)?,
        base_url: format!("{prefix}{bucket}/"),
    };
    Ok(Some((remote, key.to_string())))
}

pub(super) fn local_of(path: &str) -> Option<&str> {
    match path.split_once("://") {
        Some(("file", _)) => Some(&path[7..]),
        Some(_) => None,
        None => Some(path),
    }
}

/// The dataset a load, export or table_exists path names, or None when it names one file (or object).
/// A local directory, a path with `*` or `?` that is not a file, an object key ending in `/` (or a
/// bucket alone) and an object key with `*` or `?` are datasets.
pub fn resolve(instance: &Instance, path: &str) -> Result<Option<Spec>> {
    if let Some(local) = local_of(path) {
        if local == "-" {
            return Ok(None);
        }
        let p = Path::new(local);
        if p.is_dir() {
            return Ok(Some(Spec::Local {
                root: p.to_path_buf(),
                pattern: None,
            }));
        }
        if is_glob(local) && !p.exists() {
            let (base, pattern) = split_glob(local);
            let root = if base.is_empty() && local.starts_with('/') {
                PathBuf::from("/")
            } else if base.is_empty() {
                PathBuf::from(".")
            } else {
                PathBuf::from(base)
            };
            return Ok(Some(Spec::Local {
                root,
                pattern: Some(pattern),
            }));
        }
        return Ok(None);
    }
    let Some((remote, key)) = remote_of(instance, path)? else {
        return Ok(None);
    };
    if is_glob(&key) {
        let (base, pattern) = split_glob(&key);
        return Ok(Some(Spec::Object {
            remote,
            root: base.trim_end_matches('/').to_string(),
            pattern: Some(pattern),
        }));
    }
    if key.is_empty() || key.ends_with('/') {
        return Ok(Some(Spec::Object {
            remote,
            root: key.trim_end_matches('/').to_string(),
            pattern: None,
        }));
    }
    Ok(None)
}

/// The dataset under an object key that is not itself an object (`s3://b/t` when `s3://b/t/…` exist).
pub fn as_prefix(instance: &Instance, path: &str) -> Result<Option<Spec>> {
    let Some((remote, key)) = remote_of(instance, path)? else {
        return Ok(None);
    };
    Ok(Some(Spec::Object {
        remote,
        root: key,
        pattern: None,
    }))
}

fn seg_match(p: &[char], s: &[char]) -> bool {
    match p.first() {
        None => s.is_empty(),
        Some('*') => (0..=s.len()).any(|i| seg_match(&p[1..], &s[i..])),
        Some('?') => !s.is_empty() && seg_match(&p[1..], &s[1..]),
        Some(c) => s.first() == Some(c) && seg_match(&p[1..], &s[1..]),
    }
}

/// Whether the segments of a relative path match a glob: `*` and `?` within a segment, `**` any number
/// of segments.
pub fn glob_match(pattern: &[String], segments: &[&str]) -> bool {
    match pattern.split_first() {
        None => segments.is_empty(),
        Some((p, rest)) if p == "**" => (0..=segments.len()).any(|i| glob_match(rest, &segments[i..])),
        Some((p, rest)) => {
            let pc: Vec<char> = p.chars().collect();
            let sc: Vec<char> = match segments.first() {
                Some(s) => s.chars().collect(),
                None => return false,
            };
            seg_match(&pc, &sc) && glob_match(rest, &segments[1..])
        }
    }
}

pub(super) fn shown_spec(spec: &Spec) -> String {
    match spec {
        Spec::Local { root, pattern } => match pattern {
            None => root.display().to_string(),
            Some(p) => format!("{}/{}", root.display(), p.join("/")),
        },
        Spec::Object { remote, root, pattern } => match pattern {
            None => format!("{}{root}", remote.base_url),
            Some(p) if root.is_empty() => format!("{}{}", remote.base_url, p.join("/")),
            Some(p) => format!("{}{root}/{}", remote.base_url, p.join("/")),
        },
    }
}
