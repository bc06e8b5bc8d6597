//! Read-ahead for Parquet objects in a store: while one row group is decoded, the next one's column
//! chunks are already being fetched.
//!
//! The `parquet` crate's async reader asks for a row group's byte ranges only when it reaches that row
//! group, so a load alternated between waiting on the store and decoding. This reader, given to that
//! reader as its input, answers a request for row group i and at the same time starts fetching the same
//! columns of row group i+1 as a task of the I/O runtime (its worker threads drive it while the caller's
//! thread decodes). Exactly one row group is read ahead, so memory stays that of two row groups. The
//! columns are the ones the decoder asked for in row group i (so the projection holds), and no row group
//! past the limit is fetched: the last one read ahead is the one holding the limit's last row (the decoder
//! stops there too). A request that the read-ahead does not cover (the footer, an unexpected range) is
//! fetched directly, so the data read is always what the decoder asked for.
use bytes::Bytes;
use futures::future::BoxFuture;
use futures::FutureExt;
use object_store::path::Path as ObjectPath;
use object_store::ObjectStore;
use parquet::arrow::arrow_reader::ArrowReaderOptions;
use parquet::arrow::async_reader::AsyncFileReader;
#[allow(deprecated)]
use parquet::arrow::async_reader::ParquetObjectReader;
use parquet::errors::{ParquetError, Result};
use parquet::file::metadata::ParquetMetaData;
use std::ops::Range;
use std::sync::Arc;
use tokio::runtime::Handle;
use tokio::task::JoinHandle;

/// Footer bytes fetched with the first ranged read (the 8-byte tail and the metadata in one GET when it
/// fits; a larger footer costs one more read, as without the hint).
pub const FOOTER_HINT: usize = 64 * 1024;

/// The fetch of one row group's column chunks, started before the decoder asked for it.
struct Ahead {
    row_group: usize,
    ranges: Vec<Range<u64>>,
    task: JoinHandle<object_store::Result<Vec<Bytes>>>,
}

/// An AsyncFileReader over one object that reads the next row group ahead (see the module comment).
#[allow(deprecated)] // ParquetObjectReader: still the crate's object_store reader in parquet 60
pub struct ReadAhead {
    footer: ParquetObjectReader,
    store: Arc<dyn ObjectStore>,
    key: ObjectPath,
    io: Handle,
    metadata: Option<Arc<ParquetMetaData>>,
    /// The last row group the load reads (the one holding the limit's last row); None: all.
    last_row_group: Option<usize>,
    limit: Option<u64>,
    ahead: Option<Ahead>,
}

#[allow(deprecated)]
impl ReadAhead {
    /// `io` must be a runtime whose worker threads run its tasks (a multi-thread runtime): the read-ahead
    /// progresses while the caller decodes outside it.
    pub fn new(store: Arc<dyn ObjectStore>, key: ObjectPath, size: u64, io: Handle) -> ReadAhead {
        let footer = ParquetObjectReader::new(store.clone(), key.clone())
            .with_file_size(size)
            .with_footer_size_hint(FOOTER_HINT);
        ReadAhead {
            footer,
            store,
            key,
            io,
            metadata: None,
            last_row_group: None,
            limit: None,
            ahead: None,
        }
    }

    /// The file's metadata when already known (a dataset reads every footer first).
    pub fn with_metadata(mut self, metadata: Arc<ParquetMetaData>) -> ReadAhead {
        self.metadata = Some(metadata);
        self.last_row_group = None;
        self
    }

    /// The rows the load will read at most (the decoder's limit): nothing past them is read ahead.
    pub fn with_limit(mut self, limit: Option<u64>) -> ReadAhead {
        self.limit = limit;
        self
    }

    /// The last row group the load decodes: the one holding row `limit` (or the file's last one).
    fn last_row_group(&mut self, metadata: &ParquetMetaData) -> usize {
        if let Some(last) = self.last_row_group {
            return last;
        }
        let groups = metadata.row_groups();
        let mut last = groups.len().saturating_sub(1);
        if let Some(limit) = self.limit {
            let mut rows = 0u64;
            for (i, g) in groups.iter().enumerate() {
                rows += g.num_rows().max(0) as u64;
                if rows >= limit {
                    last = i;
                    break;
                }
            }
        }
        self.last_row_group = Some(last);
        last
    }

    /// Starts fetching, as a task, the chunks of `columns` in row group `row_group`.
    fn start(&mut self, metadata: &ParquetMetaData, row_group: usize, columns: &[usize]) {
        let group = metadata.row_group(row_group);
        let ranges: Vec<Range<u64>> = columns
            .iter()
            .map(|&c| {
                let (start, len) = group.column(c).byte_range();
                start..start + len
            })
            .collect();
        let store = self.store.clone();
        let key = self.key.clone();
        let wanted = ranges.clone();
        // get_ranges coalesces neighbouring chunks into few GETs and issues them concurrently.
        let task = self.io.spawn(async move { store.get_ranges(&key, &wanted).await });
        self.ahead = Some(Ahead {
            row_group,
            ranges,
            task,
        });
    }

    async fn read(&mut self, ranges: Vec<Range<u64>>) -> Result<Vec<Bytes>> {
        let Some(metadata) = self.metadata.clone() else {
            return self.direct(ranges).await;
        };
        let Some((row_group, columns)) = locate(&metadata, &ranges) else {
            return self.direct(ranges).await;
        };
        // The read-ahead of this row group, if it covers the request; any other is stale.
        let ahead = match self.ahead.take() {
            Some(a) if a.row_group == row_group && covers(&a.ranges, &ranges) => Some(a),
            Some(a) => {
                a.task.abort();
                None
            }
            None => None,
        };
        // The next row group starts before this one is awaited: on the first request both are in flight.
        if row_group < self.last_row_group(&metadata) {
            self.start(&metadata, row_group + 1, &columns);
        }
        let Some(ahead) = ahead else {
            return self.direct(ranges).await;
        };
        let fetched = match ahead.task.await {
            Ok(result) => result.map_err(|e| ParquetError::External(Box::new(e)))?,
            // A panic in the task (caught by tokio) is an error here, never a panic of the caller.
            Err(e) => {
                return Err(ParquetError::General(format!(
                    "the read-ahead of row group {row_group} failed: {e}"
                )))
            }
        };
        Ok(ranges.iter().map(|r| slice(&ahead.ranges, &fetched, r)).collect())
    }

    async fn direct(&mut self, ranges: Vec<Range<u64>>) -> Result<Vec<Bytes>> {
        self.store
            .get_ranges(&self.key, &ranges)
            .await
            .map_err(|e| ParquetError::External(Box::new(e)))
    }
}

impl Drop for ReadAhead {
    fn drop(&mut self) {
        // A load stopped early (limit reached, cancelled, failed) does not leave a fetch running.
        if let Some(a) = self.ahead.take() {
            a.task.abort();
        }
    }
}

/// The row group whose column chunks hold every requested range, and those chunks' column indices.
fn locate(metadata: &ParquetMetaData, ranges: &[Range<u64>]) -> Option<(usize, Vec<usize>)> {
    let first = ranges.first()?;
    let (index, group) = metadata.row_groups().iter().enumerate().find(|(_, g)| {
        g.columns().iter().any(|c| {
            let (start, len) = c.byte_range();
            start <= first.start && first.end <= start + len
        })
    })?;
    let mut columns = Vec::new();
    for r in ranges {
        let c = group.columns().iter().position(|c| {
            let (start, len) = c.byte_range();
            start <= r.start && r.end <= start + len
        })?;
        if !columns.contains(&c) {
            columns.push(c);
        }
    }
    Some((index, columns))
}

/// Whether every range of `wanted` lies within one of `have`.
fn covers(have: &[Range<u64>], wanted: &[Range<u64>]) -> bool {
    wanted
        .iter()
        .all(|w| have.iter().any(|h| h.start <= w.start && w.end <= h.end))
}

/// The bytes of `wanted` out of the fetched ranges (`covers` held, so one of them contains it).
fn slice(have: &[Range<u64>], data: &[Bytes], wanted: &Range<u64>) -> Bytes {
    let i = have
        .iter()
        .position(|h| h.start <= wanted.start && wanted.end <= h.end)
        .expect("covers() checked that a fetched range holds it");
    let base = have[i].start;
    data[i].slice((wanted.start - base) as usize..(wanted.end - base) as usize)
}

#[allow(deprecated)]
impl AsyncFileReader for ReadAhead {
    fn get_bytes(&mut self, range: Range<u64>) -> BoxFuture<'_, Result<Bytes>> {
        async move {
            let mut data = self.read(vec![range]).await?;
            Ok(data.pop().unwrap_or_default())
        }
        .boxed()
    }

    fn get_byte_ranges(&mut self, ranges: Vec<Range<u64>>) -> BoxFuture<'_, Result<Vec<Bytes>>> {
        self.read(ranges).boxed()
    }

    fn get_metadata<'a>(
        &'a mut self,
        options: Option<&'a ArrowReaderOptions>,
    ) -> BoxFuture<'a, Result<Arc<ParquetMetaData>>> {
        async move {
            let metadata = self.footer.get_metadata(options).await?;
            self.metadata = Some(metadata.clone());
            self.last_row_group = None;
            Ok(metadata)
        }
        .boxed()
    }
}
