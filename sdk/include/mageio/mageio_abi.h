/*
 * mageio_abi.h -- the stable C ABI between a mageio host and a connector plugin.
 *
 * This is the only contract between the two sides. It is C99 with no dependency beyond the C standard
 * library, so a plugin can be written in any language that speaks C, and it never changes in a way that
 * breaks a plugin built against an earlier 1.x version of this file.
 *
 * ---------------------------------------------------------------------------------------------------
 * How a plugin is loaded
 *
 *   1. The host opens the shared library (RTLD_NOW | RTLD_LOCAL) and looks up one symbol,
 *      MAGEIO_PLUGIN_ENTRY_NAME ("mageio_plugin_entry"), of type MageioPluginEntryFn. Every other symbol
 *      of the plugin is hidden.
 *   2. Version negotiation: the host calls the entry point with the highest ABI version it speaks. The
 *      plugin answers with the version it implements (which must not be higher than the one offered and
 *      must have the same major version), or refuses with MAGEIO_STATUS_NOT_IMPLEMENTED.
 *   3. The host validates the descriptor the plugin returned (struct_size, name, versions, required
 *      slots, capability bits against slots) before it calls anything else.
 *
 * Paths
 *
 *   For MAGEIO_CAP_PATHS plugins, the path "-" means standard input (load) or standard output (export).
 *   A plugin that honours it says so in its documentation; writing to standard output is a stream, so it
 *   cannot be atomic and if_exists does not apply to it.
 *
 * Rules that hold everywhere
 *
 *   - Every struct starts with `size_t struct_size`. The side that allocates a struct sets it to the size
 *     it knows. A reader only reads fields that lie entirely within struct_size; a writer only writes
 *     fields that lie entirely within the struct_size it was given. This is how ABI 1.x grows: fields
 *     are only ever appended, never removed, reordered or retyped.
 *   - Function tables are append-only. A capability bit (MAGEIO_CAP_*) says which optional operations are
 *     real; a host never infers a capability from a non-null slot, and a plugin that declares a
 *     capability must fill its slot (the host rejects it otherwise).
 *   - Requests, options and configuration cross as UTF-8 JSON text, so new options never change this
 *     ABI. Unknown keys are an error, not silently ignored.
 *   - Data crosses as the Arrow C Data Interface (ArrowSchema, ArrowArray, ArrowArrayStream), declared
 *     below verbatim from the Arrow specification. Release callbacks transfer ownership.
 *   - No C++ type, exception, RTTI or allocator crosses. A plugin catches everything at the boundary and
 *     reports it through MageioError.
 *   - A plugin never links against host symbols: everything the host offers arrives as a
 *     MageioHostServices table.
 *
 * Versions
 *
 *   An ABI version is encoded as MAJOR * 1000000 + MINOR * 1000 (1.0 -> 1000000, 1.1 -> 1001000). Each
 *   declaration below says which version added it ("Since 1.0").
 *
 * Thread contract (summary; each declaration repeats what concerns it)
 *
 *   - The entry point and the descriptor: may be used from any thread at any time; the descriptor is
 *     immutable and lives as long as the library is loaded.
 *   - open: may be called concurrently from several threads.
 *   - An instance (MageioInstance): used by one thread at a time; the host serializes calls on it.
 *     A stream returned from an instance must be released before the instance is closed.
 *   - Arrow streams and arrays: used by one thread at a time; their release callbacks may run on any
 *     thread.
 *   - MageioHostServices callbacks: the plugin may call them from any thread while the instance is open;
 *     the host makes them thread-safe.
 * ---------------------------------------------------------------------------------------------------
 */
#ifndef MAGEIO_ABI_H
#define MAGEIO_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ================================================================================================
 * Arrow C Data Interface and C Stream Interface.
 * Copied verbatim from the Apache Arrow specification (format/CDataInterface, format/CStreamInterface),
 * including its include guard, so that this header coexists with any other copy of it.
 * ================================================================================================ */

#ifndef ARROW_C_DATA_INTERFACE
#define ARROW_C_DATA_INTERFACE

#define ARROW_FLAG_DICTIONARY_ORDERED 1
#define ARROW_FLAG_NULLABLE 2
#define ARROW_FLAG_MAP_KEYS_SORTED 4

struct ArrowSchema {
  // Array type description
  const char* format;
  const char* name;
  const char* metadata;
  int64_t flags;
  int64_t n_children;
  struct ArrowSchema** children;
  struct ArrowSchema* dictionary;

  // Release callback
  void (*release)(struct ArrowSchema*);
  // Opaque producer-specific data
  void* private_data;
};

struct ArrowArray {
  // Array data description
  int64_t length;
  int64_t null_count;
  int64_t offset;
  int64_t n_buffers;
  int64_t n_children;
  const void** buffers;
  struct ArrowArray** children;
  struct ArrowArray* dictionary;

  // Release callback
  void (*release)(struct ArrowArray*);
  // Opaque producer-specific data
  void* private_data;
};

#endif  // ARROW_C_DATA_INTERFACE

#ifndef ARROW_C_STREAM_INTERFACE
#define ARROW_C_STREAM_INTERFACE

struct ArrowArrayStream {
  // Callback to get the stream type
  // (will be the same for all arrays in the stream).
  //
  // Return value: 0 if successful, an `errno`-compatible error code otherwise.
  //
  // If successful, the ArrowSchema must be released independently from the stream.
  int (*get_schema)(struct ArrowArrayStream*, struct ArrowSchema* out);

  // Callback to get the next array
  // (if no error and the array is released, the stream has ended)
  //
  // Return value: 0 if successful, an `errno`-compatible error code otherwise.
  //
  // If successful, the ArrowArray must be released independently from the stream.
  int (*get_next)(struct ArrowArrayStream*, struct ArrowArray* out);

  // Callback to get optional detailed error information.
  // This must only be called if the last stream operation failed
  // with a non-0 return code.
  //
  // Return value: pointer to a null-terminated character array describing
  // the last error, or NULL if no description is available.
  //
  // The returned pointer is only valid until the next operation on this stream
  // (including release).
  const char* (*get_last_error)(struct ArrowArrayStream*);

  // Release callback: release the stream's own resources.
  // Note that arrays returned by `get_next` must be individually released.
  void (*release)(struct ArrowArrayStream*);

  // Opaque producer-specific data
  void* private_data;
};

#endif  // ARROW_C_STREAM_INTERFACE

/* ================================================================================================
 * Versions and the entry point
 * ================================================================================================ */

/** ABI 1.0. Since 1.0. */
#define MAGEIO_ABI_VERSION_1_0 1000000u
/** The major part of an encoded ABI version. Since 1.0. */
#define MAGEIO_ABI_MAJOR(version) ((version) / 1000000u)

/* ---- ABI 1.1: version negotiation and manifests (block owned by the discovery work) -------------
 *
 * Negotiation, both directions (Since 1.1; it is how 1.0 was already specified, now spelled out):
 *   - The host calls the entry point with the highest version it speaks (MAGEIO_ABI_VERSION of its
 *     header). The plugin answers a descriptor for min(host version, the plugin's own version), and
 *     fills only what that version defines: a 1.1 plugin in a 1.0 host answers abi_version 1.0 with a
 *     ";"-separated supported_types, exactly as a 1.0 plugin would; in a 1.1 (or later 1.x) host it
 *     answers 1.1.
 *   - A 1.0 plugin in a 1.1 host answers 1.0; the host then reads the descriptor as 1.0 (nothing
 *     appended in 1.1 is read, supported_types is the ";" list).
 *   - The host accepts any answer of its major version that is not higher than what it offered; it
 *     rejects a higher one, and a different major version, with a message naming both versions.
 *
 * Manifests (Since 1.1): a plugin built with the SDK carries a copy of what its descriptor says in an
 * ELF section named MAGEIO_MANIFEST_SECTION, written at build time (mageio_add_manifest() in CMake).
 * A host lists and chooses plugins from that section alone, without loading the library, and loads
 * only the plugin it was asked for; then the descriptor must agree with the manifest. The section
 * holds one UTF-8 JSON object (no NUL needed):
 *   {"manifest_version": 1, "name": ..., "version": ..., "description": ..., "abi_version": 1001000,
 *    "capabilities": ["load", ...], "supported_types": [...], "config_schema": {...}}
 * A library without the section can still be loaded by path; discovery lists it as rejected.
 */
/** ABI 1.1. Since 1.1. */
#define MAGEIO_ABI_VERSION_1_1 1001000u
/** The minor part of the highest ABI version this header describes. Since 1.1. */
#define MAGEIO_ABI_VERSION_MINOR 1
/** The name of the ELF section that holds a plugin's manifest. Since 1.1. */
#define MAGEIO_MANIFEST_SECTION ".mageio_manifest"
/* ---- end of the ABI 1.1 negotiation and manifest block ------------------------------------------ */

/** The highest ABI version this header describes. Since 1.0 (1.1 since 1.1). */
#define MAGEIO_ABI_VERSION (1000000u + MAGEIO_ABI_VERSION_MINOR * 1000u)

/** The name of the one symbol a plugin exports. Since 1.0. */
#define MAGEIO_PLUGIN_ENTRY_NAME "mageio_plugin_entry"

/* ================================================================================================
 * Status codes
 * ================================================================================================ */

/**
 * The result of every operation. A fixed-width integer rather than an enum so its size never depends on
 * the compiler. Values are stable: new codes are only added. Since 1.0.
 */
typedef int32_t MageioStatus;

#define MAGEIO_STATUS_OK 0               /**< Success. */
#define MAGEIO_STATUS_INVALID_ARGUMENT 1 /**< A bad request, option, config value or input data. */
#define MAGEIO_STATUS_NOT_FOUND 2        /**< A table, file, schema or column that does not exist. */
#define MAGEIO_STATUS_ALREADY_EXISTS 3   /**< The target exists and if_exists is "fail". */
#define MAGEIO_STATUS_NOT_IMPLEMENTED 4  /**< The operation, option or ABI version is not supported. */
#define MAGEIO_STATUS_IO 5               /**< A local file or stream could not be read or written. */
#define MAGEIO_STATUS_BACKEND 6          /**< The database reported an error (see sqlstate). */
#define MAGEIO_STATUS_UNAUTHENTICATED 7  /**< Bad credentials. */
#define MAGEIO_STATUS_UNAVAILABLE 8      /**< The backend could not be reached or the connection broke. */
#define MAGEIO_STATUS_CANCELLED 9        /**< The host asked to stop (MageioHostServices.is_cancelled). */
#define MAGEIO_STATUS_INTERNAL 10        /**< A bug: an unexpected exception or broken invariant. */

/* ================================================================================================
 * Errors
 * ================================================================================================ */

/**
 * Details of a failed call. Since 1.0.
 *
 * Ownership: the caller (host) allocates the struct, zero-fills it and sets struct_size; the plugin fills
 * it only when it returns a status other than MAGEIO_STATUS_OK. If release is then non-NULL the host
 * must call it exactly once, after copying what it needs, which frees whatever the plugin allocated
 * (message, private_data). The host copies the error at once: nothing in it outlives release.
 *
 * Thread contract: belongs to the call that filled it.
 */
struct MageioError {
  /** sizeof(struct MageioError) as the host knows it. The plugin writes no field beyond it. Since 1.0. */
  size_t struct_size;
  /** UTF-8 text for a person, NUL-terminated, owned by the error; NULL if none. Since 1.0. */
  char* message;
  /** SQLSTATE (five characters and a NUL) when the backend has one, otherwise all zero. Since 1.0. */
  char sqlstate[6];
  /** The backend's own error number, 0 if none. Since 1.0. */
  int32_t vendor_code;
  /** Frees message and private_data; NULL if there is nothing to free. Since 1.0. */
  void (*release)(struct MageioError* error);
  /** Owned by the plugin. Since 1.0. */
  void* private_data;
};

/* ================================================================================================
 * Host services
 * ================================================================================================ */

/** Log levels for MageioHostServices.log. Since 1.0. */
#define MAGEIO_LOG_DEBUG 0
#define MAGEIO_LOG_INFO 1
#define MAGEIO_LOG_WARNING 2
#define MAGEIO_LOG_ERROR 3

/**
 * What the host offers a plugin, passed to open. Since 1.0.
 *
 * Ownership: the host owns the table and host_data; both stay valid until close of the instance that
 * received them returns. Every callback may be NULL (the plugin then does without it).
 *
 * Thread contract: the plugin may call any callback from any thread; the host makes them thread-safe
 * and cheap enough to call once per batch.
 */
struct MageioHostServices {
  /** sizeof(struct MageioHostServices) as the host knows it. Since 1.0. */
  size_t struct_size;
  /** Passed back as the first argument of every callback. Since 1.0. */
  void* host_data;
  /**
   * A log line (UTF-8, no trailing newline; the plugin keeps ownership). The plugin never logs
   * secrets. Since 1.0.
   */
  void (*log)(void* host_data, int32_t level, const char* message);
  /**
   * Progress of the running load or export: cumulative rows and bytes (source-side bytes, or -1 if
   * unknown) since the operation started, and the total number of rows when the source knows it
   * (otherwise -1). Since 1.0.
   */
  void (*progress)(void* host_data, int64_t rows, int64_t bytes, int64_t total_rows);
  /**
   * Non-zero when the host wants the running operation to stop. Plugins poll it at least once per
   * batch and then fail with MAGEIO_STATUS_CANCELLED, leaving the destination as it was. Since 1.0.
   */
  int32_t (*is_cancelled)(void* host_data);
};

/* ================================================================================================
 * Capabilities
 * ================================================================================================ */

/** Bits of MageioPluginDescriptor.capabilities (what some instance of the plugin may do) and of
 * MageioInstanceCapabilitiesFn (what one instance does; Since 1.1). Since 1.0 unless noted. */
#define MAGEIO_CAP_LOAD (1ull << 0)            /**< load is real. */
#define MAGEIO_CAP_EXPORT (1ull << 1)          /**< export is real, with if_exists fail/replace/append. */
#define MAGEIO_CAP_EXECUTE (1ull << 2)         /**< execute is real. */
#define MAGEIO_CAP_EXECUTE_QUERIES (1ull << 3) /**< execute_queries is real. */
#define MAGEIO_CAP_ALTER_TABLE (1ull << 4)     /**< alter_table is real. */
#define MAGEIO_CAP_TABLE_EXISTS (1ull << 5)    /**< table_exists is real. */
#define MAGEIO_CAP_UPSERT (1ull << 6)          /**< export accepts unique_constraints. */
#define MAGEIO_CAP_TRANSACTIONS (1ull << 7)    /**< execute_queries is all-or-nothing. */
#define MAGEIO_CAP_LOAD_QUERY (1ull << 8)      /**< load accepts "query" (SQL). */
#define MAGEIO_CAP_TABLES (1ull << 9)          /**< targets are tables ("table", "schema"). */
#define MAGEIO_CAP_PATHS (1ull << 10)          /**< targets are paths ("path"). */
/** plan_partitions and load_partition are real (partitioned, parallel loads). Since 1.1: a plugin
 * declares it only when it answers ABI 1.1 or later; a 1.0 host never sees it. */
#define MAGEIO_CAP_PARTITIONS (1ull << 11)
/** stage_begin, stage_write and stage_finish are real (one export written by several writers in
 * parallel). Since 1.1, declared only when the plugin answers ABI 1.1 or later, like PARTITIONS. */
#define MAGEIO_CAP_STAGED_EXPORT (1ull << 12)

/* ================================================================================================
 * Instances and operations
 * ================================================================================================ */

/** An open connector (a connection, a directory, ...). Opaque to the host. Since 1.0. */
typedef struct MageioInstance MageioInstance;

/**
 * Opens an instance. Since 1.0.
 *
 * config_json: a JSON object of the keys the plugin declared in config_schema_json, with string,
 *   number or boolean values (the host has already resolved io_config.yaml profiles and env_var
 *   templates). Keys the plugin does not know are an error. Borrowed for the call.
 * host: the host services (see MageioHostServices for lifetime). May be NULL.
 * out: receives the instance on success; untouched on failure.
 * Thread contract: may be called concurrently from several threads.
 */
typedef MageioStatus (*MageioOpenFn)(const char* config_json, const struct MageioHostServices* host,
                                     MageioInstance** out, struct MageioError* error);

/**
 * Closes an instance and frees everything it owns. Every stream it returned must have been released
 * first. Never fails. Since 1.0.
 */
typedef void (*MageioCloseFn)(MageioInstance* instance);

/**
 * Reads data. Since 1.0. Capability MAGEIO_CAP_LOAD.
 *
 * request_json: {"query": SQL} | {"table": T, "schema": S?} | {"path": P}, plus optional
 *   "limit": N (at most N rows; any query), "batch_rows": N (a hint for rows per batch) and
 *   "options": {plugin-specific keys}. Exactly one of query, table, path. Borrowed for the call.
 * out: on success, a stream the caller owns and must release. Batches are struct arrays ("+s") whose
 *   children are the columns; each batch is bounded in rows and bytes, so the whole result is never
 *   held in memory. The stream may refer to the instance: release it before close.
 */
typedef MageioStatus (*MageioLoadFn)(MageioInstance* instance, const char* request_json, struct ArrowArrayStream* out,
                                     struct MageioError* error);

/**
 * Writes data. Since 1.0. Capability MAGEIO_CAP_EXPORT.
 *
 * request_json: {"table": T, "schema": S?} | {"path": P}, plus
 *   "if_exists": "fail" | "replace" | "append" (default "fail"),
 *   "unique_constraints": [column, ...] and "unique_conflict_method": "update" | "ignore", any case
 *   (MAGEIO_CAP_UPSERT), "options": {plugin-specific keys}.
 * input: the rows to write. Borrowed: the plugin reads it to the end (or until an error) but does not
 *   release it; the caller releases it after the call returns.
 * rows_written: receives the number of rows written on success.
 * Atomicity: on any failure (bad value, cancellation, lost connection) the destination is left exactly
 *   as it was before the call.
 */
typedef MageioStatus (*MageioExportFn)(MageioInstance* instance, const char* request_json,
                                       struct ArrowArrayStream* input, int64_t* rows_written,
                                       struct MageioError* error);

/**
 * Runs one statement. Since 1.0. Capability MAGEIO_CAP_EXECUTE.
 *
 * request_json: {"sql": SQL}.
 * rows_affected: receives the rows changed, or -1 when the backend does not say.
 * out: may be NULL (result rows are then discarded). Otherwise, on success, out->release is NULL when
 *   the statement returns no rows, else out is a stream the caller owns (as for load).
 */
typedef MageioStatus (*MageioExecuteFn)(MageioInstance* instance, const char* request_json, int64_t* rows_affected,
                                        struct ArrowArrayStream* out, struct MageioError* error);

/**
 * Runs several statements, in one transaction where the backend has them (MAGEIO_CAP_TRANSACTIONS):
 * all take effect or none. Since 1.0. Capability MAGEIO_CAP_EXECUTE_QUERIES.
 *
 * request_json: {"queries": [SQL, ...]}. Result rows are discarded.
 * rows_affected: receives the sum of the rows changed (-1 where the backend does not say).
 * The error message names the statement (1-based index) that failed.
 */
typedef MageioStatus (*MageioExecuteQueriesFn)(MageioInstance* instance, const char* request_json,
                                               int64_t* rows_affected, struct MageioError* error);

/**
 * Changes a table's columns. Since 1.0. Capability MAGEIO_CAP_ALTER_TABLE.
 *
 * request_json: {"table": T, "schema": S?, "action": A, ...} with A one of
 *   "add_column"    + "column", "type"      (a logical type name, see below)
 *   "drop_column"   + "column"
 *   "rename_column" + "column", "new_name"
 *   "alter_column_type" + "column", "type"  (where the backend supports it)
 * Logical type names: null, bool, int8, int16, int32, int64, uint8, uint16, uint32, uint64, float32,
 *   float64, decimal128(P, S), utf8, large_utf8, binary, large_binary, date32, timestamp[us],
 *   timestamp[us, UTC], time64[us], duration[us] (a signed length of time, Arrow "tDu"; named after
 *   1.0 shipped, so a plugin built before it refuses it like any unknown type). The plugin maps them
 *   as it does for export.
 */
typedef MageioStatus (*MageioAlterTableFn)(MageioInstance* instance, const char* request_json,
                                           struct MageioError* error);

/**
 * Tells whether a table exists. Since 1.0. Capability MAGEIO_CAP_TABLE_EXISTS.
 *
 * request_json: {"table": T, "schema": S?} (or {"path": P} for MAGEIO_CAP_PATHS plugins).
 * exists: receives 1 or 0.
 */
typedef MageioStatus (*MageioTableExistsFn)(MageioInstance* instance, const char* request_json, int32_t* exists,
                                            struct MageioError* error);

/* ================================================================================================
 * Request keys and enumerated values
 *
 * The names of the JSON keys of every request above and the values a key may take, so that neither a
 * host nor a plugin spells them by hand. Values are lowercase; a reader accepts
 * "unique_conflict_method" in any case (1.0 documented "UPDATE" / "IGNORE"), every other value exactly.
 * A key that a request does not list is an error (see "Rules that hold everywhere").
 * Since 1.0 (the wire format is 1.0's; only the names are new).
 * ================================================================================================ */

/* Targets: load, export, alter_table, table_exists. */
/** The table to read or write: a JSON string, taken exactly as given (the plugin quotes it). */
#define MAGEIO_REQUEST_TABLE "table"
/** The table's schema (namespace): a JSON string; absent or "" means the plugin's default. */
#define MAGEIO_REQUEST_SCHEMA "schema"
/** A path (MAGEIO_CAP_PATHS plugins): a JSON string; "-" is standard input/output. */
#define MAGEIO_REQUEST_PATH "path"

/* load */
/** The SQL to run (MAGEIO_CAP_LOAD_QUERY): a JSON string. */
#define MAGEIO_REQUEST_QUERY "query"
/** At most this many rows: a non-negative JSON integer. */
#define MAGEIO_REQUEST_LIMIT "limit"
/** A hint for the rows per batch: a JSON integer, at least 1. */
#define MAGEIO_REQUEST_BATCH_ROWS "batch_rows"
/** Plugin-specific keys (load and export): a JSON object. */
#define MAGEIO_REQUEST_OPTIONS "options"

/* export */
/** What to do when the target exists: one of the MAGEIO_IF_EXISTS_* values; absent means "fail". */
#define MAGEIO_REQUEST_IF_EXISTS "if_exists"
/** Upsert keys (MAGEIO_CAP_UPSERT): a JSON array of column names; absent or [] means no upsert. */
#define MAGEIO_REQUEST_UNIQUE_CONSTRAINTS "unique_constraints"
/** What an upsert does with a conflicting row: one of MAGEIO_CONFLICT_*; needs unique_constraints. */
#define MAGEIO_REQUEST_UNIQUE_CONFLICT_METHOD "unique_conflict_method"

/** stage_begin only (Since 1.1): a JSON boolean; true means the host could write the rows with one
 * export instead, so the plugin may answer MAGEIO_STATUS_NOT_IMPLEMENTED when a stage would be slower
 * than one writer (e.g. when every row would be written twice: into the stage, then into an existing
 * table). Absent or false: the plugin stages whatever it can (the writers may be on other machines). */
#define MAGEIO_REQUEST_ONE_WRITER_POSSIBLE "one_writer_possible"

/** Values of MAGEIO_REQUEST_IF_EXISTS. */
#define MAGEIO_IF_EXISTS_FAIL "fail"       /**< Refuse with MAGEIO_STATUS_ALREADY_EXISTS (the default). */
#define MAGEIO_IF_EXISTS_REPLACE "replace" /**< Swap in a new target with the input's schema and rows. */
#define MAGEIO_IF_EXISTS_APPEND "append"   /**< Add the rows to the existing target (by column name). */

/** Values of MAGEIO_REQUEST_UNIQUE_CONFLICT_METHOD (any case on input). */
#define MAGEIO_CONFLICT_UPDATE "update" /**< Overwrite the existing row (the default). */
#define MAGEIO_CONFLICT_IGNORE "ignore" /**< Keep the existing row. */

/* execute and execute_queries */
/** The one statement of execute: a JSON string. */
#define MAGEIO_REQUEST_SQL "sql"
/** The statements of execute_queries: a non-empty JSON array of strings. */
#define MAGEIO_REQUEST_QUERIES "queries"

/* alter_table */
/** What to change: one of the MAGEIO_ALTER_* values. */
#define MAGEIO_REQUEST_ACTION "action"
/** The column to change: a JSON string. */
#define MAGEIO_REQUEST_COLUMN "column"
/** The column's new name (MAGEIO_ALTER_RENAME_COLUMN): a JSON string. */
#define MAGEIO_REQUEST_NEW_NAME "new_name"
/** A logical type name (MAGEIO_ALTER_ADD_COLUMN, MAGEIO_ALTER_ALTER_COLUMN_TYPE): a JSON string. */
#define MAGEIO_REQUEST_TYPE "type"

/** Values of MAGEIO_REQUEST_ACTION. */
#define MAGEIO_ALTER_ADD_COLUMN "add_column"               /**< Needs column and type. */
#define MAGEIO_ALTER_DROP_COLUMN "drop_column"             /**< Needs column. */
#define MAGEIO_ALTER_RENAME_COLUMN "rename_column"         /**< Needs column and new_name. */
#define MAGEIO_ALTER_ALTER_COLUMN_TYPE "alter_column_type" /**< Needs column and type. */

/* ================================================================================================
 * Errors of streams (ABI 1.1)
 * ================================================================================================ */

/**
 * The full error of a stream's last failure. Since 1.1 (MageioPluginDescriptor.stream_error).
 *
 * The Arrow stream interface reports a failure as an errno code and a message (get_last_error); the
 * status, SQLSTATE and vendor code of the plugin's error would be lost on the way. A host that sees
 * get_schema or get_next of a stream fail asks the plugin that produced it for them, as ADBC 1.1 does
 * with AdbcErrorFromArrayStream.
 *
 * stream: a stream returned by this plugin's load or execute (or any other stream: the plugin
 *   recognizes its own, e.g. by its release callback, and answers MAGEIO_STATUS_OK for the others).
 * error: allocated by the host as for any call (zero-filled, struct_size set). When the stream is the
 *   plugin's and its last get_schema/get_next failed, the plugin fills it as it would for a failed call
 *   (message, sqlstate, vendor_code, release; the host releases it) and returns that failure's status.
 *   Otherwise it leaves error untouched and returns MAGEIO_STATUS_OK: the host then falls back to the
 *   errno code and get_last_error.
 * Thread contract: called by the thread using the stream, after the failed call and before the next
 *   operation on the stream (including release). Never calls back into the host.
 */
typedef MageioStatus (*MageioStreamErrorFn)(struct ArrowArrayStream* stream, struct MageioError* error);

/* ================================================================================================
 * Partitions (ABI 1.1)
 *
 * A load can be split into partitions that are read independently: on several instances (connections)
 * of one process in parallel threads, or in other processes or on other machines. The host plans the
 * load on one instance (plan_partitions), which answers a list of descriptors, then loads each
 * descriptor on any instance opened with the same configuration (load_partition). Read together, the
 * partitions hold exactly the rows of the same load without partitions (as a multiset: no row twice,
 * none lost); their order is the plugin's, within a partition and across partitions.
 *
 * A descriptor is UTF-8 text (usually JSON) that the plugin writes and only the plugin reads. It never
 * contains a secret (no password, token or connection string with credentials): it names what to read
 * and how, and whatever identifies a consistent state (e.g. an exported snapshot). It is loadable in
 * another process that opened the plugin with the same configuration, as long as the state the plan
 * depends on still exists (see each plugin's documentation for the consistency it gives).
 *
 * A load that cannot be split (a query with LIMIT or aggregates, a source without a usable column) is
 * planned as one partition, and the plugin says so through MageioHostServices.log. A plan is never
 * allowed to give wrong results to give more partitions.
 * ================================================================================================ */

/* Keys of the plan_partitions request, in addition to every key of the load request (Since 1.1). */
/** How many partitions the host asks for: a JSON integer, at least 1. The plugin may answer fewer
 * (down to one) but never more. Absent means 1. */
#define MAGEIO_REQUEST_PARTITIONS "partitions"
/** The column to range on: a JSON string naming a column of the result. Absent: the plugin chooses
 * (a primary key, rowid, physical pages...) or answers one partition. A column that does not exist or
 * whose type cannot be ranged is MAGEIO_STATUS_INVALID_ARGUMENT (or NOT_FOUND) naming the types that can. */
#define MAGEIO_REQUEST_PARTITION_ON "partition_on"
/** The lowest value of partition_on to split from: a JSON number, or a string for dates and
 * timestamps ("2024-01-31", "2024-01-31 12:00:00"). Needs partition_on. Absent: the column's minimum.
 * Rows below it are not lost: the first partition is open below. A bound of the wrong type for the
 * column is MAGEIO_STATUS_INVALID_ARGUMENT. */
#define MAGEIO_REQUEST_LOWER_BOUND "lower_bound"
/** The highest value of partition_on to split up to (as lower_bound; the last partition is open
 * above). Absent: the column's maximum. */
#define MAGEIO_REQUEST_UPPER_BOUND "upper_bound"

/**
 * The answer of plan_partitions: a list of descriptors. Since 1.1.
 *
 * Ownership: the host allocates the struct, zero-fills it and sets struct_size; on success the plugin
 * fills count, descriptors, release and private_data. The strings and the array belong to the plugin
 * until the host calls release exactly once (after copying what it needs); release may run on any
 * thread and after the instance that planned was closed. On failure the plugin leaves it untouched.
 * Thread contract: used by one thread at a time.
 */
struct MageioPartitionPlan {
  /** sizeof(struct MageioPartitionPlan) as the host knows it. Since 1.1. */
  size_t struct_size;
  /** How many descriptors: at least 1. Since 1.1. */
  int64_t count;
  /** count NUL-terminated UTF-8 descriptors, in partition order. Since 1.1. */
  const char* const* descriptors;
  /** Frees the descriptors and the array; never NULL on success. Since 1.1. */
  void (*release)(struct MageioPartitionPlan* plan);
  /** Owned by the plugin. Since 1.1. */
  void* private_data;
};

/**
 * Plans a load into partitions. Since 1.1. Capability MAGEIO_CAP_PARTITIONS.
 *
 * request_json: a load request (see MageioLoadFn) plus MAGEIO_REQUEST_PARTITIONS, and optionally
 *   MAGEIO_REQUEST_PARTITION_ON, MAGEIO_REQUEST_LOWER_BOUND, MAGEIO_REQUEST_UPPER_BOUND. A "limit"
 *   makes the load one partition. Borrowed for the call.
 * out: see MageioPartitionPlan.
 * Consistency state: a plugin whose partitions share one consistent state (PostgreSQL's exported
 *   snapshot) keeps what holds that state open in this instance until its next plan_partitions or
 *   load, or until close; the host keeps the planning instance open until every partition has started
 *   (simplest: until every partition has been read). Loading a descriptor after that state is gone
 *   fails with MAGEIO_STATUS_UNAVAILABLE, asking to plan again.
 * Thread contract: an instance operation (one thread at a time per instance).
 */
typedef MageioStatus (*MageioPlanPartitionsFn)(MageioInstance* instance, const char* request_json,
                                               struct MageioPartitionPlan* out, struct MageioError* error);

/**
 * Loads one partition of a plan. Since 1.1. Capability MAGEIO_CAP_PARTITIONS.
 *
 * descriptor: one descriptor of a plan this plugin made, on this instance or on any instance opened
 *   with the same configuration (in this process or another). Borrowed for the call. A descriptor the
 *   plugin cannot read is MAGEIO_STATUS_INVALID_ARGUMENT.
 * out: as for load: a stream the caller owns and releases before close; batches bounded in rows and
 *   bytes. Every partition of one plan has the same schema.
 * Thread contract: an instance operation; partitions of one plan may be loaded at the same time on
 *   different instances, from different threads.
 */
typedef MageioStatus (*MageioLoadPartitionFn)(MageioInstance* instance, const char* descriptor,
                                              struct ArrowArrayStream* out, struct MageioError* error);

/* ================================================================================================
 * Staged exports (ABI 1.1)
 *
 * One export written by several writers at once: by the threads of a partitioned copy, or by the
 * workers of a distributed engine. The host begins the export on one instance (stage_begin), which
 * prepares a stage (a staging table, say) next to the target and answers its descriptor; writers then
 * write streams into the stage on any instances opened with the same configuration, in parallel
 * (stage_write); at the end the host finishes on the instance that began (stage_finish): with commit,
 * the plugin puts every staged row in place as one export with the same request would have (if_exists
 * fail/replace/append, atomic as for MageioExportFn) and removes the stage; without, it removes the
 * stage and the target stays exactly as it was. Until then nothing is visible at the target.
 *
 * A stage descriptor is UTF-8 text that only the plugin reads, never contains a secret, and is usable
 * from another process opened with the same configuration. A writer's rows are either all in the stage
 * or none (each stage_write is all-or-nothing), so a failed writer leaves nothing behind in it; the
 * host then finishes without commit. A stage that no one finishes (the host was killed) remains; its
 * name says what it is (see each plugin's documentation).
 * Upserts (unique_constraints) are not staged: stage_begin refuses them with NOT_IMPLEMENTED and the
 * host writes with one export instead.
 * ================================================================================================ */

/**
 * A stage's descriptor, answered by stage_begin. Since 1.1.
 *
 * Ownership: the host allocates the struct, zero-fills it and sets struct_size; on success the plugin
 * fills descriptor, release and private_data. The string belongs to the plugin until the host calls
 * release exactly once (after copying it); release may run on any thread and after the instance was
 * closed. On failure the plugin leaves it untouched.
 */
struct MageioStage {
  /** sizeof(struct MageioStage) as the host knows it. Since 1.1. */
  size_t struct_size;
  /** The stage's descriptor: NUL-terminated UTF-8, not empty. Since 1.1. */
  const char* descriptor;
  /** Frees the descriptor; never NULL on success. Since 1.1. */
  void (*release)(struct MageioStage* stage);
  /** Owned by the plugin. Since 1.1. */
  void* private_data;
};

/**
 * Begins a staged export. Since 1.1. Capability MAGEIO_CAP_STAGED_EXPORT.
 *
 * request_json: an export request (see MageioExportFn) without unique_constraints, plus optionally
 *   MAGEIO_REQUEST_ONE_WRITER_POSSIBLE. Borrowed.
 * schema: the schema ("+s") of every stream that will be written into the stage. Borrowed: the plugin
 *   reads it during the call and neither keeps nor releases it.
 * out: see MageioStage.
 * The plugin checks what it can before any row is written: if_exists "fail" on an existing target is
 *   MAGEIO_STATUS_ALREADY_EXISTS here (and again at stage_finish, which is what makes it safe); column
 *   types it cannot write are refused here.
 * Thread contract: an instance operation.
 */
typedef MageioStatus (*MageioStageBeginFn)(MageioInstance* instance, const char* request_json,
                                           const struct ArrowSchema* schema, struct MageioStage* out,
                                           struct MageioError* error);

/**
 * Writes one stream into a stage. Since 1.1. Capability MAGEIO_CAP_STAGED_EXPORT.
 *
 * stage: a descriptor stage_begin answered, on this instance or any opened with the same
 *   configuration. Borrowed. A descriptor the plugin cannot read is MAGEIO_STATUS_INVALID_ARGUMENT; a
 *   stage that is gone (finished, or removed by someone else) is MAGEIO_STATUS_NOT_FOUND.
 * input: the rows, with the schema given to stage_begin. Borrowed, as for MageioExportFn.
 * rows_written: receives the rows this call added to the stage.
 * All or nothing: on failure the stage holds none of this call's rows.
 * Thread contract: an instance operation; writes into one stage may run at the same time on different
 *   instances, from different threads or processes.
 */
typedef MageioStatus (*MageioStageWriteFn)(MageioInstance* instance, const char* stage, struct ArrowArrayStream* input,
                                           int64_t* rows_written, struct MageioError* error);

/**
 * Finishes a staged export: puts the staged rows in place, or discards them. Since 1.1. Capability
 *   MAGEIO_CAP_STAGED_EXPORT.
 *
 * stage: the descriptor stage_begin answered on this instance. Borrowed.
 * commit: non-zero: put the stage's rows in place as the begin request says, atomically, then remove
 *   the stage; zero: remove the stage (the target is untouched; rows_written receives 0).
 * expected_rows: with commit, the rows the writers reported in total, or -1. When the stage holds a
 *   different number (a writer ran twice), the plugin refuses with MAGEIO_STATUS_INVALID_ARGUMENT,
 *   leaving the target as it was and removing the stage.
 * rows_written: receives the rows put in place.
 * On any failure with commit the target is exactly as it was and the plugin still removes the stage.
 * Thread contract: an instance operation, after every stage_write into the stage has returned.
 */
typedef MageioStatus (*MageioStageFinishFn)(MageioInstance* instance, const char* stage, int32_t commit,
                                            int64_t expected_rows, int64_t* rows_written, struct MageioError* error);

/* ================================================================================================
 * Capabilities of one instance (ABI 1.1)
 * ================================================================================================ */

/**
 * What this instance can do: a subset of the descriptor's capabilities. Since 1.1
 * (MageioPluginDescriptor.instance_capabilities); needs no capability bit.
 *
 * The descriptor is read before any instance exists and is one per library, so its bits are the union
 * of what some instance may do. A plugin whose abilities depend on its configuration (the adbc bridge:
 * on the driver a profile names) answers here what this instance really does.
 *
 * capabilities: receives MAGEIO_CAP_* bits, all of them also set in the descriptor's capabilities.
 * error: as for every call; filled only when the status is not MAGEIO_STATUS_OK.
 * When: the host calls it once, right after open returned the instance and before any other call on
 *   it; the answer holds for the instance's whole life. The host then refuses an operation whose bit
 *   the instance lacks exactly as for a plugin that never declared it (no slot is called).
 * Errors: a failure, or a bit the descriptor does not declare, makes the open fail: the host closes the
 *   instance and reports the plugin's error, or MAGEIO_STATUS_INTERNAL naming the extra bits (an
 *   instance cannot do more than its plugin declares, and guessing which bits were meant would change
 *   what the host does silently).
 * A host reads this slot only when the plugin answered ABI 1.1 or later and struct_size covers it; when
 *   it is NULL (or not covered, or the host speaks 1.0) the descriptor's bits hold for every instance.
 * Thread contract: an instance operation (one thread at a time per instance).
 */
typedef MageioStatus (*MageioInstanceCapabilitiesFn)(MageioInstance* instance, uint64_t* capabilities,
                                                     struct MageioError* error);

/* ================================================================================================
 * The descriptor
 * ================================================================================================ */

/**
 * What a plugin is and what it can do. Since 1.0.
 *
 * Ownership: owned by the plugin, immutable, valid while the library stays loaded (static storage).
 * All strings are UTF-8 and NUL-terminated.
 * Thread contract: read-only; any thread.
 */
struct MageioPluginDescriptor {
  /** sizeof(struct MageioPluginDescriptor) as the plugin knows it. Since 1.0. */
  size_t struct_size;
  /** The ABI version this plugin implements, as answered in negotiation. Since 1.0. */
  uint32_t abi_version;
  /** The plugin's name, [a-z][a-z0-9_]* and at most 64 bytes; the name users type. Since 1.0. */
  const char* name;
  /** The plugin's own version (semantic versioning, e.g. "1.2.0"). Since 1.0. */
  const char* version;
  /** One line saying what it connects to. Since 1.0. */
  const char* description;
  /** MAGEIO_CAP_* bits. Since 1.0. */
  uint64_t capabilities;
  /**
   * The configuration the plugin accepts, as JSON. Since 1.0:
   *   {"section": "PostgreSQL",            // Mage's nested io_config.yaml form; "" if none
   *    "keys": [{"name": "POSTGRES_HOST",  // the flat io_config.yaml key, also the key in config_json
   *              "alias": "host",          // the key's name inside the nested section; "" if none
   *              "type": "string" | "integer" | "boolean",
   *              "required": false, "secret": false,
   *              "default": "localhost",   // optional
   *              "description": "..."}, ...]}
   */
  const char* config_schema_json;
  /**
   * The logical Arrow types (names as listed at MageioAlterTableFn) that survive load and export
   * through this plugin unchanged. The conformance kit tests exactly these.
   * Since 1.0: separated by semicolons ("int64;decimal128(12, 2)"), since type names contain commas.
   * Since 1.1 (when abi_version >= 1.1): a JSON array of strings (["int64", "decimal128(12, 2)"]),
   *   like config_schema_json, so no type name can ever clash with a separator.
   */
  const char* supported_types;

  /* The function table. open and close are required; each other slot is required exactly when its
   * capability bit is set, and is never called otherwise. Since 1.0. */
  MageioOpenFn open;
  MageioCloseFn close;
  MageioLoadFn load;
  MageioExportFn export_data; /* "export" is a C++ keyword */
  MageioExecuteFn execute;
  MageioExecuteQueriesFn execute_queries;
  MageioAlterTableFn alter_table;
  MageioTableExistsFn table_exists;

  /* Since 1.1. A host reads a field below only when the plugin answered ABI 1.1 or later and
   * struct_size covers the field; a 1.0 host never reads it, so a 1.1 plugin still works there. */

  /** The full error of a failed stream of this plugin (see MageioStreamErrorFn); NULL if the plugin
   * has none (the host then uses the errno code and get_last_error). Needs no capability bit. Since 1.1. */
  MageioStreamErrorFn stream_error;
  /** Plans a load into partitions (see MageioPlanPartitionsFn). Capability MAGEIO_CAP_PARTITIONS. Since 1.1. */
  MageioPlanPartitionsFn plan_partitions;
  /** Loads one partition of a plan (see MageioLoadPartitionFn). Capability MAGEIO_CAP_PARTITIONS. Since 1.1. */
  MageioLoadPartitionFn load_partition;
  /** Begins a staged export (see MageioStageBeginFn). Capability MAGEIO_CAP_STAGED_EXPORT. Since 1.1. */
  MageioStageBeginFn stage_begin;
  /** Writes a stream into a stage (see MageioStageWriteFn). Capability MAGEIO_CAP_STAGED_EXPORT. Since 1.1. */
  MageioStageWriteFn stage_write;
  /** Puts a stage in place or discards it (see MageioStageFinishFn). Capability MAGEIO_CAP_STAGED_EXPORT.
   * Since 1.1. */
  MageioStageFinishFn stage_finish;
  /** What one instance can do, a subset of capabilities (see MageioInstanceCapabilitiesFn); NULL: the
   * descriptor's capabilities hold for every instance. Needs no capability bit. Since 1.1. */
  MageioInstanceCapabilitiesFn instance_capabilities;
};

/**
 * The plugin's one exported symbol, named MAGEIO_PLUGIN_ENTRY_NAME. Since 1.0.
 *
 * host_abi_version: the highest ABI version the host speaks.
 * out: on success, receives the plugin's descriptor, whose abi_version is the version the plugin
 *   implements: of the same major version and not higher than host_abi_version.
 * Returns MAGEIO_STATUS_NOT_IMPLEMENTED (with a message) when the plugin cannot work with that host.
 * Thread contract: any thread; cheap; no side effects beyond building the static descriptor.
 */
typedef MageioStatus (*MageioPluginEntryFn)(uint32_t host_abi_version, const struct MageioPluginDescriptor** out,
                                            struct MageioError* error);

#ifdef __cplusplus
}
#endif

#endif /* MAGEIO_ABI_H */
