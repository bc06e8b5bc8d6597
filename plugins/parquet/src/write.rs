//! export: writes the input stream as one Parquet file. On local disk the file is written under a
//! temporary name in the target's directory and renamed over the target only when complete, so
//! replace and fail are atomic and a failed or cancelled export leaves the target as it was. Append
//! rewrites the file: the existing rows are streamed into the new one, then the input's.
use crate::abi::STATUS_CANCELLED;
use crate::error::{from_io, invalid, not_found, PluginError, Result};
use crate::host::Host;
use crate::read::not_parquet;
use crate::request::{Codec, ExportRequest, IfExists};
use crate::store::{store_error, Location};
use crate::stream::InputStream;
use crate::Instance;
use arrow::array::{new_null_array, ArrayRef, RecordBatch, RecordBatchOptions};
use arrow::datatypes::SchemaRef;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, GzipLevel, ZstdLevel};
use parquet::file::properties::WriterProperties;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::runtime::Runtime;

pub fn export(instance: &Instance, request: &ExportRequest, input: &mut InputStream) -> Result<i64> {
    if crate::dataset::is_dataset_export(request) {
        return crate::dataset::export(instance, request, input);
    }
    match Location::parse(&request.path, &instance.config)? {
        Location::Local(p) => export_local(&p, request, input, &instance.host),
        Location::Object {
            url,
            scheme,
            bucket,
            key,
        } => export_object(instance, &url, scheme, &bucket, &key, request, input),
    }
}

/// Writes an object as one multipart upload: S3 makes the object visible only when the upload completes,
/// so a failed or cancelled export aborts the upload and leaves the object as it was (replace and
/// append are atomic per object). if_exists fail checks first: a writer racing in between is not seen.
fn export_object(
    instance: &Instance,
    url: &str,
    scheme: crate::store::Scheme,
    bucket: &str,
    key: &ObjectPath,
    request: &ExportRequest,
    input: &mut InputStream,
) -> Result<i64> {
    let store = instance.stores.get(scheme, bucket)?;
    let rt = instance.stores.runtime()?;
    let exists = match rt.block_on(store.head(key)) {
        Ok(_) => true,
        Err(object_store::Error::NotFound { .. }) => false,
        Err(e) => return Err(store_error(url, e)),
    };
    if exists && request.if_exists == IfExists::Fail {
        return Err(PluginError::new(
            crate::abi::STATUS_ALREADY_EXISTS,
            format!("{url} already exists (if_exists is fail; use replace or append)"),
        ));
    }
    let (existing, conform) = if exists && request.if_exists == IfExists::Append {
        let (builder, rt) = crate::read::open_object(&instance.stores, store.clone(), key, url, None)?;
        let conform = Conform::append(builder.schema().clone(), &input.schema, url)?;
        let stream = builder
            .with_batch_size(crate::read::DEFAULT_BATCH_ROWS)
            .build()
            .map_err(|e| not_parquet(url, e))?;
        let batches = crate::read::ObjectBatches {
            rt,
            stream,
            url: url.to_string(),
        };
        (
            Some(Box::new(batches) as Box<dyn Iterator<Item = Result<RecordBatch>> + Send>),
            conform,
        )
    } else {
        (None, Conform::same(input.schema.clone()))
    };
    let writer = ObjectWriter::new(rt.clone(), store.clone(), key.clone(), url);
    let (rows, out) = write_all(
        std::io::BufWriter::with_capacity(1 << 20, writer),
        request,
        existing,
        &conform,
        input,
        &instance.host,
        url,
    )?;
    let writer = out
        .into_inner()
        .map_err(|e| from_io(&format!("cannot write {url}"), e.error()))?;
    writer.finish()?;
    Ok(rows)
}

/// The part size of a multipart upload, and the size up to which an object is written in one PUT.
const CHUNK: usize = 8 << 20;

/// A std::io::Write of one object, driven on the instance's runtime: an object smaller than CHUNK is
/// written with one PUT when finished, a larger one as a multipart upload started when CHUNK bytes are
/// buffered (both become visible only when complete). Dropped unfinished (an error or a cancellation),
/// it writes nothing, or aborts the upload.
pub struct ObjectWriter {
    rt: Arc<Runtime>,
    store: Arc<dyn ObjectStore>,
    key: ObjectPath,
    pending: Vec<u8>,
    upload: Option<WriteMultipart>,
    finished: bool,
    url: String,
}

impl ObjectWriter {
    pub fn new(rt: Arc<Runtime>, store: Arc<dyn ObjectStore>, key: ObjectPath, url: &str) -> ObjectWriter {
        ObjectWriter {
            rt,
            store,
            key,
            pending: Vec::new(),
            upload: None,
            finished: false,
            url: url.to_string(),
        }
    }
}

impl Write for ObjectWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.finished {
            return Err(std::io::Error::other("the upload is finished"));
        }
        if self.upload.is_none() {
            self.pending.extend_from_slice(buf);
            if self.pending.len() < CHUNK {
                return Ok(buf.len());
            }
            let upload = self
                .rt
                .block_on(self.store.put_multipart(&self.key))
                .map_err(|e| std::io::Error::other(store_error(&self.url, e).message))?;
            let mut upload = WriteMultipart::new_with_chunk_size(upload, CHUNK);
            let _context = self.rt.enter();
            upload.write(&std::mem::take(&mut self.pending));
            self.upload = Some(upload);
            return Ok(buf.len());
        }
        let upload = self.upload.as_mut().expect("checked above");
        self.rt
            .block_on(upload.wait_for_capacity(4))
            .map_err(std::io::Error::other)?;
        let _context = self.rt.enter(); // write() starts part uploads as tasks of this runtime
        upload.write(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl ObjectWriter {
    pub fn finish(mut self) -> Result<()> {
        self.finished = true;
        let Some(upload) = self.upload.take() else {
            let payload = PutPayload::from(std::mem::take(&mut self.pending));
            return self
                .rt
                .block_on(self.store.put(&self.key, payload))
                .map(|_| ())
                .map_err(|e| store_error(&self.url, e));
        };
        let _context = self.rt.enter();
        self.rt
            .block_on(upload.finish())
            .map(|_| ())
            .map_err(|e| store_error(&self.url, e))
    }
}

impl Drop for ObjectWriter {
    fn drop(&mut self) {
        if let Some(upload) = self.upload.take() {
            let _context = self.rt.enter();
            let _ = self.rt.block_on(upload.abort());
        }
    }
}

fn properties(request: &ExportRequest) -> WriterProperties {
    properties_builder(request).build()
}

pub fn properties_builder(request: &ExportRequest) -> parquet::file::properties::WriterPropertiesBuilder {
    let compression = match request.compression {
        Codec::Snappy => Compression::SNAPPY,
        Codec::Zstd => Compression::ZSTD(ZstdLevel::default()),
        Codec::Gzip => Compression::GZIP(GzipLevel::default()),
        Codec::None => Compression::UNCOMPRESSED,
    };
    let mut builder = WriterProperties::builder().set_compression(compression);
    if let Some(rows) = request.row_group_size {
        builder = builder.set_max_row_group_row_count(Some(rows));
    }
    builder
}

/// How an input batch becomes a batch of the file being written (append matches columns by name).
pub struct Conform {
    schema: SchemaRef,
    /// For each column of the file, the input column that fills it (None: all null).
    sources: Option<Vec<Option<usize>>>,
}

impl Conform {
    pub fn same(schema: SchemaRef) -> Conform {
        Conform { schema, sources: None }
    }

    /// Appending `input` to a file of `existing`: every input column must be a column of the file with
    /// the same type; file columns the input lacks are written as NULL (when nullable).
    pub fn append(existing: SchemaRef, input: &SchemaRef, path: &str) -> Result<Conform> {
        for field in input.fields() {
            match existing.fields().iter().find(|f| f.name() == field.name()) {
                None => {
                    return Err(invalid(format!(
                        "cannot append to {path}: it has no column \"{}\" (its columns: {})",
                        field.name(),
                        names(&existing)
                    )))
                }
                Some(f) if f.data_type() != field.data_type() => {
                    return Err(invalid(format!(
                        "cannot append to {path}: column \"{}\" is {} in the file but {} in the input",
                        field.name(),
                        f.data_type(),
                        field.data_type()
                    )))
                }
                Some(_) => {}
            }
        }
        let mut sources = Vec::new();
        for f in existing.fields() {
            let source = input.fields().iter().position(|i| i.name() == f.name());
            if source.is_none() && !f.is_nullable() {
                return Err(invalid(format!(
                    "cannot append to {path}: the input has no column \"{}\", which is NOT NULL in the file",
                    f.name()
                )));
            }
            sources.push(source);
        }
        Ok(Conform {
            schema: existing,
            sources: Some(sources),
        })
    }

    pub fn apply(&self, batch: RecordBatch) -> Result<RecordBatch> {
        let Some(sources) = &self.sources else { return Ok(batch) };
        let rows = batch.num_rows();
        let columns: Vec<ArrayRef> = sources
            .iter()
            .zip(self.schema.fields())
            .map(|(s, f)| match s {
                Some(i) => batch.column(*i).clone(),
                None => new_null_array(f.data_type(), rows),
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

fn names(schema: &SchemaRef) -> String {
    schema
        .fields()
        .iter()
        .map(|f| format!("\"{}\"", f.name()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Writes the existing rows (append) and then the input into `out`; returns the input's rows.
pub fn write_all<W: Write + Send>(
    out: W,
    request: &ExportRequest,
    existing: Option<Box<dyn Iterator<Item = Result<RecordBatch>> + Send>>,
    conform: &Conform,
    input: &mut InputStream,
    host: &Host,
    path: &str,
) -> Result<(i64, W)> {
    let mut writer = ArrowWriter::try_new(out, conform.schema.clone(), Some(properties(request)))
        .map_err(|e| invalid(format!("cannot write {path}: {e}")))?;
    let cancelled = || PluginError::new(STATUS_CANCELLED, format!("the export to {path} was cancelled"));
    let write_error = |e: parquet::errors::ParquetError| invalid(format!("cannot write {path}: {e}"));
    if let Some(batches) = existing {
        for batch in batches {
            if host.cancelled() {
                return Err(cancelled());
            }
            writer.write(&batch?).map_err(write_error)?;
        }
    }
    let mut rows: i64 = 0;
    loop {
        if host.cancelled() {
            return Err(cancelled());
        }
        let Some(batch) = input.next_batch()? else { break };
        let batch = conform.apply(batch)?;
        writer.write(&batch).map_err(write_error)?;
        rows += batch.num_rows() as i64;
        host.progress(rows, writer.bytes_written() as i64, -1);
    }
    if host.cancelled() {
        return Err(cancelled());
    }
    let out = writer.into_inner().map_err(write_error)?;
    Ok((rows, out))
}

/// A temporary file next to the target, removed unless it was renamed over the target.
struct TempFile {
    path: PathBuf,
    kept: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.kept {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn export_local(target: &Path, request: &ExportRequest, input: &mut InputStream, host: &Host) -> Result<i64> {
    let shown = target.display().to_string();
    let exists = match std::fs::metadata(target) {
        Ok(m) if m.is_dir() => return Err(invalid(format!("{shown} is a directory, not a file"))),
        Ok(_) => true,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => return Err(from_io(&format!("cannot stat {shown}"), &e)),
    };
    if exists && request.if_exists == IfExists::Fail {
        return Err(PluginError::new(
            crate::abi::STATUS_ALREADY_EXISTS,
            format!("{shown} already exists (if_exists is fail; use replace or append)"),
        ));
    }
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        return Err(not_found(format!(
            "cannot write {shown}: the directory {} does not exist",
            dir.display()
        )));
    }
    let (existing, conform) = if exists && request.if_exists == IfExists::Append {
        let file = File::open(target).map_err(|e| from_io(&format!("cannot open {shown}"), &e))?;
        let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| not_parquet(&shown, e))?;
        let conform = Conform::append(builder.schema().clone(), &input.schema, &shown)?;
        let reader = builder
            .with_batch_size(crate::read::DEFAULT_BATCH_ROWS)
            .build()
            .map_err(|e| not_parquet(&shown, e))?;
        let path = shown.clone();
        let batches = reader.map(move |r| r.map_err(|e| invalid(format!("{path}: cannot read the Parquet data: {e}"))));
        (
            Some(Box::new(batches) as Box<dyn Iterator<Item = Result<RecordBatch>> + Send>),
            conform,
        )
    } else {
        (None, Conform::same(input.schema.clone()))
    };

    let temp = TempFile {
        path: dir.join(format!(
            ".mageio-parquet-{}-{}.tmp",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        )),
        kept: false,
    };
    let mut temp = temp;
    let file = File::create_new(&temp.path).map_err(|e| {
        from_io(
            &format!("cannot create a temporary file in {} for {shown}", dir.display()),
            &e,
        )
    })?;
    let (rows, file) = write_all(
        std::io::BufWriter::with_capacity(1 << 20, file),
        request,
        existing,
        &conform,
        input,
        host,
        &shown,
    )?;
    let file = file
        .into_inner()
        .map_err(|e| from_io(&format!("cannot write {shown}"), e.error()))?;
    file.sync_all()
        .map_err(|e| from_io(&format!("cannot write {shown}"), &e))?;
    drop(file);
    std::fs::rename(&temp.path, target)
        .map_err(|e| from_io(&format!("cannot rename the finished file to {shown}"), &e))?;
    temp.kept = true;
    Ok(rows)
}
