//! Where a path points: a local file, or an object in S3 (s3://bucket/key).
use crate::abi::*;
use crate::error::{from_io, invalid, io_error, not_implemented, PluginError, Result};
use object_store::aws::AmazonS3Builder;
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
];

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

/// A local file, or an object of an S3 bucket.
pub enum Location {
    Local(PathBuf),
    S3 {
        url: String,
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
        if let Some(rest) = path.strip_prefix("s3://").or_else(|| path.strip_prefix("s3a://")) {
            let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
            if bucket.is_empty() || key.is_empty() || key.ends_with('/') {
                return Err(invalid(format!(
                    "{path}: an S3 path is s3://bucket/key (the key of one object)"
                )));
            }
            let key = ObjectPath::parse(key).map_err(|e| invalid(format!("{path}: not a valid object key: {e}")))?;
            return Ok(Location::S3 {
                url: path.to_string(),
                bucket: bucket.to_string(),
                key,
            });
        }
        if let Some((scheme, _)) = path.split_once("://") {
            if scheme != "file" {
                return Err(not_implemented(format!(
                    "{path}: {scheme}:// paths are not supported by the parquet plugin (local paths and s3:// are)"
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
            Location::S3 { url, bucket, key } => {
                let store = stores.s3(bucket)?;
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
    s3: Mutex<BTreeMap<String, Arc<dyn ObjectStore>>>,
}

impl Stores {
    pub fn new(config: StoreConfig) -> Stores {
        Stores {
            config,
            runtime: OnceLock::new(),
            s3: Mutex::new(BTreeMap::new()),
        }
    }

    pub fn runtime(&self) -> Result<Arc<Runtime>> {
        let rt = self.runtime.get_or_init(|| {
            tokio::runtime::Builder::new_current_thread()
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

    pub fn s3(&self, bucket: &str) -> Result<Arc<dyn ObjectStore>> {
        self.runtime()?;
        let mut cache = self.s3.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(store) = cache.get(bucket) {
            return Ok(store.clone());
        }
        // rustls needs one process-wide crypto provider; ring is the one built in (Err: already set).
        #[allow(deprecated)] // ring has no post-quantum key exchange; it builds without cmake, unlike aws-lc
        let _ = rustls::crypto::ring::default_provider().install_default();
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
        let mut options = ClientOptions::new()
            .with_connect_timeout(Duration::from_secs(10))
            .with_timeout(Duration::from_secs(300));
        if let Some(v) = c.get("AWS_ENDPOINT") {
            builder = builder.with_endpoint(v);
            if v.starts_with("http://") {
                options = options.with_allow_http(true);
            }
        }
        // A few quick retries: a wrong endpoint or a missing bucket is reported in seconds, not minutes.
        let retry = RetryConfig {
            max_retries: 2,
            retry_timeout: Duration::from_secs(20),
            ..Default::default()
        };
        let store = builder
            .with_client_options(options)
            .with_retry(retry)
            .build()
            .map_err(|e| invalid(format!("s3://{bucket}: cannot configure the S3 client: {e}")))?;
        let store: Arc<dyn ObjectStore> = Arc::new(store);
        cache.insert(bucket.to_string(), store.clone());
        Ok(store)
    }
}
