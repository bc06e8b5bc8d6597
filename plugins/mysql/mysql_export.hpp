// Writing: an Arrow stream into a MySQL/MariaDB table, all or nothing.
//
// MySQL commits DDL implicitly, so "one transaction" alone cannot make replace or fail atomic. Instead:
//
//   new table (fail/append/replace when the target does not exist) and replace of an existing one:
//     CREATE TABLE <stage> from the Arrow schema (ENGINE=InnoDB DEFAULT CHARSET=utf8mb4)
//     START TRANSACTION; write every row into <stage>; COMMIT
//     replace:  RENAME TABLE <target> TO <old>, <stage> TO <target>  (one atomic statement); DROP <old>
//     new:      RENAME TABLE <stage> TO <target>  (fails, changing nothing, if someone created it meanwhile)
//   append to an existing table, and upsert into one:
//     START TRANSACTION; write every row into <target>; COMMIT
//   Any failure (a bad value, a server error, a broken input stream, the host cancelling, a lost
//   connection) rolls back and drops <stage>: the target and its rows are exactly as before. Staging tables
//   are named <table>__mageio_stage_<random hex> in the target's database. A replaced table's old copy
//   that cannot be dropped (e.g. referenced by a foreign key) is left as <table>__mageio_old_<hex> with a
//   warning; the new table is in place either way.
//
// Rows are written one of two ways (the "method" option: "auto", "load_data", "insert"):
//   LOAD DATA LOCAL INFILE streamed from memory on a connection of its own (mysql_infile.hpp), its rows
//     committed last, once everything else succeeded -- used by "auto" when
//     MYSQL_ALLOW_LOCAL_INFILE is true and the server's local_infile is ON, and never for upserts. It is the
//     fastest path. LOCAL makes the server downgrade errors to warnings (it cannot stop the client
//     mid-file), so every warning fails the export, and so does a row count that differs from the rows sent.
//   multi-row INSERT statements, each as large as fits max_allowed_packet (read from the server) and at most
//     4 MiB, values written as literals escaped for the session's sql_mode (binary as X'..' hex literals).
//   Either way a warning from the server is an error (exports are strict whatever sql_mode says: a
//   truncated or converted value is not written silently). Deprecation notes (VALUES() on MySQL 8.0.20+)
//   are ignored.
//
// Threads and memory: the input is read one batch ahead on a prefetch thread, so the upstream producer's
// work overlaps with encoding and with the server's; LOAD DATA adds a producer (encoding) thread
// (mysql_infile.hpp). The client holds at most three input batches plus one 4 MiB INSERT
// statement or 4 MiB of encoded LOAD DATA chunks, whatever the number of rows (measured in
// tests/mysql/test_mysql_memory.cpp).
//
// Upsert (unique_constraints):
//   UPDATE: INSERT ... ON DUPLICATE KEY UPDATE c = VALUES(c) for every other column. VALUES() works on
//     MariaDB and MySQL 8 (deprecated there since 8.0.20 but accepted); the "AS new" alias form is MySQL-only
//     and fails on MariaDB.
//   IGNORE: INSERT ... ON DUPLICATE KEY UPDATE k = k with k the first key column: a no-op that fires only
//     on a duplicate key. INSERT IGNORE would also turn every other error (bad values, NULL into NOT NULL,
//     foreign keys) into a skipped row.
//   Rows that repeat a key within the same export collapse too (UPDATE: the last wins; IGNORE: the first).
//   An existing table needs a PRIMARY KEY or UNIQUE index on exactly those columns (else INVALID_ARGUMENT:
//   ON DUPLICATE KEY would never fire and rows would be duplicated); a table this export creates gets one.
//
// rows_written is the number of input rows processed (inserted, updated or left alone as duplicates).
#pragma once

#include "mysql_session.hpp"

#include <mageio/sdk/arrow_reader.hpp>
#include <mageio/sdk/requests.hpp>

#include <memory>

namespace mageio::mysql {

int64_t export_rows(const std::shared_ptr<Session>& session, sdk::ExportRequest request, sdk::StreamReader& input);

/// The CREATE TABLE statement export uses for `schema` (exposed for alter_table and tests);
/// `key_text_collation` as exact_text_collation gives it for the server.
std::string create_table_sql(const std::string& qualified, const sdk::Schema& schema,
                             const std::vector<std::string>& unique_columns, std::string_view key_text_collation);

}  // namespace mageio::mysql
