//! The part files of a dataset export: at most max_rows_per_file rows each, named `part-NNNNN.parquet`,
//! written into a local directory or under an object prefix, each marked as a part (PART_MARKER).
use super::{Remote, PART_MARKER, SUCCESS};
use crate::error::{from_io, invalid, PluginError, Result};
use crate::host::Host;
use crate::request::ExportRequest;
use crate::stream::InputStream;
use crate::Instance;
use object_store::path::Path as ObjectPath;
use parquet::arrow::ArrowWriter;
use parquet::file::metadata::KeyValue;
use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

fn part_name(n: usize) -> String {
    format!("part-{n:05}.parquet")
}

/// Where the parts go: a local directory (being built under a temporary name) or an object prefix.
pub(super) enum Sink<'a> {
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

pub(super) fn object_key(root: &str, name: &str, shown: &str) -> Result<ObjectPath> {
    let key = if root.is_empty() {
        name.to_string()
    } else {
        format!("{root}/{name}")
    };
    ObjectPath::parse(&key).map_err(|e| invalid(format!("{shown}: not a valid object key: {e}")))
}

/// Writes the input as part files into `sink`; returns the rows and the part names.
pub(super) fn write_parts(
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

pub(super) fn success_body(rows: i64, names: &[String]) -> String {
    format!(
        "{{\"writer\": \"mageio parquet\", \"rows\": {rows}, \"files\": {}}}\n",
        names.len()
    )
}
