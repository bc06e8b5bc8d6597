//! Where a path points: a local file, or an object in S3 (s3://bucket/key), Azure Blob
//! (az://container/key) or Google Cloud Storage (gs://bucket/key).
use crate::abi::*;
use crate::error::{from_io, invalid, io_error, not_implemented, PluginError, Result};
use object_store::aws::AmazonS3Builder;
use object_store::azure::MicrosoftAzureBuilder;
use object_store::gcp::GoogleCloudStorageBuilder;
use object_store::path::Path as ObjectPath;
use object_store::{ClientOptions, ObjectStore, ObjectStoreExt, RetryConfig};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tokio::runtime::Runtime;

/// The configuration keys (config_schema_json in lib.rs).
pub const KEYS: &[(&str, bool)] = &[
    ("AWS_ACCESS_KEY_ID", false),
    ("AWS_SECRET_ACCESS_KEY", true),
    ("AWS_SESSION_TOKEN", true),
    ("AWS_REGION", false),
    ("AWS_ENDPOINT", false),
    ("AZURE_STORAGE_ACCOUNT_NAME", false),
    ("AZURE_STORAGE_ACCOUNT_KEY", true),
    ("AZURE_CLIENT_ID", false),
    ("AZURE_CLIENT_SECRET", true),
    ("AZURE_TENANT_ID", false),
    ("AZURE_ENDPOINT", false),
    ("GOOGLE_SERVICE_ACC_KEY", true),
    ("GOOGLE_SERVICE_ACC_KEY_FILEPATH", false),
    ("GOOGLE_ENDPOINT", false),
];

/// The object stores a path can name.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub enum Scheme {
    S3,
    Azure,
    Gcs,
}

impl Scheme {
    pub fn name(self) -> &'static str {
        match self {
            Scheme::S3 => "S3",
            Scheme::Azure => "Azure Blob",
            Scheme::Gcs => "Google Cloud Storage",
        }
    }
    pub fn form(self) -> &'static str {
        match self {
            Scheme::S3 => "s3://bucket/key",
            Scheme::Azure => "az://container/key",
            Scheme::Gcs => "gs://bucket/key",
        }
    }
}

/// An object-store URL split: its scheme, the prefix as written (`s3://`), the bucket (container) and
/// the key (possibly empty); None for a local path.
pub fn split_url(path: &str) -> Option<(Scheme, &str, &str, &str)> {
    const PREFIXES: &[(&str, Scheme)] = &[
        ("s3://", Scheme::S3),
        ("s3a://", Scheme::S3),
        ("az://", Scheme::Azure),
        ("azure://", Scheme::Azure),
        // fsspec's abfs://container/key, or Hadoop's abfs[s]://container@ACCOUNT.dfs.core.windows.net/key
        ("abfs://", Scheme::Azure),
        ("abfss://", Scheme::Azure),
        ("gs://", Scheme::Gcs),
    ];
    for (prefix, scheme) in PREFIXES {
        if let Some(rest) = path.strip_prefix(prefix) {
            let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
            return Some((*scheme, prefix, bucket, key));
        }
    }
    None
}

#[derive(Default, Clone)]
pub struct StoreConfig {
    pub values: BTreeMap<String, String>,
}

impl StoreConfig {
    pub fn parse(json: &str) -> Result<StoreConfig> {
        let mut config = StoreConfig::default();
        if json.trim().is_empty() {
            return Ok(config);
        }
        let map = match serde_json::from_str::<Value>(json) {
            Ok(Value::Object(map)) => map,
            _ => return Err(invalid("config is not a JSON object")),
        };
        for (key, value) in map {
            let Some(&(_, secret)) = KEYS.iter().find(|(k, _)| *k == key) else {
                let accepted: Vec<&str> = KEYS.iter().map(|(k, _)| *k).collect();
                return Err(invalid(format!(
                    "unknown config key {key}; accepted keys: {}",
                    accepted.join(", ")
                )));
            };
            let text = match value {
                Value::Null => continue,
                Value::String(s) => s,
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                // Mage's GOOGLE_SERVICE_ACC_KEY is the key file's JSON object.
                Value::Object(o) if key == "GOOGLE_SERVICE_ACC_KEY" => Value::Object(o).to_string(),
                _ => {
                    let shown = if secret {
                        "(secret)".to_string()
                    } else {
                        value.to_string()
                    };
                    return Err(invalid(format!("{key} must be a string, not {shown}")));
                }
            };
            config.values.insert(key, text);
        }
        Ok(config)
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(|s| s.as_str()).filter(|s| !s.is_empty())
    }
}

/// A local file, or an object of a bucket (container).
pub enum Location {
    Local(PathBuf),
    Object {
        url: String,
        scheme: Scheme,
        bucket: String,
        key: ObjectPath,
    },
}

impl Location {
    pub fn parse(path: &str, _config: &StoreConfig) -> Result<Location> {
        if path == "-" {
            return Err(not_implemented(
                "the parquet plugin cannot read or write standard input/output (\"-\"): Parquet needs a seekable file",
            ));
        }
        if let Some((scheme, _, bucket, key)) = split_url(path) {
            if bucket.is_empty() || key.is_empty() || key.ends_with('/') {
                return Err(invalid(format!(
                    "{path}: an {} path is {} (the key of one object), or a dataset (a prefix ending in / or a glob)",
                    scheme.name(),
                    scheme.form()
                )));
            }
            let key = ObjectPath::parse(key).map_err(|e| invalid(format!("{path}: not a valid object key: {e}")))?;
            return Ok(Location::Object {
                url: path.to_string(),
                scheme,
                bucket: bucket.to_string(),
                key,
            });
        }
        if let Some((scheme, _)) = path.split_once("://") {
            if scheme != "file" {
                return Err(not_implemented(format!(
                    "{path}: {scheme}:// paths are not supported by the parquet plugin (local paths, s3://, az:// and gs:// are)"
                )));
            }
        }
        let local = path.strip_prefix("file://").unwrap_or(path);
        Ok(Location::Local(PathBuf::from(local)))
    }

    /// Whether the file or object exists (table_exists).
    pub fn exists(&self, stores: &Stores) -> Result<bool> {
        match self {
            Location::Local(p) => match std::fs::metadata(p) {
                Ok(m) => Ok(m.is_file()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
                Err(e) if e.raw_os_error() == Some(20) => Ok(false), // ENOTDIR: a parent is a file
                Err(e) => Err(from_io(&format!("cannot stat {}", p.display()), &e)),
            },
            Location::Object {
                url,
                scheme,
                bucket,
                key,
            } => {
                let store = stores.get(*scheme, bucket)?;
                match stores.block_on(store.head(key)) {
                    Ok(_) => Ok(true),
                    Err(object_store::Error::NotFound { .. }) => Ok(false),
                    Err(e) => Err(store_error(url, e)),
                }
            }
        }
    }
}

/// An object store error about `url`, with the store's own message.
pub fn store_error(url: &str, e: object_store::Error) -> PluginError {
    use object_store::Error as E;
    let status = match &e {
        E::NotFound { .. } => STATUS_NOT_FOUND,
        E::AlreadyExists { .. } | E::Precondition { .. } => STATUS_ALREADY_EXISTS,
        E::PermissionDenied { .. } | E::Unauthenticated { .. } => STATUS_UNAUTHENTICATED,
        E::NotSupported { .. } | E::NotImplemented { .. } => STATUS_NOT_IMPLEMENTED,
        _ => STATUS_BACKEND,
    };
    let mut message = format!("{url}: {e}");
    let mut source = std::error::Error::source(&e);
    while let Some(inner) = source {
        let text = inner.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = inner.source();
    }
    PluginError::new(status, message)
}

/// The instance's object-store clients (one per bucket) and the runtime their I/O runs on.
pub struct Stores {
    config: StoreConfig,
    runtime: OnceLock<std::result::Result<Arc<Runtime>, String>>,
    clients: Mutex<BTreeMap<(Scheme, String), Arc<dyn ObjectStore>>>,
}

impl Stores {
    pub fn new(config: StoreConfig) -> Stores {
        Stores {
            config,
            runtime: OnceLock::new(),
            clients: Mutex::new(BTreeMap::new()),
        }
    }

    pub fn runtime(&self) -> Result<Arc<Runtime>> {
        let rt = self.runtime.get_or_init(|| {
            // Worker threads run the I/O tasks while the caller's thread decodes or encodes: the read-ahead
            // of the next row group (readahead.rs) and the part uploads of a multipart write progress then.
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("mageio-parquet-io")
                .enable_all()
                .build()
                .map(Arc::new)
                .map_err(|e| e.to_string())
        });
        rt.clone()
            .map_err(|e| io_error(format!("cannot start the I/O runtime: {e}")))
    }

    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        // runtime() succeeded before any store was made (s3() calls it).
        self.runtime()
            .expect("the runtime exists once a store does")
            .block_on(f)
    }

    /// The client of a bucket (container), made once per instance.
    pub fn get(&self, scheme: Scheme, bucket: &str) -> Result<Arc<dyn ObjectStore>> {
        self.runtime()?;
        let mut cache = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(store) = cache.get(&(scheme, bucket.to_string())) {
            return Ok(store.clone());
        }
        // rustls needs one process-wide crypto provider; ring is the one built in (Err: already set).
        #[allow(deprecated)] // ring has no post-quantum key exchange; it builds without cmake, unlike aws-lc
        let _ = rustls::crypto::ring::default_provider().install_default();
        let store = match scheme {
            Scheme::S3 => self.s3(bucket)?,
            Scheme::Azure => self.azure(bucket)?,
            Scheme::Gcs => self.gcs(bucket)?,
        };
        cache.insert((scheme, bucket.to_string()), store.clone());
        Ok(store)
    }

    fn options(endpoint: Option<&str>) -> ClientOptions {
        let options = ClientOptions::new()
            .with_connect_timeout(Duration::from_secs(10))
            .with_timeout(Duration::from_secs(300));
        match endpoint {
            Some(v) if v.starts_with("http://") => options.with_allow_http(true),
            _ => options,
        }
    }

    /// A few quick retries: a wrong endpoint or a missing bucket is reported in seconds, not minutes.
    fn retry() -> RetryConfig {
        RetryConfig {
            max_retries: 2,
            retry_timeout: Duration::from_secs(20),
            ..Default::default()
        }
    }

    fn azure(&self, container: &str) -> Result<Arc<dyn ObjectStore>> {
        let c = &self.config;
        let mut builder = MicrosoftAzureBuilder::from_env();
        // container@ACCOUNT.dfs.core.windows.net (an abfss:// URL): the account is the URL's.
        let url_account = container.contains('@');
        builder = if url_account {
            builder.with_url(format!("abfss://{container}/"))
        } else {
            builder.with_container_name(container)
        };
        if let Some(v) = c.get("AZURE_STORAGE_ACCOUNT_NAME").filter(|_| !url_account) {
            builder = builder.with_account(v);
        }
        if let Some(v) = c.get("AZURE_STORAGE_ACCOUNT_KEY") {
            builder = builder.with_access_key(v);
        }
        if let Some(v) = c.get("AZURE_CLIENT_ID") {
            builder = builder.with_client_id(v);
        }
        if let Some(v) = c.get("AZURE_CLIENT_SECRET") {
            builder = builder.with_client_secret(v);
        }
        if let Some(v) = c.get("AZURE_TENANT_ID") {
            builder = builder.with_tenant_id(v);
        }
        let endpoint = c.get("AZURE_ENDPOINT");
        if let Some(v) = endpoint {
            builder = builder.with_endpoint(v.to_string());
        }
        // The builder's errors name no secret (a bad key is "invalid access key", not its value).
        let store = builder
            .with_client_options(Self::options(endpoint))
            .with_retry(Self::retry())
            .build()
            .map_err(|e| invalid(format!("{container}: cannot configure the Azure Blob client: {e}")))?;
        Ok(Arc::new(store))
    }

    fn gcs(&self, bucket: &str) -> Result<Arc<dyn ObjectStore>> {
        let c = &self.config;
        let mut builder = GoogleCloudStorageBuilder::from_env().with_bucket_name(bucket);
        if let Some(v) = c.get("GOOGLE_SERVICE_ACC_KEY") {
            builder = builder.with_service_account_key(v);
        }
        if let Some(v) = c.get("GOOGLE_SERVICE_ACC_KEY_FILEPATH") {
            builder = builder.with_service_account_path(v);
        }
        let endpoint = c.get("GOOGLE_ENDPOINT");
        if let Some(v) = endpoint {
            builder = builder.with_base_url(v);
        }
        let store = builder
            .with_client_options(Self::options(endpoint))
            .with_retry(Self::retry())
            .build()
            .map_err(|e| {
                // A malformed key's parse error may quote it: only say that it did not parse.
                let text = e.to_string();
                let shown = if c
                    .get("GOOGLE_SERVICE_ACC_KEY")
                    .is_some_and(|k| k.len() > 8 && text.contains(&k[..8]))
                {
                    "the service account key is not valid JSON of a key file".to_string()
                } else {
                    text
                };
                invalid(format!(
                    "gs://{bucket}: cannot configure the Google Cloud Storage client: {shown}"
                ))
            })?;
        Ok(Arc::new(store))
    }

    fn s3(&self, bucket: &str) -> Result<Arc<dyn ObjectStore>> {
        let c = &self.config;
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(bucket);
        if let Some(v) = c.get("AWS_ACCESS_KEY_ID") {
            builder = builder.with_access_key_id(v);
        }
        if let Some(v) = c.get("AWS_SECRET_ACCESS_KEY") {
            builder = builder.with_secret_access_key(v);
        }
        if let Some(v) = c.get("AWS_SESSION_TOKEN") {
            builder = builder.with_token(v);
        }
        if let Some(v) = c.get("AWS_REGION") {
            builder = builder.with_region(v);
        }
        let endpoint = c.get("AWS_ENDPOINT");
        if let Some(v) = endpoint {
            builder = builder.with_endpoint(v);
        }
        let store = builder
            .with_client_options(Self::options(endpoint))
            .with_retry(Self::retry())
            .build()
            .map_err(|e| invalid(format!("s3://{bucket}: cannot configure the S3 client: {e}")))?;
        Ok(Arc::new(store))
    }
}
