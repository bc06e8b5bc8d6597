//! Reads the layout of the ABI structs from the C header itself: compiles and runs a tiny C program
//! (sizeof/offsetof of every struct the plugin declares in src/abi.rs) and writes the numbers as Rust
//! constants, which src/abi.rs compares with its own `#[repr(C)]` declarations at compile time. A
//! mismatch with sdk/include/mageio/mageio_abi.h is a build error, not a crash at run time.
use std::env;
use std::fs;
use std::path::PathBuf;
use std::process::Command;

const PROBE: &str = r#"
#include <stddef.h>
#include <stdio.h>
#include <mageio/mageio_abi.h>
#define S(T) printf("pub const SIZEOF_%s: usize = %zu;\n", #T, sizeof(struct T));
#define O(T, F) printf("pub const OFFSETOF_%s_%s: usize = %zu;\n", #T, #F, offsetof(struct T, F));
int main(void) {
  S(ArrowSchema) S(ArrowArray)
  S(ArrowArrayStream) O(ArrowArrayStream, get_schema) O(ArrowArrayStream, get_next)
  O(ArrowArrayStream, get_last_error) O(ArrowArrayStream, release) O(ArrowArrayStream, private_data)
  S(MageioError) O(MageioError, struct_size) O(MageioError, message) O(MageioError, sqlstate)
  O(MageioError, vendor_code) O(MageioError, release) O(MageioError, private_data)
  S(MageioHostServices) O(MageioHostServices, host_data) O(MageioHostServices, log)
  O(MageioHostServices, progress) O(MageioHostServices, is_cancelled)
  S(MageioPluginDescriptor) O(MageioPluginDescriptor, abi_version) O(MageioPluginDescriptor, name)
  O(MageioPluginDescriptor, version) O(MageioPluginDescriptor, description)
  O(MageioPluginDescriptor, capabilities) O(MageioPluginDescriptor, config_schema_json)
  O(MageioPluginDescriptor, supported_types) O(MageioPluginDescriptor, open) O(MageioPluginDescriptor, close)
  O(MageioPluginDescriptor, load) O(MageioPluginDescriptor, export_data) O(MageioPluginDescriptor, execute)
  O(MageioPluginDescriptor, execute_queries) O(MageioPluginDescriptor, alter_table)
  O(MageioPluginDescriptor, table_exists) O(MageioPluginDescriptor, stream_error)
  O(MageioPluginDescriptor, plan_partitions) O(MageioPluginDescriptor, load_partition)
  O(MageioPluginDescriptor, stage_begin) O(MageioPluginDescriptor, stage_write)
  O(MageioPluginDescriptor, stage_finish) O(MageioPluginDescriptor, instance_capabilities)
  printf("pub const ABI_VERSION_1_0: u32 = %u;\n", MAGEIO_ABI_VERSION_1_0);
  printf("pub const ABI_VERSION_1_1: u32 = %u;\n", MAGEIO_ABI_VERSION_1_1);
  printf("pub const CAP_PATHS: u64 = %llu;\n", (unsigned long long)MAGEIO_CAP_PATHS);
  printf("pub const CAP_PARTITIONS: u64 = %llu;\n", (unsigned long long)MAGEIO_CAP_PARTITIONS);
  printf("pub const STATUS_INTERNAL: i32 = %d;\n", MAGEIO_STATUS_INTERNAL);
  return 0;
}
"#;

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let include = env::var("MAGEIO_ABI_INCLUDE")
        .map(PathBuf::from)
        .unwrap_or_else(|_| manifest_dir.join("../../sdk/include"));
    let header = include.join("mageio/mageio_abi.h");
    println!("cargo:rerun-if-changed={}", header.display());
    println!("cargo:rerun-if-env-changed=MAGEIO_ABI_INCLUDE");
    println!("cargo:rerun-if-changed=build.rs");
    let out = PathBuf::from(env::var("OUT_DIR").unwrap());
    let source = out.join("abi_layout_probe.c");
    let program = out.join("abi_layout_probe");
    fs::write(&source, PROBE).unwrap();
    let compiler = cc::Build::new().cargo_metadata(false).get_compiler();
    let status = compiler
        .to_command()
        .arg("-I")
        .arg(&include)
        .arg(&source)
        .arg("-o")
        .arg(&program)
        .status()
        .expect("cannot run the C compiler to read the layout of mageio_abi.h");
    assert!(
        status.success(),
        "compiling the layout probe of {} failed",
        header.display()
    );
    let output = Command::new(&program).output().expect("cannot run the layout probe");
    assert!(output.status.success(), "the layout probe failed");
    fs::write(out.join("abi_layout.rs"), output.stdout).unwrap();

    // Never unmapped by dlclose: Rust's runtime keeps thread-locals and lazily built statics (the std
    // thread handle, crate caches) that live until the process ends; unmapping them at the host's
    // dlclose would leave LeakSanitizer unable to see who holds them (and a thread-local destructor
    // pointing into unmapped code).
    println!("cargo:rustc-cdylib-link-arg=-Wl,-z,nodelete");
}
