//! mageio's Parquet plugin: Parquet files on local disk, S3 (and S3-compatible stores), Azure Blob and GCS, written
//! in Rust against the C ABI of sdk/include/mageio/mageio_abi.h. Everything the host calls is an
//! `extern "C"` function in this file; each one runs its body under `error::guarded`, so no panic
//! crosses the boundary.
#![allow(clippy::missing_safety_doc)]

pub mod abi;
pub mod dataset;
pub mod error;
pub mod host;
pub mod read;
pub mod readahead;
pub mod request;
pub mod store;
pub mod stream;
pub mod write;

use abi::*;
use error::{guarded, invalid, PluginError, Result};
use host::Host;
use std::ffi::{c_char, CStr};
use std::ptr;

const CONFIG_SCHEMA: &CStr = c"{\"section\": \"\", \"keys\": [\
{\"name\": \"AWS_ACCESS_KEY_ID\", \"alias\": \"\", \"type\": \"string\", \"required\": false, \"secret\": false, \
\"description\": \"S3 access key id (s3:// paths); unset: the environment's AWS credentials\"}, \
{\"name\": \"AWS_SECRET_ACCESS_KEY\", \"alias\": \"\", \"type\": \"string\", \"required\": false, \"secret\": true, \
\"description\": \"S3 secret access key\"}, \
{\"name\": \"AWS_SESSION_TOKEN\", \"alias\": \"\", \"type\": \"string\", \"required\": false, \"secret\": true, \
\"description\": \"S3 session token (temporary credentials)\"}, \
{\"name\": \"AWS_REGION\", \"alias\": \"\", \"type\": \"string\", \"required\": false, \"secret\": false, \
\"description\": \"S3 region, e.g. us-east-1\"}, \
{\"name\": \"AWS_ENDPOINT\", \"alias\": \"\", \"type\": \"string\", \"required\": false, \"secret\": false, \
\"description\": \"endpoint URL of an S3-compatible store (MinIO, Backblaze B2, moto); http:// is allowed\"}, \
{\"name\": \"AZURE_STORAGE_ACCOUNT_NAME\", \"alias\": \"\", \"type\": \"string\", \"required\": false, \"secret\": false, \
\"description\": \"Azure storage account (az:// paths)\"}, \
{\"name\": \"AZURE_STORAGE_ACCOUNT_KEY\", \"alias\": \"\", \"type\": \"string\", \"required\": false, \"secret\": true, \
\"description\": \"Azure storage account key (shared key authorization)\"}, \
{\"name\": \"AZURE_CLIENT_ID\", \"alias\": \"\", \"type\": \"string\", \"required\": false, \"secret\": false, \
\"description\": \"Azure service principal (application) id\"}, \
{\"name\": \"AZURE_CLIENT_SECRET\", \"alias\": \"\", \"type\": \"string\", \"required\": false, \"secret\": true, \
\"description\": \"Azure service principal secret\"}, \
{\"name\": \"AZURE_TENANT_ID\", \"alias\": \"\", \"type\": \"string\", \"required\": false, \"secret\": false, \
\"description\": \"Azure tenant (directory) id of the service principal\"}, \
{\"name\": \"AZURE_ENDPOINT\", \"alias\": \"\", \"type\": \"string\", \"required\": false, \"secret\": false, \
\"description\": \"blob endpoint URL instead of https://ACCOUNT.blob.core.windows.net (Azurite: http://127.0.0.1:10000/devstoreaccount1)\"}, \
{\"name\": \"GOOGLE_SERVICE_ACC_KEY\", \"alias\": \"\", \"type\": \"string\", \"required\": false, \"secret\": true, \
\"description\": \"Google service account key, the key file's JSON (gs:// paths)\"}, \
{\"name\": \"GOOGLE_SERVICE_ACC_KEY_FILEPATH\", \"alias\": \"\", \"type\": \"string\", \"required\": false, \"secret\": false, \
\"description\": \"path of a Google service account key file\"}, \
{\"name\": \"GOOGLE_ENDPOINT\", \"alias\": \"\", \"type\": \"string\", \"required\": false, \"secret\": false, \
\"description\": \"Cloud Storage endpoint URL instead of https://storage.googleapis.com (fake-gcs-server)\"}]}";

/// The logical types that survive export -> load unchanged (the conformance kit tests each one).
const TYPES_1_1: &CStr = c"[\"null\", \"bool\", \"int8\", \"int16\", \"int32\", \"int64\", \"uint8\", \"uint16\", \
\"uint32\", \"uint64\", \"float32\", \"float64\", \"decimal128(12, 2)\", \"decimal128(38, 10)\", \"utf8\", \
\"large_utf8\", \"binary\", \"large_binary\", \"date32\", \"timestamp[us]\", \"timestamp[us, UTC]\", \
\"time64[us]\", \"duration[us]\"]";
const TYPES_1_0: &CStr = c"null;bool;int8;int16;int32;int64;uint8;uint16;uint32;uint64;float32;float64;\
decimal128(12, 2);decimal128(38, 10);utf8;large_utf8;binary;large_binary;date32;timestamp[us];\
timestamp[us, UTC];time64[us];duration[us]";

const CAPABILITIES: u64 = CAP_LOAD | CAP_EXPORT | CAP_TABLE_EXISTS | CAP_PATHS;

const fn descriptor(abi_version: u32, types: &'static CStr) -> MageioPluginDescriptor {
    MageioPluginDescriptor {
        struct_size: std::mem::size_of::<MageioPluginDescriptor>(),
        abi_version,
        name: c"parquet".as_ptr(),
        version: c"0.1.0".as_ptr(),
        description: c"Parquet files and datasets on local disk, S3 (and S3-compatible stores), Azure Blob and Google Cloud Storage".as_ptr(),
        capabilities: CAPABILITIES,
        config_schema_json: CONFIG_SCHEMA.as_ptr(),
        supported_types: types.as_ptr(),
        open: Some(open),
        close: Some(close),
        load: Some(load),
        export_data: Some(export_data),
        execute: None,
        execute_queries: None,
        alter_table: None,
        table_exists: Some(table_exists),
        stream_error: Some(stream::stream_error),
        plan_partitions: None,
        load_partition: None,
        stage_begin: None,
        stage_write: None,
        stage_finish: None,
        instance_capabilities: None,
    }
}

static DESCRIPTOR_1_1: MageioPluginDescriptor = descriptor(ABI_VERSION_1_1, TYPES_1_1);
static DESCRIPTOR_1_0: MageioPluginDescriptor = descriptor(ABI_VERSION_1_0, TYPES_1_0);

/// The plugin's one exported symbol (MAGEIO_PLUGIN_ENTRY_NAME).
#[no_mangle]
pub unsafe extern "C" fn mageio_plugin_entry(
    host_abi_version: u32,
    out: *mut *const MageioPluginDescriptor,
    error: *mut MageioError,
) -> MageioStatus {
    guarded(error, || {
        if out.is_null() {
            return Err(invalid("mageio_plugin_entry: out is NULL"));
        }
        if host_abi_version / 1_000_000 != 1 || host_abi_version < ABI_VERSION_1_0 {
            return Err(error::not_implemented(format!(
                "the parquet plugin implements ABI 1.1 and cannot work with a host that speaks ABI {}.{}",
                host_abi_version / 1_000_000,
                host_abi_version % 1_000_000 / 1000
            )));
        }
        *out = if host_abi_version >= ABI_VERSION_1_1 {
            &DESCRIPTOR_1_1
        } else {
            &DESCRIPTOR_1_0
        };
        Ok(())
    })
}

/// An open instance: the configuration and the host's services.
pub struct Instance {
    pub host: Host,
    pub config: store::StoreConfig,
    pub stores: store::Stores,
}

unsafe fn instance<'a>(raw: *mut MageioInstance) -> Result<&'a mut Instance> {
    if raw.is_null() {
        return Err(invalid("the instance is NULL"));
    }
    Ok(&mut *(raw as *mut Instance))
}

unsafe fn text<'a>(raw: *const c_char, what: &str) -> Result<&'a str> {
    if raw.is_null() {
        return Err(invalid(format!("{what} is NULL")));
    }
    CStr::from_ptr(raw)
        .to_str()
        .map_err(|_| invalid(format!("{what} is not UTF-8")))
}

unsafe extern "C" fn open(
    config_json: *const c_char,
    host: *const MageioHostServices,
    out: *mut *mut MageioInstance,
    error: *mut MageioError,
) -> MageioStatus {
    guarded(error, || {
        if out.is_null() {
            return Err(invalid("open: out is NULL"));
        }
        let json = if config_json.is_null() {
            ""
        } else {
            text(config_json, "the config")?
        };
        let config = store::StoreConfig::parse(json)?;
        let stores = store::Stores::new(config.clone());
        let instance = Box::new(Instance {
            host: Host::from_raw(host),
            config,
            stores,
        });
        *out = Box::into_raw(instance) as *mut MageioInstance;
        Ok(())
    })
}

unsafe extern "C" fn close(raw: *mut MageioInstance) {
    if raw.is_null() {
        return;
    }
    // Dropping frees the runtime and the clients; a panic in a destructor is swallowed, never raised.
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        drop(Box::from_raw(raw as *mut Instance))
    }));
}

unsafe extern "C" fn load(
    raw: *mut MageioInstance,
    request_json: *const c_char,
    out: *mut ArrowArrayStream,
    error: *mut MageioError,
) -> MageioStatus {
    guarded(error, || {
        let instance = instance(raw)?;
        if out.is_null() {
            return Err(invalid("load: out is NULL"));
        }
        let request = request::LoadRequest::parse(text(request_json, "the load request")?)?;
        let source = match dataset::resolve(instance, &request.path)? {
            Some(spec) => dataset::open(instance, spec, &request)?,
            None => match read::open(instance, &request) {
                // An object key that is no object but a prefix of some (s3://bucket/table): a dataset.
                Err(e) if e.status == STATUS_NOT_FOUND => match dataset::as_prefix(instance, &request.path)? {
                    None => return Err(e),
                    Some(spec) => match dataset::exists(instance, &spec) {
                        Ok(true) => dataset::open(instance, spec, &request)?,
                        Ok(false) => return Err(e),
                        // Listing says more than a HEAD's bare 404 (ContainerNotFound, NoSuchBucket).
                        Err(listing) => {
                            let detail = listing.message.strip_prefix(&request.path).unwrap_or(&listing.message);
                            return Err(error::PluginError::new(
                                e.status,
                                format!("{}; listing it as a prefix{detail}", e.message),
                            ));
                        }
                    },
                },
                other => other?,
            },
        };
        ptr::write(out, stream::export(source, instance.host.clone()));
        Ok(())
    })
}

unsafe extern "C" fn export_data(
    raw: *mut MageioInstance,
    request_json: *const c_char,
    input: *mut ArrowArrayStream,
    rows_written: *mut i64,
    error: *mut MageioError,
) -> MageioStatus {
    guarded(error, || {
        let instance = instance(raw)?;
        let request = request::ExportRequest::parse(text(request_json, "the export request")?)?;
        let mut reader = stream::InputStream::open(input)?;
        let rows = write::export(instance, &request, &mut reader)?;
        if !rows_written.is_null() {
            *rows_written = rows;
        }
        Ok(())
    })
}

unsafe extern "C" fn table_exists(
    raw: *mut MageioInstance,
    request_json: *const c_char,
    exists: *mut i32,
    error: *mut MageioError,
) -> MageioStatus {
    guarded(error, || {
        let instance = instance(raw)?;
        if exists.is_null() {
            return Err(invalid("table_exists: exists is NULL"));
        }
        let path = request::parse_target(text(request_json, "the table_exists request")?)?;
        let found = match dataset::resolve(instance, &path)? {
            Some(spec) => dataset::exists(instance, &spec)?,
            None => {
                let location = store::Location::parse(&path, &instance.config)?;
                location.exists(&instance.stores)?
                    || match dataset::as_prefix(instance, &path)? {
                        Some(spec) => match dataset::exists(instance, &spec) {
                            Ok(found) => found,
                            Err(e) if e.status == STATUS_NOT_FOUND => false,
                            Err(e) => return Err(e),
                        },
                        None => false,
                    }
            }
        };
        *exists = i32::from(found);
        Ok(())
    })
}

impl From<arrow::error::ArrowError> for PluginError {
    fn from(e: arrow::error::ArrowError) -> Self {
        invalid(e.to_string())
    }
}
