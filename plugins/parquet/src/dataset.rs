//! Datasets: a directory, an object-store prefix or a glob read as one stream of every Parquet file under
//! it (sorted by path, hive-style `key=value` directories added as columns), and an export written as
//! part files plus a `_SUCCESS` marker (README.md, "Datasets").
use crate::error::{from_io, invalid, not_found, not_implemented, PluginError, Result};
use crate::host::Host;
use crate::read::{not_parquet, ObjectBatches, DEFAULT_BATCH_ROWS};
use crate::readahead::{ReadAhead, FOOTER_HINT};
use crate::request::{ExportRequest, IfExists, LoadRequest};
use crate::store::store_error;
use crate::stream::{InputStream, Source};
use crate::Instance;
use arrow::array::{new_null_array, ArrayRef, Int64Array, RecordBatch, RecordBatchOptions, StringArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use futures::{StreamExt, TryStreamExt};
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
#[allow(deprecated)]
use parquet::arrow::async_reader::ParquetObjectReader;
use parquet::arrow::{ArrowWriter, ParquetRecordBatchStreamBuilder, ProjectionMask};
use parquet::file::metadata::KeyValue;
use std::collections::{BTreeSet, VecDeque};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::runtime::Runtime;

/// The key-value metadata every part file of a dataset export carries: a loader that finds it on a file
/// whose directory has no `_SUCCESS` refuses the dataset (an export that did not finish).
pub const PART_MARKER: &str = "mageio.dataset_part";
pub const SUCCESS: &str = "_SUCCESS";
/// Hive's name for a NULL partition value.
const HIVE_NULL: &str = "__HIVE_DEFAULT_PARTITION__";

/// An object store holding a dataset: its client and how its keys are shown (`s3://bucket/`).
#[derive(Clone)]
pub struct Remote {
    pub store: Arc<dyn ObjectStore>,
    pub base_url: String,
}

/// What a path names when it is a dataset.
pub enum Spec {
    Local {
        root: PathBuf,
        pattern: Option<Vec<String>>,
    },
    Object {
        remote: Remote,
        root: String,
        pattern: Option<Vec<String>>,
    },
}

fn is_glob(s: &str) -> bool {
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

fn local_of(path: &str) -> Option<&str> {
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

fn hidden(segment: &str) -> bool {
    segment.starts_with('_') || segment.starts_with('.')
}

/// One file or object of a dataset.
struct Entry {
    /// Its path relative to the dataset's root, `/`-separated.
    rel: String,
    shown: String,
    handle: Handle,
}

#[derive(Clone)]
enum Handle {
    Local(PathBuf),
    Object { key: ObjectPath, size: u64 },
}

/// Every entry under a dataset's root, data files and markers alike, sorted by path.
struct Listing {
    data: Vec<Entry>,
    /// The relative directories ("" the root) that hold a `_SUCCESS`.
    success: BTreeSet<String>,
    /// Every relative path found, hidden or not (the safety check of replace).
    all: Vec<String>,
}

/// The files under `dir` (relative path, full path), hidden directories skipped; with `everything`, every
/// entry of any kind, hidden directories included and directories listed as `rel/` (replace's check).
fn walk(dir: &Path, rel: &str, out: &mut Vec<(String, PathBuf)>, everything: bool) -> Result<()> {
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

fn parent_of(rel: &str) -> &str {
    rel.rsplit_once('/').map(|(d, _)| d).unwrap_or("")
}

fn list(instance: &Instance, spec: &Spec) -> Result<Listing> {
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

fn shown_spec(spec: &Spec) -> String {
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

/// table_exists of a dataset: whether it has at least one data file.
pub fn exists(instance: &Instance, spec: &Spec) -> Result<bool> {
    Ok(!list(instance, spec)?.data.is_empty())
}

/// A hive partition value: `%XX` escapes decoded (as Hive and Spark write them); Hive's default partition
/// is NULL.
fn hive_value(raw: &str) -> Option<String> {
    if raw == HIVE_NULL {
        return None;
    }
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() && bytes[i + 1..i + 3].iter().all(u8::is_ascii_hexdigit) {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("00");
            out.push(u8::from_str_radix(hex, 16).unwrap_or(0));
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    Some(String::from_utf8(out).unwrap_or_else(|_| raw.to_string()))
}

/// The hive `key=value` directories of a relative path, outermost first.
fn hive_pairs(rel: &str) -> Vec<(String, Option<String>)> {
    let dir = parent_of(rel);
    if dir.is_empty() {
        return Vec::new();
    }
    dir.split('/')
        .filter_map(|s| s.split_once('='))
        .filter(|(k, _)| !k.is_empty())
        .map(|(k, v)| (k.to_string(), hive_value(v)))
        .collect()
}

/// An integer partition value: one that reads back as itself (no sign, no leading zeros).
fn canonical_int(v: &str) -> Option<i64> {
    v.parse::<i64>().ok().filter(|n| n.to_string() == v)
}

struct Part {
    entry: Entry,
    meta: ArrowReaderMetadata,
    hive: Vec<Option<String>>,
}

fn same_fields(a: &Schema, b: &Schema) -> Option<String> {
    let names = |s: &Schema| {
        s.fields()
            .iter()
            .map(|f| f.name().clone())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if a.fields().len() != b.fields().len() || a.fields().iter().zip(b.fields()).any(|(x, y)| x.name() != y.name()) {
        return Some(format!("columns ({}) and ({})", names(a), names(b)));
    }
    for (x, y) in a.fields().iter().zip(b.fields()) {
        if x.data_type() != y.data_type() {
            return Some(format!(
                "column \"{}\" is {} and {}",
                x.name(),
                x.data_type(),
                y.data_type()
            ));
        }
        if x.is_nullable() != y.is_nullable() {
            return Some(format!(
                "column \"{}\" is {} and {}",
                x.name(),
                if x.is_nullable() { "nullable" } else { "NOT NULL" },
                if y.is_nullable() { "nullable" } else { "NOT NULL" }
            ));
        }
    }
    None
}

/// Reads the footers of every file (8 at a time from an object store).
#[allow(deprecated)]
fn footers(instance: &Instance, spec: &Spec, entries: Vec<Entry>) -> Result<Vec<(Entry, ArrowReaderMetadata)>> {
    match spec {
        Spec::Local { .. } => entries
            .into_iter()
            .map(|entry| {
                let Handle::Local(path) = &entry.handle else {
                    unreachable!()
                };
                let file = File::open(path).map_err(|e| from_io(&format!("cannot open {}", entry.shown), &e))?;
                let meta = ArrowReaderMetadata::load(&file, ArrowReaderOptions::new())
                    .map_err(|e| not_parquet(&entry.shown, e))?;
                Ok((entry, meta))
            })
            .collect(),
        Spec::Object { remote, .. } => {
            let store = remote.store.clone();
            let loads = futures::stream::iter(entries.into_iter().map(|entry| {
                let store = store.clone();
                async move {
                    let Handle::Object { key, size } = &entry.handle else {
                        unreachable!()
                    };
                    let mut reader = ParquetObjectReader::new(store, key.clone())
                        .with_file_size(*size)
                        .with_footer_size_hint(FOOTER_HINT);
                    let meta = ArrowReaderMetadata::load_async(&mut reader, ArrowReaderOptions::new())
                        .await
                        .map_err(|e| not_parquet(&entry.shown, e))?;
                    Ok::<_, PluginError>((entry, meta))
                }
            }))
            .buffered(8)
            .try_collect::<Vec<_>>();
            instance.stores.block_on(loads)
        }
    }
}

/// Opens a dataset for load: lists it, reads every footer, checks that the schemas agree and that every
/// part of a mageio export has its `_SUCCESS`, and streams the files one after the other.
pub fn open(instance: &Instance, spec: Spec, request: &LoadRequest) -> Result<Source> {
    let shown = shown_spec(&spec);
    let listing = list(instance, &spec)?;
    if listing.data.is_empty() {
        return Err(not_found(format!(
            "{shown}: no Parquet files (a dataset reads every file under the directory or prefix, or matching \
             the glob, except those whose name starts with _ or .)"
        )));
    }
    let success = listing.success;
    let parts = footers(instance, &spec, listing.data)?;

    // The file schema is the first file's; every other file must have the same columns.
    let first_schema = parts[0].1.schema().clone();
    let first_shown = parts[0].0.shown.clone();
    let first_keys: Vec<String> = hive_pairs(&parts[0].0.rel).into_iter().map(|(k, _)| k).collect();
    let mut checked = Vec::with_capacity(parts.len());
    for (entry, meta) in parts {
        if let Some(diff) = same_fields(&first_schema, meta.schema()) {
            return Err(invalid(format!(
                "{shown}: the files of a dataset must have the same schema, but {first_shown} and {} differ: {diff}",
                entry.shown
            )));
        }
        let marked = meta
            .metadata()
            .file_metadata()
            .key_value_metadata()
            .is_some_and(|kv| kv.iter().any(|k| k.key == PART_MARKER));
        if marked && !success.contains(parent_of(&entry.rel)) {
            return Err(invalid(format!(
                "{}: a part of a dataset exported by mageio whose export did not finish (no {SUCCESS} beside \
                 it); export it again, or remove the part files",
                entry.shown
            )));
        }
        let pairs = hive_pairs(&entry.rel);
        let keys: Vec<String> = pairs.iter().map(|(k, _)| k.clone()).collect();
        if keys != first_keys {
            return Err(invalid(format!(
                "{shown}: the files of a dataset must have the same hive partition directories, but {first_shown} \
                 has ({}) and {} has ({})",
                first_keys.join(", "),
                entry.shown,
                keys.join(", ")
            )));
        }
        checked.push(Part {
            entry,
            meta,
            hive: pairs.into_iter().map(|(_, v)| v).collect(),
        });
    }

    // Hive columns: int64 when every value is an integer, else utf8; after the file's columns.
    let mut fields: Vec<Arc<Field>> = first_schema.fields().iter().cloned().collect();
    let mut hive_types = Vec::new();
    for (i, key) in first_keys.iter().enumerate() {
        if first_schema.fields().iter().any(|f| f.name() == key) {
            return Err(invalid(format!(
                "{shown}: the hive partition directory {key}=… names a column the files already have"
            )));
        }
        let mut values = checked.iter().filter_map(|p| p.hive[i].as_deref()).peekable();
        let integer = values.peek().is_some() && values.all(|v| canonical_int(v).is_some());
        let dt = if integer { DataType::Int64 } else { DataType::Utf8 };
        fields.push(Arc::new(Field::new(key, dt.clone(), true)));
        hive_types.push(dt);
    }
    let mut metadata = first_schema.metadata().clone();
    metadata.remove(PART_MARKER);
    let full = Schema::new_with_metadata(fields, metadata);
    let file_columns = first_schema.fields().len();

    // The projection: output column -> a decoded file column (its rank among the roots) or a hive column.
    let wanted: Vec<usize> = match &request.columns {
        None => (0..full.fields().len()).collect(),
        Some(names) => names
            .iter()
            .map(|name| {
                full.fields().iter().position(|f| f.name() == name).ok_or_else(|| {
                    let all: Vec<&str> = full.fields().iter().map(|f| f.name().as_str()).collect();
                    not_found(format!(
                        "{shown} has no column \"{name}\" (options.columns); its columns: {}",
                        all.join(", ")
                    ))
                })
            })
            .collect::<Result<_>>()?,
    };
    let mut roots: Vec<usize> = wanted.iter().copied().filter(|&i| i < file_columns).collect();
    roots.sort_unstable();
    roots.dedup();
    let outputs: Vec<Output> = wanted
        .iter()
        .map(|&i| {
            if i < file_columns {
                Output::File(roots.iter().position(|&r| r == i).unwrap())
            } else {
                Output::Hive(i - file_columns)
            }
        })
        .collect();
    let schema: SchemaRef = Arc::new(full.project(&wanted)?);

    let rows: i64 = checked
        .iter()
        .map(|p| p.meta.metadata().file_metadata().num_rows())
        .sum();
    let total_rows = match request.limit {
        Some(l) => rows.min(l as i64),
        None => rows,
    };
    let batch_rows = request
        .batch_rows
        .map(|b| b as usize)
        .unwrap_or(DEFAULT_BATCH_ROWS)
        .clamp(1, 1 << 20);
    let remote = match &spec {
        Spec::Object { remote, .. } => Some(remote.clone()),
        Spec::Local { .. } => None,
    };
    let batches = Batches {
        parts: checked.into(),
        current: None,
        current_hive: Vec::new(),
        remaining: request.limit,
        roots,
        outputs,
        hive_types,
        schema: schema.clone(),
        batch_rows,
        remote,
        rt: instance.stores.runtime().ok(),
    };
    Ok(Source {
        schema,
        batches: Box::new(batches),
        total_rows,
        path: shown,
    })
}

enum Output {
    File(usize),
    Hive(usize),
}

type BatchIter = Box<dyn Iterator<Item = Result<RecordBatch>> + Send>;

struct Batches {
    parts: VecDeque<Part>,
    current: Option<BatchIter>,
    current_hive: Vec<Option<String>>,
    remaining: Option<u64>,
    roots: Vec<usize>,
    outputs: Vec<Output>,
    hive_types: Vec<DataType>,
    schema: SchemaRef,
    batch_rows: usize,
    remote: Option<Remote>,
    rt: Option<Arc<Runtime>>,
}

impl Batches {
    #[allow(deprecated)]
    fn open_part(&self, part: Part) -> Result<BatchIter> {
        let limit = self.remaining.map(|r| r as usize);
        let shown = part.entry.shown.clone();
        match (&part.entry.handle, &self.remote) {
            (Handle::Local(path), _) => {
                let file = File::open(path).map_err(|e| from_io(&format!("cannot open {shown}"), &e))?;
                let mut builder = ParquetRecordBatchReaderBuilder::new_with_metadata(file, part.meta);
                let mask = ProjectionMask::roots(builder.parquet_schema(), self.roots.iter().copied());
                builder = builder.with_projection(mask).with_batch_size(self.batch_rows);
                if let Some(l) = limit {
                    builder = builder.with_limit(l);
                }
                let reader = builder.build().map_err(|e| not_parquet(&shown, e))?;
                Ok(Box::new(reader.map(move |r| {
                    r.map_err(|e| invalid(format!("{shown}: cannot read the Parquet data: {e}")))
                })))
            }
            (Handle::Object { key, size }, Some(remote)) => {
                let rt = self
                    .rt
                    .clone()
                    .ok_or_else(|| invalid("the I/O runtime is not running"))?;
                let reader = ReadAhead::new(remote.store.clone(), key.clone(), *size, rt.handle().clone())
                    .with_metadata(part.meta.metadata().clone())
                    .with_limit(self.remaining);
                let mut builder = ParquetRecordBatchStreamBuilder::new_with_metadata(reader, part.meta);
                let mask = ProjectionMask::roots(builder.parquet_schema(), self.roots.iter().copied());
                builder = builder.with_projection(mask).with_batch_size(self.batch_rows);
                if let Some(l) = limit {
                    builder = builder.with_limit(l);
                }
                let stream = builder.build().map_err(|e| not_parquet(&shown, e))?;
                Ok(Box::new(ObjectBatches { rt, stream, url: shown }))
            }
            (Handle::Object { .. }, None) => Err(invalid(format!("{shown}: an object without its store"))),
        }
    }

    fn assemble(&self, batch: RecordBatch) -> Result<RecordBatch> {
        let rows = batch.num_rows();
        let columns: Vec<ArrayRef> = self
            .outputs
            .iter()
            .map(|o| match o {
                Output::File(i) => batch.column(*i).clone(),
                Output::Hive(h) => constant(&self.hive_types[*h], self.current_hive[*h].as_deref(), rows),
            })
            .collect();
        let options = RecordBatchOptions::new().with_row_count(Some(rows));
        Ok(RecordBatch::try_new_with_options(
            self.schema.clone(),
            columns,
            &options,
        )?)
    }
}

fn constant(dt: &DataType, value: Option<&str>, rows: usize) -> ArrayRef {
    match (dt, value) {
        (DataType::Int64, Some(v)) => Arc::new(Int64Array::from_value(canonical_int(v).unwrap_or_default(), rows)),
        (_, Some(v)) => Arc::new(StringArray::from_iter_values(std::iter::repeat_n(v, rows))),
        (_, None) => new_null_array(dt, rows),
    }
}

impl Iterator for Batches {
    type Item = Result<RecordBatch>;
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if self.remaining == Some(0) {
                return None;
            }
            if self.current.is_none() {
                let part = self.parts.pop_front()?;
                self.current_hive = part.hive.clone();
                match self.open_part(part) {
                    Ok(it) => self.current = Some(it),
                    Err(e) => return Some(Err(e)),
                }
            }
            match self.current.as_mut().and_then(|c| c.next()) {
                None => self.current = None,
                Some(Err(e)) => return Some(Err(e)),
                Some(Ok(batch)) => {
                    if let Some(r) = self.remaining.as_mut() {
                        *r = r.saturating_sub(batch.num_rows() as u64);
                    }
                    return Some(self.assemble(batch));
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// Export of a dataset: part files of at most max_rows_per_file rows, then `_SUCCESS`.

/// Whether an export writes a dataset: options.max_rows_per_file is set or the path ends with `/`.
pub fn is_dataset_export(request: &ExportRequest) -> bool {
    request.max_rows_per_file.is_some() || request.path.ends_with('/')
}

fn part_name(n: usize) -> String {
    format!("part-{n:05}.parquet")
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

/// Where the parts go: a local directory (being built under a temporary name) or an object prefix.
enum Sink<'a> {
    Local(&'a Path),
    Object(&'a Remote, &'a str),
}

enum PartOut {
    Local(std::io::BufWriter<File>, String),
    // Boxed: the object writer is much larger than a file's (clippy's large_enum_variant).
    Object(Box<std::io::BufWriter<crate::write::ObjectWriter>>, String),
}

impl Write for PartOut {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            PartOut::Local(w, _) => w.write(buf),
            PartOut::Object(w, _) => w.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            PartOut::Local(w, _) => w.flush(),
            PartOut::Object(w, _) => w.flush(),
        }
    }
}

impl PartOut {
    fn finish(self) -> Result<()> {
        match self {
            PartOut::Local(w, shown) => {
                let file = w
                    .into_inner()
                    .map_err(|e| from_io(&format!("cannot write {shown}"), e.error()))?;
                file.sync_all()
                    .map_err(|e| from_io(&format!("cannot write {shown}"), &e))
            }
            PartOut::Object(w, shown) => w
                .into_inner()
                .map_err(|e| from_io(&format!("cannot write {shown}"), e.error()))?
                .finish(),
        }
    }
}

impl Sink<'_> {
    fn create(&self, instance: &Instance, name: &str, shown_root: &str) -> Result<PartOut> {
        let shown = format!("{}/{name}", shown_root.trim_end_matches('/'));
        match self {
            Sink::Local(dir) => {
                let file = File::create_new(dir.join(name))
                    .map_err(|e| from_io(&format!("cannot create {} for {shown}", dir.display()), &e))?;
                Ok(PartOut::Local(std::io::BufWriter::with_capacity(1 << 20, file), shown))
            }
            Sink::Object(remote, root) => {
                let key = object_key(root, name, &shown)?;
                let rt = instance.stores.runtime()?;
                let writer = crate::write::ObjectWriter::new(rt, remote.store.clone(), key, &shown);
                Ok(PartOut::Object(
                    Box::new(std::io::BufWriter::with_capacity(1 << 20, writer)),
                    shown,
                ))
            }
        }
    }
}

fn object_key(root: &str, name: &str, shown: &str) -> Result<ObjectPath> {
    let key = if root.is_empty() {
        name.to_string()
    } else {
        format!("{root}/{name}")
    };
    ObjectPath::parse(&key).map_err(|e| invalid(format!("{shown}: not a valid object key: {e}")))
}

/// Writes the input as part files into `sink`; returns the rows and the part names.
fn write_parts(
    instance: &Instance,
    request: &ExportRequest,
    input: &mut InputStream,
    sink: &Sink,
    shown_root: &str,
    host: &Host,
) -> Result<(i64, Vec<String>)> {
    let per_file = request.max_rows_per_file.unwrap_or(u64::MAX) as usize;
    let mut props = crate::write::properties_builder(request);
    props = props.set_key_value_metadata(Some(vec![KeyValue::new(
        PART_MARKER.to_string(),
        format!("a part of a dataset: complete only when {SUCCESS} exists beside it"),
    )]));
    let props = props.build();
    let mut schema = input.schema.as_ref().clone();
    schema.metadata.remove(PART_MARKER);
    let schema = Arc::new(schema);
    let cancelled = || {
        PluginError::new(
            crate::abi::STATUS_CANCELLED,
            format!("the export to {shown_root} was cancelled"),
        )
    };
    let write_error = |e: parquet::errors::ParquetError| invalid(format!("cannot write {shown_root}: {e}"));
    let mut names: Vec<String> = Vec::new();
    let mut current: Option<(ArrowWriter<PartOut>, usize)> = None;
    let mut rows: i64 = 0;
    let mut finished_bytes: i64 = 0;
    let open = |names: &mut Vec<String>| -> Result<ArrowWriter<PartOut>> {
        let name = part_name(names.len());
        let out = sink.create(instance, &name, shown_root)?;
        names.push(name);
        ArrowWriter::try_new(out, schema.clone(), Some(props.clone())).map_err(write_error)
    };
    let close = |writer: ArrowWriter<PartOut>| -> Result<()> { writer.into_inner().map_err(write_error)?.finish() };
    loop {
        if host.cancelled() {
            return Err(cancelled());
        }
        let Some(batch) = input.next_batch()? else { break };
        let mut offset = 0;
        while offset < batch.num_rows() {
            if current.is_none() {
                current = Some((open(&mut names)?, 0));
            }
            let (writer, in_part) = current.as_mut().expect("a part is open");
            let take = (per_file - *in_part).min(batch.num_rows() - offset);
            writer.write(&batch.slice(offset, take)).map_err(write_error)?;
            *in_part += take;
            offset += take;
            rows += take as i64;
            let bytes = finished_bytes + writer.bytes_written() as i64;
            host.progress(rows, bytes, -1);
            if *in_part >= per_file {
                let (writer, _) = current.take().expect("a part is open");
                finished_bytes += writer.bytes_written() as i64;
                close(writer)?;
            }
        }
    }
    if host.cancelled() {
        return Err(cancelled());
    }
    match current.take() {
        Some((writer, _)) => {
            close(writer)?;
        }
        // No rows, or exactly a multiple of max_rows_per_file: an empty input still gets one (empty) part,
        // so that the dataset has a schema.
        None if names.is_empty() => {
            let writer = open(&mut names)?;
            close(writer)?;
        }
        None => {}
    }
    Ok((rows, names))
}

fn success_body(rows: i64, names: &[String]) -> String {
    format!(
        "{{\"writer\": \"mageio parquet\", \"rows\": {rows}, \"files\": {}}}\n",
        names.len()
    )
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
