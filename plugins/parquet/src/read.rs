//! load: streams a Parquet file's row groups as record batches, with the projection (options.columns)
//! and the limit pushed into the reader, so only the requested columns of the needed row groups are
//! decoded and the whole file is never in memory.
use crate::error::{from_io, invalid, not_found, Result};
use crate::readahead::ReadAhead;
use crate::request::LoadRequest;
use crate::store::{store_error, Location, Stores};
use crate::stream::Source;
use crate::Instance;
use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use futures::StreamExt;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt};
use parquet::arrow::arrow_reader::{ArrowReaderBuilder, ParquetRecordBatchReaderBuilder};
use parquet::arrow::async_reader::ParquetRecordBatchStream;
use parquet::arrow::ParquetRecordBatchStreamBuilder;
use parquet::arrow::ProjectionMask;
use std::fs::File;
use std::sync::Arc;
use tokio::runtime::Runtime;

pub const DEFAULT_BATCH_ROWS: usize = 65536;

pub fn open(instance: &Instance, request: &LoadRequest) -> Result<Source> {
    let location = Location::parse(&request.path, &instance.config)?;
    match location {
        Location::Local(p) => {
            let shown = p.display().to_string();
            let meta = std::fs::metadata(&p).map_err(|e| from_io(&format!("cannot open {shown}"), &e))?;
            if meta.is_dir() {
                return Err(invalid(format!("{shown} is a directory, not a Parquet file")));
            }
            let file = File::open(&p).map_err(|e| from_io(&format!("cannot open {shown}"), &e))?;
            let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| not_parquet(&shown, e))?;
            let plan = plan(&builder, request, &shown)?;
            let reader = apply(builder, &plan, request)
                .build()
                .map_err(|e| not_parquet(&shown, e))?;
            let path = shown.clone();
            let order = plan.order.clone();
            let schema = plan.schema.clone();
            let batches = reader.map(move |r| {
                let batch = r.map_err(|e| invalid(format!("{path}: cannot read the Parquet data: {e}")))?;
                reorder(batch, &order, &schema)
            });
            Ok(Source {
                schema: plan.schema,
                batches: Box::new(batches),
                total_rows: plan.total_rows,
                path: shown,
            })
        }
        Location::Object {
            url,
            scheme,
            bucket,
            key,
        } => {
            let store = instance.stores.get(scheme, &bucket)?;
            let (builder, rt) = open_object(&instance.stores, store, &key, &url, request.limit)?;
            let plan = plan(&builder, request, &url)?;
            let stream = apply(builder, &plan, request)
                .build()
                .map_err(|e| not_parquet(&url, e))?;
            let order = plan.order.clone();
            let schema = plan.schema.clone();
            let batches = ObjectBatches {
                rt,
                stream,
                url: url.clone(),
            };
            let batches = batches.map(move |r| r.and_then(|batch| reorder(batch, &order, &schema)));
            Ok(Source {
                schema: plan.schema,
                batches: Box::new(batches),
                total_rows: plan.total_rows,
                path: url,
            })
        }
    }
}

/// Opens an object for reading: its size first (so a missing bucket or object is a clear error), then
/// the Parquet footer through ranged reads. The row groups are read one ahead (readahead.rs), never past
/// the one holding row `limit`.
pub fn open_object(
    stores: &Stores,
    store: Arc<dyn ObjectStore>,
    key: &ObjectPath,
    url: &str,
    limit: Option<u64>,
) -> Result<(ParquetRecordBatchStreamBuilder<ReadAhead>, Arc<Runtime>)> {
    let rt = stores.runtime()?;
    let meta = rt.block_on(store.head(key)).map_err(|e| match e {
        object_store::Error::NotFound { .. } => {
            let detail = store_error(url, e).message;
            not_found(format!(
                "{url}: no such object (or no such bucket): {}",
                &detail[url.len() + 2..]
            ))
        }
        e => store_error(url, e),
    })?;
    let reader = ReadAhead::new(store, key.clone(), meta.size, rt.handle().clone()).with_limit(limit);
    let builder = rt
        .block_on(ParquetRecordBatchStreamBuilder::new(reader))
        .map_err(|e| not_parquet(url, e))?;
    Ok((builder, rt))
}

/// The batches of an object, each fetched by driving the async reader on the instance's runtime.
pub struct ObjectBatches {
    pub rt: Arc<Runtime>,
    pub stream: ParquetRecordBatchStream<ReadAhead>,
    pub url: String,
}

impl Iterator for ObjectBatches {
    type Item = Result<RecordBatch>;
    fn next(&mut self) -> Option<Self::Item> {
        let next = self.rt.block_on(self.stream.next())?;
        Some(next.map_err(|e| invalid(format!("{}: cannot read the Parquet data: {e}", self.url))))
    }
}

pub fn not_parquet(path: &str, e: parquet::errors::ParquetError) -> crate::error::PluginError {
    invalid(format!("{path} is not a readable Parquet file: {e}"))
}

/// What a load reads: the root columns to decode, the order to give them in, and the result's schema.
pub struct Plan {
    pub roots: Option<Vec<usize>>,
    /// For each output column, its position among the decoded (file-ordered) columns.
    pub order: Option<Vec<usize>>,
    pub schema: SchemaRef,
    pub total_rows: i64,
}

pub fn plan<T>(builder: &ArrowReaderBuilder<T>, request: &LoadRequest, path: &str) -> Result<Plan> {
    let file_schema = builder.schema().clone();
    let file_rows = builder.metadata().file_metadata().num_rows();
    let total_rows = match request.limit {
        Some(l) => file_rows.min(l as i64),
        None => file_rows,
    };
    let Some(columns) = &request.columns else {
        return Ok(Plan {
            roots: None,
            order: None,
            schema: file_schema,
            total_rows,
        });
    };
    let mut wanted = Vec::with_capacity(columns.len());
    for name in columns {
        match file_schema.fields().iter().position(|f| f.name() == name) {
            Some(i) => wanted.push(i),
            None => {
                let names: Vec<&str> = file_schema.fields().iter().map(|f| f.name().as_str()).collect();
                return Err(not_found(format!(
                    "{path} has no column \"{name}\" (options.columns); its columns: {}",
                    names.join(", ")
                )));
            }
        }
    }
    let mut roots = wanted.clone();
    roots.sort_unstable();
    let order: Vec<usize> = wanted
        .iter()
        .map(|w| roots.iter().position(|r| r == w).unwrap())
        .collect();
    let fields: Vec<_> = wanted.iter().map(|&i| file_schema.field(i).clone()).collect();
    let schema = Arc::new(arrow::datatypes::Schema::new_with_metadata(
        fields,
        file_schema.metadata().clone(),
    ));
    Ok(Plan {
        roots: Some(roots),
        order: Some(order),
        schema,
        total_rows,
    })
}

pub fn apply<T>(mut builder: ArrowReaderBuilder<T>, plan: &Plan, request: &LoadRequest) -> ArrowReaderBuilder<T> {
    if let Some(roots) = &plan.roots {
        let mask = ProjectionMask::roots(builder.parquet_schema(), roots.iter().copied());
        builder = builder.with_projection(mask);
    }
    if let Some(limit) = request.limit {
        builder = builder.with_limit(limit as usize);
    }
    let batch = request
        .batch_rows
        .map(|b| b as usize)
        .unwrap_or(DEFAULT_BATCH_ROWS)
        .clamp(1, 1 << 20);
    builder.with_batch_size(batch)
}

pub fn reorder(
    batch: arrow::array::RecordBatch,
    order: &Option<Vec<usize>>,
    schema: &SchemaRef,
) -> Result<arrow::array::RecordBatch> {
    let Some(order) = order else { return Ok(batch) };
    let columns = order.iter().map(|&i| batch.column(i).clone()).collect();
    let options = arrow::array::RecordBatchOptions::new().with_row_count(Some(batch.num_rows()));
    Ok(arrow::array::RecordBatch::try_new_with_options(
        schema.clone(),
        columns,
        &options,
    )?)
}
