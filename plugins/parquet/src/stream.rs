//! Arrow C streams in both directions: the load stream this plugin hands the host (with its full
//! error through MageioPluginDescriptor.stream_error), and the host's input stream of an export, which
//! the plugin reads but never releases (the caller owns it).
use crate::abi::*;
use crate::error::{errno_of, fill_error, invalid, panic_error, PluginError, Result};
use crate::host::Host;
use arrow::array::{Array, RecordBatch, RecordBatchOptions, StructArray};
use arrow::datatypes::{Schema, SchemaRef};
use arrow::ffi::{from_ffi, FFI_ArrowArray, FFI_ArrowSchema};
use std::collections::BTreeSet;
use std::ffi::{c_char, c_int, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex};

/// What a load produces: a schema and its batches, each failure already naming the path.
pub struct Source {
    pub schema: SchemaRef,
    pub batches: Box<dyn Iterator<Item = Result<RecordBatch>> + Send>,
    /// The rows the whole load will give when known (progress), else -1.
    pub total_rows: i64,
    /// Named in the message of a cancelled load.
    pub path: String,
}

struct StreamState {
    source: Source,
    host: Host,
    rows: i64,
    done: bool,
    last_error: Option<(PluginError, CString)>,
}

impl StreamState {
    fn fail(&mut self, e: PluginError) -> c_int {
        let code = errno_of(e.status);
        let text = CString::new(e.message.replace('\0', " ")).unwrap_or_default();
        self.last_error = Some((e, text));
        code
    }
}

/// The private_data of every live stream this plugin made: stream_error answers only for these (comparing
/// function pointers to recognize them is not reliable across codegen units).
static LIVE: Mutex<BTreeSet<usize>> = Mutex::new(BTreeSet::new());

fn live() -> std::sync::MutexGuard<'static, BTreeSet<usize>> {
    LIVE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Hands `source` to the host as an ArrowArrayStream of struct arrays.
pub fn export(source: Source, host: Host) -> ArrowArrayStream {
    let state = Box::new(StreamState {
        source,
        host,
        rows: 0,
        done: false,
        last_error: None,
    });
    let private_data = Box::into_raw(state);
    live().insert(private_data as usize);
    ArrowArrayStream {
        get_schema: Some(get_schema),
        get_next: Some(get_next),
        get_last_error: Some(get_last_error),
        release: Some(release),
        private_data: private_data as *mut _,
    }
}

unsafe fn state<'a>(stream: *mut ArrowArrayStream) -> &'a mut StreamState {
    &mut *((*stream).private_data as *mut StreamState)
}

unsafe extern "C" fn get_schema(stream: *mut ArrowArrayStream, out: *mut FFI_ArrowSchema) -> c_int {
    let st = state(stream);
    st.last_error = None;
    let result = catch_unwind(AssertUnwindSafe(|| {
        FFI_ArrowSchema::try_from(st.source.schema.as_ref())
    }));
    match result {
        Ok(Ok(schema)) => {
            std::ptr::write(out, schema);
            0
        }
        Ok(Err(e)) => st.fail(invalid(format!("{}: cannot export the schema: {e}", st.source.path))),
        Err(p) => st.fail(panic_error(p)),
    }
}

unsafe extern "C" fn get_next(stream: *mut ArrowArrayStream, out: *mut FFI_ArrowArray) -> c_int {
    let st = state(stream);
    st.last_error = None;
    let result = catch_unwind(AssertUnwindSafe(|| -> Result<Option<FFI_ArrowArray>> {
        if st.done {
            return Ok(None);
        }
        if st.host.cancelled() {
            return Err(PluginError::new(
                STATUS_CANCELLED,
                format!("the load of {} was cancelled", st.source.path),
            ));
        }
        match st.source.batches.next() {
            None => {
                st.done = true;
                Ok(None)
            }
            Some(Err(e)) => Err(e),
            Some(Ok(batch)) => {
                st.rows += batch.num_rows() as i64;
                st.host.progress(st.rows, -1, st.source.total_rows);
                let data = StructArray::from(batch).into_data();
                Ok(Some(FFI_ArrowArray::new(&data)))
            }
        }
    }));
    match result {
        Ok(Ok(Some(array))) => {
            std::ptr::write(out, array);
            0
        }
        Ok(Ok(None)) => {
            std::ptr::write(out, FFI_ArrowArray::empty());
            0
        }
        Ok(Err(e)) => st.fail(e),
        Err(p) => st.fail(panic_error(p)),
    }
}

unsafe extern "C" fn get_last_error(stream: *mut ArrowArrayStream) -> *const c_char {
    match &state(stream).last_error {
        Some((_, text)) => text.as_ptr(),
        None => std::ptr::null(),
    }
}

unsafe extern "C" fn release(stream: *mut ArrowArrayStream) {
    if stream.is_null() || (*stream).release.is_none() {
        return;
    }
    let raw = (*stream).private_data as *mut StreamState;
    live().remove(&(raw as usize));
    let _ = catch_unwind(AssertUnwindSafe(|| drop(Box::from_raw(raw))));
    (*stream).release = None;
    (*stream).private_data = std::ptr::null_mut();
}

/// MageioPluginDescriptor.stream_error: the status and message of this plugin's stream's last failure.
pub unsafe extern "C" fn stream_error(stream: *mut ArrowArrayStream, error: *mut MageioError) -> MageioStatus {
    if stream.is_null() || (*stream).release.is_none() || !live().contains(&((*stream).private_data as usize)) {
        return STATUS_OK;
    }
    match &state(stream).last_error {
        Some((e, _)) => {
            fill_error(error, e);
            e.status
        }
        None => STATUS_OK,
    }
}

/// The input of an export: borrowed, read through its callbacks, never released here.
pub struct InputStream {
    raw: *mut ArrowArrayStream,
    ffi_schema: FFI_ArrowSchema,
    pub schema: SchemaRef,
}

impl InputStream {
    /// # Safety
    /// `raw` is NULL or a live stream that outlives this reader.
    pub unsafe fn open(raw: *mut ArrowArrayStream) -> Result<InputStream> {
        if raw.is_null() || (*raw).release.is_none() {
            return Err(invalid("export: the input stream is NULL or already released"));
        }
        let get_schema = (*raw)
            .get_schema
            .ok_or_else(|| invalid("export: the input stream has no get_schema"))?;
        let mut ffi_schema = FFI_ArrowSchema::empty();
        let rc = get_schema(raw, &mut ffi_schema);
        if rc != 0 {
            return Err(Self::error_of(raw, rc, "reading the schema of the input"));
        }
        let schema = Schema::try_from(&ffi_schema).map_err(|e| {
            invalid(format!(
                "the schema of the input is not one the parquet plugin can read: {e}"
            ))
        })?;
        Ok(InputStream {
            raw,
            ffi_schema,
            schema: Arc::new(schema),
        })
    }

    unsafe fn error_of(raw: *mut ArrowArrayStream, rc: c_int, what: &str) -> PluginError {
        let detail = match (*raw).get_last_error {
            Some(f) => {
                let p = f(raw);
                if p.is_null() {
                    format!("error code {rc}")
                } else {
                    CStr::from_ptr(p).to_string_lossy().into_owned()
                }
            }
            None => format!("error code {rc}"),
        };
        let status = if rc == crate::error::libc_errno::ECANCELED {
            STATUS_CANCELLED
        } else {
            STATUS_INVALID_ARGUMENT
        };
        PluginError::new(status, format!("{what} failed: {detail}"))
    }

    /// The next batch, or None at the end of the input.
    pub fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        unsafe {
            let get_next = (*self.raw)
                .get_next
                .ok_or_else(|| invalid("export: the input stream has no get_next"))?;
            let mut array = FFI_ArrowArray::empty();
            let rc = get_next(self.raw, &mut array);
            if rc != 0 {
                return Err(Self::error_of(self.raw, rc, "reading the input"));
            }
            if array.is_released() {
                return Ok(None);
            }
            let data = from_ffi(array, &self.ffi_schema)
                .map_err(|e| invalid(format!("a batch of the input is not valid Arrow: {e}")))?;
            let structs = StructArray::from(data);
            if structs.null_count() > 0 {
                return Err(invalid("a batch of the input has null rows at the top level"));
            }
            let rows = structs.len();
            let (_, columns, _) = structs.into_parts();
            let options = RecordBatchOptions::new().with_row_count(Some(rows));
            RecordBatch::try_new_with_options(self.schema.clone(), columns, &options)
                .map_err(|e| invalid(format!("a batch of the input does not match its schema: {e}")))
                .map(Some)
        }
    }
}
