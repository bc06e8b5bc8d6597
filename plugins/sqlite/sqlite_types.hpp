// Type mapping between Arrow (mageio logical types) and SQLite declared types, both ways.
//
// SQLite stores every value as NULL, INTEGER, REAL, TEXT or BLOB; a column's declared type only gives it
// an "affinity" (https://sqlite.org/datatype3.html#determination_of_column_affinity), decided by
// substrings: "INT" -> INTEGER; else "CHAR"/"CLOB"/"TEXT" -> TEXT; else "BLOB" or none -> BLOB; else
// "REAL"/"FLOA"/"DOUB" -> REAL; else NUMERIC. NUMERIC affinity turns text that looks like a number into
// INTEGER or REAL on insert ('12.50' becomes 12.5, and a 20-digit decimal loses digits), so an exact
// decimal must live in a column of TEXT affinity.
//
// Export declares these types, each of which load maps back to exactly the same Arrow type:
//
//   Arrow                    declared type       affinity  stored as
//   bool                     BOOLEAN             NUMERIC   INTEGER 0 / 1
//   int8 int16 int32 int64   TINYINT SMALLINT INT32 BIGINT               INTEGER  INTEGER
//   uint8 uint16 uint32      UTINYINT USMALLINT UINT32                   INTEGER  INTEGER
//   uint64                   UBIGINT             INTEGER   INTEGER; a value above 2^63-1 is an error
//   float32 float64          FLOAT32 DOUBLE      REAL      REAL (NaN is an error, or NULL with
//                                                          SQLITE_NAN_AS_NULL: SQLite has no NaN)
//   decimal128(P, S)         DECIMAL_TEXT(P,S)   TEXT      TEXT '-123.45', exactly S fraction digits
//   utf8, large_utf8         TEXT                TEXT      TEXT
//   binary, large_binary     BLOB                BLOB      BLOB
//   date32                   DATE                NUMERIC   TEXT 'YYYY-MM-DD'
//   timestamp[any unit]      TIMESTAMP           NUMERIC   TEXT 'YYYY-MM-DD HH:MM:SS[.ffffff]'
//   timestamp[any, zone]     TIMESTAMPTZ         NUMERIC   TEXT '... +00:00' (the UTC instant)
//     (years outside 0000-9999 and the ±infinity sentinels: the SDK's spelling, sdk/values.hpp)
//   time32/time64            TIME                NUMERIC   TEXT 'HH:MM:SS[.ffffff]'
//   null                     TEXT                TEXT      NULL
//
// Why these names: INTEGER, INT and BIGINT are what people write for "any integer" in SQLite (INTEGER
// PRIMARY KEY is the 64-bit rowid), so they all load as int64, and a 32-bit column gets the explicit
// INT32. Likewise FLOAT and REAL are 64-bit in SQLite, so float32 is FLOAT32. DECIMAL_TEXT has TEXT
// affinity (it contains "TEXT"), which keeps decimals exact. The date/time names have NUMERIC affinity,
// which leaves their canonical text alone (it never looks like a number).
//
// Load maps a declared type (case-insensitive) in this order:
//   1. the names above, plus BOOL, DATETIME (timestamp[us]), "TIMESTAMP WITH TIME ZONE"
//      (timestamp[us, UTC]), FLOAT64/DOUBLE PRECISION (float64), and DECIMAL(P,S)/NUMERIC(P,S) with
//      1 <= P <= 38, 0 <= S <= P (decimal128(P, S); integers are exact, text must fit exactly, a REAL
//      is rounded to S digits since SQLite already stored it as a double);
//   2. otherwise by affinity: INTEGER -> int64, TEXT -> utf8, BLOB -> binary, REAL -> float64;
//   3. NUMERIC affinity with another name, no declared type (`CREATE TABLE t(x)`) and expressions in a
//      query: inferred from the values of the first batch (see infer_type).
// A REAL read into a FLOAT32 column is rounded to the nearest float (as storing it in a 4-byte column
// would); one beyond float's range is an error. Timestamps of any unit are written in microseconds
// (nanoseconds are truncated). Appending to a table someone else created binds each value by its Arrow
// type whatever the column's declared type (SQLite's flexible typing stores it anyway, a STRICT table
// refuses it).
// A value that does not fit the column's type ('abc' in an INTEGER column, 300 in TINYINT, a REAL 1.5
// in an int64 column) is an error naming the column and the row, never a silent NULL.
#pragma once

#include <mageio/sdk/arrow_builder.hpp>
#include <mageio/sdk/arrow_reader.hpp>
#include <mageio/sdk/types.hpp>

#include <sqlite3.h>

#include <optional>
#include <string>
#include <string_view>

namespace mageio::sqlite {

class Statement;

/// The declared type export uses for an Arrow type. Throws Error(NOT_IMPLEMENTED) for a type SQLite
/// cannot hold exactly (a decimal with a negative scale).
std::string declared_type_for(const sdk::DataType& type);

/// The Arrow type for a column's declared type, or nullopt when the type must be inferred from values
/// (no declared type, or NUMERIC affinity under a name not listed above).
std::optional<sdk::DataType> type_for_declared(std::string_view declared);

/// Which storage classes a column showed in the rows looked at (bits of 1 << SQLITE_INTEGER etc.).
using StorageClasses = unsigned;
inline StorageClasses storage_class_bit(int sqlite_type) { return 1u << sqlite_type; }

/// The type for a column whose type is inferred: only INTEGER -> int64; INTEGER and REAL -> float64;
/// any BLOB -> binary; any TEXT otherwise -> utf8; only NULLs (or no rows) -> utf8.
sdk::DataType infer_type(StorageClasses seen);

/// Appends `value` (any storage class) to `out`, converting it to the column's type. Throws
/// Error(INVALID_ARGUMENT) saying why when it does not fit; the caller adds the column and row.
void append_value(sdk::ColumnBuilder& out, sqlite3_value* value);

/// Binds row `row` of `column` to parameter `index` (1-based). Text and blobs are bound without a copy:
/// the batch must outlive the next step. Returns false when the value was a NaN, bound as NULL.
/// Throws Error(INVALID_ARGUMENT) for a value SQLite cannot hold (uint64 above 2^63-1).
bool bind_value(Statement& statement, int index, const sdk::ColumnView& column, int64_t row);

}  // namespace mageio::sqlite
