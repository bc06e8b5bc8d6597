//! Errors as the ABI reports them: a status and a message for a person, naming what and where.
use crate::abi::*;
use std::ffi::CString;
use std::mem::{offset_of, size_of};
use std::panic::{catch_unwind, AssertUnwindSafe};

#[derive(Debug, Clone)]
pub struct PluginError {
    pub status: MageioStatus,
    pub message: String,
}

pub type Result<T> = std::result::Result<T, PluginError>;

impl PluginError {
    pub fn new(status: MageioStatus, message: impl Into<String>) -> Self {
        PluginError {
            status,
            message: message.into(),
        }
    }
}

pub fn invalid(message: impl Into<String>) -> PluginError {
    PluginError::new(STATUS_INVALID_ARGUMENT, message)
}
pub fn not_found(message: impl Into<String>) -> PluginError {
    PluginError::new(STATUS_NOT_FOUND, message)
}
pub fn io_error(message: impl Into<String>) -> PluginError {
    PluginError::new(STATUS_IO, message)
}
pub fn not_implemented(message: impl Into<String>) -> PluginError {
    PluginError::new(STATUS_NOT_IMPLEMENTED, message)
}

/// A std::io::Error about `what`: a missing file is NOT_FOUND, a refused one UNAUTHENTICATED-free IO.
pub fn from_io(what: &str, e: &std::io::Error) -> PluginError {
    let status = match e.kind() {
        std::io::ErrorKind::NotFound => STATUS_NOT_FOUND,
        _ => STATUS_IO,
    };
    PluginError::new(status, format!("{what}: {e}"))
}

/// The errno code a stream callback returns for a status (the host asks stream_error for the rest).
pub fn errno_of(status: MageioStatus) -> i32 {
    match status {
        STATUS_INVALID_ARGUMENT => libc_errno::EINVAL,
        STATUS_NOT_FOUND => libc_errno::ENOENT,
        STATUS_CANCELLED => libc_errno::ECANCELED,
        STATUS_UNAUTHENTICATED => libc_errno::EACCES,
        STATUS_NOT_IMPLEMENTED => libc_errno::ENOSYS,
        STATUS_INTERNAL => libc_errno::EINVAL,
        _ => libc_errno::EIO,
    }
}

/// The Linux values, so the crate needs no libc dependency for five numbers.
pub mod libc_errno {
    pub const ENOENT: i32 = 2;
    pub const EIO: i32 = 5;
    pub const EACCES: i32 = 13;
    pub const EINVAL: i32 = 22;
    pub const ENOSYS: i32 = 38;
    pub const ECANCELED: i32 = 125;
}

unsafe extern "C" fn release_error(error: *mut MageioError) {
    if error.is_null() {
        return;
    }
    let message = (*error).message;
    if !message.is_null() {
        drop(CString::from_raw(message));
    }
    (*error).message = std::ptr::null_mut();
    (*error).release = None;
}

fn covers(struct_size: usize, offset: usize, size: usize) -> bool {
    struct_size >= offset + size
}

/// Fills the host's MageioError, writing only the fields its struct_size covers.
///
/// # Safety
/// `error` is NULL or a MageioError the host allocated with struct_size set.
pub unsafe fn fill_error(error: *mut MageioError, e: &PluginError) {
    if error.is_null() {
        return;
    }
    let size = (*error).struct_size;
    let message_fits = covers(size, offset_of!(MageioError, message), size_of::<*mut i8>());
    let release_fits = covers(size, offset_of!(MageioError, release), size_of::<usize>());
    if message_fits && release_fits {
        let text = e.message.replace('\0', " ");
        (*error).message = CString::new(text).unwrap_or_default().into_raw();
        (*error).release = Some(release_error);
    }
}

/// Runs `f` at the ABI boundary: an error becomes the status and the MageioError, and a panic never
/// crosses into the host (it becomes MAGEIO_STATUS_INTERNAL).
///
/// # Safety
/// `error` as for fill_error.
pub unsafe fn guarded(error: *mut MageioError, f: impl FnOnce() -> Result<()>) -> MageioStatus {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => STATUS_OK,
        Ok(Err(e)) => {
            fill_error(error, &e);
            e.status
        }
        Err(payload) => {
            let e = panic_error(payload);
            fill_error(error, &e);
            e.status
        }
    }
}

pub fn panic_error(payload: Box<dyn std::any::Any + Send>) -> PluginError {
    let what = if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    };
    PluginError::new(
        STATUS_INTERNAL,
        format!("internal error in the parquet plugin (a bug): {what}"),
    )
}
