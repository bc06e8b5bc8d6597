//! Datasets: a directory, an object-store prefix or a glob read as one stream of every Parquet file under
//! it (sorted by path, hive-style `key=value` directories added as columns), and an export written as
//! part files plus a `_SUCCESS` marker (README.md, "Datasets").
//!
//! This file holds what every part shares (what a path names as a dataset, the store it lives in, the
//! marker names); the parts: `paths` (which paths are datasets, globs), `listing` (the files of a
//! dataset), `hive` (partition directories as columns), `load` (reading a dataset as one stream),
//! `parts` (writing part files) and `export` (an export as a whole: replace, the atomic swap, `_SUCCESS`).
use object_store::ObjectStore;
use std::path::PathBuf;
use std::sync::Arc;

mod export;
mod hive;
mod listing;
mod load;
mod parts;
mod paths;

pub use export::{export, is_dataset_export};
pub use listing::exists;
pub use load::open;
pub use paths::{as_prefix, glob_match, remote_of, resolve};

/// The key-value metadata every part file of a dataset export carries: a loader that finds it on a file
/// whose directory has no `_SUCCESS` refuses the dataset (an export that did not finish).
pub const PART_MARKER: &str = "mageio.dataset_part";
pub const SUCCESS: &str = "_SUCCESS";

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
