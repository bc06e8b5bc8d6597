//! Load of a dataset: every footer read and checked against the first (same columns, same hive
//! directories, a mageio part only beside its `_SUCCESS`), then the files streamed one after the other
//! with the hive columns appended.
use super::hive::{canonical_int, constant, hive_pairs};
use super::listing::{list, parent_of, Entry, Handle};
use super::paths::shown_spec;
use super::{Remote, Spec, PART_MARKER, SUCCESS};
use crate::error::{from_io, invalid, not_found, PluginError, Result};
use crate::read::{not_parquet, ObjectBatches, DEFAULT_BATCH_ROWS};
use crate::readahead::{ReadAhead, FOOTER_HINT};
use crate::request::LoadRequest;
use crate::stream::Source;
use crate::Instance;
use arrow::array::{ArrayRef, RecordBatch, RecordBatchOptions};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use futures::{StreamExt, TryStreamExt};
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
#[allow(deprecated)]
use parquet::arrow::async_reader::ParquetObjectReader;
use parquet::arrow::{ParquetRecordBatchStreamBuilder, ProjectionMask};
use std::collections::VecDeque;
use std::fs::File;
use std::sync::Arc;
use tokio::runtime::Runtime;

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
