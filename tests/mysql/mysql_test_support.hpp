// Helpers for the mysql suites: the throwaway MariaDB's settings (tools/with-test-servers.sh), opening the
// plugin through the real host, unique table names (suites share the server), running SQL through the
// plugin itself, and input streams built in the test.
#pragma once

#include "test_support.hpp"

#include <mageio/core/connector.hpp>
#include <mageio/core/registry.hpp>
#include <mageio/sdk/arrow_builder.hpp>
#include <mageio/sdk/arrow_reader.hpp>

#include <boost/json.hpp>

#include <unistd.h>

#include <atomic>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace mytest {

using mageio::Connector;
namespace sdk = mageio::sdk;

struct Server {
  std::string host, port, user, password, database, socket;
};

/// The server's settings, or nullopt when the servers are not running (the test then returns at once;
/// under CI=true server_env has already FAILED it).
inline std::optional<Server> server() {
  Server s;
  for (auto [name, field] :
       {std::pair{"MAGEIO_TEST_MYSQL_HOST", &s.host}, std::pair{"MAGEIO_TEST_MYSQL_PORT", &s.port},
        std::pair{"MAGEIO_TEST_MYSQL_USER", &s.user}, std::pair{"MAGEIO_TEST_MYSQL_PASSWORD", &s.password},
        std::pair{"MAGEIO_TEST_MYSQL_DATABASE", &s.database}, std::pair{"MAGEIO_TEST_MYSQL_SOCKET", &s.socket}}) {
    auto value = mageio::test::server_env(name);
    if (!value) return std::nullopt;
    *field = *value;
  }
  return s;
}

inline boost::json::object config(const Server& s, bool local_infile = true) {
  return boost::json::object{
      {"MYSQL_HOST", s.host},         {"MYSQL_PORT", s.port},
      {"MYSQL_USER", s.user},         {"MYSQL_PASSWORD", s.password},
      {"MYSQL_DATABASE", s.database}, {"MYSQL_ALLOW_LOCAL_INFILE", local_infile ? "true" : "false"}};
}

inline std::shared_ptr<const mageio::Plugin> plugin() {
  static mageio::Registry registry = mageio::test::bundled_registry();
  return registry.find("mysql");
}

inline std::unique_ptr<Connector> open(const boost::json::object& cfg,
                                       std::shared_ptr<mageio::HostCallbacks> host = nullptr) {
  return plugin()->open(cfg, std::move(host));
}

inline std::unique_ptr<Connector> open(const Server& s, std::shared_ptr<mageio::HostCallbacks> host = nullptr) {
  return open(config(s), std::move(host));
}

/// A name no other test (or concurrent run) uses: prefix_pid_salt_counter.
inline std::string unique_name(const std::string& prefix) {
  static std::atomic<int> counter{0};
  static const unsigned salt = std::random_device{}() % 100000;
  return prefix + "_" + std::to_string(getpid()) + "_" + std::to_string(salt) + "_" + std::to_string(counter++);
}

/// `name` in backticks for test SQL.
inline std::string q(const std::string& name) {
  std::string out = "`";
  for (char c : name) out += c == '`' ? std::string("``") : std::string(1, c);
  return out + "`";
}

/// A string literal for test SQL (default sql_mode).
inline std::string lit(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

/// Runs SQL through the plugin's execute; the rows it returns as text cells.
inline std::vector<std::vector<std::string>> query(Connector& db, const std::string& sql) {
  auto outcome = db.execute(sql);
  if (!outcome.rows) return {};
  return mageio::test::read_all_text(*outcome.rows);
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
  return mageio::test::read_all_text(reader);
}

/// Drops the table when the test ends, however it ends.
struct DropTable {
  Connector& db;
  std::string table;
  ~DropTable() {
    try {
      db.execute("DROP TABLE IF EXISTS " + q(table));
    } catch (...) {
    }
  }
};

/// Tables the plugin left behind: staging or old copies (<table>__mageio_stage_..., __mageio_old_...).
inline std::vector<std::string> leftovers(Connector& db, const std::string& table) {
  std::vector<std::string> names;
  for (const auto& row : query(db,
                               "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND "
                               "TABLE_NAME LIKE " +
                                   lit(table + "\\_\\_mageio\\_%")))
    names.push_back(row[0]);
  return names;
}

/// The COLUMN_TYPE of every column of a table, in order.
inline std::vector<std::string> column_types(Connector& db, const std::string& table) {
  std::vector<std::string> types;
  for (const auto& row : query(db,
                               "SELECT COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
                               "AND TABLE_NAME = " +
                                   lit(table) + " ORDER BY ORDINAL_POSITION"))
    types.push_back(row[0]);
  return types;
}

using mageio::test::error_of;
using mageio::test::rows_stream;

/// Log lines the plugin sent, for checking warnings.
struct LogCapture {
  std::shared_ptr<mageio::HostCallbacks> host = std::make_shared<mageio::HostCallbacks>();
  std::shared_ptr<std::mutex> mutex = std::make_shared<std::mutex>();
  std::shared_ptr<std::vector<std::pair<int32_t, std::string>>> lines =
      std::make_shared<std::vector<std::pair<int32_t, std::string>>>();
  LogCapture() {
    host->on_log = [mutex = mutex, lines = lines](int32_t level, const std::string& message) {
      std::lock_guard lock(*mutex);
      lines->emplace_back(level, message);
    };
  }
  bool contains(int32_t level, const std::string& text) const {
    std::lock_guard lock(*mutex);
    for (const auto& [l, m] : *lines)
      if (l == level && m.find(text) != std::string::npos) return true;
    return false;
  }
};

/// The process's peak resident set (VmHWM) in KiB.
inline int64_t peak_rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stoll(line.substr(6));
  return -1;
}

/// Fills `table` (created by the caller) with rows 1..n of `select_expr`, server-side, using a numbers
/// table built by cross-joining a 1000-row table with itself (portable MariaDB/MySQL 8 SQL).
inline void fill_numbers(Connector& db, const std::string& table, const std::string& columns,
                         const std::string& select_expr, int64_t n) {
  const std::string digits = unique_name("digits");
  exec(db, "CREATE TABLE " + q(digits) + " (d INT PRIMARY KEY)");
  std::string values;
  for (int i = 0; i < 1000; ++i) values += (i ? ",(" : "(") + std::to_string(i) + ")";
  exec(db, "INSERT INTO " + q(digits) + " VALUES " + values);
  for (int64_t start = 0; start < n; start += 1000000) {
    const int64_t count = std::min<int64_t>(1000000, n - start);
    exec(db, "INSERT INTO " + q(table) + " (" + columns + ") SELECT " + select_expr + " FROM (SELECT " +
                 std::to_string(start) + " + a.d * 1000 + b.d + 1 AS n FROM " + q(digits) + " a CROSS JOIN " +
                 q(digits) + " b) numbers WHERE n <= " + std::to_string(start + count));
  }
  exec(db, "DROP TABLE " + q(digits));
}

}  // namespace mytest
