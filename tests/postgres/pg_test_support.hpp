// Helpers for the postgres suites: the throwaway server's settings (tools/with-test-servers.sh), opening
// the plugin through the real host, unique table names (suites may share the server), and running SQL
// through the plugin itself.
#pragma once

#include "test_support.hpp"

#include <mageio/core/connector.hpp>
#include <mageio/core/registry.hpp>
#include <mageio/sdk/arrow_builder.hpp>

#include <boost/json.hpp>

#include <unistd.h>

#include <mageio/sdk/arrow_reader.hpp>

#include <atomic>
#include <limits>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace pgtest {

using mageio::Connector;

struct Server {
  std::string host, port, user, password, dbname;
};

/// The server's settings, or nullopt when the servers are not running (the test then returns at once;
/// under CI=true server_env has already FAILED it).
inline std::optional<Server> server() {
  Server s;
  for (auto [name, field] :
       {std::pair{"MAGEIO_TEST_PG_HOST", &s.host}, std::pair{"MAGEIO_TEST_PG_PORT", &s.port},
        std::pair{"MAGEIO_TEST_PG_USER", &s.user}, std::pair{"MAGEIO_TEST_PG_PASSWORD", &s.password},
        std::pair{"MAGEIO_TEST_PG_DBNAME", &s.dbname}}) {
    auto value = mageio::test::server_env(name);
    if (!value) return std::nullopt;
    *field = *value;
  }
  return s;
}

inline boost::json::object config(const Server& s) {
  return boost::json::object{{"POSTGRES_HOST", s.host},     {"POSTGRES_PORT", s.port},
                             {"POSTGRES_USER", s.user},     {"POSTGRES_PASSWORD", s.password},
                             {"POSTGRES_DBNAME", s.dbname}, {"POSTGRES_SCHEMA", "public"}};
}

inline std::shared_ptr<const mageio::Plugin> plugin() {
  static mageio::Registry registry = mageio::test::bundled_registry();
  return registry.find("postgres");
}

inline std::unique_ptr<Connector> open(const boost::json::object& cfg,
                                       std::shared_ptr<mageio::HostCallbacks> host = nullptr) {
  return plugin()->open(cfg, std::move(host));
}

inline std::unique_ptr<Connector> open(const Server& s, std::shared_ptr<mageio::HostCallbacks> host = nullptr) {
  return open(config(s), std::move(host));
}

/// A name no other test (or concurrent run) uses: prefix_pid_counter_random.
inline std::string unique_name(const std::string& prefix) {
  static std::atomic<int> counter{0};
  static const unsigned salt = std::random_device{}() % 100000;
  return prefix + "_" + std::to_string(getpid()) + "_" + std::to_string(salt) + "_" + std::to_string(counter++);
}

/// A cell as canonical text (values.hpp), except the infinity sentinels of date32 and timestamp
/// columns (INT32/INT64 max and min, see plugins/postgres/pg_types.hpp), spelled "infinity" and
/// "-infinity": the SDK's format_timestamp overflows on them.
inline std::string cell_text(const mageio::sdk::ColumnView& column, int64_t row) {
  using mageio::sdk::TypeId;
  if (column.is_null(row)) return "NULL";
  if (column.type().id == TypeId::Timestamp) {
    const int64_t v = column.get_timestamp_us(row);
    if (v == std::numeric_limits<int64_t>::max()) return "infinity";
    if (v == std::numeric_limits<int64_t>::min()) return "-infinity";
  }
  if (column.type().id == TypeId::Date32) {
    const int32_t v = column.get_date32(row);
    if (v == std::numeric_limits<int32_t>::max()) return "infinity";
    if (v == std::numeric_limits<int32_t>::min()) return "-infinity";
  }
  return column.to_text(row);
}

/// Every row of a reader as text cells (cell_text).
inline std::vector<std::vector<std::string>> all_rows(mageio::BatchReader& reader) {
  std::vector<std::vector<std::string>> rows;
  mageio::sdk::OwnedArray batch;
  while (reader.next(batch)) {
    mageio::sdk::BatchView view(batch.array, reader.schema());
    for (int64_t r = 0; r < view.rows(); ++r) {
      std::vector<std::string> row;
      for (size_t c = 0; c < view.column_count(); ++c) row.push_back(cell_text(view.column(c), r));
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

/// Runs SQL through the plugin's execute; the rows it returns as text cells.
inline std::vector<std::vector<std::string>> query(Connector& db, const std::string& sql) {
  auto outcome = db.execute(sql);
  if (!outcome.rows) return {};
  return all_rows(*outcome.rows);
}

inline std::string scalar(Connector& db, const std::string& sql) {
  auto rows = query(db, sql);
  REQUIRE(rows.size() == 1);
  REQUIRE(rows[0].size() == 1);
  return rows[0][0];
}

inline int64_t exec(Connector& db, const std::string& sql) { return db.execute(sql).rows_affected; }

/// All rows of a load as text cells.
inline std::vector<std::vector<std::string>> load_text(Connector& db, mageio::LoadOptions options) {
  auto reader = db.load(options);
  return all_rows(reader);
}

/// "schema"."table" quoting for test SQL.
inline std::string q(const std::string& name) {
  std::string out = "\"";
  for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

using mageio::test::error_of;
using mageio::test::rows_stream;

}  // namespace pgtest
