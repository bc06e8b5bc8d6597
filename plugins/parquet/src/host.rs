//! The host's services (MageioHostServices), copied at open for the fields its struct_size covers.
use crate::abi::*;
use std::ffi::{c_void, CString};
use std::mem::offset_of;

#[derive(Clone)]
pub struct Host {
    host_data: *mut c_void,
    log: Option<unsafe extern "C" fn(*mut c_void, i32, *const std::ffi::c_char)>,
    progress: Option<unsafe extern "C" fn(*mut c_void, i64, i64, i64)>,
    is_cancelled: Option<unsafe extern "C" fn(*mut c_void) -> i32>,
}

// The header: "the plugin may call any callback from any thread; the host makes them thread-safe",
// and the table stays valid until close (every stream is released before close).
unsafe impl Send for Host {}
unsafe impl Sync for Host {}

impl Host {
    /// # Safety
    /// `raw` is NULL or a MageioHostServices valid until close.
    pub unsafe fn from_raw(raw: *const MageioHostServices) -> Host {
        let mut host = Host {
            host_data: std::ptr::null_mut(),
            log: None,
            progress: None,
            is_cancelled: None,
        };
        if raw.is_null() {
            return host;
        }
        let size = (*raw).struct_size;
        let word = std::mem::size_of::<usize>();
        if size >= offset_of!(MageioHostServices, host_data) + word {
            host.host_data = (*raw).host_data;
        }
        if size >= offset_of!(MageioHostServices, log) + word {
            host.log = (*raw).log;
        }
        if size >= offset_of!(MageioHostServices, progress) + word {
            host.progress = (*raw).progress;
        }
        if size >= offset_of!(MageioHostServices, is_cancelled) + word {
            host.is_cancelled = (*raw).is_cancelled;
        }
        host
    }

    pub fn cancelled(&self) -> bool {
        match self.is_cancelled {
            Some(f) => unsafe { f(self.host_data) != 0 },
            None => false,
        }
    }

    pub fn progress(&self, rows: i64, bytes: i64, total_rows: i64) {
        if let Some(f) = self.progress {
            unsafe { f(self.host_data, rows, bytes, total_rows) }
        }
    }

    pub fn log(&self, level: i32, message: &str) {
        if let Some(f) = self.log {
            if let Ok(text) = CString::new(message.replace('\0', " ")) {
                unsafe { f(self.host_data, level, text.as_ptr()) }
            }
        }
    }
}
