// Writing the rows of a MySQL export into a table: LOAD DATA LOCAL INFILE over a second connection, or
// multi-row INSERT statements (with ON DUPLICATE KEY UPDATE for an upsert), reading the input one batch
// ahead (sdk::ReadAhead). What to write where is decided by export_rows (mysql_export.cpp) in a Plan.
#pragma once

#include "mysql_infile.hpp"
#include "mysql_session.hpp"

#include <mageio/sdk/arrow_reader.hpp>
#include <mageio/sdk/requests.hpp>

#include <cppconn/warning.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace mageio::mysql {

/// How rows are written: option "method".
enum class Method { Auto, LoadData, Insert };

struct Plan {
  std::string qualified;                   // where the rows go
  sdk::Schema schema;                      // the input's
  std::vector<std::string> columns;        // target column names, in input order (the table's spelling)
  std::vector<std::string> load_data_set;  // per column: "" or the SET expression over @vN (LOAD DATA)
  std::vector<std::string> unique;         // key columns (upsert), the table's spelling
  sdk::ConflictMethod conflict = sdk::ConflictMethod::Update;
  Method method = Method::Insert;
  bool chosen_automatically = false;  // "auto": LOAD DATA may fall back to INSERT before sending any row
  bool backslash_escapes = true;
  std::string context;
};

/// " ON DUPLICATE KEY UPDATE ..." for an upsert, "" otherwise.
std::string upsert_clause(const Plan& plan);

/// Throws for a warning the server gave about the data written (a value truncated or changed), naming
/// `context`; ignores the harmless ones (deprecations).
void check_warnings(Session& session, const sql::SQLWarning* warning, const std::string& context);

class ExportWriter {
 public:
  /// `loaded`: where a LOAD DATA leaves its connection, with the rows in its open transaction, for the
  /// caller to commit once everything else succeeded.
  ExportWriter(Session& session, const Plan& plan, sdk::StreamReader& input, std::unique_ptr<LoadConnection>& loaded);
  ~ExportWriter();
  /// Writes every row of the input; returns the row count.
  int64_t write();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mageio::mysql
